/**
 * V8 flags the controller sets before it starts the first worker. V8's flags are process-wide, so
 * every worker's isolate gets them (a worker's execArgv cannot carry V8 flags).
 *
 * --no-flush-bytecode: V8 drops the bytecode of functions that have not run for a few
 * allocation-triggered mark-compacts, and with it their feedback vectors, then compiles and
 * allocates both again when the function runs next: churn in the very heap being measured, for
 * minutes. Keeping bytecode changes nothing a program retains (bytecode is counted in code_bytes,
 * which the judged heap leaves out). See docs/method.md, section 7, and the README's measurement.
 *
 * --no-allocation-site-pretenuring and --no-page-promotion, with --snapshots only: V8 forgets a
 * dead object's id only at the next snapshot, and an object that comes to sit at the dead one's
 * address without being moved there takes the id over; the three-snapshot diff would then count a
 * same-shaped successor as a survivor. Two ways put one there: an allocation site V8 has learned to
 * pretenure allocates straight into old space, and a full GC promotes a mostly-live young page
 * whole, its objects where they are (into a page that may have held old objects before). Measured
 * on the cache's side-index leak, expired policies read as alive in the live map: thousands with
 * both, 0-18 with pretenuring off, none in 12 runs with both off. Without them every object reaches
 * old space by a move, and a move onto a dead entry's address drops that entry. They cost GC work
 * (scavenges, copying), not what a program retains.
 *
 * A flag given on node's own command line, in either form (`node --flush-bytecode ...`), is left as
 * given: that is how the benchmark measures the difference, and how a user opts out.
 */
import { setFlagsFromString } from 'node:v8';

const DEFAULT_FLAGS = ['--no-flush-bytecode'] as const;
const SNAPSHOT_FLAGS = ['--no-allocation-site-pretenuring', '--no-page-promotion'] as const;

/** `--no-flush-bytecode` and `--flush_bytecode` name the same flag. */
function flagName(flag: string): string {
  return flag
    .replace(/^--(no-)?/, '')
    .replaceAll('_', '-')
    .replace(/=.*$/, '');
}

/** Sets each default flag (and with `snapshots` theirs) that node's command line did not set; returns the flags in force, as given or set. */
export function applyWorkerV8Flags(snapshots: boolean, execArgv: readonly string[] = process.execArgv): string[] {
  return [...DEFAULT_FLAGS, ...(snapshots ? SNAPSHOT_FLAGS : [])].map((flag) => {
    const given = execArgv.find((a) => a.startsWith('--') && flagName(a) === flagName(flag));
    if (given === undefined) setFlagsFromString(flag);
    return given ?? flag;
  });
}
