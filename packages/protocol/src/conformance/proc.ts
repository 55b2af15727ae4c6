/**
 * The memory of the server under test, from Linux's `/proc`: the resident set of its process
 * and of every descendant (a server may fork workers).
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'

/** Whether memory can be measured here (Linux `/proc` with the process in it). */
export function canMeasure(pid: number | undefined): pid is number {
  return pid !== undefined && existsSync(`/proc/${pid}/status`)
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0 // it exited meanwhile
  }
}

function children(): Map<number, number[]> {
  const out = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1')
    } catch {
      continue
    }
    // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const list = out.get(ppid) ?? []
    list.push(Number(name))
    out.set(ppid, list)
  }
  return out
}

/** The resident memory of `pid` and its descendants, in bytes. */
export function treeRss(pid: number): number {
  const tree = children()
  let total = 0
  const todo = [pid]
  while (todo.length > 0) {
    const p = todo.pop()!
    total += rssOf(p)
    todo.push(...(tree.get(p) ?? []))
  }
  return total
}
