/**
 * `refresh-manager`: target refresh managers, one per discovery source, as a monitoring service
 * runs them. Each manager has a Start/Stop lifecycle; while started it refreshes its target list
 * every `refreshMs` from a slow, sometimes failing discovery source (async, timer latency), keeps
 * per-target tracking for the current run, and publishes an immutable status snapshot (targets,
 * last refresh, last error, staleness). RefreshNow is single-flight (concurrent callers, and the
 * periodic refresh, share one in-flight refresh) and rate-limited (one per `rateLimitMs`; callers
 * over the limit get a rate-limited answer at once). A watchdog timer marks the status stale when
 * no refresh has succeeded for `staleAfterMs`.
 *
 * Each operation is a weighted mix: mostly status reads (an API handler summarising the snapshot),
 * some RefreshNow calls, and occasionally a restart (stop + start, as a config reload does; a
 * manager is not restarted again within `minUptimeMs`). Stop aborts the in-flight refresh and clears
 * the interval and the watchdog, so a clean run holds a fixed number of timers.
 *
 * Leaks:
 * - `interval`: stop() forgets clearInterval, so every restart leaves the old run's interval
 *   ticking forever; its callback still triggers refreshes (the manager is running again) and keeps
 *   the old run (its tracking map and logs) alive.
 * - `handle`: stop() forgets the watchdog timer, which re-arms itself, and its guard checks the
 *   manager's running flag instead of its own run, so after a restart every old watchdog chain
 *   lives on, one more active Timeout per restart, each holding its run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineWorkload } from '../src/workload.js';
import type { WorkloadContext } from '../src/workload.js';

const LEAKS = ['none', 'interval', 'handle'] as const;
type Leak = (typeof LEAKS)[number];

const params = {
  managers: 4,
  targets: 100,
  refreshMs: 100,
  rateLimitMs: 1000,
  fetchLatencyMs: 4,
  failureRate: 0.05,
  staleAfterMs: 1000,
  minUptimeMs: 500,
  refreshNowShare: 0.05,
  restartShare: 0.005,
  leak: 'none' as string,
};
type ManagerParams = typeof params;

// ---------------------------------------------------------------------------------------------
// Discovery

type Health = 'up' | 'down' | 'unknown';

interface Target {
  readonly id: string;
  readonly address: string;
  readonly labels: Readonly<{ job: string; zone: string; env: string; instance: string }>;
  readonly health: Health;
  readonly lastScrapeAt: number;
  readonly scrapeMs: number;
  readonly lastError: string | undefined;
}

const JOBS = ['node', 'api', 'db', 'cache', 'ingest', 'web'] as const;
const ZONES = ['a', 'b', 'c'] as const;

/** A service-discovery endpoint: a slowly churning member list, fetched with latency and failures. */
class DiscoverySource {
  readonly #members: string[] = [];
  #nextMember = 0;

  constructor(
    readonly name: string,
    size: number,
    private readonly p: ManagerParams,
    private readonly random: () => number,
  ) {
    for (let i = 0; i < size; i++) this.#members.push(this.#newMember());
  }

  async fetch(signal: AbortSignal): Promise<Target[]> {
    await sleep(1 + this.random() * this.p.fetchLatencyMs, undefined, { signal });
    if (this.random() < this.p.failureRate) {
      throw new Error(`${this.name}: discovery request failed: 503 Service Unavailable`);
    }
    // Members come and go slowly (autoscaling, deploys).
    if (this.random() < 0.2 && this.#members.length > 0) {
      this.#members[Math.floor(this.random() * this.#members.length)] = this.#newMember();
    }
    const now = Date.now();
    const targets: Target[] = [];
    for (const member of this.#members) {
      const down = this.random() < 0.03;
      const [job, n] = member.split('/') as [string, string];
      targets.push({
        id: member,
        address: `10.${this.name.length}.${Number(n) >> 8}.${Number(n) & 255}:9100`,
        labels: { job, zone: ZONES[Number(n) % ZONES.length] as string, env: 'prod', instance: `${job}-${n}` },
        health: down ? 'down' : 'up',
        lastScrapeAt: now - Math.floor(this.random() * 15_000),
        scrapeMs: Math.round(this.random() * 400) / 10,
        lastError: down ? 'context deadline exceeded' : undefined,
      });
    }
    return targets;
  }

  #newMember(): string {
    const job = JOBS[Math.floor(this.random() * JOBS.length)] as string;
    return `${job}/${this.#nextMember++}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The manager

interface Status {
  readonly source: string;
  readonly running: boolean;
  readonly runId: number;
  readonly targets: readonly Target[];
  /** Wall-clock time (ms since epoch) of the last successful refresh. */
  readonly lastRefresh: number | undefined;
  readonly lastRefreshMs: number | undefined;
  readonly lastError: string | undefined;
  readonly stale: boolean;
  readonly refreshes: number;
}

interface RefreshOutcome {
  readonly ok: boolean;
  readonly targets: number;
  readonly error: string | undefined;
}

type RefreshNowResult =
  | { readonly status: 'refreshed' | 'joined'; readonly outcome: RefreshOutcome }
  | { readonly status: 'rate-limited'; readonly retryAfterMs: number }
  | { readonly status: 'stopped' };

interface TargetTrack {
  readonly firstSeen: number;
  lastSeen: number;
  lastHealth: Health;
  flaps: number;
}

/** Fixed-size ring of recent values. */
class Ring<T> {
  readonly items: T[] = [];
  #next = 0;
  constructor(private readonly capacity: number) {}
  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
  }
}

/** One Start..Stop span of a manager, with everything that belongs to it. */
interface Run {
  readonly id: number;
  readonly startedAt: number;
  readonly abort: AbortController;
  ticker: NodeJS.Timeout | undefined;
  watchdog: NodeJS.Timeout | undefined;
  inflight: Promise<RefreshOutcome> | undefined;
  lastSuccessAt: number;
  refreshes: number;
  ticks: number;
  /** Per-target tracking for this run, keyed by target id. */
  readonly seen: Map<string, TargetTrack>;
  readonly durations: Ring<number>;
  readonly log: Ring<string>;
}

class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

class TargetRefreshManager {
  #run: Run | undefined;
  #status: Status;
  #runs = 0;
  #lastManualAt = Number.NEGATIVE_INFINITY;
  #restarting = false;
  #closed = false;
  readonly counters = { refreshes: 0, failures: 0, manual: 0, joined: 0, rateLimited: 0, restarts: 0, staleMarks: 0 };

  constructor(
    readonly source: DiscoverySource,
    private readonly p: ManagerParams & { leak: Leak },
  ) {
    this.#status = {
      source: source.name,
      running: false,
      runId: 0,
      targets: [],
      lastRefresh: undefined,
      lastRefreshMs: undefined,
      lastError: undefined,
      stale: true,
      refreshes: 0,
    };
  }

  get running(): boolean {
    return this.#run !== undefined;
  }

  status(): Status {
    return this.#status;
  }

  start(): void {
    if (this.#run !== undefined || this.#closed) return;
    const run: Run = {
      id: ++this.#runs,
      startedAt: performance.now(),
      abort: new AbortController(),
      ticker: undefined,
      watchdog: undefined,
      inflight: undefined,
      lastSuccessAt: performance.now(),
      refreshes: 0,
      ticks: 0,
      seen: new Map(),
      durations: new Ring(128),
      log: new Ring(64),
    };
    this.#run = run;
    run.ticker = setInterval(() => this.#onTick(run), this.p.refreshMs);
    this.#armWatchdog(run);
    this.#publish({ running: true, runId: run.id });
    run.log.push(`run ${run.id} started`);
    void this.#refresh(run);
  }

  async stop(): Promise<void> {
    const run = this.#run;
    if (run === undefined) return;
    this.#run = undefined;
    if (this.p.leak !== 'interval') clearInterval(run.ticker);
    if (this.p.leak !== 'handle') clearTimeout(run.watchdog);
    run.ticker = undefined;
    run.watchdog = undefined;
    run.abort.abort(new StoppedError(`${this.source.name}: manager stopped`));
    this.#publish({ running: false });
    // The aborted refresh settles promptly; wait so a following start() begins from a quiet state.
    await run.inflight;
  }

  /** Stops for good: a restart still in progress will not start it again. */
  close(): Promise<void> {
    this.#closed = true;
    return this.stop();
  }

  /** Stop + start, as a config reload does; a manager that started recently is left alone. */
  async restart(): Promise<'restarted' | 'debounced'> {
    const run = this.#run;
    if (this.#restarting || (run !== undefined && performance.now() - run.startedAt < this.p.minUptimeMs)) {
      return 'debounced';
    }
    this.#restarting = true;
    try {
      await this.stop();
      this.start();
      this.counters.restarts++;
      return 'restarted';
    } finally {
      this.#restarting = false;
    }
  }

  /** Single-flight, rate-limited refresh on demand. */
  refreshNow(): Promise<RefreshNowResult> | RefreshNowResult {
    const run = this.#run;
    if (run === undefined) return { status: 'stopped' };
    if (run.inflight !== undefined) {
      this.counters.joined++;
      return run.inflight.then((outcome) => ({ status: 'joined', outcome }));
    }
    const now = performance.now();
    const wait = this.#lastManualAt + this.p.rateLimitMs - now;
    if (wait > 0) {
      this.counters.rateLimited++;
      return { status: 'rate-limited', retryAfterMs: Math.ceil(wait) };
    }
    this.#lastManualAt = now;
    this.counters.manual++;
    return this.#refresh(run).then((outcome) => ({ status: 'refreshed', outcome }));
  }

  #onTick(run: Run): void {
    run.ticks++;
    // Guarded by the manager's state: a ticker is supposed to die with its run.
    if (!this.running) return;
    const current = this.#run;
    if (current !== undefined) void this.#refresh(current);
  }

  /** Single flight: joins the run's refresh in flight, or starts one. */
  #refresh(run: Run): Promise<RefreshOutcome> {
    if (run.inflight !== undefined) return run.inflight;
    const pending = this.#refreshOnce(run);
    run.inflight = pending;
    return pending;
  }

  async #refreshOnce(run: Run): Promise<RefreshOutcome> {
    try {
      return await this.#fetchAndPublish(run);
    } finally {
      run.inflight = undefined;
    }
  }

  async #fetchAndPublish(run: Run): Promise<RefreshOutcome> {
    const startedAt = performance.now();
    let targets: Target[];
    try {
      targets = await this.source.fetch(run.abort.signal);
    } catch (err) {
      if (run.abort.signal.aborted || run !== this.#run) return { ok: false, targets: 0, error: 'stopped' };
      const message = err instanceof Error ? err.message : String(err);
      this.counters.failures++;
      run.log.push(`refresh failed: ${message}`);
      this.#publish({ lastError: message });
      return { ok: false, targets: 0, error: message };
    }
    if (run !== this.#run) return { ok: false, targets: 0, error: 'stopped' };

    const now = performance.now();
    run.refreshes++;
    run.lastSuccessAt = now;
    // Per-target tracking: first/last seen and health flaps; forget targets gone for a while.
    for (const target of targets) {
      const track = run.seen.get(target.id);
      if (track === undefined) {
        run.seen.set(target.id, { firstSeen: now, lastSeen: now, lastHealth: target.health, flaps: 0 });
        continue;
      }
      if (track.lastHealth !== target.health) track.flaps++;
      track.lastHealth = target.health;
      track.lastSeen = now;
    }
    if (run.seen.size > targets.length) {
      for (const [id, track] of run.seen) {
        if (now - track.lastSeen > 10 * this.p.refreshMs) run.seen.delete(id);
      }
    }
    const durationMs = now - startedAt;
    run.durations.push(durationMs);
    run.log.push(`refresh ${run.refreshes}: ${targets.length} targets in ${durationMs.toFixed(2)} ms`);
    this.counters.refreshes++;
    this.#publish({
      targets,
      lastRefresh: Date.now(),
      lastRefreshMs: durationMs,
      lastError: undefined,
      stale: false,
      refreshes: this.#status.refreshes + 1,
    });
    return { ok: true, targets: targets.length, error: undefined };
  }

  #armWatchdog(run: Run): void {
    run.watchdog = setTimeout(() => this.#checkStale(run), this.p.staleAfterMs);
  }

  #checkStale(run: Run): void {
    run.watchdog = undefined;
    // The 'handle' bug: asks whether the manager is running rather than whether this run is current.
    const over = this.p.leak === 'handle' ? !this.running : run !== this.#run;
    if (over) return;
    if (performance.now() - run.lastSuccessAt > this.p.staleAfterMs) {
      this.counters.staleMarks++;
      run.log.push(`no successful refresh for ${this.p.staleAfterMs} ms: marking stale`);
      this.#publish({ stale: true });
    }
    this.#armWatchdog(run);
  }

  #publish(change: Partial<Status>): void {
    this.#status = { ...this.#status, ...change };
  }
}

// ---------------------------------------------------------------------------------------------
// The workload

interface StatusSummary {
  readonly source: string;
  readonly running: boolean;
  readonly up: number;
  readonly down: number;
  readonly byJob: Record<string, number>;
  readonly ageMs: number | undefined;
  readonly error: string | undefined;
}

interface State {
  readonly managers: readonly TargetRefreshManager[];
  readonly p: ManagerParams & { leak: Leak };
  readonly random: () => number;
  readonly results: Record<string, number>;
}

/** What a /api/targets summary handler does with a snapshot. */
function summarize(status: Status): StatusSummary {
  let up = 0;
  let down = 0;
  const byJob: Record<string, number> = {};
  for (const t of status.targets) {
    if (t.health === 'up') up++;
    else down++;
    byJob[t.labels.job] = (byJob[t.labels.job] ?? 0) + 1;
  }
  return {
    source: status.source,
    running: status.running,
    up,
    down,
    byJob,
    ageMs: status.lastRefresh === undefined ? undefined : Date.now() - status.lastRefresh,
    error: status.lastError,
  };
}

/** Waits for `promise`, giving up (with 'aborted') when the run shuts down. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function count(state: State, key: string): void {
  state.results[key] = (state.results[key] ?? 0) + 1;
}

export default defineWorkload({
  name: 'refresh-manager',
  description: 'Target refresh managers: start/stop, setInterval refresh, single-flight rate-limited RefreshNow, status reads',
  params,
  paramDocs: {
    managers: 'number of managers (one per discovery source) in each worker',
    targets: 'targets per discovery source',
    refreshMs: 'period of the refresh interval, in ms',
    rateLimitMs: 'RefreshNow admits one refresh per this many ms per manager; others are told to retry',
    fetchLatencyMs: 'extra random latency of a discovery fetch, in ms (on top of 1 ms)',
    failureRate: 'probability that a discovery fetch fails',
    staleAfterMs: 'watchdog period: the status is marked stale after this long without a successful refresh',
    minUptimeMs: 'a manager is not restarted again within this many ms of its start',
    refreshNowShare: 'fraction of operations that call RefreshNow',
    restartShare: 'fraction of operations that ask for a restart (stop + start)',
    leak: "'interval': stop() leaves the refresh interval running; 'handle': stop() leaves the self-re-arming watchdog timer",
  },
  paramChoices: { leak: LEAKS },

  setup(p: ManagerParams, ctx: WorkloadContext): State {
    if (!(LEAKS as readonly string[]).includes(p.leak)) {
      throw new Error(`refresh-manager: unknown leak '${p.leak}' (expected ${LEAKS.join(', ')})`);
    }
    for (const name of ['managers', 'targets', 'refreshMs', 'staleAfterMs'] as const) {
      if (!(p[name] > 0)) throw new Error(`refresh-manager: ${name} must be positive, got ${p[name]}`);
    }
    if (!(p.refreshNowShare >= 0 && p.restartShare >= 0 && p.refreshNowShare + p.restartShare <= 1)) {
      throw new Error('refresh-manager: refreshNowShare and restartShare must be >= 0 and sum to at most 1');
    }
    const random = (): number => ctx.random();
    const full = { ...p, leak: p.leak as Leak };
    const managers: TargetRefreshManager[] = [];
    for (let i = 0; i < Math.floor(p.managers); i++) {
      const manager = new TargetRefreshManager(new DiscoverySource(`sd-${i}`, Math.floor(p.targets), p, random), full);
      manager.start();
      managers.push(manager);
    }
    return { managers, p: full, random, results: {} };
  },

  async run(state: State, ctx: WorkloadContext): Promise<unknown> {
    const manager = state.managers[Math.floor(state.random() * state.managers.length)] as TargetRefreshManager;
    const roll = state.random();
    if (roll < state.p.restartShare) {
      const result = await manager.restart();
      count(state, result);
      return result;
    }
    if (roll < state.p.restartShare + state.p.refreshNowShare) {
      const pending = manager.refreshNow();
      const result = pending instanceof Promise ? await untilAborted(pending, ctx.signal) : pending;
      count(state, result === 'aborted' ? result : result.status);
      return result;
    }
    count(state, 'status');
    return summarize(manager.status());
  },

  async teardown(state: State): Promise<void> {
    await Promise.all(state.managers.map((m) => m.close()));
  },
});
