/**
 * `circuit-breaker`: one circuit breaker per downstream service in front of a flaky, timer-driven
 * simulated downstream. Each operation picks a downstream and calls it through its breaker with a
 * per-call timeout. Downstreams alternate between healthy spells and failure bursts (errors and
 * slow responses), so breakers keep cycling closed -> open -> half-open -> closed (or back to open).
 *
 * Breaker semantics: closed counts consecutive failures and opens at `failureThreshold`; open
 * rejects fast and arms a timer that moves it to half-open after `openMs`; half-open admits at most
 * `halfOpenProbes` probe calls at once, closes after that many successes and re-opens on any
 * failure. While a call is in flight it listens for its breaker opening, so calls caught in a trip
 * are cancelled at once (fail fast); traced calls (a `traceSample` fraction) register that listener
 * through a wrapper that also logs the transition. A slow-call watchdog interval logs calls that are
 * still pending after `slowCallMs`.
 *
 * Leaks:
 * - `listener`: the cleanup removes the bare handler instead of the wrapper a traced call registered,
 *   so `off` removes nothing and every traced call leaves a listener (holding the call's
 *   AbortController and request) on the long-lived breaker.
 * - `timer`: the slow-call watchdog interval is cleared only on the success path, so every failed,
 *   timed-out or cancelled call leaves an interval running forever (handles grow without bound).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { defineWorkload, type NamedEmitters, type WorkloadContext } from '../src/workload.js';

const LEAKS = ['none', 'listener', 'timer'] as const;
type Leak = (typeof LEAKS)[number];

const params = {
  downstreams: 20,
  failureThreshold: 5,
  openMs: 250,
  halfOpenProbes: 2,
  callTimeoutMs: 20,
  maxLatencyMs: 3,
  failureRate: 0.02,
  burstFailureRate: 0.6,
  slowCallMs: 5000,
  traceSample: 0.25,
  leak: 'none' as string,
};
type BreakerParams = typeof params;

type BreakerState = 'closed' | 'open' | 'half-open';

class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
}
class CallCancelledError extends Error {
  override readonly name = 'CallCancelledError';
}
class DownstreamError extends Error {
  override readonly name = 'DownstreamError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// The breaker

interface BreakerEvents {
  state: [from: BreakerState, to: BreakerState];
}

interface Permit {
  readonly probe: boolean;
  /** Breaker generation the permit was issued in; outcomes from an older generation are ignored. */
  readonly generation: number;
}

interface BreakerCounters {
  admitted: number;
  rejected: number;
  successes: number;
  failures: number;
  opened: number;
  halfOpened: number;
  closed: number;
}

class CircuitBreaker extends EventEmitter<BreakerEvents> {
  #state: BreakerState = 'closed';
  #generation = 0;
  #consecutiveFailures = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  #openTimer: NodeJS.Timeout | undefined;
  #openedAt = 0;
  #disposed = false;
  readonly counters: BreakerCounters = {
    admitted: 0,
    rejected: 0,
    successes: 0,
    failures: 0,
    opened: 0,
    halfOpened: 0,
    closed: 0,
  };

  constructor(
    readonly name: string,
    private readonly failureThreshold: number,
    private readonly openMs: number,
    private readonly halfOpenProbes: number,
  ) {
    super();
    // In-flight calls each listen for the breaker opening; their number is the caller's concurrency.
    this.setMaxListeners(0);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** A permit to call, or undefined when the call must be rejected without trying. */
  tryAcquire(): Permit | undefined {
    switch (this.#state) {
      case 'closed':
        this.counters.admitted++;
        return { probe: false, generation: this.#generation };
      case 'half-open':
        if (this.#probesInFlight >= this.halfOpenProbes) break;
        this.#probesInFlight++;
        this.counters.admitted++;
        return { probe: true, generation: this.#generation };
      case 'open':
        break;
    }
    this.counters.rejected++;
    return undefined;
  }

  recordSuccess(permit: Permit): void {
    this.counters.successes++;
    if (permit.generation !== this.#generation) return;
    if (permit.probe) {
      this.#probesInFlight--;
      if (++this.#probeSuccesses >= this.halfOpenProbes) this.#transition('closed');
      return;
    }
    this.#consecutiveFailures = 0;
  }

  recordFailure(permit: Permit): void {
    this.counters.failures++;
    if (permit.generation !== this.#generation) return;
    if (permit.probe) {
      this.#probesInFlight--;
      this.#transition('open');
      return;
    }
    if (++this.#consecutiveFailures >= this.failureThreshold) this.#transition('open');
  }

  /** Cancelled calls (shutdown) say nothing about the downstream's health. */
  release(permit: Permit): void {
    if (permit.probe && permit.generation === this.#generation) this.#probesInFlight--;
  }

  openForMs(now: number): number {
    return this.#state === 'open' ? now - this.#openedAt : 0;
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#openTimer);
    this.#openTimer = undefined;
    this.removeAllListeners();
  }

  #transition(to: BreakerState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#generation++;
    this.#consecutiveFailures = 0;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    clearTimeout(this.#openTimer);
    this.#openTimer = undefined;
    if (to === 'open') {
      this.counters.opened++;
      this.#openedAt = performance.now();
      if (!this.#disposed)
        this.#openTimer = setTimeout(() => {
          this.#openTimer = undefined;
          this.#transition('half-open');
        }, this.openMs);
    } else if (to === 'half-open') {
      this.counters.halfOpened++;
    } else {
      this.counters.closed++;
    }
    this.emit('state', from, to);
  }
}

// ---------------------------------------------------------------------------------------------
// The flaky downstream

interface Request {
  readonly id: number;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Set on the sampled fraction of calls that are traced. */
  readonly traceId: string | undefined;
}

interface Response {
  readonly status: number;
  readonly requestId: number;
  readonly body: { readonly items: readonly string[]; readonly servedBy: string };
}

/**
 * A downstream that alternates healthy spells (1-4 s, rare errors) and bursts (0.3-1.5 s, mostly
 * 503s and some responses slower than the callers' timeout). The schedule advances lazily on calls.
 */
class FlakyDownstream {
  #burst = false;
  #phaseEndsAt: number;
  constructor(
    readonly name: string,
    private readonly p: BreakerParams,
    private readonly random: () => number,
  ) {
    this.#phaseEndsAt = performance.now() + this.#healthySpell();
  }

  get inBurst(): boolean {
    return this.#burst;
  }

  async call(req: Request, signal: AbortSignal): Promise<Response> {
    const now = performance.now();
    if (now >= this.#phaseEndsAt) {
      this.#burst = !this.#burst;
      this.#phaseEndsAt = now + (this.#burst ? 300 + this.random() * 1200 : this.#healthySpell());
    }
    const slow = this.#burst && this.random() < 0.25;
    const latency = slow ? this.p.callTimeoutMs * 2 : this.random() * this.p.maxLatencyMs;
    await sleep(latency, undefined, { signal });
    if (this.random() < (this.#burst ? this.p.burstFailureRate : this.p.failureRate)) {
      throw new DownstreamError(503, `${this.name}: service unavailable for ${req.method} ${req.path}`);
    }
    const items: string[] = [];
    for (let i = 0; i < 4; i++) items.push(`${this.name}/${req.path}#${req.id}:${i}`);
    return { status: 200, requestId: req.id, body: { items, servedBy: this.name } };
  }

  #healthySpell(): number {
    return 1000 + this.random() * 3000;
  }
}

// ---------------------------------------------------------------------------------------------
// Calling through the breaker

type Outcome = 'ok' | 'rejected' | 'failed' | 'timeout' | 'cancelled' | 'shutdown';

interface Client {
  readonly breaker: CircuitBreaker;
  readonly downstream: FlakyDownstream;
  readonly outcomes: Record<Outcome, number>;
}

interface State {
  readonly p: BreakerParams & { leak: Leak };
  readonly clients: readonly Client[];
  readonly random: () => number;
  readonly slowCalls: { logged: number; lastMessage: string };
  /** Recent trace lines, a bounded ring. */
  readonly trace: TraceRing;
  /** Calls in flight, so teardown can let them finish (each ends within callTimeoutMs). */
  readonly inflight: Set<Promise<Outcome>>;
  nextRequestId: number;
}

class TraceRing {
  readonly #lines: string[] = [];
  #next = 0;
  constructor(private readonly capacity: number) {}
  push(line: string): void {
    if (this.#lines.length < this.capacity) this.#lines.push(line);
    else this.#lines[this.#next] = line;
    this.#next = (this.#next + 1) % this.capacity;
  }
  get size(): number {
    return this.#lines.length;
  }
}

function classify(err: unknown, shutdown: AbortSignal): Outcome {
  if (err instanceof CallTimeoutError) return 'timeout';
  if (err instanceof CallCancelledError) return 'cancelled';
  if (shutdown.aborted) return 'shutdown';
  if (err instanceof DownstreamError) return 'failed';
  throw err;
}

async function callThrough(state: State, client: Client, req: Request, shutdown: AbortSignal): Promise<Outcome> {
  const { breaker, downstream } = client;
  if (shutdown.aborted) return 'shutdown';
  const permit = breaker.tryAcquire();
  if (permit === undefined) return 'rejected';

  const startedAt = performance.now();
  const call = new AbortController();
  const timeout = setTimeout(() => call.abort(new CallTimeoutError(`${downstream.name}: no answer in ${state.p.callTimeoutMs} ms`)), state.p.callTimeoutMs);
  const onShutdown = (): void => call.abort(shutdown.reason);
  shutdown.addEventListener('abort', onShutdown, { once: true });
  let settled = false;
  // Fail fast: if the breaker opens while this call is in flight, the call is cancelled.
  const onState = (_from: BreakerState, to: BreakerState): void => {
    if (to === 'open' && !settled) call.abort(new CallCancelledError(`${breaker.name} opened during ${req.method} ${req.path}`));
  };
  // Traced calls log every transition they witness, through a wrapper around the handler.
  const listener =
    req.traceId === undefined
      ? onState
      : (from: BreakerState, to: BreakerState): void => {
          if (!settled) state.trace.push(`${req.traceId} ${breaker.name} ${from}->${to}`);
          onState(from, to);
        };
  breaker.on('state', listener);
  const watchdog = setInterval(() => {
    state.slowCalls.logged++;
    state.slowCalls.lastMessage = `slow call ${req.id} to ${downstream.name}: ${Math.round(performance.now() - startedAt)} ms`;
  }, state.p.slowCallMs);

  let outcome: Outcome = 'cancelled';
  try {
    const res = await downstream.call(req, call.signal);
    if (res.status !== 200 || res.body.items.length === 0) throw new DownstreamError(res.status, 'bad response');
    breaker.recordSuccess(permit);
    if (state.p.leak === 'timer') clearInterval(watchdog); // the bug: only the success path clears it
    outcome = 'ok';
  } catch (err) {
    try {
      outcome = classify(err, shutdown);
    } catch (unexpected) {
      breaker.release(permit);
      throw unexpected;
    }
    if (outcome === 'failed' || outcome === 'timeout') breaker.recordFailure(permit);
    else breaker.release(permit);
  } finally {
    settled = true;
    clearTimeout(timeout);
    shutdown.removeEventListener('abort', onShutdown);
    // The 'listener' bug: removes the bare handler, which is not what a traced call registered.
    breaker.off('state', state.p.leak === 'listener' ? onState : listener);
    if (state.p.leak !== 'timer') clearInterval(watchdog);
  }
  if (req.traceId !== undefined) {
    const ms = (performance.now() - startedAt).toFixed(1);
    state.trace.push(`${req.traceId} ${breaker.name} ${req.method} ${req.path} ${outcome} ${ms}ms`);
  }
  return outcome;
}

const PATHS = ['/v1/accounts', '/v1/orders', '/v1/inventory/items', '/v1/quotes', '/v1/users/profile'] as const;

function makeRequest(state: State, downstream: string): Request {
  const r = state.random;
  const id = state.nextRequestId++;
  const post = r() < 0.3;
  const path = PATHS[Math.floor(r() * PATHS.length)] as string;
  return {
    id,
    method: post ? 'POST' : 'GET',
    path,
    headers: { 'x-request-id': `req-${id.toString(36)}`, 'x-target': downstream, accept: 'application/json' },
    body: post ? JSON.stringify({ id, at: Date.now(), qty: Math.floor(r() * 10) }) : undefined,
    traceId: r() < state.p.traceSample ? `trace-${id.toString(16).padStart(12, '0')}` : undefined,
  };
}

export default defineWorkload({
  name: 'circuit-breaker',
  description: 'Circuit breakers (closed/open/half-open) per downstream in front of flaky timer-driven downstreams',
  params,
  paramDocs: {
    downstreams: 'number of downstream services, each with its own breaker',
    failureThreshold: 'consecutive failures that open a closed breaker',
    openMs: 'how long a breaker stays open before it lets probes through (half-open), in ms',
    halfOpenProbes: 'concurrent probe calls allowed in half-open, and successes needed to close',
    callTimeoutMs: 'per-call timeout, in ms',
    maxLatencyMs: 'upper bound of a healthy downstream response time, in ms',
    failureRate: 'failure probability of a call while the downstream is healthy',
    burstFailureRate: 'failure probability of a call during a failure burst',
    slowCallMs: 'period of the per-call slow-call watchdog interval, in ms',
    traceSample: 'fraction of calls that are traced (a traced call logs the breaker transitions it sees)',
    leak: "'listener': traced calls' breaker listener never removed; 'timer': watchdog interval of failed calls never cleared",
  },
  paramChoices: { leak: LEAKS },

  setup(p: BreakerParams, ctx: WorkloadContext): State {
    if (!(LEAKS as readonly string[]).includes(p.leak)) {
      throw new Error(`circuit-breaker: unknown leak '${p.leak}' (expected ${LEAKS.join(', ')})`);
    }
    for (const name of ['downstreams', 'failureThreshold', 'openMs', 'halfOpenProbes', 'callTimeoutMs', 'slowCallMs'] as const) {
      if (!(p[name] > 0)) throw new Error(`circuit-breaker: ${name} must be positive, got ${p[name]}`);
    }
    const random = (): number => ctx.random();
    const clients: Client[] = [];
    for (let i = 0; i < Math.floor(p.downstreams); i++) {
      const name = `svc-${i}`;
      clients.push({
        breaker: new CircuitBreaker(name, p.failureThreshold, p.openMs, p.halfOpenProbes),
        downstream: new FlakyDownstream(name, p, random),
        outcomes: { ok: 0, rejected: 0, failed: 0, timeout: 0, cancelled: 0, shutdown: 0 },
      });
    }
    return {
      p: { ...p, leak: p.leak as Leak },
      clients,
      random,
      slowCalls: { logged: 0, lastMessage: '' },
      trace: new TraceRing(128),
      inflight: new Set(),
      nextRequestId: 1,
    };
  },

  emitters(state: State): NamedEmitters {
    return { breakers: state.clients.map((c) => c.breaker) };
  },

  async run(state: State, ctx: WorkloadContext): Promise<Outcome> {
    const client = state.clients[Math.floor(state.random() * state.clients.length)] as Client;
    const req = makeRequest(state, client.downstream.name);
    const call = callThrough(state, client, req, ctx.signal);
    state.inflight.add(call);
    let outcome: Outcome;
    try {
      outcome = await call;
    } finally {
      state.inflight.delete(call);
    }
    client.outcomes[outcome]++;
    return outcome;
  },

  async teardown(state: State): Promise<void> {
    await Promise.allSettled([...state.inflight]);
    for (const client of state.clients) client.breaker.dispose();
  },
});
