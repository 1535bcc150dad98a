/** `soak calibrate`: a clean run of the workloads, reported as this machine's noise floor and minimum detectable slope. */
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { builtInWorkloads } from '../controller/workload-loader.js';
import { Soak, type SoakInput } from '../controller/soak.js';
import { buildCalibration, renderCalibration } from '../report/calibration.js';
import { defaultOutDir, flagNames } from './run.js';
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
  builder: (yargs) => (yargs
    .option('workload', { type: 'string', array: true, describe: 'workloads to calibrate, run clean [default: all built-in]' })
    .option('duration', { type: 'string', describe: 'the run length to calibrate for [default: 2m]' })
    .option('interval', { type: 'string', describe: 'time between samples [default: 1s]' })
    .option('threads', { type: 'string', describe: 'workers per workload pool [default: 2]' })
    .option('out', { type: 'string', describe: 'run directory [default: reports/calibrate-<UTC time>]' })
    .option('json', { type: 'boolean', describe: 'print calibration.json to stdout' })
    .option('quiet', { type: 'boolean', describe: 'no progress on stderr' }) as Argv<CalibrateArgs>),
  handler: async (args) => {
    const workloads = (args.workload ?? [...builtInWorkloads]).flatMap((w) => w.split(',')).map((w) => w.trim()).filter((w) => w !== '');
    const input: SoakInput = { command: 'calibrate', workloads, outDir: args.out ?? defaultOutDir('calibrate', []) };
    if (args.duration !== undefined) input.durationS = parseDurationFlag('--duration', args.duration);
    if (args.interval !== undefined) input.intervalS = parseDurationFlag('--interval', args.interval, '1s or 5m');
    if (args.threads !== undefined) input.threads = integer('--threads', args.threads);
    const soak = new Soak(input, flagNames, ['soak', ...process.argv.slice(2)]);
    if (args.quiet !== true) attachProgress(soak);
    const result = await soak.run();
    const calibration = buildCalibration(result.summary, availableParallelism());
    const markdown = renderCalibration(calibration);
    writeFileSync(join(result.outDir, 'calibration.json'), `${JSON.stringify(calibration, null, 2)}\n`);
    writeFileSync(join(result.outDir, 'calibration.md'), markdown);
    if (args.quiet !== true) process.stderr.write(`${markdown}soak: calibration in ${result.outDir}\n`);
    if (args.json === true) process.stdout.write(`${JSON.stringify(calibration, null, 2)}\n`);
    // A clean run that cannot finish is a failed calibration; any verdict of a finished one is a measurement.
    process.exitCode = result.summary.verdict === 'error' ? result.exitCode : 0;
  },
};
