/**
 * Writes three heap snapshots of one Node process, as `soak snapshot-diff` is given them: a
 * baseline, a target and a final, with a known leak between them. They are the input of
 * bench-snapshot, which has to show that the diff reads a ~130 MB snapshot in about a second at a
 * small, fixed memory cost; real snapshots of that size cannot be shipped, and a seeded generator
 * gives the same objects on every machine (their count to ~1 MB of heap, as it stops by heapUsed).
 *
 * The heap is built in a child Node of its own (this file run with --child), so the snapshots hold
 * that heap and none of the caller's. It is ~60 MB at the baseline (~64 MB at the final) of mixed,
 * realistic objects: customer records with a few properties, their arrays of scores and tags,
 * unique strings (names, e-mails), class instances (Account, Order with its line items), a Map of
 * preferences on every fourth customer, closures that capture their customer, all held by
 * module-level indexes (a Map by e-mail, an array of orders). Then:
 *
 * - baseline snapshot;
 * - `leakCount` instances of `class LeakedRecord` put in a module-level Map that is never evicted
 *   (with their own payload object and key string), plus churn of the same shape that is dropped;
 * - target snapshot;
 * - `moreLeakCount` more LeakedRecords, and more churn that is dropped;
 * - final snapshot.
 *
 * So a correct three-snapshot diff finds exactly `leakCount` LeakedRecords born between baseline and
 * target and alive in the final one, and `leakCount + moreLeakCount` of them in the final.
 *
 * Usage: node dist/scripts/gen-heap-snapshots.js <out-dir> [--heap-mb N] [--seed N]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { seededRandom } from '../src/random.js';

export interface HeapSnapshotsOptions {
  /** Heap used (after a full GC) at the baseline, in MB; the leak adds ~5 MB by the final. Default 60: ~64 MB and ~130 MB in the final. */
  readonly heapMb?: number;
  /** LeakedRecords added between baseline and target. Default 20,000. */
  readonly leakCount?: number;
  /** LeakedRecords added between target and final. Default 5,000. */
  readonly moreLeakCount?: number;
  /** Seed of the heap's contents. Default 1. */
  readonly seed?: number;
}

export interface SnapshotFile {
  readonly path: string;
  readonly bytes: number;
  /** From the snapshot's own header. */
  readonly nodes: number;
  readonly edges: number;
  /** Heap used when it was taken, after a full GC. */
  readonly heapUsedBytes: number;
  /** What v8.writeHeapSnapshot took. */
  readonly writeSeconds: number;
}

export interface HeapSnapshots {
  readonly baseline: SnapshotFile;
  readonly target: SnapshotFile;
  readonly final: SnapshotFile;
  /** The leak's class name, as a diff should report it. */
  readonly leakClass: string;
  /** LeakedRecords born between baseline and target (all alive in the final). */
  readonly leakedInTarget: number;
  /** LeakedRecords in the final snapshot. */
  readonly leakedInFinal: number;
  /** Customers built for the base heap. */
  readonly customers: number;
  /** The child's whole run: building the heap and writing the three snapshots. */
  readonly seconds: number;
}

const MB = 1024 * 1024;
const LEAK_CLASS = 'LeakedRecord';
const NAMES = ['baseline', 'target', 'final'] as const;
type SnapshotName = (typeof NAMES)[number];

interface ChildReport {
  readonly customers: number;
  readonly snapshots: Record<SnapshotName, { readonly heapUsedBytes: number; readonly writeSeconds: number }>;
}

/** Builds the heap in a child Node and writes baseline, target and final .heapsnapshot files into `dir`. */
export function writeHeapSnapshots(dir: string, options: HeapSnapshotsOptions = {}): HeapSnapshots {
  const heapMb = options.heapMb ?? 60;
  const leakCount = options.leakCount ?? 20_000;
  const moreLeakCount = options.moreLeakCount ?? 5_000;
  const seed = options.seed ?? 1;
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', dir];
  args.push('--heap-mb', String(heapMb), '--leak', String(leakCount), '--more-leak', String(moreLeakCount), '--seed', String(seed));
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: MB });
  if (child.error !== undefined) throw child.error;
  if (child.status !== 0) throw new Error(`the heap-snapshot child exited ${child.status ?? child.signal}`);
  const report = JSON.parse(child.stdout) as ChildReport;
  const seconds = (performance.now() - started) / 1000;
  const file = (name: SnapshotName): SnapshotFile => {
    const path = snapshotPath(dir, name);
    return { path, bytes: statSync(path).size, ...headerCounts(path), ...report.snapshots[name] };
  };
  return {
    baseline: file('baseline'),
    target: file('target'),
    final: file('final'),
    leakClass: LEAK_CLASS,
    leakedInTarget: leakCount,
    leakedInFinal: leakCount + moreLeakCount,
    customers: report.customers,
    seconds,
  };
}

function snapshotPath(dir: string, name: SnapshotName): string {
  return join(dir, `${name}.heapsnapshot`);
}

/** node_count and edge_count from the first bytes of a snapshot, without reading the rest. */
function headerCounts(path: string): { nodes: number; edges: number } {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.toString('latin1', 0, n);
    const nodes = /"node_count":(\d+)/.exec(text)?.[1];
    const edges = /"edge_count":(\d+)/.exec(text)?.[1];
    if (nodes === undefined || edges === undefined) throw new Error(`${path}: no node_count or edge_count in its header`);
    return { nodes: Number(nodes), edges: Number(edges) };
  } finally {
    closeSync(fd);
  }
}

// ---- The child: the heap itself. Everything below is held by module-level bindings, as an app's state is. ----

class Account {
  readonly iban: string;
  balance: number;
  readonly currency: string;
  constructor(iban: string, balance: number, currency: string) {
    this.iban = iban;
    this.balance = balance;
    this.currency = currency;
  }
}

class LineItem {
  readonly sku: string;
  readonly quantity: number;
  readonly price: number;
  constructor(sku: string, quantity: number, price: number) {
    this.sku = sku;
    this.quantity = quantity;
    this.price = price;
  }
}

class Order {
  readonly id: number;
  readonly customer: Customer;
  readonly items: LineItem[];
  status: 'open' | 'paid' | 'shipped';
  constructor(id: number, customer: Customer, items: LineItem[]) {
    this.id = id;
    this.customer = customer;
    this.items = items;
    this.status = 'open';
  }
}

interface Customer {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly tags: string[];
  readonly scores: number[];
  readonly account: Account;
  readonly address: { readonly street: string; readonly city: string; readonly zip: string };
  readonly prefs?: Map<string, string | number | boolean>;
  readonly onChange: (field: string) => string;
}

/** The leak: requests remembered in a cache that nothing evicts. */
class LeakedRecord {
  readonly id: number;
  readonly key: string;
  readonly payload: { readonly route: string; readonly status: number; readonly bytes: number };
  readonly at: number;
  constructor(id: number, route: string, status: number, bytes: number) {
    this.id = id;
    this.key = `req-${id.toString(36)}-${route}`;
    this.payload = { route, status, bytes };
    this.at = 1_736_150_400_000 + id;
  }
}

const TAGS = ['vip', 'new', 'churn-risk', 'b2b', 'newsletter', 'beta', 'eu', 'us', 'apac', 'mobile'];
const CITIES = ['Lyon', 'Porto', 'Gdansk', 'Turin', 'Leeds', 'Ghent', 'Brno', 'Malmo'];
const SKUS = Array.from({ length: 500 }, (_, i) => `SKU-${(i * 7919).toString(16).padStart(5, '0')}`);
const ROUTES = ['/api/orders', '/api/customers', '/api/search', '/healthz', '/api/cart', '/api/pay'];

const customersByEmail = new Map<string, Customer>();
const orders: Order[] = [];
const leakCache = new Map<string, LeakedRecord>();

function pick<T>(xs: readonly T[], random: () => number): T {
  return xs[Math.floor(random() * xs.length)] as T;
}

function makeCustomer(id: number, random: () => number): Customer {
  const name = `customer ${id} ${Math.floor(random() * 1e9).toString(36)}`;
  const customer: Customer = {
    id,
    name,
    email: `c${id}.${Math.floor(random() * 1e6)}@example.org`,
    tags: Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(TAGS, random)),
    scores: Array.from({ length: 4 }, () => Math.round(random() * 1000) / 10),
    account: new Account(`FR76${Math.floor(random() * 1e12)}`, Math.round(random() * 1e6) / 100, random() < 0.8 ? 'EUR' : 'USD'),
    address: { street: `${1 + Math.floor(random() * 200)} rue ${id % 977}`, city: pick(CITIES, random), zip: String(10000 + (id % 89999)) },
    ...(id % 4 === 0 && {
      prefs: new Map<string, string | number | boolean>([
        ['theme', random() < 0.5 ? 'dark' : 'light'],
        ['pageSize', 10 + Math.floor(random() * 90)],
        ['emails', random() < 0.7],
      ]),
    }),
    onChange: (field: string): string => `${customer.email} changed ${field}`,
  };
  return customer;
}

function makeOrder(id: number, customer: Customer, random: () => number): Order {
  const items = Array.from(
    { length: 1 + Math.floor(random() * 4) },
    () => new LineItem(pick(SKUS, random), 1 + Math.floor(random() * 5), Math.round(random() * 1e4) / 100),
  );
  return new Order(id, customer, items);
}

/** Customers (and an order for every other one) until the heap holds `heapBytes` after a full GC, to ~1 MB. */
function buildHeap(heapBytes: number, random: () => number): number {
  let id = 0;
  for (;;) {
    for (let i = 0; i < 1000; i++, id++) {
      const customer = makeCustomer(id, random);
      customersByEmail.set(customer.email, customer);
      if (id % 2 === 0) orders.push(makeOrder(id, customer, random));
    }
    // Garbage counts in heapUsed: a full GC only once it may be reached.
    if (process.memoryUsage().heapUsed < heapBytes) continue;
    globalThis.gc?.();
    if (process.memoryUsage().heapUsed >= heapBytes) return id;
  }
}

/** `leak` LeakedRecords kept in the cache, and as many short-lived ones (and customers) dropped. */
function leakAndChurn(first: number, leak: number, random: () => number): void {
  let churn: unknown[] = [];
  for (let i = 0; i < leak; i++) {
    const id = first + i;
    const record = new LeakedRecord(id, pick(ROUTES, random), random() < 0.95 ? 200 : 500, Math.floor(random() * 1e5));
    leakCache.set(record.key, record);
    churn.push(new LeakedRecord(1e9 + id, pick(ROUTES, random), 200, 0), makeCustomer(1e9 + id, random));
    if (churn.length >= 10_000) churn = [];
  }
}

function takeSnapshot(dir: string, name: SnapshotName): { heapUsedBytes: number; writeSeconds: number } {
  globalThis.gc?.();
  const heapUsedBytes = process.memoryUsage().heapUsed;
  const started = performance.now();
  writeHeapSnapshot(snapshotPath(dir, name));
  return { heapUsedBytes, writeSeconds: (performance.now() - started) / 1000 };
}

function child(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      child: { type: 'boolean' },
      'heap-mb': { type: 'string' },
      leak: { type: 'string' },
      'more-leak': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const [dir] = positionals;
  if (dir === undefined) throw new Error('--child needs the output directory');
  const random = seededRandom(Number(values.seed ?? 1));
  const leak = Number(values.leak ?? 20_000);
  const customers = buildHeap(Number(values['heap-mb'] ?? 60) * MB, random);
  const baseline = takeSnapshot(dir, 'baseline');
  leakAndChurn(0, leak, random);
  const target = takeSnapshot(dir, 'target');
  leakAndChurn(leak, Number(values['more-leak'] ?? 5_000), random);
  const final = takeSnapshot(dir, 'final');
  if (customersByEmail.size !== customers || leakCache.size === 0 || orders.length === 0) throw new Error('the heap was not kept');
  const report: ChildReport = { customers, snapshots: { baseline, target, final } };
  process.stdout.write(JSON.stringify(report));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes('--child')) {
    child();
  } else {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'heap-mb': { type: 'string' }, seed: { type: 'string' } } });
    const [outDir] = positionals;
    if (outDir === undefined) {
      console.error('usage: node dist/scripts/gen-heap-snapshots.js <out-dir> [--heap-mb N] [--seed N]');
      process.exit(2);
    }
    const snapshots = writeHeapSnapshots(outDir, {
      ...(values['heap-mb'] !== undefined && { heapMb: Number(values['heap-mb']) }),
      ...(values.seed !== undefined && { seed: Number(values.seed) }),
    });
    for (const name of NAMES) {
      const f = snapshots[name];
      console.log(
        `${f.path}: ${(f.bytes / MB).toFixed(1)} MB, ${f.nodes} nodes, ${f.edges} edges; heap ${(f.heapUsedBytes / MB).toFixed(1)} MB, ` +
          `written in ${f.writeSeconds.toFixed(1)} s`,
      );
    }
    console.log(
      `${snapshots.customers} customers; ${snapshots.leakedInTarget} + ${snapshots.leakedInFinal - snapshots.leakedInTarget} ${snapshots.leakClass}s; ${snapshots.seconds.toFixed(1)} s in all`,
    );
  }
}
