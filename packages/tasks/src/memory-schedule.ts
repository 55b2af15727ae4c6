/**
 * The in-process backend's schedule: which job runs next. Jobs already due wait by priority,
 * then enqueue order; jobs due later wait by due time, and one timer, for the soonest, moves
 * them to waiting when due and tells the backend. The backend (memory.ts) decides when and
 * how many run; this only orders them, so neither has to know the other's bookkeeping.
 *
 * @module
 */
import { Heap } from './heap.ts'
import type { StoredJob } from './memory-job.ts'

/** Waiting and delayed jobs, with one timer for the soonest delayed one. */
export class Schedule {
  private readonly waiting = new Heap<StoredJob>(
    (a, b) => a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq),
  )
  private readonly delayed = new Heap<StoredJob>(
    (a, b) => a.runAt < b.runAt || (a.runAt === b.runAt && a.seq < b.seq),
  )
  private timer: NodeJS.Timeout | null = null
  private readonly onDue: () => void

  /** `onDue` is called after the timer moved delayed jobs to waiting. */
  constructor(onDue: () => void) {
    this.onDue = onDue
  }

  /** Jobs due now, not yet running. */
  get waitingSize(): number {
    return this.waiting.size
  }

  /** Jobs due later. */
  get delayedSize(): number {
    return this.delayed.size
  }

  /** Queues a job by its `runAt`: waiting if due, else delayed (its state set to match). */
  push(record: StoredJob): void {
    if (record.runAt > Date.now()) {
      record.state = 'delayed'
      this.delayed.push(record)
      this.arm()
    } else {
      record.state = 'waiting'
      this.waiting.push(record)
    }
  }

  /** Takes the next waiting job. */
  next(): StoredJob | undefined {
    return this.waiting.pop()
  }

  /** Stops the timer: delayed jobs stay, and are timed again when a delayed job is pushed. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  /** One timer, for the soonest delayed job. */
  private arm(): void {
    const next = this.delayed.peek()
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (next === undefined) return
    this.timer = setTimeout(
      () => {
        this.timer = null
        const now = Date.now()
        while ((this.delayed.peek()?.runAt ?? Number.POSITIVE_INFINITY) <= now) {
          const record = this.delayed.pop()!
          record.state = 'waiting'
          this.waiting.push(record)
        }
        this.arm()
        this.onDue()
      },
      Math.max(0, next.runAt - Date.now()),
    )
    this.timer.unref()
  }
}
