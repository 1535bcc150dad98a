/**
 * Crash-safe CSV appending: every row goes to the OS with one writeSync, so a crash of the
 * controller loses at most the row being written; a torn last line left by such a crash is cut
 * off when the file is opened again, and the header is written only to an empty file.
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | undefined;

export class CsvAppender {
  readonly path: string;
  #fd: number | undefined;
  /** Bytes of whole rows in the file. */
  #size: number;

  constructor(path: string, header: readonly string[]) {
    this.path = path;
    this.#fd = openSync(path, 'a+');
    this.#size = repairTornLine(this.#fd);
    if (this.#size === 0) this.append(header);
  }

  append(values: readonly CsvValue[]): void {
    if (this.#fd === undefined) throw new Error(`${this.path} is closed`);
    // Unknown figures (undefined, NaN) are written as empty fields.
    const row = Buffer.from(stringify([values.map((v) => (v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : v))]));
    try {
      // A short write (the disk filled up mid-row) is followed by one that fails with the reason.
      for (let written = 0; written < row.length; ) written += writeSync(this.#fd, row, written);
    } catch (err) {
      // A full disk can take part of a row: cut it off, so the file ends with whole rows.
      try {
        ftruncateSync(this.#fd, this.#size);
      } catch {}
      throw err;
    }
    this.#size += row.length;
  }

  /** Asks the OS to put what was written on disk, so a power cut loses at most one interval. */
  sync(): void {
    if (this.#fd !== undefined) fdatasyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd === undefined) return;
    this.sync();
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Truncates the file after its last newline; returns the resulting size. */
function repairTornLine(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, read).lastIndexOf(0x0a);
    if (newline >= 0) {
      const keep = start + newline + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return 0;
}
