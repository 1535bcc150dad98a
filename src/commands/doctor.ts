/**
 * `soak doctor`: one workload on the main thread of a process started by Clinic Doctor
 * (@clinic/doctor's programmable API), for a duration, then doctor's HTML report in the run
 * directory. Doctor samples one thread's event loop and one process (its preload instruments the
 * process it starts), so the workload runs there and not in a worker: src/doctor/main-thread-runner.ts.
 *
 * @clinic/doctor is an optional peer dependency (366 packages, about 100 MB): loaded here with a
 * dynamic import, from the usual module resolution or from the package directory in
 * SOAK_CLINIC_DOCTOR. When it is missing, nothing is written and the error says how to install it.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomInt } from 'node:crypto';
import { loadWorkloads } from '../controller/workload-loader.js';
import type { DoctorRecord, DoctorRunnerConfig } from '../doctor/protocol.js';
import { errors, ExitCode } from '../errors.js';
import { defaults, type ParamOverride } from '../options.js';
import { writeAtomically } from '../run-dir/atomic-write.js';
import { makeOutDir } from '../run-dir/out-dir.js';

/** Doctor's report, in the run directory. */
export const DOCTOR_HTML = 'doctor.html';
/** What ran and how it ended (DoctorRecord), written by the runner. */
export const DOCTOR_RECORD = 'doctor.json';
/** Doctor names its data directory `<name>.clinic-doctor`. */
const DATA_NAME = 'doctor';
const DATA_DIR = `${DATA_NAME}.clinic-doctor`;
/** Node writes trace events to `node_trace.<n>.log` in the working directory, and doctor refuses to start beside old ones. */
const TRACE_LOG = /^node_trace\.\d+\.log$/;
/** The environment variable that names an installed @clinic/doctor's package directory, outside soak's own node_modules. */
export const CLINIC_DOCTOR_ENV = 'SOAK_CLINIC_DOCTOR';

export const doctorDefaults = { durationS: 30, concurrency: defaults.concurrency } as const;

export interface DoctorOptions {
  /** A built-in workload name or a path to a plugin module. */
  readonly workload: string;
  readonly params?: readonly ParamOverride[];
  /** How long the workload runs under doctor, in seconds; at least 1. Default 30. */
  readonly durationS?: number;
  /** Operations in flight on the main thread. Default: `soak run`'s per worker (4). */
  readonly concurrency?: number;
  /** Seed of the workload's `ctx.random()`; default random, recorded in doctor.json. */
  readonly seed?: number;
  /** Run directory; created; must not already hold a doctor report. */
  readonly outDir: string;
  /** The command line recorded in doctor.json. */
  readonly commandLine?: readonly string[];
  /** Where the run is, for progress output. */
  readonly onProgress?: (event: DoctorProgress) => void;
  /** Where SOAK_CLINIC_DOCTOR is read from. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export type DoctorProgress =
  | { readonly kind: 'collect'; readonly workload: string; readonly durationS: number; readonly concurrency: number; readonly seed: number }
  | { readonly kind: 'visualize' }
  | { readonly kind: 'warning'; readonly message: string };

export interface DoctorResult {
  /** Absolute paths. */
  readonly outDir: string;
  readonly htmlPath: string;
  readonly record: DoctorRecord & { readonly outcome: { readonly kind: 'ran' } };
  /** 3 when every operation failed (the report then shows the failure, not the workload), else 0. */
  readonly exitCode: ExitCode;
}

/** The part of @clinic/doctor's API soak uses (it ships no types). */
interface ClinicDoctor {
  collect(args: string[], callback: (err: Error | null, dataPath: string) => void): void;
  visualize(dataPath: string, outputPath: string, callback: (err?: Error | null) => void): void;
  on(event: 'warning', listener: (message: string) => void): unknown;
}
type ClinicDoctorClass = new (settings: { dest?: string; name?: string; sampleInterval?: number; debug?: boolean }) => ClinicDoctor;

export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  const durationS = options.durationS ?? doctorDefaults.durationS;
  if (!Number.isFinite(durationS) || durationS < 1) throw errors.option('--duration', 'at least 1s', durationS);
  const concurrency = options.concurrency ?? doctorDefaults.concurrency;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw errors.option('--concurrency', 'a positive integer', concurrency);
  const seed = options.seed ?? randomInt(2 ** 31);
  if (!Number.isSafeInteger(seed) || seed < 0) throw errors.option('--seed', 'a non-negative integer', seed);
  const params = options.params ?? [];
  // Checked here, before anything is written: a wrong name or parameter is one line and exit 2.
  const [loaded] = await loadWorkloads([options.workload], params);
  if (loaded === undefined) throw errors.option('--workload', 'one workload name or module path', options.workload);
  const outDir = resolve(options.outDir);
  const held = [DOCTOR_HTML, DOCTOR_RECORD, DATA_DIR].find((file) => existsSync(join(outDir, file))) ?? traceLogIn(outDir);
  if (held !== undefined) throw errors.doctorOutExists(options.outDir, held);
  const ClinicDoctor = await loadClinicDoctor(options.env ?? process.env);

  makeOutDir(outDir, options.outDir);
  const config: DoctorRunnerConfig = {
    spec: options.workload,
    load: loaded.builtIn ? options.workload : fileURLToPath(loaded.url),
    params,
    durationS,
    concurrency,
    seed,
    commandLine: options.commandLine ?? [],
    recordPath: join(outDir, DOCTOR_RECORD),
  };
  const clinic = new ClinicDoctor({ dest: outDir, name: DATA_NAME });
  clinic.on('warning', (message) => options.onProgress?.({ kind: 'warning', message }));
  options.onProgress?.({ kind: 'collect', workload: loaded.name, durationS, concurrency, seed });
  const runner = fileURLToPath(new URL('../doctor/main-thread-runner.js', import.meta.url));
  const dataPath = await collect(clinic, [process.execPath, runner, JSON.stringify(config)], outDir, loaded.name);

  const record = readRecord(config.recordPath, loaded.name);
  if (record.outcome.kind === 'setup-failed') throw errors.setupFailed(loaded.name, 'the main thread', record.outcome.message);
  const outcome = record.outcome;
  options.onProgress?.({ kind: 'visualize' });
  const htmlPath = join(outDir, DOCTOR_HTML);
  await visualize(clinic, dataPath, htmlPath, loaded.name);
  const everyOperationFailed = outcome.opsTotal > 0 && outcome.errorsTotal === outcome.opsTotal;
  return { outDir, htmlPath, record: { ...record, outcome }, exitCode: everyOperationFailed ? ExitCode.runFailed : ExitCode.pass };
}

/**
 * @clinic/doctor's constructor: from SOAK_CLINIC_DOCTOR's package directory when set (an install
 * kept outside this project, as `npm run check:doctor` makes), else by the usual resolution from
 * soak's own location (its node_modules, or the project that installed soak).
 */
async function loadClinicDoctor(env: NodeJS.ProcessEnv): Promise<ClinicDoctorClass> {
  const dir = env[CLINIC_DOCTOR_ENV];
  if (dir !== undefined && dir !== '') {
    const packageDir = resolve(dir);
    let name: unknown;
    try {
      name = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name?: unknown }).name;
    } catch {
      name = undefined;
    }
    if (name !== '@clinic/doctor') throw errors.doctorPathInvalid(dir);
    // The package's entry as require() finds it (its "main"): it is CommonJS.
    const entry = createRequire(import.meta.url).resolve(packageDir);
    return importClinicDoctor(pathToFileURL(entry).href, dir);
  }
  return importClinicDoctor('@clinic/doctor', '@clinic/doctor');
}

async function importClinicDoctor(specifier: string, where: string): Promise<ClinicDoctorClass> {
  let module: { default?: unknown };
  try {
    module = (await import(specifier)) as { default?: unknown };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    // The package itself is missing, not a file or dependency of it.
    if (specifier === '@clinic/doctor' && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`'@clinic/doctor'`)) {
      throw errors.doctorMissing();
    }
    throw errors.doctorUnloadable(where, firstLine(err));
  }
  if (typeof module.default !== 'function') throw errors.doctorUnloadable(where, 'its export is not the ClinicDoctor class');
  return module.default as ClinicDoctorClass;
}

/**
 * Runs the runner under doctor. Node writes the trace events to node_trace.<n>.log in the working
 * directory and doctor collects them from its own working directory, so both are the run
 * directory while it runs: two doctors at once in one directory would take each other's traces.
 */
async function collect(clinic: ClinicDoctor, args: string[], outDir: string, workload: string): Promise<string> {
  const cwd = process.cwd();
  process.chdir(outDir);
  try {
    return await new Promise<string>((resolvePath, reject) => {
      clinic.collect(args, (err, dataPath) => (err === null || err === undefined ? resolvePath(resolve(outDir, dataPath)) : reject(err)));
    });
  } catch (err) {
    throw errors.doctorRunFailed(workload, `collecting failed: ${firstLine(err)}`);
  } finally {
    process.chdir(cwd);
  }
}

function readRecord(path: string, workload: string): DoctorRecord {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DoctorRecord;
  } catch {
    throw errors.doctorRunFailed(workload, 'its process ended before the run was over (its error is above)');
  }
}

/** Doctor's HTML, written whole: to a temporary name first, then given a title that names the workload. */
async function visualize(clinic: ClinicDoctor, dataPath: string, htmlPath: string, workload: string): Promise<void> {
  const partial = `${htmlPath}.${process.pid}.partial`;
  try {
    await new Promise<void>((done, reject) => {
      clinic.visualize(dataPath, partial, (err) => (err === null || err === undefined ? done() : reject(err)));
    });
    const html = readFileSync(partial, 'utf8').replace(/<title>([^<]*)<\/title>/, `<title>soak doctor: ${workload} ($1)</title>`);
    writeAtomically(htmlPath, html);
  } catch (err) {
    throw errors.doctorRunFailed(workload, `writing the report failed: ${firstLine(err)}`);
  } finally {
    rmSync(partial, { force: true });
  }
}

function traceLogIn(dir: string): string | undefined {
  try {
    return readdirSync(dir).find((name) => TRACE_LOG.test(name));
  } catch {
    return undefined;
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim().split('\n')[0] ?? '';
}
