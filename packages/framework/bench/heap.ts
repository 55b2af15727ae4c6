/**
 * Allocation sampling inside a bench target, driven over its IPC channel by bench/alloc.ts:
 * `start` begins V8's sampling heap profiler counting objects the GC has already collected
 * (so the total is what was allocated, not what survived); `stop` replies with the bytes
 * sampled and the functions that allocated them, by self size.
 */
import { Session } from 'node:inspector/promises'

/** One allocating function: where, and the bytes sampled there. */
export interface Allocator {
  name: string
  bytes: number
}

/** A target's reply to `stop`. */
export interface HeapReport {
  bytes: number
  top: Allocator[]
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: ProfileNode[]
}

/** Answers `start` and `stop` messages from the parent process. */
export function heapSampling(): void {
  const session = new Session()
  session.connect()
  process.on('message', async (message) => {
    if (message === 'start') {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 256,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      })
      process.send!('started')
    } else if (message === 'stop') {
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
        profile: { head: ProfileNode }
      }
      const by = new Map<string, number>()
      let bytes = 0
      const visit = (node: ProfileNode) => {
        bytes += node.selfSize
        if (node.selfSize > 0) {
          const f = node.callFrame
          const file = f.url.replace(/^.*\/(node_modules|packages)\//, '')
          const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`
          by.set(key, (by.get(key) ?? 0) + node.selfSize)
        }
        for (const child of node.children) visit(child)
      }
      visit(profile.head)
      const top = [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)
      const report: HeapReport = { bytes, top: top.map(([name, b]) => ({ name, bytes: b })) }
      process.send!(report)
    }
  })
}
