/**
 * Prometheus text exposition (format 0.0.4) of a running soak: a listener of the Soak's events, as
 * the progress display is, holding the last sample of each worker and a provisional trend per
 * workload (analysis/live-trend.ts, bounded). Written by hand rather than with prom-client: soak
 * exposes gauges and counters only, with no histogram or registry to manage, and prom-client would add
 * four packages to every project that installs soak for three lines of format rules (HELP, TYPE,
 * escaped label values).
 */
import { LiveTrend, type ProvisionalTrend, type ProvisionalVerdict } from '../analysis/live-trend.js';
import { parseCounts } from '../analysis/series.js';
import type { Decision } from '../analysis/decide.js';
import type { Soak } from '../commands/run.js';
import { isModulePath } from '../controller/workload-loader.js';
import { profileFor } from '../options.js';

interface WorkerState {
  readonly workload: string;
  segment: number;
  heapUsed: number;
  codeBytes: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  activeHandles: number;
  eventListeners: number;
  elu: number;
  latencyP50Us: number;
  latencyP99Us: number;
  opsTotal: number;
  errorsTotal: number;
  sampledAtMs: number;
}

type Phase = 'warmup' | 'steady' | 'cooldown';
const PHASES: readonly Phase[] = ['warmup', 'steady', 'cooldown'];
const PROVISIONAL: readonly ProvisionalVerdict[] = ['leak', 'pass', 'warming', 'undecided'];
const DECIDED: readonly Decision['verdict'][] = ['pass', 'leak', 'inconclusive', 'error'];

/** Label values: backslash, double quote and line feed escaped, as the format requires. */
export function labelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function labels(pairs: Readonly<Record<string, string>>): string {
  const text = Object.entries(pairs)
    .map(([k, v]) => `${k}="${labelValue(v)}"`)
    .join(',');
  return text === '' ? '' : `{${text}}`;
}

/** Numbers as the format writes them: integers plainly, non-finite as +Inf, -Inf, NaN. */
function value(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(n);
}

/** The metrics of one soak, kept up to date from its events; `render()` is the scrape's body. */
export class SoakMetrics {
  readonly #workers = new Map<string, WorkerState>();
  readonly #respawns = new Map<string, number>();
  readonly #decided = new Map<string, Decision>();
  readonly #trend: LiveTrend;
  readonly #durationS: number;
  #startMs: number | undefined;
  #elapsedS = 0;
  #phase: Phase = 'warmup';

  constructor(soak: Soak) {
    const { options } = soak;
    this.#durationS = options.durationS;
    this.#trend = new LiveTrend({ maxSlopeBytesPerHour: options.maxSlopeBytesPerHour, judgeWarming: profileFor(options.durationS) === 'short' });
    for (const spec of options.workloads) if (!isModulePath(spec)) this.#trend.addWorkload(spec);
    soak.on('tick', (tick) => {
      this.#startMs ??= Date.now() - tick.elapsedS * 1000;
      this.#elapsedS = tick.elapsedS;
      if (this.#phase !== 'cooldown') this.#phase = tick.phase;
    });
    soak.on('phase', (phase) => (this.#phase = phase));
    soak.on('sample', (s) => {
      const m = s.sample;
      this.#workers.set(s.worker, {
        workload: s.workload,
        segment: s.segment,
        heapUsed: m.heapUsed,
        codeBytes: m.codeBytes,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        activeHandles: m.activeHandles,
        eventListeners: parseCounts(m.listenerCounts).reduce((sum, [, count]) => sum + count, 0),
        elu: m.elu,
        latencyP50Us: m.latencyP50Us,
        latencyP99Us: m.latencyP99Us,
        opsTotal: m.opsTotal,
        errorsTotal: m.errorsTotal,
        sampledAtMs: m.timeMs,
      });
      // Fed as the progress display's is, so both show the same provisional trend (cooldown samples are left out).
      this.#trend.add(s);
    });
    soak.on('event', (e) => {
      this.#trend.addWorkload(e.workload);
      if (e.event === 'respawn') this.#respawns.set(e.workload, (this.#respawns.get(e.workload) ?? 0) + 1);
    });
    soak.on('decided', (d) => this.#decided.set(d.workload, d.decision));
  }

  render(): string {
    this.#trend.fitIfDue();
    const out: string[] = [];
    const family = (name: string, type: 'gauge' | 'counter', help: string, rows: readonly [Record<string, string>, number][]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows.map(([l, v]) => `${name}${labels(l)} ${value(v)}`));
    };
    family('soak_run_elapsed_seconds', 'gauge', 'Time since the run started sampling.', [[{}, this.#elapsedS]]);
    family('soak_run_duration_seconds', 'gauge', "The run's duration, or its budget when it decides as it goes.", [[{}, this.#durationS]]);
    family(
      'soak_run_phase',
      'gauge',
      '1 for the phase the run is in (warmup, steady, cooldown), 0 for the others.',
      PHASES.map((p) => [{ phase: p }, p === this.#phase ? 1 : 0]),
    );
    const memory = process.memoryUsage();
    family('soak_controller_heap_used_bytes', 'gauge', "The controller's own V8 heap in use (it must stay bounded).", [[{}, memory.heapUsed]]);
    family('soak_process_resident_bytes', 'gauge', 'Resident memory of the whole process: every worker and the controller.', [[{}, memory.rss]]);

    const workers = [...this.#workers.entries()];
    const perWorker = (name: string, type: 'gauge' | 'counter', help: string, of: (w: WorkerState) => number): void =>
      family(
        name,
        type,
        help,
        workers.map(([worker, w]) => [{ workload: w.workload, worker }, of(w)]),
      );
    perWorker('soak_worker_heap_used_bytes', 'gauge', 'Heap in use right after a forced full GC, at the last sample.', (w) => w.heapUsed);
    perWorker(
      'soak_worker_judged_heap_bytes',
      'gauge',
      'What the verdict reads: post-GC heap less V8 compiled code and bytecode, at the last sample.',
      (w) => w.heapUsed - w.codeBytes,
    );
    perWorker('soak_worker_code_bytes', 'gauge', "V8's compiled code and bytecode with their metadata, at the last sample.", (w) => w.codeBytes);
    perWorker('soak_worker_heap_total_bytes', 'gauge', 'Heap reserved by V8, at the last sample.', (w) => w.heapTotal);
    perWorker('soak_worker_external_bytes', 'gauge', 'Off-heap memory (external, Buffers), at the last sample.', (w) => w.external);
    perWorker('soak_worker_array_buffers_bytes', 'gauge', 'ArrayBuffer memory, at the last sample.', (w) => w.arrayBuffers);
    perWorker('soak_worker_active_handles', 'gauge', 'Active handles (timers, sockets), at the last sample.', (w) => w.activeHandles);
    perWorker(
      'soak_worker_event_listeners',
      'gauge',
      "Event listeners on the worker's process, signal and the workload's named emitters, at the last sample.",
      (w) => w.eventListeners,
    );
    perWorker('soak_worker_ops_total', 'counter', 'Operations completed by the worker since it started (resets on a respawn).', (w) => w.opsTotal);
    perWorker('soak_worker_errors_total', 'counter', 'Operations that threw, since the worker started (resets on a respawn).', (w) => w.errorsTotal);
    perWorker('soak_worker_latency_p50_seconds', 'gauge', 'Median operation latency between the last two samples.', (w) => w.latencyP50Us / 1e6);
    perWorker('soak_worker_latency_p99_seconds', 'gauge', '99th percentile operation latency between the last two samples.', (w) => w.latencyP99Us / 1e6);
    perWorker('soak_worker_event_loop_utilization', 'gauge', 'Event-loop utilisation between the last two samples (0 to 1).', (w) => w.elu);
    perWorker('soak_worker_segment', 'gauge', "The worker's life: 0, then one more at each respawn.", (w) => w.segment);
    perWorker('soak_worker_last_sample_timestamp_seconds', 'gauge', 'When the last sample was taken (Unix time).', (w) => w.sampledAtMs / 1000);

    const statuses = this.#trend.status();
    family(
      'soak_workload_respawns_total',
      'counter',
      'Workers of the workload respawned after a crash or exit.',
      statuses.map((s) => [{ workload: s.name }, this.#respawns.get(s.name) ?? 0]),
    );
    // Only workloads with a fit so far have a slope.
    const trends = statuses.flatMap((s) => (s.trend === undefined ? [] : [{ workload: s.name, trend: s.trend }]));
    const trendFamily = (name: string, help: string, of: (t: ProvisionalTrend) => number): void =>
      family(
        name,
        'gauge',
        help,
        trends.map(({ workload, trend }) => [{ workload }, of(trend)]),
      );
    trendFamily(
      'soak_workload_heap_slope_bytes_per_hour',
      'Provisional pooled slope of the judged heap per worker over the steady samples so far.',
      (t) => t.slopeBytesPerHour,
    );
    trendFamily('soak_workload_heap_slope_low_bytes_per_hour', 'Lower bound of its 95% interval.', (t) => t.lowBytesPerHour);
    trendFamily('soak_workload_heap_slope_high_bytes_per_hour', 'Upper bound of its 95% interval.', (t) => t.highBytesPerHour);
    family(
      'soak_workload_provisional_verdict',
      'gauge',
      '1 for the provisional verdict from the samples so far (leak, pass, warming, undecided); the final verdict can differ.',
      statuses.flatMap((s) =>
        PROVISIONAL.map((v): [Record<string, string>, number] => [{ workload: s.name, verdict: v }, (s.trend?.verdict ?? 'undecided') === v ? 1 : 0]),
      ),
    );
    family(
      'soak_workload_decided',
      'gauge',
      '1 for the verdict a look decided (a run that decides as it goes); absent until decided.',
      [...this.#decided].flatMap(([name, d]) =>
        DECIDED.map((v): [Record<string, string>, number] => [{ workload: name, verdict: v }, d.verdict === v ? 1 : 0]),
      ),
    );
    return `${out.join('\n')}\n`;
  }
}
