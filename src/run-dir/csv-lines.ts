/**
 * Fast streaming reader for the CSV files a run writes (samples.csv, events.csv): a day of 1 s
 * samples is ~950K rows, which a general CSV parser (csv-parse, one object per row) takes ~11 s to
 * read; this one reads the fields the analysis uses in under twice the time node:readline takes
 * just to split the file into lines (scripts/bench-read.ts).
 *
 * How: the file is read in chunks into one reused buffer and decoded to text; records are
 * cut with indexOf, only as far as the caller reads their fields, and fields are handed to the
 * caller by position in that text, with no object per row or per field. Numbers are parsed
 * straight from the text. Columns are found by header name, so extra columns appended by a later
 * version, or another column order, read the same.
 *
 * The CSV is RFC 4180: a field may be quoted, with "" for a quote and commas and line breaks
 * inside. Line breaks are LF or CRLF; blank lines are skipped. Every record the writer appends ends
 * with a line break, so a last record without one (or with its quote still open) is a row torn by
 * a crash and is skipped. Lenient where RFC 4180 is strict: a quote inside an unquoted field, or
 * text after a closing quote, is kept as text.
 */
import { isAscii } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';

/**
 * One record, valid only during the callback that receives it (the reader reuses it). A `column`
 * is a position in the column names given to readCsv.
 */
export interface CsvRecord {
  /** Whether the record has the column: it is in the header and the record is long enough to hold it. */
  has(column: number): boolean;
  /** The field's text, unquoted; '' when absent. */
  text(column: number): string;
  /** The field as Number() reads its text (so '' is 0); `absent` (default NaN) when the field is absent. */
  number(column: number, absent?: number): number;
  /** Which of `choices` the field's text is, if any: for a column of a few known words, without a new string per record. */
  choice<T extends string>(column: number, choices: readonly T[]): T | undefined;
}

export interface CsvReadOptions {
  /**
   * Bytes read from the file at a time (default 64 KiB), more for a record longer than half of it.
   * Tests make it tiny so that chunk boundaries fall everywhere.
   */
  readonly chunkBytes?: number;
}

export interface CsvRangeOptions extends CsvReadOptions {
  /** Where the first record to read starts (the header is read all the same); default 0. */
  readonly fromByte?: number;
  /** Bytes past this one are not read (a file still being appended to); default the whole file. */
  readonly toByte?: number;
}

export interface CsvRange {
  readonly records: number;
  /** Where the records read end: after the line break of the last one (a torn record after it is not read). */
  readonly endByte: number;
}

/** Positions of column names in a list, for the `column` arguments of CsvRecord: `at.elapsed_s`. */
export function columnIndexes<const N extends string>(names: readonly N[]): Readonly<Record<N, number>> {
  return Object.fromEntries(names.map((name, i) => [name, i])) as Record<N, number>;
}

/**
 * 64 KiB, measured on the day file: as fast as anything from 64 KiB to 1 MiB (16 KiB is slower),
 * and the peak memory grows with the chunk: RSS rises by ~13 MB at 64 KiB, ~73 MB at 1 MiB, where
 * every chunk's text is a 1 MB string that the garbage collector frees late.
 */
const DEFAULT_CHUNK_BYTES = 1 << 16;
/** A record this long is no row of ours: a quote opened and never closed would otherwise read the rest of the file into memory. */
const MAX_RECORD_BYTES = 1 << 24;

/**
 * Calls `onRecord` for every complete data record of the CSV file at `path`, whose first record is
 * the header; `columns` names the columns the caller reads, and `record.text(i)` is `columns[i]`'s
 * field. Resolves with the number of records read.
 */
export async function readCsv(path: string, columns: readonly string[], onRecord: (record: CsvRecord) => void, options: CsvReadOptions = {}): Promise<number> {
  return (await readCsvRange(path, columns, onRecord, options)).records;
}

/** readCsv over the records between two byte offsets of the file, saying where the last one read ends. */
export async function readCsvRange(
  path: string,
  columns: readonly string[],
  onRecord: (record: CsvRecord) => void,
  options: CsvRangeOptions = {},
): Promise<CsvRange> {
  const chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const toByte = options.toByte ?? Infinity;
  let buffer = Buffer.allocUnsafe(2 * chunkBytes);
  const reader = new RecordReader(columns);
  const file = await open(path, 'r');
  let position = 0;
  try {
    if ((options.fromByte ?? 0) > 0) {
      position = options.fromByte ?? 0;
      await readHeader(file, reader, path);
    }
  } catch (err) {
    await file.close();
    throw err;
  }
  /** Where the bytes at the front of `buffer` are in the file. */
  let bufferAt = position;
  /** Reads at `position`, which moves on by what was read once the read ends. */
  const read = (into: Buffer): Promise<{ bytesRead: number }> => {
    const length = Math.min(into.length, toByte - position);
    return length <= 0 ? Promise.resolve({ bytesRead: 0 }) : file.read(into, 0, length, position);
  };
  // The next chunk is read while this one is parsed: waiting for each read in turn left the thread
  // idle for ~20 % of a day file's reading (a round trip to libuv's thread pool per chunk).
  let ahead = Buffer.allocUnsafe(chunkBytes);
  let spare = Buffer.allocUnsafe(chunkBytes);
  let pending = read(ahead);
  try {
    // Bytes read but not yet made into records (a record cut by the end of a read) are kept at the
    // front of the buffer and decoded again with the next chunk: one flat string per read, as V8
    // searches a concatenated string several times slower.
    let kept = 0;
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      position += bytesRead;
      const chunk = ahead;
      // Reads grow with a record longer than they are, so that it costs reads in proportion to its length.
      if (2 * kept > spare.length) spare = Buffer.allocUnsafe(2 * kept);
      ahead = spare;
      spare = chunk;
      pending = read(ahead);
      if (kept + bytesRead > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * buffer.length, kept + bytesRead));
        buffer.copy(grown, 0, 0, kept);
        buffer = grown;
      }
      chunk.copy(buffer, kept, 0, bytesRead);
      const bytes = buffer.subarray(0, kept + bytesRead);
      // ASCII, the usual content, is copied as Latin-1: four times faster than decoding UTF-8. A character
      // cut by the end of the read is in the record still to come, so it is decoded again, whole, next time.
      const ascii = isAscii(bytes);
      const text = bytes.toString(ascii ? 'latin1' : 'utf8');
      const pos = reader.feed(text, onRecord);
      const consumed = ascii ? pos : utf8BytesBefore(bytes, text, pos);
      bufferAt += consumed;
      kept = bytes.copy(buffer, 0, consumed);
      if (kept > MAX_RECORD_BYTES) throw new Error(`${path}: record ${reader.records + 1} is over ${MAX_RECORD_BYTES} bytes long; is a quote left open?`);
    }
  } finally {
    // A read still in flight (an error thrown by a callback) must end before the file is closed.
    await pending.catch(() => undefined);
    await file.close();
  }
  return { records: reader.records, endByte: bufferAt };
}

/** Reads the file's first record, its header, into `reader`: a read from the middle of the file needs its column names. */
async function readHeader(file: FileHandle, reader: RecordReader, path: string): Promise<void> {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const chunk = Buffer.allocUnsafe(4096);
    const { bytesRead } = await file.read(chunk, 0, chunk.length, at);
    if (bytesRead === 0) throw new Error(`${path}: the file ends before its header line does`);
    parts.push(chunk.subarray(0, bytesRead));
    const lineEnd = chunk.subarray(0, bytesRead).indexOf(LF);
    if (lineEnd >= 0) {
      // Decoded as the file's text is: UTF-8 unless ASCII.
      const line = Buffer.concat(parts).subarray(0, at + lineEnd + 1);
      reader.feed(line.toString(isAscii(line) ? 'latin1' : 'utf8'), () => {});
      return;
    }
    at += bytesRead;
    if (at > MAX_RECORD_BYTES) throw new Error(`${path}: its header line is over ${MAX_RECORD_BYTES} bytes long`);
  }
}

/**
 * The same reading of CSV text held in memory, such as a file's header line joined to its tail:
 * the first record is the header, and only records ended by a line break are read. Returns the
 * header's column names.
 */
export function readCsvText(text: string, columns: readonly string[], onRecord: (record: CsvRecord) => void): readonly string[] {
  const reader = new RecordReader(columns);
  reader.feed(text, onRecord);
  return reader.headerNames;
}

/**
 * The bytes that decoded to text.slice(0, pos), where text[pos - 1] is a line feed (or pos is 0).
 * UTF-8 decoding keeps line feeds one for one, even where it replaces malformed bytes, so the
 * answer is found by counting line feeds back from the end rather than by encoding the text again.
 */
function utf8BytesBefore(bytes: Buffer, text: string, pos: number): number {
  if (pos === 0) return 0;
  let end = bytes.length;
  for (let lf = pos - 1; lf >= 0; lf = text.indexOf('\n', lf + 1)) end = bytes.lastIndexOf(LF, end - 1);
  return end + 1;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
/** Below 2^53 an integer of this many digits is exact, and so is a decimal parsed as integer / 10^k. */
const MAX_FAST_DIGITS = 15;
const POWERS_OF_10 = Array.from({ length: MAX_FAST_DIGITS + 1 }, (_, k) => 10 ** k);
/** The field of a column the header lacks: past the end of every record. */
const NOT_IN_HEADER = 2 ** 30 - 1;
/** Marks a field in `#start` whose unquoted value is in `#quoted`. */
const QUOTED = -1;

/** Cuts text into records, keeping only the current record's field positions. */
class RecordReader implements CsvRecord {
  records = 0;
  /** The header's column names, once it is read. */
  headerNames: readonly string[] = [];
  readonly #columns: readonly string[];
  /** Header field of each column the caller reads, NOT_IN_HEADER for a column the header lacks; empty until the header is read. */
  #fieldOf: number[] = [];
  #header = true;
  // The current record: its text, and per field its start and end in the text (or QUOTED).
  #text = '';
  #fieldCount = 0;
  /** A record without quotes is cut into fields as far as they are asked for: from here, up to `#recordEnd`. */
  #cutFrom = 0;
  #recordEnd = -1;
  readonly #start: number[] = [];
  readonly #end: number[] = [];
  readonly #quoted: string[] = [];

  constructor(columns: readonly string[]) {
    this.#columns = columns;
  }

  /** Reads the complete records of `text`; returns where the first record still to come starts. */
  feed(text: string, onRecord: (record: CsvRecord) => void): number {
    this.#text = text;
    let pos = 0;
    // The next quote in the text: records before it need no unquoting, the common case.
    let nextQuote = -1;
    for (;;) {
      const lineEnd = text.indexOf('\n', pos);
      if (lineEnd < 0) break;
      if (nextQuote < pos) nextQuote = text.indexOf('"', pos) >>> 0; // -1 becomes 2^32 - 1: no quote ahead
      let next: number;
      if (nextQuote > lineEnd) {
        const end = lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
        next = lineEnd + 1;
        if (end === pos) {
          pos = next;
          continue;
        }
        this.#cutFrom = pos;
        this.#recordEnd = end;
        this.#fieldCount = 0;
      } else {
        next = this.#cutQuoted(pos);
        if (next < 0) break;
        this.#recordEnd = -1; // cut whole
      }
      pos = next;
      if (this.#header) this.#readHeader();
      else {
        this.records++;
        onRecord(this);
      }
    }
    return pos;
  }

  has(column: number): boolean {
    return this.#field(column) < this.#fieldCount;
  }

  /** The header field of `column`, the record cut into fields up to it. */
  #field(column: number): number {
    const field = this.#fieldOf[column] ?? NOT_IN_HEADER;
    if (field >= this.#fieldCount && this.#cutFrom <= this.#recordEnd) this.#cutPlain(field);
    return field;
  }

  text(column: number): string {
    const field = this.#field(column);
    if (field >= this.#fieldCount) return '';
    const start = this.#start[field] as number;
    return start === QUOTED ? (this.#quoted[field] as string) : this.#text.slice(start, this.#end[field]);
  }

  number(column: number, absent = Number.NaN): number {
    const field = this.#field(column);
    if (field >= this.#fieldCount) return absent;
    const start = this.#start[field] as number;
    return start === QUOTED ? Number(this.#quoted[field]) : parseNumber(this.#text, start, this.#end[field] as number);
  }

  choice<T extends string>(column: number, choices: readonly T[]): T | undefined {
    const field = this.#field(column);
    if (field >= this.#fieldCount) return undefined;
    const start = this.#start[field] as number;
    if (start === QUOTED) return choices.find((choice) => choice === this.#quoted[field]);
    const length = (this.#end[field] as number) - start;
    for (const choice of choices) if (choice.length === length && this.#text.startsWith(choice, start)) return choice;
    return undefined;
  }

  #readHeader(): void {
    if (this.#cutFrom <= this.#recordEnd) this.#cutPlain(NOT_IN_HEADER);
    const names: string[] = [];
    for (let field = 0; field < this.#fieldCount; field++) {
      const start = this.#start[field] as number;
      names.push(start === QUOTED ? (this.#quoted[field] as string) : this.#text.slice(start, this.#end[field]));
    }
    this.#fieldOf = this.#columns.map((name) => (names.includes(name) ? names.indexOf(name) : NOT_IN_HEADER));
    this.headerNames = names;
    this.#header = false;
  }

  /**
   * Cuts the current record, one without quotes, into fields up to `last` (or to its end): a row that
   * a caller skips after reading its first fields costs no more than those.
   */
  #cutPlain(last: number): void {
    const text = this.#text;
    const end = this.#recordEnd;
    const starts = this.#start;
    const ends = this.#end;
    let pos = this.#cutFrom;
    let field = this.#fieldCount;
    for (;;) {
      let comma = text.indexOf(',', pos);
      if (comma < 0 || comma > end) comma = end;
      starts[field] = pos;
      ends[field] = comma;
      field++;
      pos = comma + 1;
      if (comma === end || field > last) break;
    }
    this.#cutFrom = pos;
    this.#fieldCount = field;
  }

  /** A record with a quote somewhere, from `pos`; returns where the next record starts, or -1 if the text ends first. */
  #cutQuoted(pos: number): number {
    const text = this.#text;
    let field = 0;
    for (;;) {
      let value: string | undefined;
      let i = pos;
      if (text.charCodeAt(i) === QUOTE) {
        value = '';
        let from = i + 1;
        for (;;) {
          // A quote ending the text may be the first of a doubled one: taken as closing, it has no
          // delimiter after it, so the record waits for more text all the same.
          const quote = text.indexOf('"', from);
          if (quote < 0) return -1;
          value += text.slice(from, quote);
          if (text.charCodeAt(quote + 1) !== QUOTE) {
            i = quote + 1;
            break;
          }
          value += '"';
          from = quote + 2;
        }
      }
      const textStart = i;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === LF) break;
        i++;
      }
      if (i >= text.length) return -1;
      const isLast = text.charCodeAt(i) === LF;
      const end = isLast && i > textStart && text.charCodeAt(i - 1) === CR ? i - 1 : i;
      if (value === undefined) {
        this.#start[field] = pos;
        this.#end[field] = end;
      } else {
        this.#start[field] = QUOTED;
        this.#quoted[field] = value + text.slice(textStart, end);
      }
      field++;
      pos = i + 1;
      if (isLast) break;
    }
    this.#fieldCount = field;
    return pos;
  }
}

/**
 * Number(text.slice(start, end)) without the slice for plain decimals ("-12", "0.0425"): with at
 * most 15 digits both the integer and 10^k are exact, so one division rounds as Number() does.
 * Anything else (exponents, spaces, more digits, '' and '-') goes to Number() itself.
 */
function parseNumber(text: string, start: number, end: number): number {
  let i = start;
  const negative = start < end && text.charCodeAt(i) === MINUS;
  if (negative) i++;
  const first = i;
  if (first === end || end - first > MAX_FAST_DIGITS) return Number(text.slice(start, end));
  let value = 0;
  for (; i < end; i++) {
    const digit = (text.charCodeAt(i) - DIGIT_0) >>> 0; // anything but a digit becomes > 9
    if (digit > 9) break;
    value = value * 10 + digit;
  }
  if (i < end) {
    const dot = i;
    if (text.charCodeAt(dot) !== DOT || (dot === first && dot + 1 === end)) return Number(text.slice(start, end));
    for (i++; i < end; i++) {
      const digit = (text.charCodeAt(i) - DIGIT_0) >>> 0;
      if (digit > 9) return Number(text.slice(start, end));
      value = value * 10 + digit;
    }
    value /= POWERS_OF_10[end - dot - 1] as number;
  }
  return negative ? -value : value;
}
