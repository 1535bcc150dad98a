/** `soak analyze <run-dir | samples.csv>`: re-analyse recorded samples, rewrite the derived files, same exit codes. */
import type { Argv, CommandModule } from 'yargs';
import { reanalyze, type ReanalyzeOptions } from '../commands/analyze.js';
import { printResult } from './progress.js';
import { renderMarkdown } from '../report/markdown.js';
import { appendStepSummary } from './step-summary.js';
import { parseRateFlag, parseSizeFlag, parseWarmupFlag } from './flags.js';

interface AnalyzeArgs {
  run: string;
  out?: string;
  warmup?: string;
  'max-slope'?: string;
  'max-growth'?: string;
  strict?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze <run>',
  describe: 're-analyse a run directory or a samples.csv; rewrites summary.json, summary.md, report.html and junit.xml (never the samples)',
  builder: (yargs) =>
    yargs
      .positional('run', { type: 'string', describe: 'a run directory, or a samples.csv that follows the contract', demandOption: true })
      .option('out', { type: 'string', describe: 'write the derived files here instead of the run directory' })
      .option('warmup', { type: 'string', describe: "override the warm-up: 'auto' or a duration [default: as recorded]" })
      .option('max-slope', { type: 'string', describe: 'override the slope threshold, e.g. 1MB/h [default: as recorded]' })
      .option('max-growth', { type: 'string', describe: 'override the growth threshold, e.g. 50MB [default: as recorded]' })
      .option('strict', { type: 'boolean', describe: 'an inconclusive verdict fails with exit code 4' })
      .option('json', { type: 'boolean', describe: 'print summary.json to stdout' })
      .option('quiet', { type: 'boolean', describe: 'no verdict lines on stderr' }) as Argv<AnalyzeArgs>,
  handler: async (args) => {
    const options: ReanalyzeOptions = {
      run: args.run,
      strict: args.strict === true,
      argv: ['soak', ...process.argv.slice(2)],
      ...(args.out === undefined ? {} : { outDir: args.out }),
      ...(args.warmup === undefined ? {} : { warmup: parseWarmupFlag(args.warmup) }),
      ...(args['max-slope'] === undefined ? {} : { maxSlopeBytesPerHour: parseRateFlag('--max-slope', args['max-slope']) * 3600 }),
      ...(args['max-growth'] === undefined ? {} : { maxGrowthBytes: parseSizeFlag('--max-growth', args['max-growth']) }),
    };
    const result = await reanalyze(options);
    appendStepSummary(renderMarkdown(result.summary));
    if (args.quiet !== true) printResult(result);
    if (args.json === true) process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
    process.exitCode = result.exitCode;
  },
};
