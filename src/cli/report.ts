/** `soak report <run-dir>...`: one release report over several run directories; exit code of the worst verdict. */
import type { Argv, CommandModule } from 'yargs';
import { releaseReport } from '../commands/report.js';
import { releaseLines, renderReleaseMarkdown } from '../report/release-report.js';
import { defaultOutDir } from './run.js';
import { appendStepSummary } from './step-summary.js';

interface ReportArgs {
  runs: string[];
  out?: string;
  strict?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <runs..>',
  describe:
    'one release report over several run directories (machines, CI jobs): a verdict table per run and workload, linking to each ' +
    "run's report.html; writes release.md, release.html and release.json; exits with the worst verdict's code",
  builder: (yargs) =>
    yargs
      .positional('runs', { type: 'string', array: true, describe: 'run directories (or their summary.json)', demandOption: true })
      .option('out', { type: 'string', describe: 'write the report here (it must not hold a release.json) [default: reports/release-<UTC time>]' })
      .option('strict', { type: 'boolean', describe: 'an inconclusive workload fails with exit code 4' })
      .option('json', { type: 'boolean', describe: 'print release.json to stdout' })
      .option('quiet', { type: 'boolean', describe: 'no result lines on stderr' }) as Argv<ReportArgs>,
  handler: async (args) => {
    const strict = args.strict === true;
    const { report, outDir, exitCode } = await releaseReport({ runs: args.runs, outDir: args.out ?? defaultOutDir('release', []), strict });
    appendStepSummary(renderReleaseMarkdown(report));
    if (args.quiet !== true) process.stderr.write(`${releaseLines(report, outDir, strict).join('\n')}\n`);
    if (args.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = exitCode;
  },
};
