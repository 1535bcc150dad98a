/** `soak compare <baseline> <candidate>`: release comparison of two runs' summaries; exit 1 on a regression. */
import type { Argv, CommandModule } from 'yargs';
import { compare, type CompareOptions } from '../commands/compare.js';
import { compareLines, renderCompareMarkdown } from '../report/compare-report.js';
import { appendStepSummary } from './step-summary.js';

interface CompareArgs {
  baseline: string;
  candidate: string;
  out?: string;
  strict?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <baseline> <candidate>',
  describe:
    'release comparison: per workload, the change of heap slope and bytes/op from the baseline run to the candidate; ' +
    'a change over 10% beyond noise is a regression (exit 1); writes compare.md and compare.json',
  builder: (yargs) =>
    yargs
      .positional('baseline', { type: 'string', describe: "the previous release's run directory, or its summary.json", demandOption: true })
      .positional('candidate', { type: 'string', describe: "this release's run directory, or its summary.json", demandOption: true })
      .option('out', {
        type: 'string',
        describe: "write compare.md and compare.json here (it must not hold a compare.json) [default: the candidate's run directory]",
      })
      .option('strict', { type: 'boolean', describe: 'a workload that is inconclusive or cannot be compared fails with exit code 4' })
      .option('json', { type: 'boolean', describe: 'print compare.json to stdout' })
      .option('quiet', { type: 'boolean', describe: 'no result lines on stderr' }) as Argv<CompareArgs>,
  handler: async (args) => {
    const options: CompareOptions = {
      baseline: args.baseline,
      candidate: args.candidate,
      strict: args.strict === true,
      ...(args.out === undefined ? {} : { outDir: args.out }),
    };
    const { result, outDir, exitCode } = await compare(options);
    appendStepSummary(renderCompareMarkdown(result));
    if (args.quiet !== true) process.stderr.write(`${compareLines(result, outDir, args.strict === true).join('\n')}\n`);
    if (args.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = exitCode;
  },
};
