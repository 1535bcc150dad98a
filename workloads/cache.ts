/**
 * `cache`: a policy cache (LRU + TTL) under churn, modelled on an authorization service's policy
 * cache. Each operation is one request against it: mostly an access check (get, load and set on a
 * miss with single-flight, evaluate the request against the policy); control-plane traffic arrives
 * at fixed rates in time (so the churn does not depend on machine speed) and is carried out by the
 * operation that finds it due: a policy update (set), a revocation (delete) or a tenant-wide
 * invalidation (by-tag secondary index). The key space is larger than the capacity and a tenth of
 * the checks go to the cold tail, so the LRU evicts constantly; the hot set stays cached until its
 * TTL and then expires lazily on get or in the periodic sweep. Every structure is bounded by
 * `capacity`, so the clean cache plateaus by design.
 *
 * Leak `side-index`: the expiry paths (lazy expiry on get and the sweep) take a shortcut and drop
 * the entry from the primary map and the expiry index but not from the by-tag index, so every
 * expired policy document stays reachable from its tag sets forever (`invalidateTag` skips them
 * because they are no longer the live entry for their key).
 */
import { defineWorkload } from '../src/workload.js';
import type { WorkloadContext } from '../src/workload.js';

const LEAKS = ['none', 'side-index'] as const;
type Leak = (typeof LEAKS)[number];

const params = {
  capacity: 2000,
  keySpace: 8000,
  ttlMs: 5000,
  valueBytes: 512,
  sweepMs: 250,
  hotKeys: 1000,
  hotShare: 0.9,
  tenants: 16,
  updatesPerSec: 200,
  revocationsPerSec: 100,
  invalidationsPerSec: 0.5,
  leak: 'none' as string,
};
type CacheParams = typeof params;

// ---------------------------------------------------------------------------------------------
// Policy documents

type Effect = 'allow' | 'deny';

interface Condition {
  readonly key: string;
  readonly op: 'eq' | 'prefix';
  readonly value: string;
}

interface Statement {
  readonly sid: string;
  readonly effect: Effect;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: readonly Condition[];
}

interface PolicyDocument {
  readonly id: string;
  readonly tenant: string;
  readonly version: number;
  readonly etag: string;
  readonly updatedAt: number;
  readonly tags: readonly string[];
  readonly description: string;
  readonly statements: readonly Statement[];
}

/** A batch permission check, as a UI asks "which of these may I do on this resource?". */
interface AccessRequest {
  readonly tenant: string;
  readonly actions: readonly string[];
  readonly resource: string;
  readonly attributes: Readonly<Record<string, string>>;
}

interface Decision {
  readonly allowed: boolean;
  /** Statement that decided, if any. */
  readonly matched: string | undefined;
}

interface BatchDecision {
  readonly policy: string;
  readonly version: number;
  readonly allowed: readonly string[];
  readonly denied: number;
}

const SERVICES = ['storage', 'queue', 'billing', 'compute', 'iam'] as const;
const VERBS = ['read', 'write', 'list', 'delete', 'admin'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'] as const;

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** FNV-1a over a string, as a short hex etag. */
function etagOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function tenantOf(keyIndex: number, tenants: number): string {
  return `t${keyIndex % tenants}`;
}

/** Builds a policy document of roughly `valueBytes` serialized size, as a store would return it. */
function buildPolicy(keyIndex: number, version: number, p: CacheParams, random: () => number): PolicyDocument {
  const tenant = tenantOf(keyIndex, p.tenants);
  const env = ENVS[keyIndex % ENVS.length] as string;
  // Serialized, a document is ~150 bytes of fixed fields plus ~200 per statement plus the description.
  const statementCount = Math.max(1, Math.round(p.valueBytes / 400));
  const statements: Statement[] = [];
  for (let i = 0; i < statementCount; i++) {
    const service = pick(SERVICES, random);
    const actions: string[] = [];
    const verbCount = 1 + Math.floor(random() * 3);
    for (let v = 0; v < verbCount; v++) actions.push(`${service}:${pick(VERBS, random)}`);
    if (random() < 0.1) actions.push(`${service}:*`);
    statements.push({
      sid: `s${i}-${keyIndex.toString(36)}`,
      effect: random() < 0.15 ? 'deny' : 'allow',
      actions,
      resources: [`res:${tenant}:${service}/${env}/*`, `res:${tenant}:${service}/shared/${i}`],
      conditions: random() < 0.5 ? [{ key: 'region', op: 'eq', value: pick(REGIONS, random) }] : [{ key: 'team', op: 'prefix', value: `team-${keyIndex % 7}` }],
    });
  }
  const descriptionLength = Math.max(16, p.valueBytes - 150 - statementCount * 200);
  const description = `policy ${keyIndex} v${version} for ${tenant}/${env}: `.padEnd(descriptionLength, '.');
  return {
    id: `policy-${keyIndex}`,
    tenant,
    version,
    etag: etagOf(`${keyIndex}:${version}:${description.length}:${statements.length}`),
    updatedAt: Date.now(),
    tags: [`tenant:${tenant}`, `env:${env}`],
    description,
    statements,
  };
}

function matchesPattern(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

/** Deny overrides allow; no matching statement means deny. */
function evaluate(doc: PolicyDocument, action: string, req: AccessRequest): Decision {
  let allowedBy: string | undefined;
  for (const st of doc.statements) {
    if (!st.actions.some((a) => matchesPattern(a, action))) continue;
    if (!st.resources.some((r) => matchesPattern(r, req.resource))) continue;
    const conditionsHold = st.conditions.every((c) => {
      const actual = req.attributes[c.key];
      if (actual === undefined) return false;
      return c.op === 'eq' ? actual === c.value : actual.startsWith(c.value);
    });
    if (!conditionsHold) continue;
    if (st.effect === 'deny') return { allowed: false, matched: st.sid };
    allowedBy ??= st.sid;
  }
  return { allowed: allowedBy !== undefined, matched: allowedBy };
}

function decide(doc: PolicyDocument, req: AccessRequest): BatchDecision {
  const allowed: string[] = [];
  let denied = 0;
  for (const action of req.actions) {
    if (evaluate(doc, action, req).allowed) allowed.push(action);
    else denied++;
  }
  return { policy: doc.id, version: doc.version, allowed, denied };
}

// ---------------------------------------------------------------------------------------------
// The cache

interface Entry<V> {
  readonly key: string;
  readonly value: V;
  readonly tags: readonly string[];
  readonly expiresAt: number;
  /** Expiry-index bucket the entry is filed under. */
  readonly bucket: number;
}

interface CacheStats {
  hits: number;
  misses: number;
  sets: number;
  evicted: number;
  deleted: number;
  expiredLazy: number;
  expiredSweep: number;
  invalidated: number;
  sweeps: number;
}

type RemovalReason = 'evict' | 'delete' | 'replace' | 'invalidate' | 'expire';

/**
 * LRU + TTL cache. Recency is the primary map's insertion order (a hit re-inserts the entry at the
 * end, eviction takes the first). Two side indexes: an expiry index of time buckets (so the sweep
 * only looks at due entries) and a by-tag index (so a tenant can be invalidated at once).
 */
class LruTtlCache<V> {
  readonly #map = new Map<string, Entry<V>>();
  readonly #expiry = new Map<number, Set<Entry<V>>>();
  readonly #byTag = new Map<string, Set<Entry<V>>>();
  readonly stats: CacheStats = {
    hits: 0,
    misses: 0,
    sets: 0,
    evicted: 0,
    deleted: 0,
    expiredLazy: 0,
    expiredSweep: 0,
    invalidated: 0,
    sweeps: 0,
  };

  constructor(
    readonly capacity: number,
    readonly ttlMs: number,
    readonly bucketMs: number,
    private readonly leak: Leak,
  ) {}

  get size(): number {
    return this.#map.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) {
      this.stats.misses++;
      return undefined;
    }
    if (entry.expiresAt <= now) {
      this.#expire(entry);
      this.stats.expiredLazy++;
      this.stats.misses++;
      return undefined;
    }
    // Touch: move to the most-recently-used end.
    this.#map.delete(key);
    this.#map.set(key, entry);
    this.stats.hits++;
    return entry.value;
  }

  set(key: string, value: V, tags: readonly string[], now: number, ttlMs = this.ttlMs): void {
    const previous = this.#map.get(key);
    if (previous !== undefined) this.#remove(previous, 'replace');
    const expiresAt = now + ttlMs;
    const entry: Entry<V> = { key, value, tags, expiresAt, bucket: Math.ceil(expiresAt / this.bucketMs) };
    this.#map.set(key, entry);
    let due = this.#expiry.get(entry.bucket);
    if (due === undefined) this.#expiry.set(entry.bucket, (due = new Set()));
    due.add(entry);
    for (const tag of tags) {
      let members = this.#byTag.get(tag);
      if (members === undefined) this.#byTag.set(tag, (members = new Set()));
      members.add(entry);
    }
    this.stats.sets++;
    while (this.#map.size > this.capacity) {
      const oldest = this.#map.values().next();
      if (oldest.done === true) break;
      this.#remove(oldest.value, 'evict');
    }
  }

  delete(key: string): boolean {
    const entry = this.#map.get(key);
    if (entry === undefined) return false;
    this.#remove(entry, 'delete');
    return true;
  }

  /** Drops every live entry carrying `tag`; returns how many. */
  invalidateTag(tag: string): number {
    const members = this.#byTag.get(tag);
    if (members === undefined) return 0;
    let count = 0;
    for (const entry of members) {
      // Only the live entry for its key is ours to remove.
      if (this.#map.get(entry.key) !== entry) continue;
      this.#remove(entry, 'invalidate');
      count++;
    }
    this.stats.invalidated += count;
    return count;
  }

  /** Expires every entry whose bucket is due; returns how many. */
  sweep(now: number): number {
    const dueBucket = Math.floor(now / this.bucketMs);
    let count = 0;
    for (const [bucket, entries] of this.#expiry) {
      if (bucket > dueBucket) continue;
      for (const entry of entries) {
        if (entry.expiresAt > now) continue;
        this.#expire(entry);
        count++;
      }
      if (entries.size === 0) this.#expiry.delete(bucket);
    }
    this.stats.expiredSweep += count;
    this.stats.sweeps++;
    return count;
  }

  /** Figures for the status line; sizes of the side indexes included. */
  indexSizes(): { entries: number; expiryBuckets: number; tags: number; tagMembers: number } {
    let tagMembers = 0;
    for (const members of this.#byTag.values()) tagMembers += members.size;
    return { entries: this.#map.size, expiryBuckets: this.#expiry.size, tags: this.#byTag.size, tagMembers };
  }

  clear(): void {
    this.#map.clear();
    this.#expiry.clear();
    this.#byTag.clear();
  }

  #expire(entry: Entry<V>): void {
    if (this.leak === 'side-index') {
      // The bug: a "fast path" for expiry that only updates the primary map and the expiry index.
      this.#map.delete(entry.key);
      this.#unlinkExpiry(entry);
      return;
    }
    this.#remove(entry, 'expire');
  }

  #remove(entry: Entry<V>, reason: RemovalReason): void {
    this.#map.delete(entry.key);
    this.#unlinkExpiry(entry);
    for (const tag of entry.tags) {
      const members = this.#byTag.get(tag);
      if (members === undefined) continue;
      members.delete(entry);
      if (members.size === 0) this.#byTag.delete(tag);
    }
    if (reason === 'evict') this.stats.evicted++;
    else if (reason === 'delete') this.stats.deleted++;
  }

  #unlinkExpiry(entry: Entry<V>): void {
    const due = this.#expiry.get(entry.bucket);
    if (due === undefined) return;
    due.delete(entry);
    if (due.size === 0) this.#expiry.delete(entry.bucket);
  }
}

// ---------------------------------------------------------------------------------------------
// The simulated policy store and the workload

interface State {
  readonly params: CacheParams;
  readonly cache: LruTtlCache<PolicyDocument>;
  readonly keys: readonly string[];
  /** Current version of every policy in the store (the source of truth). */
  readonly versions: Uint32Array;
  /** Loads in flight, so concurrent misses on one key share a single store read. */
  readonly loading: Map<string, Promise<PolicyDocument>>;
  readonly sweeper: NodeJS.Timeout;
  readonly random: () => number;
  /** When the next control-plane update, revocation and invalidation are due (performance.now() ms). */
  readonly due: { update: number; revocation: number; invalidation: number };
  decisions: { allowed: number; denied: number };
  loads: number;
  staleLoads: number;
}

/**
 * The next due time of events arriving at random (Poisson) at `perSec` a second; at most 1 s of
 * backlog is kept. Random gaps keep them from falling into step with anything periodic.
 */
function nextDue(previous: number, perSec: number, now: number, random: () => number): number {
  if (!(perSec > 0)) return Number.POSITIVE_INFINITY;
  const gap = (-Math.log(1 - random()) * 1000) / perSec;
  return Math.max(previous + gap, now - 1000);
}

/** Access checks: mostly the hot set, the rest anywhere in the key space (the cold tail churns the LRU). */
function pickAccessedKey(state: State): number {
  const { keySpace, hotKeys, hotShare } = state.params;
  const span = state.random() < hotShare ? Math.min(hotKeys, keySpace) : keySpace;
  return Math.floor(state.random() * span);
}

/** Updates, revocations and invalidations come from the control plane, uniformly over all policies. */
function pickAnyKey(state: State): number {
  return Math.floor(state.random() * state.params.keySpace);
}

async function loadFromStore(state: State, keyIndex: number): Promise<PolicyDocument> {
  const version = state.versions[keyIndex] ?? 0;
  // The store round trip: give other operations a turn before the document arrives.
  await Promise.resolve();
  const doc = buildPolicy(keyIndex, version, state.params, state.random);
  state.loads++;
  // A policy update may have landed (and been cached) while we were loading: keep the newer one.
  if ((state.versions[keyIndex] ?? 0) === version) {
    state.cache.set(state.keys[keyIndex] as string, doc, doc.tags, performance.now());
  } else {
    state.staleLoads++;
  }
  return doc;
}

function getOrLoad(state: State, keyIndex: number): PolicyDocument | Promise<PolicyDocument> {
  const key = state.keys[keyIndex] as string;
  const cached = state.cache.get(key, performance.now());
  if (cached !== undefined) return cached;
  let pending = state.loading.get(key);
  if (pending === undefined) {
    pending = loadFromStore(state, keyIndex).finally(() => state.loading.delete(key));
    state.loading.set(key, pending);
  }
  return pending;
}

function makeRequest(state: State, keyIndex: number): AccessRequest {
  const r = state.random;
  const tenant = tenantOf(keyIndex, state.params.tenants);
  const service = pick(SERVICES, r);
  const env = r() < 0.7 ? (ENVS[keyIndex % ENVS.length] as string) : pick(ENVS, r);
  return {
    tenant,
    actions: VERBS.map((verb) => `${service}:${verb}`),
    resource: `res:${tenant}:${service}/${env}/object-${Math.floor(r() * 1000)}`,
    attributes: { region: pick(REGIONS, r), team: `team-${Math.floor(r() * 7)}-${Math.floor(r() * 10)}` },
  };
}

function record(state: State, decision: BatchDecision): BatchDecision {
  state.decisions.allowed += decision.allowed.length;
  state.decisions.denied += decision.denied;
  return decision;
}

export default defineWorkload({
  name: 'cache',
  description: 'Policy cache (LRU + TTL, by-tag index) under get/set/delete churn on a key space larger than capacity',
  params,
  paramDocs: {
    capacity: 'maximum live entries; the LRU evicts beyond it',
    keySpace: 'number of distinct policy keys requested (keep it larger than capacity)',
    ttlMs: 'time to live of a cached policy, in ms (expired lazily on get and by the sweep)',
    valueBytes: 'approximate serialized size of one policy document, in bytes',
    sweepMs: 'period of the expiry sweep timer, in ms',
    hotKeys: 'size of the hot set of policies that most access checks ask for (keep it below capacity)',
    hotShare: 'fraction of access checks that go to the hot set; the rest spread over the whole key space',
    tenants: 'number of tenants; each is a tag that can be invalidated at once',
    updatesPerSec: 'policy updates (set of a new version, any key) per second',
    revocationsPerSec: 'policy revocations (delete, any key) per second',
    invalidationsPerSec: 'tenant-wide invalidations (by-tag index) per second',
    leak: "'side-index': expired entries stay in the by-tag index forever",
  },
  paramChoices: { leak: LEAKS },

  setup(p: CacheParams, ctx: WorkloadContext): State {
    if (!(LEAKS as readonly string[]).includes(p.leak)) {
      throw new Error(`cache: unknown leak '${p.leak}' (expected ${LEAKS.join(', ')})`);
    }
    for (const name of ['capacity', 'keySpace', 'ttlMs', 'valueBytes', 'sweepMs', 'hotKeys', 'tenants'] as const) {
      if (!(p[name] > 0)) throw new Error(`cache: ${name} must be positive, got ${p[name]}`);
    }
    for (const name of ['updatesPerSec', 'revocationsPerSec', 'invalidationsPerSec'] as const) {
      if (!(p[name] >= 0)) throw new Error(`cache: ${name} must be >= 0, got ${p[name]}`);
    }
    if (!(p.hotShare >= 0 && p.hotShare <= 1)) throw new Error(`cache: hotShare must be in [0, 1], got ${p.hotShare}`);
    const keySpace = Math.floor(p.keySpace);
    const bucketMs = Math.max(1, Math.min(p.sweepMs, p.ttlMs / 4));
    const cache = new LruTtlCache<PolicyDocument>(Math.floor(p.capacity), p.ttlMs, bucketMs, p.leak as Leak);
    const keys: string[] = [];
    for (let i = 0; i < keySpace; i++) keys.push(`policy:${tenantOf(i, p.tenants)}:${i}`);
    const sweeper = setInterval(() => cache.sweep(performance.now()), p.sweepMs);
    const now = performance.now();
    const random = (): number => ctx.random();
    return {
      params: { ...p, keySpace },
      cache,
      keys,
      versions: new Uint32Array(keySpace),
      loading: new Map(),
      sweeper,
      random,
      due: {
        update: nextDue(now, p.updatesPerSec, now, random),
        revocation: nextDue(now, p.revocationsPerSec, now, random),
        invalidation: nextDue(now, p.invalidationsPerSec, now, random),
      },
      decisions: { allowed: 0, denied: 0 },
      loads: 0,
      staleLoads: 0,
    };
  },

  run(state: State): BatchDecision | number | boolean | Promise<BatchDecision> {
    // Control-plane traffic arrives at fixed rates in time, whatever the request rate is; the
    // operation that finds one due performs it, so every operation is a get, a set or a delete.
    const now = performance.now();
    const due = state.due;
    if (now >= due.invalidation) {
      due.invalidation = nextDue(due.invalidation, state.params.invalidationsPerSec, now, state.random);
      // A tenant's bundle changed: invalidate everything tagged with it.
      return state.cache.invalidateTag(`tenant:${tenantOf(pickAnyKey(state), state.params.tenants)}`);
    }
    if (now >= due.update) {
      due.update = nextDue(due.update, state.params.updatesPerSec, now, state.random);
      // Policy update pushed by the control plane: bump the version and cache the new document.
      const keyIndex = pickAnyKey(state);
      const version = (state.versions[keyIndex] = (state.versions[keyIndex] ?? 0) + 1);
      const doc = buildPolicy(keyIndex, version, state.params, state.random);
      state.cache.set(state.keys[keyIndex] as string, doc, doc.tags, now);
      return version;
    }
    if (now >= due.revocation) {
      due.revocation = nextDue(due.revocation, state.params.revocationsPerSec, now, state.random);
      // Revocation: drop it; the next access check reloads it.
      return state.cache.delete(state.keys[pickAnyKey(state)] as string);
    }
    // Access check: the hot path.
    const keyIndex = pickAccessedKey(state);
    const request = makeRequest(state, keyIndex);
    const doc = getOrLoad(state, keyIndex);
    if (doc instanceof Promise) return doc.then((d) => record(state, decide(d, request)));
    return record(state, decide(doc, request));
  },

  async teardown(state: State): Promise<void> {
    clearInterval(state.sweeper);
    await Promise.allSettled([...state.loading.values()]);
    state.loading.clear();
    state.cache.clear();
  },
});
