/** `soak short` and `soak run`: parse flags into SoakOptions, run, report on stderr, set the exit code. */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { builtInWorkloads, parseParamSpec } from '../controller/workload-loader.js';
import { Soak, type SoakInput } from '../commands/run.js';
import { errors } from '../errors.js';
import {
  defaultFirstLookS,
  defaultLookEveryS,
  defaults,
  longDefaults,
  resolveOptions,
  shortDefaults,
  validateOptions,
  type OptionNames,
  type SoakOptions,
} from '../options.js';
import { formatDuration } from '../units.js';
import { integer, parseDurationFlag, parseRateFlag, parseSizeFlag, parseWarmupFlag } from './flags.js';
import { renderMarkdown } from '../report/markdown.js';
import { attachProgress, printResult } from './progress.js';
import { appendStepSummary } from './step-summary.js';
import { DEFAULT_METRICS_HOST, isLoopback, serveMetrics, type MetricsServer } from '../metrics/server.js';
import { CONFIG_FILES, FLAG_KEYS, findConfig, withConfig, type ConfigFlags } from './config.js';

/** The flags of short and run: what a config may set (config.ts's FLAG_KEYS, one list), plus --config and --json. */
type RunArgs = ConfigFlags & { config?: string; json?: boolean; resume?: string };

type RunCommandName = 'short' | 'run' | 'long';

/** The config's flags a resume may be given (and --json): none changes what is recorded. */
const RESUME_FLAGS: ReadonlySet<string> = new Set(['quiet', 'strict', 'metrics-port', 'metrics-host']);

export const flagNames: OptionNames = {
  workloads: '--workload',
  durationS: '--duration',
  looks: '--min-duration',
  intervalS: '--interval',
  warmup: '--warmup',
  threads: '--threads',
  concurrency: '--concurrency',
  maxSlopeBytesPerHour: '--max-slope',
  maxGrowthBytes: '--max-growth',
  outDir: '--out',
  seed: '--seed',
  injectLeakBytesPerS: '--inject-leak',
  maxHeapPerWorkerBytes: '--max-heap-per-worker',
  reportEveryS: '--report-every',
  stuckAfterS: '--stuck-after',
};

function runOptions(name: RunCommandName, yargs: Argv): Argv<RunArgs> {
  const decidesByDefault = name === 'short';
  const long = name === 'long';
  const withResume =
    name === 'short'
      ? yargs
      : yargs.option('resume', {
          type: 'string',
          describe: 'continue the killed run in this directory with its own settings (its run.json), to its original deadline',
        });
  return withResume
    .option('config', {
      type: 'string',
      describe: `defaults for these flags from a file [default: ${CONFIG_FILES.join(' or ')} in the working directory, if there]`,
    })
    .option('workload', workloadOption)
    .option('duration', {
      type: 'string',
      describe: decidesByDefault
        ? 'run this long, judged once at the end (instead of deciding as early as the data allow)'
        : `how long to run: 90s, 10m, 24h, judged once at the end [default: ${long ? '24h' : '2m'}]`,
    })
    .option('max-duration', {
      type: 'string',
      describe:
        `decide each workload as early as the data allow, stop it once decided, and stop by this budget at the latest` +
        (decidesByDefault ? ` [default: ${formatDuration(shortDefaults.durationS)}]` : ' (instead of --duration)'),
    })
    .option('min-duration', {
      type: 'string',
      describe: `with --max-duration${decidesByDefault ? ' (the default here)' : ''}: the first look at the data [default: 1m, or the warm-up plus 30 samples]`,
    })
    .option('look-every', {
      type: 'string',
      describe: `with --max-duration${decidesByDefault ? ' (the default here)' : ''}: time between looks [default: ${shortDefaults.looks.everyS}s, or a fifteenth of a longer budget]`,
    })
    .option('interval', {
      type: 'string',
      describe: `time between samples: 1s, 5m [default: ${formatDuration(long ? longDefaults.intervalS : defaults.intervalS)}]`,
    })
    .option('report-every', {
      type: 'string',
      describe:
        `rewrite summary.json (complete: false), summary.md and report.html from the samples so far this often, and on SIGUSR2` +
        (long ? ` [default: ${formatDuration(longDefaults.reportEveryS)}]` : ' [default: at the end only]'),
    })
    .option('stuck-after', {
      type: 'string',
      describe: `a worker that returns no time slice for this long is stuck: recorded, terminated and respawned [default: ${formatDuration(defaults.stuckAfterS)}]`,
    })
    .option('warmup', {
      type: 'string',
      describe: "start of the run not judged: 'auto' (found from the data, after at least a tenth of the run, at most 5m) or a duration [default: auto]",
    })
    .option('threads', { type: 'string', describe: `workers per workload pool [default: ${defaults.threads}]` })
    .option('concurrency', { type: 'string', describe: `operations in flight per worker [default: ${defaults.concurrency}]` })
    .option('param', { type: 'string', array: true, describe: 'workload parameter key=value, or workload.key=value for one workload (repeatable)' })
    .option('max-slope', { type: 'string', describe: 'leak threshold per worker: heap growth rate such as 1MB/h or 2KB/s [default: 1MB/h]' })
    .option('max-growth', {
      type: 'string',
      describe: 'leak threshold per worker: heap growth over the steady window [default: 50MB; 100MB for runs of 1h or more]',
    })
    .option('out', { type: 'string', describe: 'run directory [default: reports/<workload-or-command>-<UTC time>]' })
    .option('seed', { type: 'string', describe: "seed for the workloads' random numbers [default: random, recorded in the summary]" })
    .option('inject-leak', { type: 'string', describe: 'retain this much heap per second in every worker, e.g. 2KB/s (positive control)' })
    .option('max-heap-per-worker', {
      type: 'string',
      describe: "each worker's heap limit, e.g. 256MB: a worker that reaches it is recorded as out of memory, judged a leak and respawned [default: V8's]",
    })
    .option('metrics-port', {
      type: 'string',
      describe: `serve live metrics in Prometheus text format at http://HOST:PORT/metrics while the run goes on (0: any free port)`,
    })
    .option('metrics-host', {
      type: 'string',
      describe: `the address the metrics listen on; anything but loopback exposes them to the network [default: ${DEFAULT_METRICS_HOST}]`,
    })
    .option('snapshots', {
      type: 'boolean',
      describe:
        'heap snapshots of every worker at the steady start, halfway and the end (snapshots/), diffed into snapshot-diff.md: what was born and is still alive',
    })
    .option('strict', { type: 'boolean', describe: 'an inconclusive verdict fails with exit code 4' })
    .option('json', { type: 'boolean', describe: 'print summary.json to stdout at the end' })
    .option('quiet', { type: 'boolean', describe: 'no progress on stderr' }) as Argv<RunArgs>;
}

function command(name: RunCommandName, describe: string): CommandModule<object, RunArgs> {
  return {
    command: name,
    describe,
    builder: (yargs) => runOptions(name, yargs),
    handler: async (given) => {
      const { soak, args } = given.resume === undefined ? await newRun(name, given) : await resumedRun(given, given.resume);
      const quiet = args.quiet === true;
      const metrics = await startMetrics(soak, args, quiet);
      const progress = quiet ? undefined : attachProgress(soak);
      const stopOnSignal = (signal: NodeJS.Signals): void => {
        const notice = `soak: ${signal}: stopping, tearing down and writing the summary (again to quit at once)`;
        // Above the live block on a terminal (cleared first), so it is never left half-drawn.
        if (progress !== undefined) progress.print(notice);
        else process.stderr.write(`\n${notice}\n`);
        soak.stop(signal);
        process.once(signal, () => process.exit(130));
      };
      process.once('SIGINT', stopOnSignal);
      process.once('SIGTERM', stopOnSignal);
      // The terminal went away (ssh dropped): the run goes on to its end and writes its files, silent from now on.
      let hungUp = false;
      const onHangup = (): void => {
        hungUp = true;
        progress?.stop();
        for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
      };
      process.on('SIGHUP', onHangup);
      // `kill -USR2 <pid>`: an interim report now (summary.json, summary.md, report.html of the samples so far).
      const onReportRequest = (): void => soak.writeInterimReport();
      process.on('SIGUSR2', onReportRequest);
      const result = await soak.run().finally(async () => {
        process.off('SIGHUP', onHangup);
        process.off('SIGUSR2', onReportRequest);
        progress?.stop();
        await metrics?.close();
      });
      appendStepSummary(renderMarkdown(result.summary));
      if (!quiet && !hungUp) printResult(result);
      if (args.json === true) process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
      if (result.summary.error !== undefined && result.summary.verdict === 'error') {
        process.stderr.write(`soak ${name}: ${result.summary.error}\n`);
      }
      process.exitCode = result.exitCode;
    },
  };
}

/** A new run: the config's settings under the flags, checked under the flags' names. */
async function newRun(name: RunCommandName, given: RunArgs): Promise<{ soak: Soak; args: RunArgs }> {
  const config = await findConfig(given.config, process.cwd());
  const args = withConfig(given, config);
  const input = { ...toInput(name, args), ...(config === undefined ? {} : { workloadThresholds: config.thresholds }) };
  // What reproduces the run: the config it found too, and the seed it drew.
  const found = given.config === undefined && config !== undefined ? ['--config', config.path] : [];
  const argv = ['soak', ...process.argv.slice(2), ...found, ...(args.seed === undefined ? ['--seed', String(input.seed)] : [])];
  const soak = new Soak(flagChecked({ ...input, commandLine: argv }));
  if (config !== undefined && args.quiet !== true) process.stderr.write(`soak: settings from ${config.path} (flags override them)\n`);
  return { soak, args };
}

/** `--resume DIR`: the run's own settings; a flag that would change them is refused, and no config is read. */
async function resumedRun(given: RunArgs, dir: string): Promise<{ soak: Soak; args: RunArgs }> {
  const setting = Object.keys(given).find((key) => given[key as keyof RunArgs] !== undefined && isFlagKey(key) && !RESUME_FLAGS.has(key));
  if (setting !== undefined) throw errors.resumeFlag(`--${setting}`, dir);
  if (given.config !== undefined) throw errors.resumeFlag('--config', dir);
  const soak = await Soak.resume(dir, given.strict === undefined ? {} : { strict: given.strict });
  return { soak, args: given };
}

/** A flag of the command (kebab-case as typed), not yargs' camelCase copy or its `_` and `$0`. */
function isFlagKey(key: string): boolean {
  return key in FLAG_KEYS;
}

/** --metrics-port: the endpoint, listening before the run starts (a port in use is bad input, exit 2). */
async function startMetrics(soak: Soak, args: RunArgs, quiet: boolean): Promise<MetricsServer | undefined> {
  if (args['metrics-port'] === undefined) {
    if (args['metrics-host'] !== undefined) throw errors.option('--metrics-host', 'given with --metrics-port', args['metrics-host']);
    return undefined;
  }
  const port = integer('--metrics-port', args['metrics-port']);
  if (port < 0 || port > 65535) throw errors.option('--metrics-port', 'a port from 0 to 65535', args['metrics-port']);
  const host = args['metrics-host'] ?? DEFAULT_METRICS_HOST;
  const server = await serveMetrics(soak, { port, host });
  if (!isLoopback(host)) {
    process.stderr.write(`soak: warning: --metrics-host ${host} is not loopback: anyone who can reach this machine on that address can read the metrics\n`);
  }
  if (!quiet) process.stderr.write(`soak: metrics at ${server.url}\n`);
  return server;
}

/** The options a command line gives, defaults filled in, each checked under the flag the user typed. */
export function flagChecked(input: SoakInput): SoakOptions {
  const options = resolveOptions(input);
  validateOptions(options, flagNames);
  return options;
}

export const runCommands = [
  command(
    'short',
    `CI soak of the built-in workloads at 1 s samples, each decided as early as the data allow (at most ${formatDuration(shortDefaults.durationS)}); exit code 1 on a leak`,
  ),
  command(
    'long',
    `day-long soak of the built-in workloads (${formatDuration(longDefaults.durationS)}, samples every ${formatDuration(longDefaults.intervalS)}, ` +
      `reports every ${formatDuration(longDefaults.reportEveryS)}), resumable with --resume after a kill or reboot`,
  ),
  command('run', 'the general form: any workloads (names or module paths), any duration'),
];

function toInput(name: RunCommandName, args: RunArgs): SoakInput {
  const workloads = workloadList(args.workload);
  const input: SoakInput = {
    command: name,
    workloads,
    outDir: args.out ?? defaultOutDir(name, workloads),
    params: (args.param ?? []).map(parseParamSpec),
    seed: args.seed === undefined ? randomInt(2 ** 31) : integer('--seed', args.seed),
    strict: args.strict === true,
  };
  if (args.snapshots === true) input.snapshots = true;
  if (name === 'long') Object.assign(input, longDefaults);
  if (args.duration !== undefined) input.durationS = parseDurationFlag('--duration', args.duration);
  if (args.interval !== undefined) input.intervalS = parseDurationFlag('--interval', args.interval, '1s or 5m');
  if (args['report-every'] !== undefined) input.reportEveryS = parseDurationFlag('--report-every', args['report-every'], '5m');
  if (args['stuck-after'] !== undefined) input.stuckAfterS = parseDurationFlag('--stuck-after', args['stuck-after'], '60s');
  if (args.warmup !== undefined) input.warmup = parseWarmupFlag(args.warmup);
  decideAsItGoes(name, args, input);
  if (args.threads !== undefined) input.threads = integer('--threads', args.threads);
  if (args.concurrency !== undefined) input.concurrency = integer('--concurrency', args.concurrency);
  if (args['max-slope'] !== undefined) input.maxSlopeBytesPerHour = parseRateFlag('--max-slope', args['max-slope']) * 3600;
  if (args['max-growth'] !== undefined) input.maxGrowthBytes = parseSizeFlag('--max-growth', args['max-growth']);
  if (args['inject-leak'] !== undefined) input.injectLeakBytesPerS = parseRateFlag('--inject-leak', args['inject-leak']);
  if (args['max-heap-per-worker'] !== undefined) input.maxHeapPerWorkerBytes = parseSizeFlag('--max-heap-per-worker', args['max-heap-per-worker']);
  return input;
}

/**
 * `--max-duration` (the default of `soak short`) decides as the data allow, with looks from
 * `--min-duration` every `--look-every`; `--duration` runs a fixed length. One or the other.
 */
function decideAsItGoes(name: RunCommandName, args: RunArgs, input: SoakInput): void {
  const maxDuration = args['max-duration'];
  if (maxDuration !== undefined && args.duration !== undefined) {
    throw errors.option('--max-duration', 'given without --duration (--duration runs a fixed length, --max-duration decides early)', maxDuration);
  }
  const decides = maxDuration !== undefined || (name === 'short' && args.duration === undefined);
  if (!decides) {
    const lookFlag = args['min-duration'] !== undefined ? '--min-duration' : args['look-every'] !== undefined ? '--look-every' : undefined;
    if (lookFlag !== undefined) {
      throw errors.option(
        lookFlag,
        `used with --max-duration${name === 'short' ? ' (not with --duration)' : ''}`,
        args[lookFlag === '--min-duration' ? 'min-duration' : 'look-every'],
      );
    }
    return;
  }
  const durationS = maxDuration === undefined ? shortDefaults.durationS : parseDurationFlag('--max-duration', maxDuration);
  input.durationS = durationS;
  const everyS = args['look-every'] === undefined ? defaultLookEveryS(durationS) : parseDurationFlag('--look-every', args['look-every'], '20s');
  const firstS =
    args['min-duration'] === undefined
      ? defaultFirstLookS({ durationS, intervalS: input.intervalS ?? defaults.intervalS, warmup: input.warmup ?? defaults.warmup })
      : parseDurationFlag('--min-duration', args['min-duration'], '1m');
  input.looks = { firstS, everyS };
}

/** `--workload`, as `soak short`, `soak run` and `soak list` take it. */
export const workloadOption = {
  type: 'string',
  array: true,
  describe: 'workload names or plugin module paths, comma-separated or repeated [default: all built-in]',
} as const;

/** `--workload a,b --workload c` as a list; all built-in workloads when not given. */
export function workloadList(given: readonly string[] | undefined): string[] {
  const workloads = (given ?? [...builtInWorkloads])
    .flatMap((w) => w.split(','))
    .map((w) => w.trim())
    .filter((w) => w !== '');
  if (workloads.length === 0) throw errors.option('--workload', 'one or more workload names or module paths', given?.join(','));
  return workloads;
}

export function defaultOutDir(commandName: string, workloads: readonly string[]): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const label = workloads.length === 1 && /^[a-z0-9-]+$/.test(workloads[0] ?? '') ? workloads[0] : commandName;
  return join('reports', `${label}-${stamp}`);
}
