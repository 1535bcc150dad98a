/**
 * The series cache of a run directory (series-cache.bin): the per-worker series that reading
 * samples.csv made, up to a byte of the file, so that the next analysis of the same file (a long
 * run's next interim report, its final one, `soak analyze` after it) reads only the rows appended
 * since. A day of 1 s samples from 10 workers is 171 MB of CSV and ~40 MB here, read back in tens of
 * milliseconds where parsing the CSV takes a second or more.
 *
 * It is a copy of what the CSV says, never a source of its own: it is used only when it matches the
 * file (its length, and the bytes at its start and just before where it ends, by hash), and anything
 * wrong with it (another version's, truncated, unreadable) makes the reader read the whole CSV.
 *
 * Layout: 8 bytes of magic and version, the header's length (uint32 LE), the header as JSON (what
 * every array is and where), then the arrays, each at an offset that is a multiple of 8. A column
 * that changes at few rows (handles, listeners, segments, phases) is stored as runs: the rows where
 * a run starts (Int32) and its values, bit for bit.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writev } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { ControllerColumns, CooldownPoint, WorkerColumns, WorkerSeriesData } from '../analysis/series.js';

export const SERIES_CACHE_FILE = 'series-cache.bin';
/**
 * Samples files shorter than this get no cache: they are parsed in a few tens of milliseconds, and a
 * short run's directory keeps to its files. `soak long` at its 10 s samples reaches it after about 6
 * hours of 10 workers, from when each interim report would otherwise parse more and more.
 */
export const SERIES_CACHE_MIN_BYTES = 4 * 1024 * 1024;

const MAGIC = Buffer.from('SOAKSC\u0000\u0001', 'latin1');
/** Bytes hashed at the samples' start and before the cache's end. */
const FINGERPRINT_BYTES = 1 << 16;

/** How far the rows read reach, per worker: what a read continuing from the cache must know. */
export interface WorkerReading {
  /** The place of the worker's first row among the file's records: the workers' order in the file. */
  readonly firstRow: number;
  /** The time of the worker's last row read, kept or left out after a heap snapshot. */
  readonly lastRowS: number;
  /** The worker's snapshots (in events.csv's order) whose next sample was left out. */
  readonly snapshotsSkipped: number;
  /** The worker's snapshot times events.csv held when the rows were read. */
  readonly snapshotTimes: readonly number[];
}

export interface CachedSeries {
  /** Where the rows the cache holds end in samples.csv, and how many records they are. */
  readonly endByte: number;
  readonly records: number;
  readonly workers: readonly WorkerSeriesData[];
  /** Per worker in `workers`. */
  readonly readings: ReadonlyMap<string, WorkerReading>;
  /** Undefined when not asked for. */
  readonly controller: ControllerColumns | undefined;
}

type Kind = 'f64' | 'i32' | 'u8';
/** An array in the file: at `at` (from the body's start), `runs` runs or, without it, one value per row. */
interface Section {
  readonly at: number;
  readonly kind: Kind;
  readonly runs?: number;
}
type Typed = Float64Array | Int32Array | Uint8Array;

interface WorkerEntry {
  readonly workload: string;
  readonly worker: string;
  readonly rows: number;
  readonly cooldown: CooldownPoint | null;
  readonly counters: readonly (readonly [number, number, number])[];
  readonly reading: WorkerReading;
  readonly columns: Readonly<Record<(typeof plainColumns)[number], Section>> & {
    readonly handleTypes: readonly (readonly [string, Section])[];
    readonly listenerTypes: readonly (readonly [string, Section])[];
  };
}

interface Header {
  readonly samplesBytes: number;
  readonly records: number;
  readonly fingerprint: string;
  readonly controller: { readonly rows: number; readonly columns: Readonly<Record<keyof ControllerColumns, Section>> };
  readonly workers: readonly WorkerEntry[];
}

const plainColumns = ['t', 'heap', 'code', 'external', 'handles', 'ops', 'errors', 'segment', 'phase', 'listeners'] as const;
const controllerColumns = ['t', 'rss', 'heap', 'segment'] as const;

const sizeOf = (kind: Kind): number => (kind === 'f64' ? 8 : kind === 'i32' ? 4 : 1);
const kindOf = (values: Typed): Kind => (values instanceof Float64Array ? 'f64' : values instanceof Int32Array ? 'i32' : 'u8');
const align8 = (n: number): number => Math.ceil(n / 8) * 8;
/** JSON has no NaN or infinities, which a malformed row can put in a cooldown figure or a counter: kept as marked strings. */
const NON_FINITE = '\u0000';
const keepNonFinite = (_: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? `${NON_FINITE}${v}` : v);
const restoreNonFinite = (_: string, v: unknown): unknown => (typeof v === 'string' && v.startsWith(NON_FINITE) ? Number(v.slice(1)) : v);

/** The hash of the samples' first bytes and of those just before `endByte`: what the cache was made from. */
function fingerprint(fd: number, endByte: number): string {
  const hash = createHash('sha1');
  const buffer = Buffer.allocUnsafe(FINGERPRINT_BYTES);
  for (const from of [0, Math.max(0, endByte - FINGERPRINT_BYTES)]) {
    const length = Math.min(FINGERPRINT_BYTES, endByte - from);
    const read = readSync(fd, buffer, 0, length, from);
    if (read !== length) throw new Error('samples.csv is shorter than the cache says');
    hash.update(buffer.subarray(0, read));
  }
  hash.update(String(endByte));
  return hash.digest('hex');
}

/**
 * Where each run of equal values starts, up to `limit` runs (undefined past it). Values are equal
 * when their bits are: a run keeps NaN's payload and tells 0 from -0. Compared as 32-bit words
 * (`stride` of them per value), as one loop for every kind of array costs ten times more.
 */
function runStarts(words: Int32Array, stride: 1 | 2, limit: number): number[] | undefined {
  const n = words.length / stride;
  const starts = n === 0 ? [] : [0];
  for (let i = 1; i < n; i++) {
    const at = i * stride;
    if (words[at] !== words[at - stride] || (stride === 2 && words[at + 1] !== words[at - 1])) {
      if (starts.length === limit) return undefined;
      starts.push(i);
    }
  }
  return starts;
}

function bytesRunStarts(bytes: Uint8Array, limit: number): number[] | undefined {
  const starts = bytes.length === 0 ? [] : [0];
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] !== bytes[i - 1]) {
      if (starts.length === limit) return undefined;
      starts.push(i);
    }
  }
  return starts;
}

/** The bytes to write for one array: its runs when they take under a sixteenth of it (counts that rarely change), else the values. */
function encode(values: Typed): { kind: Kind; runs?: number; parts: Typed[] } {
  const kind = kindOf(values);
  const limit = Math.floor((values.length * sizeOf(kind)) / (16 * (4 + sizeOf(kind))));
  const starts =
    values instanceof Uint8Array
      ? bytesRunStarts(values, limit)
      : runStarts(new Int32Array(values.buffer, values.byteOffset, values.byteLength / 4), values instanceof Float64Array ? 2 : 1, limit);
  if (starts === undefined) return { kind, parts: [values] };
  const runValues = new (values.constructor as new (length: number) => Typed)(starts.length);
  for (let r = 0; r < starts.length; r++) runValues[r] = values[starts[r] as number] as number;
  return { kind, runs: starts.length, parts: [Int32Array.from(starts), runValues] };
}

/**
 * Writes the cache of `workers` (in the order of their first rows) and `controller`, read from
 * samples.csv up to `read.endByte`, atomically. The arrays are laid out at once (the caller may
 * change nothing meanwhile: the analysis is over) and written by libuv's threads, so the reports are
 * rendered while the bytes go out. A cache is an optimisation: when it cannot be written (a
 * read-only directory, a full disk) the analysis goes on without it (false), and no half-written
 * file is left behind.
 */
export async function writeSeriesCache(
  path: string,
  samplesPath: string,
  read: { readonly endByte: number; readonly records: number },
  workers: readonly WorkerSeriesData[],
  readings: ReadonlyMap<string, WorkerReading>,
  controller: ControllerColumns,
): Promise<boolean> {
  // Unique: an interim report's thread and the run's last analysis may write at once in one process.
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  let fd: number | undefined;
  try {
    const samples = openSync(samplesPath, 'r');
    let print: string;
    try {
      print = fingerprint(samples, read.endByte);
    } finally {
      closeSync(samples);
    }
    const arrays: Typed[] = [];
    let at = 0;
    const section = (values: Typed): Section => {
      const { kind, runs, parts } = encode(values);
      const placed: Section = runs === undefined ? { at, kind } : { at, kind, runs };
      for (const part of parts) {
        arrays.push(part);
        at = align8(at + part.byteLength);
      }
      return placed;
    };
    const header: Header = {
      samplesBytes: read.endByte,
      records: read.records,
      fingerprint: print,
      controller: {
        rows: controller.t.length,
        columns: Object.fromEntries(controllerColumns.map((name) => [name, section(controller[name])])) as Header['controller']['columns'],
      },
      workers: workers.map((w): WorkerEntry => {
        const c = w.columns;
        const plain = Object.fromEntries(plainColumns.map((name) => [name, section(c[name])])) as Record<(typeof plainColumns)[number], Section>;
        const reading = readings.get(w.worker);
        if (reading === undefined) throw new Error(`${w.worker} was not read`);
        return {
          workload: w.workload,
          worker: w.worker,
          rows: c.t.length,
          cooldown: w.cooldown ?? null,
          counters: w.counters,
          reading,
          columns: {
            ...plain,
            handleTypes: [...c.handleTypes].map(([key, values]) => [key, section(values)] as const),
            listenerTypes: [...c.listenerTypes].map(([key, values]) => [key, section(values)] as const),
          },
        };
      }),
    };
    const json = Buffer.from(JSON.stringify(header, keepNonFinite));
    const head = Buffer.alloc(align8(MAGIC.length + 4 + json.length));
    MAGIC.copy(head, 0);
    head.writeUInt32LE(json.length, MAGIC.length);
    json.copy(head, MAGIC.length + 4);
    const padding = new Uint8Array(8);
    const buffers: Uint8Array[] = [head];
    for (const values of arrays) {
      buffers.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      const pad = align8(values.byteLength) - values.byteLength;
      if (pad > 0) buffers.push(padding.subarray(0, pad));
    }
    // Opened and handed to the thread pool before this returns: the caller's synchronous work
    // (the reports) then runs while the bytes are written.
    fd = openSync(temporary, 'w');
    const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
    const written = await new Promise<number>((resolve, reject) => writev(fd as number, buffers, (err, bytes) => (err ? reject(err) : resolve(bytes))));
    if (written !== total) throw new Error('the series cache was written short');
    closeSync(fd);
    fd = undefined;
    await rename(temporary, path);
    return true;
  } catch {
    if (fd !== undefined) closeSync(fd);
    await rm(temporary, { force: true });
    return false;
  }
}

/**
 * The cache at `path` for samples.csv read up to `toByte` at most: the workers `wanted` says yes to,
 * and the controller's columns when `withController`. Undefined when there is no cache, when it does
 * not match the file (made from other bytes, or from more of them than are to be read), or when it
 * cannot be read whole.
 */
export function readSeriesCache(
  path: string,
  samplesPath: string,
  toByte: number,
  wanted: (workload: string, worker: string) => boolean,
  withController: boolean,
): CachedSeries | undefined {
  return fromCache(path, (fd, { header, body }) => {
    if (header.samplesBytes > toByte) return undefined;
    const samples = openSync(samplesPath, 'r');
    try {
      if (fingerprint(samples, header.samplesBytes) !== header.fingerprint) return undefined;
    } finally {
      closeSync(samples);
    }
    const read = (s: Section, rows: number): Typed => readSection(fd, body, s, rows);
    const workers: WorkerSeriesData[] = [];
    const readings = new Map<string, WorkerReading>();
    for (const w of header.workers) {
      if (!wanted(w.workload, w.worker)) continue;
      const c = w.columns;
      const byKey = (entries: readonly (readonly [string, Section])[]): Map<string, Float64Array> =>
        new Map(entries.map(([key, s]) => [key, read(s, w.rows) as Float64Array]));
      const plain = Object.fromEntries(plainColumns.map((name) => [name, read(c[name], w.rows)]));
      workers.push({
        workload: w.workload,
        worker: w.worker,
        columns: { ...plain, handleTypes: byKey(c.handleTypes), listenerTypes: byKey(c.listenerTypes) } as unknown as WorkerColumns,
        cooldown: w.cooldown ?? undefined,
        counters: w.counters,
      });
      readings.set(w.worker, w.reading);
    }
    const controller = withController
      ? (Object.fromEntries(
          controllerColumns.map((name) => [name, read(header.controller.columns[name], header.controller.rows)]),
        ) as unknown as ControllerColumns)
      : undefined;
    return { endByte: header.samplesBytes, records: header.records, workers, readings, controller };
  });
}

/**
 * `read` of the cache file at `path` and its header; undefined when there is no such file or it is
 * not a cache of this version, whole (another version's layout, a file cut short, JSON that is not
 * ours): the CSV is read instead.
 */
function fromCache<T>(path: string, read: (fd: number, found: { header: Header; body: number }) => T | undefined): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const found = readHeader(fd);
    return found === undefined ? undefined : read(fd, found);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The cache's header and where its arrays start; undefined for a file that is not a cache of this version. */
function readHeader(fd: number): { header: Header; body: number } | undefined {
  const start = Buffer.alloc(MAGIC.length + 4);
  if (readSync(fd, start, 0, start.length, 0) !== start.length || !start.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const jsonLength = start.readUInt32LE(MAGIC.length);
  if (MAGIC.length + 4 + jsonLength > fstatSync(fd).size) return undefined;
  const json = Buffer.alloc(jsonLength);
  if (readSync(fd, json, 0, jsonLength, start.length) !== jsonLength) return undefined;
  return { header: JSON.parse(json.toString(), restoreNonFinite) as Header, body: align8(start.length + jsonLength) };
}

/**
 * The workers the cache at `path` holds, by workload in the order it holds them, without checking
 * that it matches samples.csv: what an analysis plans its split by (a cache that turns out not to
 * match is read by no thread). Undefined when there is no cache of this version.
 */
export function cachedWorkers(path: string): Map<string, string[]> | undefined {
  return fromCache(path, (_, { header }) => {
    const byWorkload = new Map<string, string[]>();
    for (const w of header.workers) byWorkload.set(w.workload, [...(byWorkload.get(w.workload) ?? []), w.worker]);
    return byWorkload;
  });
}

function readSection(fd: number, body: number, s: Section, rows: number): Typed {
  const make = (n: number): Typed => (s.kind === 'f64' ? new Float64Array(n) : s.kind === 'i32' ? new Int32Array(n) : new Uint8Array(n));
  const fill = (into: Typed, at: number): void => {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    if (readSync(fd, bytes, 0, bytes.length, body + at) !== bytes.length) throw new Error('the series cache is cut short');
  };
  if (s.runs === undefined) {
    const values = make(rows);
    fill(values, s.at);
    return values;
  }
  const starts = new Int32Array(s.runs);
  fill(starts, s.at);
  const runValues = make(s.runs);
  fill(runValues, align8(s.at + starts.byteLength));
  const values = make(rows);
  for (let r = 0; r < s.runs; r++) values.fill(runValues[r] as number, starts[r], starts[r + 1] ?? rows);
  return values;
}
