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
 * A flag given on node's own command line, in either form (`node --flush-bytecode ...`), is left as
 * given: that is how the benchmark measures the difference, and how a user opts out.
 */
import { setFlagsFromString } from 'node:v8';

const DEFAULT_FLAGS = ['--no-flush-bytecode'] as const;

/** `--no-flush-bytecode` and `--flush_bytecode` name the same flag. */
function flagName(flag: string): string {
  return flag
    .replace(/^--(no-)?/, '')
    .replaceAll('_', '-')
    .replace(/=.*$/, '');
}

/** Sets each default flag that node's command line did not set; returns the flags in force, as given or set. */
export function applyWorkerV8Flags(execArgv: readonly string[] = process.execArgv): string[] {
  return DEFAULT_FLAGS.map((flag) => {
    const given = execArgv.find((a) => a.startsWith('--') && flagName(a) === flagName(flag));
    if (given === undefined) setFlagsFromString(flag);
    return given ?? flag;
  });
}
