import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsvAppender } from '../src/run-dir/csv-appender.js';
import { tempDir } from './helpers/cli.js';

test('writes the header to an empty file and one line per row, quoting where CSV needs it', () => {
  const path = join(tempDir(), 'a.csv');
  const csv = new CsvAppender(path, ['a', 'b']);
  csv.append([1, 'x,y']);
  csv.append([undefined, Number.NaN]);
  csv.close();
  assert.equal(readFileSync(path, 'utf8'), 'a,b\n1,"x,y"\n,\n');
});

test('reopening appends without a second header', () => {
  const path = join(tempDir(), 'a.csv');
  new CsvAppender(path, ['a']).close();
  const again = new CsvAppender(path, ['a']);
  again.append([2]);
  again.close();
  assert.equal(readFileSync(path, 'utf8'), 'a\n2\n');
});

test('a torn last line left by a crash is cut off on reopen; complete rows are kept', () => {
  const path = join(tempDir(), 'a.csv');
  writeFileSync(path, 'a,b\n1,2\n3,');
  const csv = new CsvAppender(path, ['a', 'b']);
  csv.append([5, 6]);
  csv.close();
  assert.equal(readFileSync(path, 'utf8'), 'a,b\n1,2\n5,6\n');
});

test('a file holding only a torn header is started again', () => {
  const path = join(tempDir(), 'a.csv');
  writeFileSync(path, 'a,');
  new CsvAppender(path, ['a', 'b']).close();
  assert.equal(readFileSync(path, 'utf8'), 'a,b\n');
});

test('each row reaches the file as soon as it is appended', () => {
  const path = join(tempDir(), 'a.csv');
  const csv = new CsvAppender(path, ['a']);
  csv.append([1]);
  assert.equal(readFileSync(path, 'utf8'), 'a\n1\n');
  appendFileSync(path, '');
  csv.close();
});
