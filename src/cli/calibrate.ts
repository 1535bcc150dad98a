/** `soak calibrate`: a clean run of the workloads, reported as this machine's noise floor and minimum detectable slope. */
import type { Argv, CommandModule } from 'yargs';
import { calibrate } from '../commands/calibrate.js';
import type { SoakInput } from '../commands/run.js';
import { defaultOutDir, flagChecked, workloadList } from './run.js';
import { integer, parseDurationFlag } from './flags.js';
import { attachProgress } from './progress.js';

interface CalibrateArgs {
  workload?: string[];
  duration?: string;
  interval?: string;
  threads?: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: "measure this machine's noise floor and minimum detectable slope per workload for a run length",
  builder: (yargs) =>
    yargs
      .option('workload', { type: 'string', array: true, describe: 'workloads to calibrate, run clean [default: all built-in]' })
      .option('duration', { type: 'string', describe: 'the run length to calibrate for [default: 2m]' })
      .option('interval', { type: 'string', describe: 'time between samples [default: 1s]' })
      .option('threads', { type: 'string', describe: 'workers per workload pool [default: 2]' })
      .option('out', { type: 'string', describe: 'run directory [default: reports/calibrate-<UTC time>]' })
      .option('json', { type: 'boolean', describe: 'print calibration.json to stdout' })
      .option('quiet', { type: 'boolean', describe: 'no progress on stderr' }) as Argv<CalibrateArgs>,
  handler: async (args) => {
    const workloads = workloadList(args.workload);
    const input: SoakInput = { command: 'calibrate', workloads, outDir: args.out ?? defaultOutDir('calibrate', []) };
    if (args.duration !== undefined) input.durationS = parseDurationFlag('--duration', args.duration);
    if (args.interval !== undefined) input.intervalS = parseDurationFlag('--interval', args.interval, '1s or 5m');
    if (args.threads !== undefined) input.threads = integer('--threads', args.threads);
    const quiet = args.quiet === true;
    const { calibration, markdown, run } = await calibrate(
      flagChecked({ ...input, commandLine: ['soak', ...process.argv.slice(2)] }),
      quiet ? undefined : attachProgress,
    );
    if (!quiet) process.stderr.write(`${markdown}soak: calibration in ${run.outDir}\n`);
    if (args.json === true) process.stdout.write(`${JSON.stringify(calibration, null, 2)}\n`);
    // A clean run that cannot finish is a failed calibration; any verdict of a finished one is a measurement.
    process.exitCode = run.summary.verdict === 'error' ? run.exitCode : 0;
  },
};
