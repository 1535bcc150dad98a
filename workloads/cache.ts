/**
 * `cache`: a policy cache (LRU + TTL) under churn, modelled on an authorization service's policy
 * cache. Each operation is one request against it: an access check (get, load on miss with
 * single-flight, evaluate), a policy update (set), a revocation (delete) or a tenant-wide
 * invalidation (by-tag secondary index). The key space is larger than the capacity, so the LRU
 * evicts constantly; hot keys live until their TTL and expire lazily on get or in the periodic
 * sweep. Every structure is bounded by `capacity`, so the clean cache plateaus by design.
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
  capacity: 2048,
  keySpace: 8192,
  ttlMs: 5000,
  valueBytes: 512,
  sweepMs: 250,
  hotKeys: 1024,
  hotShare: 0.9,
  tenants: 16,
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

interface AccessRequest {
  readonly tenant: string;
  readonly action: string;
  readonly resource: string;
  readonly attributes: Readonly<Record<string, string>>;
}

interface Decision {
  readonly allowed: boolean;
  readonly policy: string;
  readonly version: number;
  readonly matched: string | undefined;
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
function buildPolicy(
  keyIndex: number,
  version: number,
  p: CacheParams,
  random: () => number,
): PolicyDocument {
  const tenant = tenantOf(keyIndex, p.tenants);
  const env = ENVS[keyIndex % ENVS.length] as string;
  const statementCount = Math.max(1, Math.round(p.valueBytes / 200));
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
      conditions:
        random() < 0.5
          ? [{ key: 'region', op: 'eq', value: pick(REGIONS, random) }]
          : [{ key: 'team', op: 'prefix', value: `team-${keyIndex % 7}` }],
    });
  }
  const descriptionLength = Math.max(16, p.valueBytes - statementCount * 160);
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
function evaluate(doc: PolicyDocument, req: AccessRequest): Decision {
  let allowedBy: string | undefined;
  for (const st of doc.statements) {
    if (!st.actions.some((a) => matchesPattern(a, req.action))) continue;
    if (!st.resources.some((r) => matchesPattern(r, req.resource))) continue;
    const conditionsHold = st.conditions.every((c) => {
      const actual = req.attributes[c.key];
      if (actual === undefined) return false;
      return c.op === 'eq' ? actual === c.value : actual.startsWith(c.value);
    });
    if (!conditionsHold) continue;
    if (st.effect === 'deny') {
      return { allowed: false, policy: doc.id, version: doc.version, matched: st.sid };
    }
    allowedBy ??= st.sid;
  }
  return { allowed: allowedBy !== undefined, policy: doc.id, version: doc.version, matched: allowedBy };
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
  decisions: { allowed: number; denied: number };
  loads: number;
  staleLoads: number;
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
    action: `${service}:${pick(VERBS, r)}`,
    resource: `res:${tenant}:${service}/${env}/object-${Math.floor(r() * 1000)}`,
    attributes: { region: pick(REGIONS, r), team: `team-${Math.floor(r() * 7)}-${Math.floor(r() * 10)}` },
  };
}

function record(state: State, decision: Decision): Decision {
  if (decision.allowed) state.decisions.allowed++;
  else state.decisions.denied++;
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
    if (!(p.hotShare >= 0 && p.hotShare <= 1)) throw new Error(`cache: hotShare must be in [0, 1], got ${p.hotShare}`);
    const keySpace = Math.floor(p.keySpace);
    const bucketMs = Math.max(1, Math.min(p.sweepMs, p.ttlMs / 4));
    const cache = new LruTtlCache<PolicyDocument>(Math.floor(p.capacity), p.ttlMs, bucketMs, p.leak as Leak);
    const keys: string[] = [];
    for (let i = 0; i < keySpace; i++) keys.push(`policy:${tenantOf(i, p.tenants)}:${i}`);
    const sweeper = setInterval(() => cache.sweep(performance.now()), p.sweepMs);
    return {
      params: { ...p, keySpace },
      cache,
      keys,
      versions: new Uint32Array(keySpace),
      loading: new Map(),
      sweeper,
      random: () => ctx.random(),
      decisions: { allowed: 0, denied: 0 },
      loads: 0,
      staleLoads: 0,
    };
  },

  run(state: State): Decision | number | boolean | Promise<Decision> {
    const roll = state.random();
    if (roll < 0.98) {
      // Access check: the hot path.
      const keyIndex = pickAccessedKey(state);
      const request = makeRequest(state, keyIndex);
      const doc = getOrLoad(state, keyIndex);
      if (doc instanceof Promise) return doc.then((d) => record(state, evaluate(d, request)));
      return record(state, evaluate(doc, request));
    }
    const keyIndex = pickAnyKey(state);
    if (roll < 0.99) {
      // Policy update pushed by the control plane: bump the version and cache the new document.
      const version = (state.versions[keyIndex] = (state.versions[keyIndex] ?? 0) + 1);
      const doc = buildPolicy(keyIndex, version, state.params, state.random);
      state.cache.set(state.keys[keyIndex] as string, doc, doc.tags, performance.now());
      return version;
    }
    if (roll < 0.99999) {
      // Revocation: drop it; the next access check reloads it.
      return state.cache.delete(state.keys[keyIndex] as string);
    }
    // A tenant's bundle changed: invalidate everything tagged with it.
    return state.cache.invalidateTag(`tenant:${tenantOf(keyIndex, state.params.tenants)}`);
  },

  async teardown(state: State): Promise<void> {
    clearInterval(state.sweeper);
    await Promise.allSettled([...state.loading.values()]);
    state.loading.clear();
    state.cache.clear();
  },
});
