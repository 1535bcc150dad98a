/** `soak doctor`: one workload on the main thread under Clinic Doctor (installed separately); doctor.html in the run directory. */
import { isAbsolute, relative } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { doctor, doctorDefaults, DOCTOR_HTML, type DoctorOptions, type DoctorProgress } from '../commands/doctor.js';
import { parseParamSpec } from '../controller/workload-loader.js';
import { errors } from '../errors.js';
import { formatDuration } from '../units.js';
import { integer, parseDurationFlag } from './flags.js';
import { defaultOutDir } from './run.js';

interface DoctorArgs {
  workload?: string | string[];
  param?: string[];
  duration?: string;
  concurrency?: string;
  seed?: string;
  out?: string;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe:
    'one workload on the main thread under Clinic Doctor (npm install --no-save @clinic/doctor first): GC pauses, event-loop delay, CPU and handles over time, in doctor.html',
  builder: (yargs) =>
    yargs
      .option('workload', { type: 'string', describe: 'the workload: a built-in name or a plugin module path (one; required)' })
      .option('param', { type: 'string', array: true, describe: 'workload parameter key=value (repeatable)' })
      .option('duration', { type: 'string', describe: `how long it runs under doctor, at least 1s [default: ${formatDuration(doctorDefaults.durationS)}]` })
      .option('concurrency', { type: 'string', describe: `operations in flight [default: ${doctorDefaults.concurrency}]` })
      .option('seed', { type: 'string', describe: "seed of the workload's random numbers [default: random, recorded in doctor.json]" })
      .option('out', { type: 'string', describe: `run directory; must not hold a doctor report [default: reports/doctor-<UTC time>]` }) as Argv<DoctorArgs>,
  handler: async (args) => {
    const options: DoctorOptions = {
      workload: oneWorkload(args.workload),
      params: (args.param ?? []).map(parseParamSpec),
      outDir: args.out ?? defaultOutDir('doctor', []),
      commandLine: ['soak', ...process.argv.slice(2)],
      onProgress: printProgress,
      ...(args.duration === undefined ? {} : { durationS: durationFlag(args.duration) }),
      ...(args.concurrency === undefined ? {} : { concurrency: integer('--concurrency', args.concurrency) }),
      ...(args.seed === undefined ? {} : { seed: integer('--seed', args.seed) }),
    };
    const { htmlPath, record, exitCode } = await doctor(options);
    const { outcome } = record;
    const ran = `${outcome.opsTotal} operations, ${outcome.errorsTotal} errors in ${formatDuration(Math.round(outcome.elapsedS))}`;
    if (outcome.stoppedBy !== undefined) process.stderr.write(`soak doctor: stopped early by ${outcome.stoppedBy}\n`);
    if (outcome.teardownError !== undefined) process.stderr.write(`soak doctor: warning: the teardown of ${record.workload} threw: ${outcome.teardownError}\n`);
    if (exitCode !== 0) process.stderr.write(`soak doctor: every operation of ${record.workload} failed: the report shows the failure, not the workload\n`);
    process.stderr.write(`soak doctor: ${record.workload}: ${ran}; Clinic Doctor's report: ${shown(htmlPath)} (open it in a browser)\n`);
    process.exitCode = exitCode;
  },
};

/** Doctor follows one thread, so one workload: a name or a path, given once. */
function oneWorkload(given: string | string[] | undefined): string {
  const list = (Array.isArray(given) ? given : given === undefined ? [] : [given]).flatMap((w) => w.split(',')).map((w) => w.trim());
  const [workload] = list;
  if (list.length !== 1 || workload === undefined || workload === '') {
    throw errors.option('--workload', 'one workload, a built-in name or a plugin module path (soak doctor runs one, on the main thread)', given?.toString());
  }
  return workload;
}

function durationFlag(text: string): number {
  const durationS = parseDurationFlag('--duration', text, '30s or 2m');
  if (durationS < 1) throw errors.option('--duration', 'at least 1s', text);
  return durationS;
}

function printProgress(event: DoctorProgress): void {
  switch (event.kind) {
    case 'collect':
      process.stderr.write(
        `soak doctor: running ${event.workload} on the main thread under Clinic Doctor for ${formatDuration(event.durationS)}, ` +
          `${event.concurrency} operations in flight (seed ${event.seed})\n`,
      );
      return;
    case 'visualize':
      process.stderr.write(`soak doctor: analysing doctor's samples into ${DOCTOR_HTML}\n`);
      return;
    case 'warning':
      process.stderr.write(`soak doctor: warning: ${event.message}\n`);
      return;
  }
}

/** The report's path as the user would type it: relative to the working directory when it is inside. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
