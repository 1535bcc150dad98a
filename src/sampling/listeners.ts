/**
 * Event-listener counts on named emitters: a listener added per operation and never removed is one
 * of the commonest Node leaks, and its count says so long before its closures' bytes stand out.
 * Reading them is cheap (a few listenerCount calls per sample), so every sample carries them.
 */
import { getEventListeners } from 'node:events';
import { countKey, formatCounts } from './counts.js';

import type { ListenedEmitter, ListenerCountable } from '../workload.js';

/** Emitters by name, as a workload's `emitters` gives them and with the worker's own. */
export type EmitterEntries = Iterable<readonly [string, ListenedEmitter | readonly ListenedEmitter[]]>;

/**
 * `lifecycle.shutdown:40 process.exit:1`: the listeners per name and event, most first, events
 * without listeners left out. A name may stand for several emitters (one per downstream, say):
 * their counts are summed, so a family of emitters reads as one. `present`: counts to leave out,
 * the listeners Node itself put on a worker's process before the workload ran.
 */
export function countListeners(emitters: EmitterEntries, present: ReadonlyMap<string, number> = new Map()): string {
  const counts = listenerCounts(emitters);
  for (const [key, n] of present) {
    const added = (counts.get(key) ?? 0) - n;
    if (added > 0) counts.set(key, added);
    else counts.delete(key);
  }
  return formatCounts(counts);
}

/** The listeners per `name.event`, as countListeners reads them. */
export function listenerCounts(emitters: EmitterEntries): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (key: string, n: number): void => {
    if (n > 0) counts.set(key, (counts.get(key) ?? 0) + n);
  };
  for (const [name, family] of emitters) {
    const prefix = countKey(name);
    for (const emitter of Array.isArray(family) ? family : [family]) {
      if (isAbortSignal(emitter)) {
        add(`${prefix}.abort`, getEventListeners(emitter, 'abort').length);
        continue;
      }
      // A plugin written in JavaScript may name something else: it has no listeners to count.
      if (!isCountable(emitter)) continue;
      for (const event of emitter.eventNames()) add(`${prefix}.${countKey(String(event))}`, emitter.listenerCount(event));
    }
  }
  return counts;
}

function isAbortSignal(emitter: unknown): emitter is AbortSignal {
  return emitter instanceof AbortSignal;
}

function isCountable(emitter: unknown): emitter is ListenerCountable {
  const e = emitter as Partial<ListenerCountable> | null | undefined;
  return typeof e?.eventNames === 'function' && typeof e.listenerCount === 'function';
}
