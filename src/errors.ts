/** Every error soak raises on purpose is built here, so messages and exit codes stay consistent. */
import type { Verdict } from './analysis/types.js';

export const ExitCode = {
  pass: 0,
  leak: 1,
  usage: 2,
  runFailed: 3,
  inconclusiveStrict: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad input from the user: printed as one line, exit code 2, nothing written. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A file given as a heap snapshot is not one, or not whole: bad input (exit 2), named with what is wrong. */
export class SnapshotFileError extends UsageError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`'${path}' ${problem}`);
    this.name = 'SnapshotFileError';
    this.path = path;
  }
}

/** The run itself failed (a workload's setup threw, workers kept dying, disk full): exit code 3. */
export class RunFailedError extends Error {
  readonly exitCode = ExitCode.runFailed;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunFailedError';
  }
}

/** The commands that read runs by their summary.json. */
export type SummaryCommand = 'compare' | 'report';

export const errors = {
  option(name: string, requirement: string, got: unknown): UsageError {
    return new UsageError(`${name} must be ${requirement} (got ${describe(got)})`);
  },
  unknownWorkload(name: string, known: readonly string[]): UsageError {
    return new UsageError(
      `--workload: unknown workload '${name}'; built-in workloads are ${known.join(', ')}, ` + `or give a path to a module such as ./my-workload.mjs`,
    );
  },
  pluginMissing(path: string): UsageError {
    return new UsageError(`--workload: no file at '${path}'; check the path (it is relative to the current directory)`);
  },
  pluginInvalid(path: string, problem: string): UsageError {
    return new UsageError(`--workload: '${path}' ${problem}`);
  },
  unknownParam(spec: string, workloads: readonly { name: string; params: readonly string[] }[]): UsageError {
    const known = workloads.map((w) => `${w.name}: ${w.params.length > 0 ? w.params.join(', ') : '(no parameters)'}`).join('; ');
    return new UsageError(`--param ${spec}: no such parameter (known parameters: ${known})`);
  },
  thresholdsWorkload(name: string, workloads: readonly string[]): UsageError {
    return new UsageError(
      `thresholds for '${name}': no workload of that name in this run (its workloads: ${workloads.join(', ')}); check the name in the config`,
    );
  },
  paramValue(spec: string, problem: string): UsageError {
    return new UsageError(`--param ${spec}: ${problem}`);
  },
  outExists(dir: string): UsageError {
    return new UsageError(`--out: '${dir}' already holds a run (samples.csv); choose another directory or remove it`);
  },
  outUnusable(dir: string, reason: string): UsageError {
    return new UsageError(`--out: cannot create '${dir}' (${reason}); give a directory you can write to`);
  },
  runMissing(path: string): UsageError {
    return new UsageError(`soak analyze: no run at '${path}'; give a run directory or its samples.csv`);
  },
  runHasNoSamples(dir: string): UsageError {
    return new UsageError(`soak analyze: '${dir}' holds no samples.csv; give a run directory written by soak or a samples.csv`);
  },
  samplesColumnsMissing(path: string, missing: readonly string[]): UsageError {
    return new UsageError(`soak analyze: '${path}' lacks the column(s) ${missing.join(', ')}; it must follow the samples.csv contract (see the README)`);
  },
  summaryUnreadable(path: string, reason: string): UsageError {
    return new UsageError(`soak analyze: cannot read '${path}' (${reason}); move it away to analyse the samples on their own`);
  },
  analyzeLiveRun(dir: string, pid: number): UsageError {
    return new UsageError(
      `soak analyze: '${dir}' is still being recorded by process ${pid}, which rewrites its reports; kill -USR2 ${pid} asks it for an interim report now, or give --out DIR to analyse what is recorded into another directory`,
    );
  },
  analyzeOutExists(dir: string): UsageError {
    return new UsageError(`--out: '${dir}' already holds a summary; choose another directory or remove it`);
  },
  /** `role`: which of the command's runs (compare's `baseline` or `candidate`); none for a command of many runs. */
  summaryRunMissing(command: SummaryCommand, role: string | undefined, path: string): UsageError {
    return new UsageError(`soak ${command}: no ${role === undefined ? '' : `${role} `}run at '${path}'; give a run directory or its summary.json`);
  },
  summaryMissing(command: SummaryCommand, role: string | undefined, dir: string): UsageError {
    return new UsageError(
      `soak ${command}: the ${role ?? 'run'} '${dir}' holds no summary.json; give a run directory written by soak (soak analyze writes a summary for a bare samples.csv)`,
    );
  },
  summaryInvalid(command: SummaryCommand, role: string | undefined, path: string, reason: string): UsageError {
    return new UsageError(
      `soak ${command}: cannot read the ${role ?? 'run'} summary '${path}' (${reason}); give a summary.json written by soak (schemaVersion 1)`,
    );
  },
  compareOutExists(dir: string): UsageError {
    return new UsageError(`--out: '${dir}' already holds a comparison (compare.json); choose another directory or remove it`);
  },
  compareUnwritable(dir: string, reason: string): UsageError {
    return new UsageError(`soak compare: cannot write compare.md and compare.json in '${dir}' (${reason}); give --out DIR to write them elsewhere`);
  },
  releaseNoRuns(): UsageError {
    return new UsageError('soak report: give one or more run directories (or their summary.json)');
  },
  releaseRunTwice(first: string, again: string): UsageError {
    return new UsageError(`soak report: '${again}' is the run '${first}' given again; give each run directory once`);
  },
  releaseOutExists(dir: string): UsageError {
    return new UsageError(`--out: '${dir}' already holds a release report (release.json); choose another directory or remove it`);
  },
  releaseUnwritable(dir: string, reason: string): UsageError {
    return new UsageError(`soak report: cannot write the release report in '${dir}' (${reason}); give --out DIR to write it elsewhere`);
  },
  metricsListen(host: string, port: number, reason: string): UsageError {
    return new UsageError(`--metrics-port: cannot listen on ${host}:${port} (${reason}); choose another port, or 0 for any free one`);
  },
  resume(dir: string, problem: string, fix: string): UsageError {
    return new UsageError(`--resume: '${dir}' ${problem}; ${fix}`);
  },
  resumeFlag(flag: string, dir: string): UsageError {
    return new UsageError(
      `${flag} cannot be given with --resume (the run's settings are read from ${dir}/run.json); give --resume DIR alone, or with --quiet, --json, --strict or --metrics-port`,
    );
  },
  configMissing(path: string): UsageError {
    return new UsageError(`--config: no file at '${path}'; give a soak.config.json or soak.config.mjs`);
  },
  configInvalid(path: string, problem: string): UsageError {
    return new UsageError(`--config ${path}: ${problem}`);
  },
  snapshotsUnrelated(earlier: string, later: string, shared: number, objects: number): UsageError {
    return new UsageError(
      `'${later}' keeps ${shared} of the ${objects} objects of '${earlier}': they are not snapshots of one process or worker; ` +
        'give three snapshots of the same one, in the order they were taken',
    );
  },
  snapshotsOutOfOrder(earlier: string, later: string): UsageError {
    return new UsageError(`'${later}' was taken before '${earlier}' (its objects' ids are older); give the snapshots in the order they were taken`);
  },
  /** `new Worker` failed (ERR_WORKER_INIT_FAILED): `detail` is the system's reason, EAGAIN when processes are capped. */
  noThread(detail: string): RunFailedError {
    return new RunFailedError(
      `no new thread could be started (${detail}: the machine or container caps processes and threads; ulimit -u, a cgroup's pids.max)`,
    );
  },
  setupFailed(workload: string, worker: string, message: string): RunFailedError {
    return new RunFailedError(`workload '${workload}' setup failed in ${worker}: ${message}`);
  },
  doctorMissing(): UsageError {
    return new UsageError(
      '@clinic/doctor is not installed: npm install --no-save @clinic/doctor (it is not installed with soak to keep the install light), ' +
        'or set SOAK_CLINIC_DOCTOR to the directory of an installed copy',
    );
  },
  /** `where`: the package directory tried (SOAK_CLINIC_DOCTOR) or the package name. */
  doctorUnloadable(where: string, reason: string): UsageError {
    return new UsageError(`cannot load @clinic/doctor from '${where}' (${reason}); reinstall it: npm install --no-save @clinic/doctor`);
  },
  doctorPathInvalid(path: string): UsageError {
    return new UsageError(
      `SOAK_CLINIC_DOCTOR: no @clinic/doctor package at '${path}'; set it to the package's directory, such as <prefix>/node_modules/@clinic/doctor`,
    );
  },
  doctorOutExists(dir: string, file: string): UsageError {
    return new UsageError(`--out: '${dir}' already holds a doctor report (${file}); choose another directory or remove it`);
  },
  doctorRunFailed(workload: string, problem: string): RunFailedError {
    return new RunFailedError(`workload '${workload}' under Clinic Doctor: ${problem}`);
  },
};

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  return JSON.stringify(value) ?? typeof value;
}

/** The exit code a verdict gives: inconclusive passes with a warning unless --strict. */
export function exitCodeFor(verdict: Verdict, strict: boolean): ExitCode {
  switch (verdict) {
    case 'pass':
      return ExitCode.pass;
    case 'leak':
      return ExitCode.leak;
    case 'inconclusive':
      return strict ? ExitCode.inconclusiveStrict : ExitCode.pass;
    case 'error':
      return ExitCode.runFailed;
  }
}
