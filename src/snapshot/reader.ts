/**
 * A streaming reader of V8's .heapsnapshot JSON (Node's v8.writeHeapSnapshot, Chrome DevTools'
 * Memory tab): the small header is parsed as JSON, the big integer arrays (`nodes`, `edges`) are
 * scanned byte by byte from a fixed buffer and handed over row by row, and only the strings asked
 * for are decoded. The file is never held whole in memory, nor its arrays as JavaScript numbers.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SnapshotFileError } from '../errors.js';

const CHUNK_BYTES = 1 << 20;
/** The header (meta, counts) is a few KB; past this the file is not a snapshot. */
const MAX_HEADER_BYTES = 1 << 20;
/** A wanted string longer than this is cut: names in a report, not a string's whole content. */
const MAX_STRING_BYTES = 512;

const COMMA = 44;
const CLOSE_BRACKET = 93;
const OPEN_BRACKET = 91;
const QUOTE = 34;
const BACKSLASH = 92;
const ZERO = 48;

export interface SnapshotMeta {
  readonly nodeFields: readonly string[];
  readonly nodeTypes: readonly string[];
  readonly edgeFields: readonly string[];
  readonly edgeTypes: readonly string[];
  readonly nodeCount: number;
  readonly edgeCount: number;
}

/**
 * Where a row's fields go: per field position, the typed array that receives the field of row i at
 * index i (undefined: the field is not kept). Plain stores, no call per row: the loop stays tight.
 */
export type RowColumns = readonly (Uint8Array | Uint32Array | undefined)[];

/** What to do with each section; a section without a handler is skipped. */
export interface SectionHandlers {
  /** The nodes' fields, in `meta.nodeFields` order. */
  readonly node?: RowColumns;
  readonly edge?: RowColumns;
  /**
   * Where every ROW_INDEX_STRIDE-th edge row starts in the file, filled while the edges are read:
   * readRowsAt reads any edge's fields back from there, so fields wanted for a few edges only
   * (the names on a retainer path) need not be kept for all.
   */
  readonly edgeRowIndex?: Uint32Array;
  /** After `nodes` (and `edges`, if handled) have been read: which strings to decode. Returning undefined stops the read. */
  readonly wantedStrings?: () => ReadonlySet<number> | undefined;
}

export interface SnapshotRead {
  readonly meta: SnapshotMeta;
  readonly bytes: number;
  /** The wanted strings by index (cut at MAX_STRING_BYTES). */
  readonly strings: ReadonlyMap<number, string>;
  /** Where the strings array's first string starts, for readStrings; -1 when the read stopped before it. */
  readonly stringsAt: number;
}

/** Reads `path` once, front to back, calling the handlers made for its header; stops as soon as nothing more is wanted. */
export function readSnapshot(path: string, handlersFor: (meta: SnapshotMeta) => SectionHandlers): SnapshotRead {
  const source = new ByteSource(path);
  try {
    const meta = source.header();
    const handlers = handlersFor(meta);
    warmUpScanner();
    const strings = new Map<number, string>();
    const read = { meta, bytes: source.size, strings, stringsAt: -1 };
    let nodesRead = false;
    let edgesRead = false;
    let wanted: ReadonlySet<number> | undefined;
    // The header ends with the nodes' opening bracket.
    for (let key: string | undefined = 'nodes'; key !== undefined; key = source.nextSection()) {
      if (key === 'nodes') {
        source.intRows(key, meta.nodeFields.length, meta.nodeCount, handlers.node);
        nodesRead = true;
        if (handlers.edge === undefined && handlers.wantedStrings === undefined) return source.finishedEarly(read);
      } else if (key === 'edges') {
        source.intRows(key, meta.edgeFields.length, meta.edgeCount, handlers.edge, handlers.edgeRowIndex);
        edgesRead = true;
      } else if (key === 'strings') {
        if (!nodesRead || (handlers.edge !== undefined && !edgesRead)) throw source.error('has its strings before its nodes or edges');
        read.stringsAt = source.position;
        wanted = handlers.wantedStrings?.();
        if (wanted === undefined) return source.finishedEarly(read);
        // It returns once it has the strings wanted, maybe before the end.
        source.strings(wanted, strings);
        return source.finishedEarly(read);
      } else {
        source.skipArray(key);
      }
    }
    if (!nodesRead) throw source.error('has no "nodes" array');
    if (handlers.edge !== undefined && !edgesRead) throw source.error('has no "edges" array');
    if (handlers.wantedStrings !== undefined) throw source.error('has no "strings" array');
    return read;
  } finally {
    source.close();
  }
}

/** The row index's stride: 1/64 of a Uint32 per row, and at most 63 rows read to reach one. */
export const ROW_INDEX_STRIDE = 64;

/** Chunk of the random reads of readRowsAt: a block of 64 edge rows is about 1 KB. */
const ROW_READ_BYTES = 1 << 13;

/** The fields of the given rows of an edges array read before with an edgeRowIndex, by row. */
export function readRowsAt(path: string, rowIndex: Uint32Array, width: number, rows: Iterable<number>): Map<number, Float64Array> {
  const source = new ByteSource(path, ROW_READ_BYTES);
  const found = new Map<number, Float64Array>();
  try {
    for (const row of rows) {
      const block = Math.floor(row / ROW_INDEX_STRIDE);
      source.seek(rowIndex[block] as number);
      const skip = row - block * ROW_INDEX_STRIDE;
      found.set(row, source.numbers((skip + 1) * width).subarray(skip * width));
    }
    return found;
  } finally {
    source.close();
  }
}

/** More strings of a snapshot read before: `stringsAt` from that read. */
export function readStrings(path: string, stringsAt: number, wanted: ReadonlySet<number>): ReadonlyMap<number, string> {
  const source = new ByteSource(path);
  try {
    source.seek(stringsAt);
    const strings = new Map<number, string>();
    source.strings(wanted, strings);
    return strings;
  } finally {
    source.close();
  }
}

/** Index of a field by name, or a clear error naming the snapshot when the format lacks it. */
export function fieldIndex(fields: readonly string[], name: string, path: string, what: string): number {
  const i = fields.indexOf(name);
  if (i < 0) throw new SnapshotFileError(path, `has no "${name}" among its ${what} fields (${fields.join(', ')})`);
  return i;
}

/** scanInts' state from one chunk to the next. */
interface IntScan {
  readonly targets: RowColumns;
  readonly width: number;
  readonly rowIndex: Uint32Array | undefined;
  field: number;
  rows: number;
  value: number;
  inNumber: boolean;
}

/**
 * The hot loop, over one chunk: digits make numbers, a number ends at a comma, new line or `]`
 * and goes to its field's column. Returns the index after `]`, -1 when the chunk ended first, or
 * -2 - i for a byte at i that belongs to no integer array. `offset`: the file offset of buf[0], for
 * the row index.
 */
function scanInts(buf: Buffer, from: number, to: number, offset: number, scan: IntScan): number {
  const { targets, width, rowIndex } = scan;
  let { field, rows, value, inNumber } = scan;
  let target = targets[field];
  let result = -1;
  for (let i = from; i < to; i++) {
    const c = buf[i] as number;
    const digit = c - ZERO;
    if (digit >= 0 && digit <= 9) {
      // In 32-bit integers, the columns' own precision (Uint8 and Uint32 keep a value modulo 2^8 or
      // 2^32 anyway): a multiply-add in doubles per digit was the loop's longest dependency.
      value = (Math.imul(value, 10) + digit) | 0;
      inNumber = true;
      continue;
    }
    if (inNumber) {
      if (target !== undefined) target[rows] = value;
      value = 0;
      inNumber = false;
      if (++field === width) {
        field = 0;
        rows++;
        if (rowIndex !== undefined && rows % ROW_INDEX_STRIDE === 0) rowIndex[rows / ROW_INDEX_STRIDE] = offset + i;
      }
      target = targets[field];
    }
    if (c === CLOSE_BRACKET) {
      result = i + 1;
      break;
    }
    if (c !== COMMA && c !== 10 && c !== 13 && c !== 32) {
      result = -2 - i;
      break;
    }
  }
  scan.field = field;
  scan.rows = rows;
  scan.value = value;
  scan.inNumber = inNumber;
  return result;
}

let warmedUp = false;

/**
 * A thread's first long scan runs unoptimised for a good while: measured on the 38 MB nodes array
 * of a 128 MB snapshot, 290-330 ms cold and 215-225 ms after this warm-up of about 20 ms, which
 * runs the loop over a small array with the same kinds of columns, so V8 has optimised it before
 * the real one starts.
 */
function warmUpScanner(): void {
  if (warmedUp) return;
  warmedUp = true;
  const rows = 2048;
  const width = 3;
  const text = Buffer.from(`${Array.from({ length: rows * width }, (_, i) => (i * 7919) % 100003).join(',\n')}]`);
  for (let round = 0; round < 24; round++) {
    const scan: IntScan = {
      targets: [new Uint8Array(rows), new Uint32Array(rows), undefined],
      width,
      rowIndex: new Uint32Array(rows / ROW_INDEX_STRIDE + 1),
      field: 0,
      rows: 0,
      value: 0,
      inNumber: false,
    };
    scanInts(text, 0, text.length, 0, scan);
  }
}

class ByteSource {
  readonly path: string;
  readonly size: number;
  readonly #fd: number;
  readonly #chunkBytes: number;
  readonly #buf: Buffer;
  #pos = 0;
  #len = 0;
  /** File offset of #buf[0]. */
  #offset = 0;

  constructor(path: string, chunkBytes = CHUNK_BYTES) {
    this.path = path;
    this.#chunkBytes = chunkBytes;
    this.#buf = Buffer.allocUnsafe(chunkBytes);
    try {
      this.#fd = openSync(path, 'r');
    } catch (err) {
      throw new SnapshotFileError(path, `cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    this.size = fstatSync(this.#fd).size;
  }

  close(): void {
    closeSync(this.#fd);
  }

  error(problem: string): SnapshotFileError {
    return new SnapshotFileError(this.path, problem);
  }

  #truncated(where: string): SnapshotFileError {
    return this.error(`is truncated: it ends at byte ${this.size} inside ${where}; the snapshot was not finished (take it again)`);
  }

  #fill(): boolean {
    this.#offset += this.#len;
    this.#len = readSync(this.#fd, this.#buf, 0, this.#chunkBytes, this.#offset);
    this.#pos = 0;
    return this.#len > 0;
  }

  /**
   * A read that stops once it has what it wants: the file's last bytes tell whether it was
   * finished (a finished snapshot ends with its strings array and the top-level object closing, `]}`).
   */
  finishedEarly<T>(read: T): T {
    const tail = Buffer.alloc(Math.min(64, this.size));
    readSync(this.#fd, tail, 0, tail.length, this.size - tail.length);
    if (!tail.toString('latin1').trimEnd().endsWith(']}')) {
      throw this.error(`is truncated: it ends at byte ${this.size} without closing its arrays; the snapshot was not finished (take it again)`);
    }
    return read;
  }

  /** Where the next byte comes from in the file. */
  get position(): number {
    return this.#offset + this.#pos;
  }

  seek(position: number): void {
    this.#offset = position;
    this.#len = 0;
    this.#pos = 0;
  }

  /** The next byte that is not white space, consumed; -1 at the end of the file. */
  #nextByte(): number {
    for (;;) {
      while (this.#pos < this.#len) {
        const c = this.#buf[this.#pos++] ?? 0;
        if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return c;
      }
      if (!this.#fill()) return -1;
    }
  }

  /** Reads up to and including `"nodes":[` and parses the header before it. */
  header(): SnapshotMeta {
    const marker = '"nodes":[';
    let text = '';
    while (!text.includes(marker)) {
      if (text.length > MAX_HEADER_BYTES || !this.#fill()) {
        if (this.size === 0) throw this.error('is empty');
        const looksLikeOne = text.trimStart().startsWith('{"snapshot"');
        throw this.error(
          !looksLikeOne
            ? 'is not a V8 heap snapshot (it does not start with {"snapshot":...); give a .heapsnapshot file'
            : text.length > MAX_HEADER_BYTES
              ? 'is not a V8 heap snapshot (no "nodes" array after its header)'
              : 'is truncated: it ends inside its header; the snapshot was not finished (take it again)',
        );
      }
      text += this.#buf.toString('latin1', 0, this.#len);
    }
    const at = text.indexOf(marker);
    // Back to just after the marker: the rest of what was read belongs to the nodes.
    const consumed = Buffer.byteLength(text.slice(0, at + marker.length), 'latin1');
    const inBuffer = consumed - this.#offset;
    this.#pos = inBuffer;
    const head = text.slice(0, at).trimEnd().replace(/,$/, '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(`${head}}`);
    } catch {
      throw this.error('is not a V8 heap snapshot (its header is not the JSON of {"snapshot":{"meta":...}})');
    }
    return this.#meta(parsed);
  }

  #meta(parsed: unknown): SnapshotMeta {
    const snapshot = (parsed as { snapshot?: { meta?: Record<string, unknown>; node_count?: unknown; edge_count?: unknown } }).snapshot;
    const meta = snapshot?.meta;
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
    const types = (v: unknown): string[] | undefined => (Array.isArray(v) && strings(v[0]) ? v[0] : undefined);
    const nodeFields = meta?.['node_fields'];
    const edgeFields = meta?.['edge_fields'];
    const nodeTypes = types(meta?.['node_types']);
    const edgeTypes = types(meta?.['edge_types']);
    const nodeCount = snapshot?.node_count;
    const edgeCount = snapshot?.edge_count;
    if (!strings(nodeFields) || !strings(edgeFields) || nodeTypes === undefined || edgeTypes === undefined) {
      throw this.error('is not a V8 heap snapshot (its "snapshot.meta" lacks node_fields, node_types, edge_fields or edge_types)');
    }
    if (typeof nodeCount !== 'number' || typeof edgeCount !== 'number') throw this.error('is not a V8 heap snapshot (no node_count or edge_count)');
    return { nodeFields, edgeFields, nodeTypes, edgeTypes, nodeCount, edgeCount };
  }

  /** After an array: `,"key":[` consumed, the key returned; undefined at the top-level object's end. */
  nextSection(): string | undefined {
    let c = this.#nextByte();
    if (c === COMMA) c = this.#nextByte();
    if (c === 125 /* } */) return undefined;
    if (c === -1) throw this.#truncated('the list of its arrays');
    if (c !== QUOTE) throw this.error(`is not a V8 heap snapshot (unexpected '${String.fromCharCode(c)}' between its arrays)`);
    let key = '';
    for (c = this.#nextByte(); c !== QUOTE; c = this.#nextByte()) {
      if (c === -1) throw this.#truncated('the name of an array');
      key += String.fromCharCode(c);
      if (key.length > 64) throw this.error('is not a V8 heap snapshot (an array name is too long)');
    }
    if (this.#nextByte() !== 58 /* : */ || this.#nextByte() !== OPEN_BRACKET) throw this.error(`is not a V8 heap snapshot ("${key}" is not an array)`);
    return key;
  }

  /**
   * Unsigned integers separated by commas and new lines, up to `]`, stored column by column (the
   * loop is scanInts). Checks the count against the header's, so a cut file cannot pass as whole.
   */
  intRows(key: string, width: number, expectedRows: number, columns: RowColumns | undefined, rowIndex?: Uint32Array): void {
    const scan: IntScan = { targets: Array.from({ length: width }, (_, f) => columns?.[f]), width, rowIndex, field: 0, rows: 0, value: 0, inNumber: false };
    if (rowIndex !== undefined) rowIndex[0] = this.position;
    for (;;) {
      const end = scanInts(this.#buf, this.#pos, this.#len, this.#offset, scan);
      if (end >= 0) {
        this.#pos = end;
        if (scan.field !== 0 || scan.rows !== expectedRows) {
          throw this.error(`is corrupt: its "${key}" holds ${scan.rows * width + scan.field} numbers where the header says ${expectedRows * width}`);
        }
        return;
      }
      if (end < -1) {
        const at = -2 - end;
        throw this.error(`is corrupt: unexpected '${String.fromCharCode(this.#buf[at] ?? 0)}' at byte ${this.#offset + at} in its "${key}"`);
      }
      if (!this.#fill()) throw this.#truncated(`its "${key}" (after ${scan.rows} of ${expectedRows})`);
    }
  }

  /** The next `count` numbers from here (an edge's row, found by its index), separators skipped. */
  numbers(count: number): Float64Array {
    const values = new Float64Array(count);
    let n = 0;
    let value = 0;
    let inNumber = false;
    for (;;) {
      const buf = this.#buf;
      for (let i = this.#pos; i < this.#len; i++) {
        const digit = (buf[i] as number) - ZERO;
        if (digit >= 0 && digit <= 9) {
          value = value * 10 + digit;
          inNumber = true;
        } else if (inNumber) {
          values[n++] = value;
          value = 0;
          inNumber = false;
          if (n === count) return values;
        }
      }
      if (!this.#fill()) throw this.#truncated('its "edges"');
    }
  }

  /** Skips an array we do not read (trace_tree nests; none holds strings). */
  skipArray(key: string): void {
    let depth = 1;
    for (;;) {
      const buf = this.#buf;
      for (let i = this.#pos; i < this.#len; i++) {
        const c = buf[i];
        if (c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACKET && --depth === 0) {
          this.#pos = i + 1;
          return;
        } else if (c === QUOTE) throw this.error(`is not a V8 heap snapshot (its "${key}" holds strings)`);
      }
      if (!this.#fill()) throw this.#truncated(`its "${key}"`);
    }
  }

  /** The `strings` array: the wanted indexes decoded (JSON escapes and UTF-8), the rest skipped. */
  strings(wanted: ReadonlySet<number>, into: Map<number, string>): void {
    let index = 0;
    let remaining = wanted.size;
    for (;;) {
      let c = this.#nextByte();
      if (c === COMMA) c = this.#nextByte();
      if (c === CLOSE_BRACKET) break;
      if (c === -1) throw this.#truncated('its "strings"');
      if (c !== QUOTE) throw this.error(`is corrupt: unexpected '${String.fromCharCode(c)}' in its "strings"`);
      const keep = wanted.has(index);
      if (remaining === 0 && !keep) {
        // Nothing more is wanted: the rest is not read (finishedEarly checks the file's end).
        return;
      }
      const text = this.#string(keep);
      if (keep) {
        into.set(index, text);
        remaining--;
      }
      index++;
    }
    if (remaining > 0) throw this.error(`is corrupt: it has ${index} strings, fewer than its nodes and edges refer to`);
  }

  /** Past the closing quote of a string not wanted: jumps from quote to quote, a quote after an odd run of backslashes being escaped. */
  #skipString(): void {
    let backslashesBefore = 0;
    for (;;) {
      const buf = this.#buf;
      let from = this.#pos;
      for (;;) {
        const quote = buf.indexOf(QUOTE, from);
        if (quote < 0 || quote >= this.#len) break;
        let run = 0;
        for (let i = quote - 1; i >= this.#pos && buf[i] === BACKSLASH; i--) run++;
        if (run === quote - this.#pos) run += backslashesBefore;
        if (run % 2 === 0) {
          this.#pos = quote + 1;
          return;
        }
        from = quote + 1;
      }
      // The chunk ends inside the string: carry the run of backslashes at its end.
      let run = 0;
      for (let i = this.#len - 1; i >= this.#pos && buf[i] === BACKSLASH; i--) run++;
      backslashesBefore = run === this.#len - this.#pos ? backslashesBefore + run : run;
      if (!this.#fill()) throw this.#truncated('a string of its "strings"');
    }
  }

  /** The rest of a JSON string after its opening quote; its text if `keep` (cut at MAX_STRING_BYTES). */
  #string(keep: boolean): string {
    if (!keep) {
      this.#skipString();
      return '';
    }
    const pieces: Buffer[] = [];
    let kept = 0;
    let escaped = false;
    for (;;) {
      const buf = this.#buf;
      const start = this.#pos;
      for (let i = start; i < this.#len; i++) {
        const c = buf[i];
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          this.#pos = i + 1;
          if (!keep) return '';
          if (kept < MAX_STRING_BYTES) pieces.push(Buffer.from(buf.subarray(start, i)));
          return decodeJsonString(Buffer.concat(pieces));
        }
      }
      if (keep && kept < MAX_STRING_BYTES) {
        pieces.push(Buffer.from(buf.subarray(start, this.#len)));
        kept += this.#len - start;
      }
      if (!this.#fill()) throw this.#truncated('a string of its "strings"');
    }
  }
}

/** A JSON string's raw bytes (without quotes) as text; a cut string may end in half an escape, which is dropped. */
function decodeJsonString(raw: Buffer): string {
  let text = raw.subarray(0, Math.min(raw.length, MAX_STRING_BYTES)).toString('utf8');
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      return JSON.parse(`"${text}"`) as string;
    } catch {
      // Cut in the middle of an escape (\u12): drop the torn tail and try again.
      text = text.slice(0, -1);
    }
  }
  return text;
}
