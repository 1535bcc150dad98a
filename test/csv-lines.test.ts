/**
 * The fast CSV reader (src/report/csv-lines.ts): RFC 4180 quoting, line endings, torn and empty
 * files, columns found by name, every chunk boundary, numbers exactly as Number() reads them, and
 * agreement with csv-parse on seeded random content and on a generated day run.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { writeDayRun } from '../scripts/gen-day-csv.js';
import { seededRandom } from '../src/random.js';
import { columnIndexes, readCsv, readCsvRange, type CsvRangeOptions, type CsvReadOptions } from '../src/run-dir/csv-lines.js';
import { readRun } from '../src/run-dir/read-run.js';
import { tempDir } from './helpers/cli.js';

const dir = tempDir('soak-csv-lines-');
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function csvFile(content: string | Buffer): string {
  const path = join(dir, `${files++}.csv`);
  writeFileSync(path, content);
  return path;
}

/** The requested columns of every record: text, or undefined where the record lacks the field. */
async function records(path: string, columns: readonly string[], options: CsvReadOptions = {}): Promise<(string | undefined)[][]> {
  const rows: (string | undefined)[][] = [];
  const count = await readCsv(path, columns, (r) => rows.push(columns.map((_, i) => (r.has(i) ? r.text(i) : undefined))), options);
  assert.equal(count, rows.length);
  return rows;
}

/** The same records read with every chunk size from 1 byte to the whole file. */
async function assertAllChunkSizes(content: string | Buffer, columns: readonly string[], expected: (string | undefined)[][]): Promise<void> {
  const path = csvFile(content);
  for (let chunkBytes = 1; chunkBytes <= Buffer.byteLength(content) + 1; chunkBytes++) {
    assert.deepEqual(await records(path, columns, { chunkBytes }), expected, `chunkBytes ${chunkBytes}`);
  }
}

test('quoted fields hold commas, doubled quotes and line breaks', async () => {
  const content = 'a,b,c\n"x,y","say ""hi""","two\nlines"\n"","""",plain\n';
  assert.deepEqual(await records(csvFile(content), ['a', 'b', 'c']), [
    ['x,y', 'say "hi"', 'two\nlines'],
    ['', '"', 'plain'],
  ]);
});

test('CRLF line endings are cut off, while a CRLF inside quotes is kept', async () => {
  const content = 'a,b\r\n1,2\r\n"x\r\ny",\r\n';
  assert.deepEqual(await records(csvFile(content), ['a', 'b']), [
    ['1', '2'],
    ['x\r\ny', ''],
  ]);
});

test('blank lines are skipped, LF or CRLF, before the header too', async () => {
  const content = '\n\r\na,b\n\n1,2\r\n\r\n3,4\n\n';
  assert.deepEqual(await records(csvFile(content), ['a', 'b']), [
    ['1', '2'],
    ['3', '4'],
  ]);
});

test('a torn last line (no line break after it) is skipped, even inside an open quote', async () => {
  assert.deepEqual(await records(csvFile('a,b\n1,2\n3,4'), ['a', 'b']), [['1', '2']]);
  assert.deepEqual(await records(csvFile('a,b\n1,2\n3,"x\ny'), ['a', 'b']), [['1', '2']]);
  assert.deepEqual(await records(csvFile('a,b\n1,2\n3,4\r'), ['a', 'b']), [['1', '2']]);
  assert.deepEqual(await records(csvFile('a,b\n1,2\n3,"4"'), ['a', 'b']), [['1', '2']]);
});

test('columns are found by header name: extra appended columns, another order, a missing column', async () => {
  const content = 'time,b,a,extra1,extra2\nt0,2,1,e,f\nt1,4,3,g,h\n';
  assert.deepEqual(await records(csvFile(content), ['a', 'b', 'missing']), [
    ['1', '2', undefined],
    ['3', '4', undefined],
  ]);
});

test('a record shorter than the header lacks its last fields; a longer one has its extra fields ignored', async () => {
  const path = csvFile('a,b,c\n1\n1,2,3,4\n');
  assert.deepEqual(await records(path, ['c', 'a']), [
    [undefined, '1'],
    ['3', '1'],
  ]);
  const absent: number[] = [];
  await readCsv(path, ['c'], (r) => absent.push(r.number(0), r.number(0, 0)));
  assert.deepEqual(absent, [Number.NaN, 0, 3, 3]);
});

test('a quoted header is read like any record', async () => {
  assert.deepEqual(await records(csvFile('"a,1","b ""2"""\nx,y\n'), ['b "2"', 'a,1']), [['y', 'x']]);
});

test('a header-only file, a torn header and an empty file have no records', async () => {
  let calls = 0;
  for (const content of ['a,b\n', 'a,b', 'a,b\r\n\r\n', '']) {
    assert.equal(await readCsv(csvFile(content), ['a'], () => calls++), 0, JSON.stringify(content));
  }
  assert.equal(calls, 0);
});

test('chunk boundaries inside a CRLF and inside a quoted field change nothing', async () => {
  // With 8-byte chunks the first read ends between the header's \r and \n.
  const path = csvFile('abc,def\r\n1,2\r\n');
  assert.deepEqual(await records(path, ['def'], { chunkBytes: 8 }), [['2']]);
  await assertAllChunkSizes(
    'a,b\r\n"x,\r\ny""z",1\r\n,"""",\r\n2,"long quoted field, with ""quotes"" and, commas"\r\n',
    ['a', 'b'],
    [
      ['x,\r\ny"z', '1'],
      ['', '"'],
      ['2', 'long quoted field, with "quotes" and, commas'],
    ],
  );
});

test('multi-byte UTF-8 characters cut by chunk boundaries are decoded whole', async () => {
  await assertAllChunkSizes(
    'wörker,€\ncafé,"😀,€"\n😀😀,ü\n',
    ['wörker', '€'],
    [
      ['café', '😀,€'],
      ['😀😀', 'ü'],
    ],
  );
});

test('malformed UTF-8 reads as replacement characters without shifting the records after it', async () => {
  const content = Buffer.concat([Buffer.from('a,b\n'), Buffer.from([0xff, 0xc3]), Buffer.from(',é\nx,"y\nz"\nlast,1\n')]);
  await assertAllChunkSizes(
    content,
    ['a', 'b'],
    [
      ['\ufffd\ufffd', 'é'],
      ['x', 'y\nz'],
      ['last', '1'],
    ],
  );
});

test('number() reads a field exactly as Number() reads its text', async () => {
  const texts = [
    '0',
    '-0',
    '007',
    '12',
    '-12',
    '1.5',
    '-0.0425',
    '.5',
    '-.5',
    '5.',
    '.',
    '-',
    '',
    ' 7',
    '7 ',
    '+3',
    '1e3',
    '1.2.3',
    '--1',
    '0x1f',
    'Infinity',
    'abc',
    '123456789012345',
    '1234567890123456',
    '12345678901234567890',
    '0.1234567890123',
    '9007199254740993',
    '4.35',
    '86399.196',
    '1728018527',
  ];
  const content = `v\n${texts.map((t) => (t === '' ? '""' : t)).join('\n')}\n"12.5"\n`;
  const read: number[] = [];
  await readCsv(csvFile(content), ['v'], (r) => read.push(r.number(0)));
  assert.deepEqual(read, [...texts.map(Number), 12.5]);
  for (let i = 0; i < read.length - 1; i++) assert.ok(Object.is(read[i], Number(texts[i])), `'${texts[i]}'`);
});

test('choice() picks the matching word, quoted or not, and undefined otherwise', async () => {
  const phases = ['steady', 'warmup', 'cooldown'] as const;
  const read: (string | undefined)[] = [];
  await readCsv(csvFile('phase\nwarmup\n"steady"\ncooldown\nsteadyx\n\n""\nsteady\r\n'), ['phase', 'none'], (r) => {
    read.push(r.choice(0, phases));
    assert.equal(r.choice(1, phases), undefined);
  });
  assert.deepEqual(read, ['warmup', 'steady', 'cooldown', undefined, undefined, 'steady']);
});

test('a quote left open does not read the rest of a large file into memory', async () => {
  const path = csvFile(`a,b\n1,"${'x'.repeat(17 * 1024 * 1024)}`);
  await assert.rejects(
    readCsv(path, ['a'], () => {}),
    /record 1 is over \d+ bytes long; is a quote left open\?/,
  );
});

/** Random CSV text as a writer may produce it: any characters, quoted where needed and sometimes where not. */
function randomCsv(random: () => number): { content: string; header: string[] } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const pieces = ['a', 'b', 'Z', '0', '7', '-', '.', ' ', ',', '"', '""', '\n', '\r\n', 'é', '€', '😀', 'steady', '12345', '-0.25'];
  const field = (): string => {
    const numeric = random() < 0.3;
    if (numeric) return pick(['', '0', '-3', '12.5', '.5', '1e5', '123456789012345678', '-0', '42', '3.14159'] as const);
    return Array.from({ length: Math.floor(random() * 5) }, () => pick(pieces)).join('');
  };
  const quote = (value: string): string => (/[",\r\n]/.test(value) || random() < 0.15 ? `"${value.replaceAll('"', '""')}"` : value);
  const columns = 2 + Math.floor(random() * 5);
  const header = Array.from({ length: columns }, (_, i) => `c${i}${random() < 0.3 ? pick([',x', '"q"', ' é']) : ''}`);
  const eol = random() < 0.5 ? '\n' : '\r\n';
  const lines = [header.map(quote).join(',')];
  const rows = Math.floor(random() * 40);
  for (let r = 0; r < rows; r++) {
    if (random() < 0.05) lines.push('');
    lines.push(Array.from({ length: columns }, () => quote(field())).join(','));
  }
  return { content: lines.join(eol) + eol, header };
}

test('agrees with csv-parse on seeded random CSV, at random chunk sizes', async () => {
  const random = seededRandom(20250106);
  for (let round = 0; round < 300; round++) {
    const { content, header } = randomCsv(random);
    const expected = parse(content, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    const path = csvFile(content);
    const chunkBytes = 1 + Math.floor(random() * 64);
    // The header's columns in a random order (Fisher–Yates).
    const columns = [...header];
    for (let i = columns.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [columns[i], columns[j]] = [columns[j] as string, columns[i] as string];
    }
    const read: Record<string, string>[] = [];
    await readCsv(
      path,
      columns,
      (r) => {
        const record: Record<string, string> = {};
        columns.forEach((name, i) => {
          record[name] = r.text(i);
          assert.ok(Object.is(r.number(i), Number(r.text(i))), `number() of ${JSON.stringify(r.text(i))}`);
        });
        read.push(record);
      },
      { chunkBytes },
    );
    assert.deepEqual(read, expected, `round ${round}, chunkBytes ${chunkBytes}:\n${content}`);
  }
});

test('agrees with csv-parse on a generated run, samples and events', async () => {
  const run = writeDayRun(join(dir, 'run'), { durationS: 1500, warmupS: 300 });
  for (const path of [run.samplesPath, run.eventsPath]) {
    const expected = parse(readFileSync(path), { columns: true }) as Record<string, string>[];
    const header = Object.keys(expected[0] ?? {});
    const read: Record<string, string>[] = [];
    await readCsv(path, header, (r) => read.push(Object.fromEntries(header.map((name, i) => [name, r.text(i)]))), { chunkBytes: 4093 });
    assert.deepEqual(read, expected, path);
  }
  const events = parse(readFileSync(run.eventsPath), { columns: true }) as Record<string, string>[];
  assert.ok(
    events.some((e) => e['event'] === 'crash' && e['detail']?.includes(',')),
    'a quoted crash detail',
  );
});

test('readRun reads a generated run: both workloads, all workers, the respawn', async () => {
  const run = writeDayRun(join(dir, 'run2'), { durationS: 1500, warmupS: 300 });
  const recorded = await readRun(run.samplesPath, run.eventsPath);
  const byWorkload = recorded.series.byWorkload();
  assert.deepEqual([...byWorkload.keys()], ['cache', 'webhook']);
  assert.deepEqual(
    byWorkload.get('cache')?.map((w) => w.worker),
    ['cache#0', 'cache#1', 'cache#2', 'cache#3', 'cache#4'],
  );
  assert.deepEqual([...recorded.respawns], [[run.respawnedWorker, 1]]);
  assert.equal(recorded.outOfMemory.size, 0);
});

test('columnIndexes numbers names in order', () => {
  assert.deepEqual(columnIndexes(['x', 'y']), { x: 0, y: 1 });
});

test('readCsvRange reads the records between two bytes, with the header read from the start, and says where the last one ends', async () => {
  const content = 'a,b\n1,x\n22,"y\nz"\n333,w\n4444,v';
  const path = csvFile(content);
  const read = async (options: CsvRangeOptions): Promise<[string[], number]> => {
    const rows: string[] = [];
    const { records: count, endByte } = await readCsvRange(path, ['b', 'a'], (r) => rows.push(`${r.text(0)}|${r.text(1)}`), options);
    assert.equal(count, rows.length);
    return [rows, endByte];
  };
  const second = content.indexOf('22,');
  const third = content.indexOf('333,');
  const fourth = content.indexOf('4444,');
  for (const chunkBytes of [1, 3, 64]) {
    assert.deepEqual(await read({ chunkBytes }), [['x|1', 'y\nz|22', 'w|333'], fourth], 'the whole file: the torn last record not read');
    assert.deepEqual(await read({ chunkBytes, fromByte: second }), [['y\nz|22', 'w|333'], fourth], 'from a record in the middle');
    assert.deepEqual(await read({ chunkBytes, fromByte: second, toByte: fourth - 1 }), [['y\nz|22'], third], 'a record cut by the end is not read');
    assert.deepEqual(await read({ chunkBytes, fromByte: third, toByte: fourth }), [['w|333'], fourth]);
    assert.deepEqual(await read({ chunkBytes, fromByte: fourth, toByte: fourth }), [[], fourth], 'nothing between');
  }
  await assert.rejects(
    readCsvRange(csvFile('a,b'), ['a'], () => {}, { fromByte: 2 }),
    /ends before its header line does/,
  );
});
