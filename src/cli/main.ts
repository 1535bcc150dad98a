#!/usr/bin/env node
/** The `soak` command line: a thin layer of yargs commands over the library. */
import yargs, { type MiddlewareFunction } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, errors, UsageError } from '../errors.js';
import { analyzeCommand } from './analyze.js';
import { calibrateCommand } from './calibrate.js';
import { compareCommand } from './compare.js';
import { doctorCommand } from './doctor.js';
import { listCommand } from './list.js';
import { reportCommand } from './report.js';
import { runCommands } from './run.js';
import { snapshotDiffCommand } from './snapshot-diff.js';

const args = hideBin(process.argv);
/** Each command's usage, as yargs declares it: `compare <baseline> <candidate>`. */
const usages: string[] = [...runCommands, analyzeCommand, compareCommand, reportCommand, snapshotDiffCommand, calibrateCommand, listCommand, doctorCommand].map(
  (c) => String(Array.isArray(c.command) ? c.command[0] : c.command),
);
const commands = usages.map((u) => u.split(' ')[0] ?? u);
const first = args[0];
const command = first !== undefined && commands.includes(first) ? first : undefined;
/** Errors read `soak compare: ...`: the command the user typed, once. */
const prefix = command === undefined ? 'soak' : `soak ${command}`;

/** yargs says "Not enough non-option arguments: got 1, need at least 2"; name what is missing instead. */
function missingPositionals(message: string): string | undefined {
  const got = /^Not enough non-option arguments: got (\d+)/.exec(message);
  const usage = usages.find((u) => u.split(' ')[0] === command);
  if (got === null || usage === undefined) return undefined;
  const positionals = usage.split(' ').slice(1);
  const missing = positionals.slice(Number(got[1]));
  return `missing ${missing.join(' ')}; usage: soak ${usage}`;
}

/** yargs reads `--max-slope -1MB/h` as the short flags -1, -M, -B and calls them unknown arguments: say what happened. */
function negativeValue(text: string): string | undefined {
  const unknown = /^Unknown arguments?: (.*)$/.exec(text)?.[1]?.split(', ');
  if (unknown === undefined) return undefined;
  // The token whose first character yargs took for a flag of its own.
  const at = args.findIndex((token) => /^-\d/.test(token) && unknown.includes(token.charAt(1)));
  if (at < 1) return undefined;
  return `${args[at - 1]} ${args[at]}: a value cannot start with '-' (it reads as flags); soak takes no negative values here`;
}

/**
 * yargs reads `--snapshots=yes` as false, silently: a switch given a value must be given true or false.
 * Runs as middleware, where the command's own switches are known.
 */
function checkSwitchValues(switches: readonly string[]): void {
  const known = new Set(switches);
  for (const token of args) {
    if (token === '--') break;
    const given = /^--(?:no-)?([^=]+)=(.*)$/s.exec(token);
    if (given === null || !known.has(given[1] ?? '') || given[2] === 'true' || given[2] === 'false') continue;
    throw new UsageError(`--${given[1]} is a switch: give it alone or as --${given[1]}=true or =false (got '${given[2]}')`);
  }
}

/** yargs passes a middleware its instance, the command's options known, as a second argument its types leave out. */
const switchValuesMiddleware = ((_argv: unknown, y: { getOptions(): { boolean: string[] } }) =>
  checkSwitchValues(y.getOptions().boolean)) as unknown as MiddlewareFunction;

const cli = yargs(args)
  .scriptName('soak')
  .usage('$0 <command> [options]\n\nFinds memory leaks in Node.js code by soaking it in long-lived worker-thread pools.')
  .command(runCommands)
  .command(analyzeCommand)
  .command(compareCommand)
  .command(reportCommand)
  .command(snapshotDiffCommand)
  .command(calibrateCommand)
  .command(listCommand)
  .command(doctorCommand)
  .demandCommand(
    1,
    'give a command: soak short, soak long, soak run, soak analyze, soak compare, soak report, soak snapshot-diff, soak calibrate, soak doctor or soak list (soak --help lists them)',
  )
  .strict()
  .middleware(switchValuesMiddleware, true)
  .recommendCommands()
  .wrap(Math.min(110, process.stderr.columns || 100))
  .epilog(
    'Sizes are 1024-based: 1KB = 1024 bytes. Exit codes: 0 pass, 1 leak (compare: a regression), 2 bad input, 3 run failed, 4 inconclusive with --strict.',
  )
  .fail((message, error) => {
    // One line, no stack: bad input is the user's to fix, not a crash.
    if (error instanceof UsageError) throw error;
    const text = message ?? error?.message ?? 'invalid command line';
    throw new UsageError(missingPositionals(text) ?? negativeValue(text) ?? text);
  });

const withPrefix = (message: string): string => (message.startsWith(`${prefix}:`) ? message : `${prefix}: ${message}`);

// An error that no command could catch (thrown in an event handler: piscina replacing a dead worker
// when no thread can be started, say) would end Node with its code 1, which is soak's "leak found".
// Exit 3 instead, saying what happened: the CSV files hold every row written before it.
process.on('uncaughtException', (err: Error & { code?: string }) => {
  const what = err.code === 'ERR_WORKER_INIT_FAILED' ? errors.noThread(err.message).message : `internal error: ${err.message}`;
  const recorded =
    command === 'run' || command === 'short' || command === 'long'
      ? "; the run's files hold what was recorded (soak analyze reads them, --resume continues a run)"
      : '';
  process.stderr.write(`${withPrefix(what)}${recorded}\n`);
  if (process.env['SOAK_DEBUG']) process.stderr.write(`${err.stack}\n`);
  process.exit(ExitCode.runFailed);
});

try {
  if (first !== undefined && !first.startsWith('-') && !commands.includes(first)) {
    throw new UsageError(`unknown command '${first}'; commands are ${commands.join(', ')} (soak --help describes them)`);
  }
  await cli.parseAsync();
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`${withPrefix(err.message)}\n`);
    process.exitCode = ExitCode.usage;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${withPrefix(message)}\n`);
    if (process.env['SOAK_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = ExitCode.runFailed;
  }
}
