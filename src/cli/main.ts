#!/usr/bin/env node
/** The `soak` command line: a thin layer of yargs commands over the library. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, UsageError } from '../errors.js';
import { analyzeCommand } from './analyze.js';
import { calibrateCommand } from './calibrate.js';
import { compareCommand } from './compare.js';
import { listCommand } from './list.js';
import { runCommands } from './run.js';

const args = hideBin(process.argv);
const commands = [...runCommands.map((c) => c.command), 'analyze', 'compare', 'calibrate', listCommand.command];

const cli = yargs(args)
  .scriptName('soak')
  .usage('$0 <command> [options]\n\nFinds memory leaks in Node.js code by soaking it in long-lived worker-thread pools.')
  .command(runCommands)
  .command(analyzeCommand)
  .command(compareCommand)
  .command(calibrateCommand)
  .command(listCommand)
  .demandCommand(1, 'give a command: soak short, soak run, soak analyze, soak compare, soak calibrate or soak list (soak --help lists them)')
  .strict()
  .recommendCommands()
  .wrap(Math.min(110, process.stderr.columns || 100))
  .epilog('Sizes are 1024-based: 1KB = 1024 bytes. Exit codes: 0 pass, 1 leak (compare: a regression), 2 bad input, 3 run failed, 4 inconclusive with --strict.')
  .fail((message, error) => {
    // One line, no stack: bad input is the user's to fix, not a crash.
    throw error instanceof UsageError ? error : new UsageError(message ?? error?.message ?? 'invalid command line');
  });

try {
  const first = args[0];
  if (first !== undefined && !first.startsWith('-') && !commands.includes(first)) {
    throw new UsageError(`unknown command '${first}'; commands are ${commands.join(', ')} (soak --help describes them)`);
  }
  await cli.parseAsync();
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`soak: ${err.message}\n`);
    process.exitCode = ExitCode.usage;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`soak: ${message}\n`);
    if (process.env['SOAK_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = ExitCode.runFailed;
  }
}
