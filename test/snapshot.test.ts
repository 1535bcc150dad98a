/**
 * The three-snapshot diff on real heap snapshots of real leaks: small heaps of a worker thread
 * (test/fixtures/snapshot/heap-worker.mjs writes baseline, target and final with
 * v8.writeHeapSnapshot, the leak pattern running between them), Chrome DevTools' format from a
 * headless Chromium, the reader's refusals through the real CLI, its string decoding at chunk
 * boundaries, and one `soak run --snapshots` end to end.
 */
import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { closeBrowser, openFile } from '../scripts/chromium.js';
import type { RunSnapshotDiffs } from '../src/run-dir/snapshot-diffs.js';
import { diffSnapshots, type SnapshotDiff, type SnapshotPaths, type SurvivorGroup } from '../src/snapshot/diff.js';
import { readSnapshot } from '../src/snapshot/reader.js';
import { THREAD_FAILED } from '../src/thread.js';
import { type CliResult, explain, fixture, runCli, tempDir } from './helpers/cli.js';
import { runWithoutThreads, THREAD_CAP_MISSING } from './helpers/thread-cap.js';

/** Operations between baseline and target; a few more run before the final snapshot. */
const OPS = 5000;
const MORE_OPS = 300;
const WARMUP_OPS = 200;

const work = tempDir('soak-snapshot-');
// About 250 MB of snapshots by the end: not left in /tmp.
after(() => rmSync(work, { recursive: true, force: true }));

interface Taken {
  readonly files: SnapshotPaths;
  readonly ops: number;
  /** The property names the `names` scenario holds its Maps under, as the worker has them. */
  readonly keys: { readonly escaped: string; readonly emoji: string; readonly long: string; readonly medium: string };
}

const taken = new Map<string, Promise<Taken>>();

/** The three snapshots of one scenario of the heap worker, taken once per file run. */
function snapshotsOf(scenario: 'listener' | 'map' | 'timer' | 'clean' | 'names'): Promise<Taken> {
  let promise = taken.get(scenario);
  if (promise === undefined) {
    promise = new Promise<Taken>((resolve, reject) => {
      const worker = new Worker(fixture('snapshot/heap-worker.mjs'), {
        workerData: { scenario, dir: work, warmup: WARMUP_OPS, ops: OPS, moreOps: MORE_OPS },
      });
      worker.once('message', (m: Taken) => resolve(m));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the ${scenario} heap worker exited (code ${code}) before it sent its snapshots`)));
    });
    taken.set(scenario, promise);
  }
  return promise;
}

const diffs = new Map<string, Promise<SnapshotDiff>>();

function diffOf(scenario: 'listener' | 'map' | 'timer' | 'clean' | 'names', top = 10): Promise<SnapshotDiff> {
  const key = `${scenario} ${top}`;
  let promise = diffs.get(key);
  if (promise === undefined) {
    promise = snapshotsOf(scenario).then((t) => diffSnapshots(t.files, { top }));
    diffs.set(key, promise);
  }
  return promise;
}

function groupOf(diff: SnapshotDiff, nodeType: string, name: string): SurvivorGroup | undefined {
  return diff.groups.find((g) => g.nodeType === nodeType && g.name === name);
}

/** The diff's groups and paths in a few lines, for assertion messages. */
function describe(diff: SnapshotDiff): string {
  return diff.groups
    .map((g) => {
      const path = (g.retainerPath ?? []).map((s) => `${s.name}${s.edge === undefined ? '' : ` .${s.edge}`}`).join(' → ');
      return `  ${g.nodeType} ${JSON.stringify(g.name)} x${g.count} self=${g.selfBytes} retained=${g.retainedBytes} holder=${JSON.stringify(g.holder)}\n    ${path}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// The leaks

test('a listener leak: the listener closures are a group of their own, held through the emitter', async () => {
  const diff = await diffOf('listener');
  const listeners = groupOf(diff, 'closure', 'onJobDone');
  assert.ok(listeners !== undefined, `a closure group onJobDone:\n${describe(diff)}`);
  // One closure per operation between baseline and target; none of the later ones was born in the window.
  assert.ok(listeners.count >= OPS && listeners.count <= OPS + MORE_OPS, `count ${listeners.count}`);
  assert.equal(diff.groups[0], listeners, `the listeners are the biggest group:\n${describe(diff)}`);
  const path = listeners.retainerPath ?? [];
  const emitter = path.findIndex((s) => s.name === 'EventEmitter' && s.edge === '_events');
  assert.ok(emitter >= 0, `the path goes through the emitter's _events:\n${describe(diff)}`);
  assert.equal(path[emitter + 1]?.edge, 'job:done', 'then through the event name');
  assert.equal(path.at(-1)?.name, 'onJobDone');
  // The holder is the listener array (an old object, from the warm-up), named by its event.
  assert.ok(listeners.holder !== undefined, 'a holder');
  assert.equal(listeners.holder.name, 'Array');
  assert.equal(listeners.holder.heldAs, 'Object.job:done');
  assert.ok(
    path.slice(emitter).some((s) => s.id === listeners.holder?.id),
    'the holder is on the path below the emitter',
  );
});

test('a Map never pruned: SessionRecord, one per operation, held by the Map', async () => {
  const diff = await diffOf('map');
  const records = groupOf(diff, 'object', 'SessionRecord');
  assert.ok(records !== undefined, `a SessionRecord group:\n${describe(diff)}`);
  assert.ok(diff.groups.indexOf(records) < 3, `among the top groups:\n${describe(diff)}`);
  assert.ok(records.count >= 0.95 * OPS && records.count <= OPS, `count ${records.count} for ${OPS} operations`);
  assert.equal(records.finalCount, WARMUP_OPS + OPS + MORE_OPS, 'every record ever made is in the final snapshot');
  assert.equal(records.holder?.name, 'Map', `held by the Map:\n${describe(diff)}`);
  assert.equal(records.holder?.heldAs, 'system / Context.sessions', 'the module variable holding the Map');
  assert.equal(records.retainerPath?.at(-1)?.name, 'SessionRecord');
});

test('a snapshot reader thread that cannot start (a limit on processes): the calling thread reads all three, the same diff, and a warning', async (t) => {
  if (THREAD_CAP_MISSING !== undefined) {
    t.skip(THREAD_CAP_MISSING);
    return;
  }
  const { files } = await snapshotsOf('map');
  const child = runWithoutThreads(`
    const { diffSnapshots } = await import(${JSON.stringify(new URL('../src/snapshot/diff.js', import.meta.url).href)});
    const diff = await diffSnapshots(${JSON.stringify(files)});
    await answer({ diff });`);
  assert.equal(child.status, 0, String(child.stderr));
  const got = JSON.parse(String(child.stdout)) as { warnings: [string, string][]; diff: unknown };
  assert.deepEqual(got.warnings, [
    [THREAD_FAILED, `the read of the baseline and target snapshots goes on in the calling thread: the snapshot reader thread could not start (EAGAIN)`],
  ]);
  assert.deepEqual(got.diff, JSON.parse(JSON.stringify(await diffOf('map'))));
});

test('a timer leak: Timeout, one per operation', async () => {
  const diff = await diffOf('timer');
  const timeouts = groupOf(diff, 'object', 'Timeout');
  assert.ok(timeouts !== undefined, `a Timeout group:\n${describe(diff)}`);
  assert.ok(timeouts.count >= 0.95 * OPS && timeouts.count <= OPS, `count ${timeouts.count} for ${OPS} operations`);
  assert.ok(diff.groups.indexOf(timeouts) < 3, `among the top groups:\n${describe(diff)}`);
  // Each timer keeps its callback alive: the closures leak with it.
  const callbacks = diff.groups.find((g) => g.nodeType === 'closure');
  assert.ok(callbacks !== undefined && callbacks.count >= 0.95 * OPS, `the timers' callbacks:\n${describe(diff)}`);
  assert.ok(timeouts.retainerPath !== undefined && timeouts.holder !== undefined, 'a path and a holder');
  // Only its timer holds a callback and what it closes over: the Timeouts retain the callbacks' retained sizes, and lead.
  assert.ok(
    timeouts.retainedBytes >= timeouts.selfBytes + callbacks.retainedBytes,
    `Timeouts retain ${timeouts.retainedBytes} B: their own ${timeouts.selfBytes} and the callbacks' ${callbacks.retainedBytes}`,
  );
  assert.ok(callbacks.retainedBytes > callbacks.selfBytes, 'a callback retains its context');
  assert.equal(diff.groups[0], timeouts, `the Timeouts retain the most:\n${describe(diff)}`);
  assert.ok(diff.survivors.retainedBytes >= timeouts.retainedBytes, 'all survivors retain at least what the Timeouts do');
});

/**
 * The rule for "nothing grows with the operations": no group holds 5% of the operations done
 * between baseline and target. A leak of one object per operation puts every one of them in one
 * group (count ≈ OPS, 20 times the bound); a bounded structure holds at most its capacity (here
 * 50 entries, a few objects each: about 150 objects < 250) whatever the number of operations.
 */
function growingGroups(diff: SnapshotDiff): SurvivorGroup[] {
  return diff.groups.filter((g) => g.count >= 0.05 * OPS);
}

test('a clean workload (a bounded LRU cache that evicts, churn freed each operation): no group grows with the operations', async () => {
  const diff = await diffOf('clean', 1000);
  assert.equal(diff.groupsLeftOut.groups, 0, 'every group is listed');
  assert.deepEqual(
    growingGroups(diff).map((g) => `${g.name} x${g.count}`),
    [],
    `no group of 5% of the ${OPS} operations:\n${describe(diff)}`,
  );
  assert.ok(diff.bornInTarget > 0, 'the cache did allocate between baseline and target');
  // The survivors are the cache's capacity's worth, far below a leak's: a tenth of the operations.
  assert.ok(diff.survivors.count < 0.1 * OPS, `survivors ${diff.survivors.count}`);
  const leak = await diffOf('map');
  assert.ok(leak.survivors.count > 10 * diff.survivors.count, `the Map leak keeps ${leak.survivors.count}, the clean cache ${diff.survivors.count}`);
  // The rule does catch real leaks.
  for (const scenario of ['listener', 'map', 'timer'] as const) {
    assert.ok(growingGroups(await diffOf(scenario)).length > 0, `the ${scenario} leak breaks the rule`);
  }
});

// ---------------------------------------------------------------------------------------------
// The reader's refusals, through the real CLI

async function snapshotDiff(...args: string[]): Promise<CliResult> {
  return runCli(['snapshot-diff', ...args], work);
}

/** Exit 2, nothing on stdout, one line on stderr naming the file and the problem. */
function assertRefused(result: CliResult, file: string, problem: RegExp): void {
  assert.equal(result.code, 2, explain(result));
  assert.equal(result.stdout, '', 'nothing on stdout');
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
  const line = lines[0] ?? '';
  assert.ok(line.startsWith('soak snapshot-diff: '), line);
  if (file !== '') assert.ok(line.includes(`'${file}'`), `names ${file}: ${line}`);
  assert.match(line, problem);
}

/** A copy of `path` cut at `bytes`. */
function cut(path: string, bytes: number, name: string): string {
  const out = join(work, name);
  writeFileSync(out, readFileSync(path).subarray(0, bytes));
  return out;
}

function offsetOf(path: string, marker: string): number {
  const at = readFileSync(path).indexOf(marker);
  assert.ok(at > 0, `${marker} in ${path}`);
  return at;
}

test('soak snapshot-diff refuses what is not three whole snapshots of one isolate in order: exit 2, one line naming the file', async (t) => {
  const { baseline, target, final } = (await snapshotsOf('listener')).files;
  const size = readFileSync(final).length;
  const nodesAt = offsetOf(final, '"nodes":[');
  const edgesAt = offsetOf(final, '"edges":[');
  const stringsAt = offsetOf(final, '"strings":[');
  const json = join(work, 'settings.json');
  writeFileSync(json, `${JSON.stringify({ nodes: [1, 2, 3], edges: [], strings: ['a'] })}\n`);
  const text = join(work, 'notes.txt');
  writeFileSync(text, 'heap snapshot notes\nnothing to see\n');
  const empty = join(work, 'empty.heapsnapshot');
  writeFileSync(empty, '');
  const missing = join(work, 'no-such.heapsnapshot');
  const cutNodes = cut(final, Math.floor((nodesAt + edgesAt) / 2), 'cut-nodes.heapsnapshot');
  const cutBaseline = cut(baseline, Math.floor((offsetOf(baseline, '"nodes":[') + offsetOf(baseline, '"edges":[')) / 2), 'cut-baseline-nodes.heapsnapshot');
  const cutEdges = cut(final, Math.floor((edgesAt + stringsAt) / 2), 'cut-edges.heapsnapshot');
  // Early in the strings (the names the diff needs come after the cut), and halfway through them.
  const cutStrings = cut(final, stringsAt + 2000, 'cut-strings.heapsnapshot');
  const cutStringsMiddle = cut(final, Math.floor((stringsAt + size) / 2), 'cut-strings-middle.heapsnapshot');
  const cutHeader = cut(final, 200, 'cut-header.heapsnapshot');
  const cases: { what: string; args: string[]; file: string; problem: RegExp }[] = [
    { what: 'some JSON that is not a snapshot', args: [json, target, final], file: json, problem: /is not a V8 heap snapshot/ },
    { what: 'a text file', args: [baseline, text, final], file: text, problem: /is not a V8 heap snapshot/ },
    { what: 'an empty file', args: [baseline, target, empty], file: empty, problem: /is empty/ },
    { what: 'cut in its nodes', args: [baseline, target, cutNodes], file: cutNodes, problem: /is truncated: .*inside its "nodes"/ },
    { what: 'the baseline cut in its nodes', args: [cutBaseline, target, final], file: cutBaseline, problem: /is truncated: .*inside its "nodes"/ },
    { what: 'cut in its edges', args: [baseline, target, cutEdges], file: cutEdges, problem: /is truncated: .*inside its "edges"/ },
    { what: 'cut early in its strings', args: [baseline, target, cutStrings], file: cutStrings, problem: /is truncated: .*"strings"/ },
    { what: 'cut halfway through its strings', args: [baseline, target, cutStringsMiddle], file: cutStringsMiddle, problem: /is truncated: .*"strings"/ },
    { what: 'cut in its header', args: [baseline, target, cutHeader], file: cutHeader, problem: /is truncated: it ends inside its header/ },
    { what: 'a missing file', args: [baseline, missing, final], file: missing, problem: /cannot be opened \(ENOENT\)/ },
    {
      what: 'baseline and target swapped',
      args: [target, baseline, final],
      file: baseline,
      problem: /was taken before .*give the snapshots in the order they were taken/,
    },
    { what: 'all three reversed', args: [final, target, baseline], file: target, problem: /was taken before/ },
    { what: '--top 0', args: [baseline, target, final, '--top', '0'], file: '', problem: /--top must be a positive integer \(got '0'\)/ },
  ];
  // The CLI runs start together (each is mostly Node's start-up); the checks go one by one.
  const runs = cases.map((c) => snapshotDiff(...c.args));
  const accepted = snapshotDiff(baseline, target, final, '--top', '3');
  for (const [i, c] of cases.entries()) {
    await t.test(c.what, async () => assertRefused(await (runs[i] as Promise<CliResult>), c.file, c.problem));
  }
  await t.test('the same three in order are accepted', async () => {
    const result = await accepted;
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout, /^# Heap snapshot diff\n/);
    assert.match(result.stdout, /`onJobDone` \| closure \| 5,000 \|/);
  });
});

test('soak snapshot-diff refuses target and final swapped, and a file cut after the part it reads', async () => {
  const { baseline, target, final } = (await snapshotsOf('listener')).files;
  const size = readFileSync(final).length;
  const cases: [string, string[]][] = [
    // The final snapshot has objects newer than the target's (300 more operations): the order is checkable.
    ['target and final swapped', [baseline, final, target]],
    ['the final cut 5000 bytes before its end (in its strings)', [baseline, target, cut(final, size - 5000, 'cut-strings-tail.heapsnapshot')]],
    [
      'the baseline cut in its edges',
      [cut(baseline, Math.floor((offsetOf(baseline, '"edges":[') + offsetOf(baseline, '"strings":[')) / 2), 'cut-baseline-edges.heapsnapshot'), target, final],
    ],
  ];
  const outcomes: string[] = [];
  for (const [what, files] of cases) {
    const result = await snapshotDiff(...files);
    outcomes.push(`${what}: exit ${result.code}${result.stderr === '' ? '' : ` — ${result.stderr.trim()}`}`);
  }
  assert.deepEqual(
    outcomes.map((o) => o.replace(/ — .*/s, '')),
    cases.map(([what]) => `${what}: exit 2`),
    outcomes.join('\n'),
  );
});

// ---------------------------------------------------------------------------------------------
// Strings that need escapes, and chunk boundaries inside them

interface StringToken {
  /** Byte offset of the opening quote in the file. */
  readonly at: number;
  /** The JSON text, quotes included (V8 writes ASCII only: non-ASCII as \u escapes). */
  readonly raw: string;
  readonly value: string;
}

/** The final snapshot's `strings` array as tokens, by an independent scan, checked against JSON.parse. */
function stringTokens(path: string): { tokens: StringToken[]; stringsAt: number; file: Buffer } {
  const file = readFileSync(path);
  const parsed = JSON.parse(file.toString('utf8')) as { strings: string[] };
  const marker = '"strings":[';
  const stringsAt = file.indexOf(marker) + marker.length;
  const text = file.toString('latin1', stringsAt);
  const tokens: StringToken[] = [];
  const re = /"(?:[^"\\]|\\.)*"/gs;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    tokens.push({ at: stringsAt + m.index, raw: m[0], value: JSON.parse(m[0]) as string });
  }
  assert.equal(tokens.length, parsed.strings.length, 'the scan finds every string');
  for (const [i, t] of tokens.entries()) assert.equal(t.value, parsed.strings[i], `string ${i}`);
  return { tokens, stringsAt, file };
}

/**
 * A copy of the snapshot with spaces before one string (JSON white space: the same snapshot) so
 * that the reader's 1 MB chunk starting at the strings array ends just before byte `q` of it.
 */
function withBoundaryAt(file: Buffer, stringsAt: number, token: StringToken, q: number, name: string): string {
  const pad = stringsAt + (1 << 20) - token.at - q;
  assert.ok(pad >= 0, 'the strings array starts less than 1 MB before the string');
  const out = join(work, name);
  writeFileSync(out, Buffer.concat([file.subarray(0, token.at), Buffer.alloc(pad, 0x20), file.subarray(token.at)]));
  return out;
}

test('the reader keeps integers up to 2^32 - 1 exactly, each in its column', () => {
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
    node_types: [['hidden', 'object'], 'string', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['element', 'property', 'weak'], 'string_or_number', 'node'],
  };
  const nodes = [1, 0, 4294967295, 3000000000, 1, 0, 1, 2147483648, 2147483647, 0, 1, 0, 4294967293, 0, 0];
  const path = join(work, 'big-integers.heapsnapshot');
  writeFileSync(
    path,
    `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":3,"edge_count":1},\n"nodes":[${nodes.join(',')}],\n"edges":[1,0,5],\n"strings":["a","b"]}`,
  );
  const columns = { type: new Uint8Array(3), id: new Uint32Array(3), size: new Uint32Array(3), to: new Uint32Array(1) };
  readSnapshot(path, () => ({ node: [columns.type, undefined, columns.id, columns.size, undefined], edge: [undefined, undefined, columns.to] }));
  assert.deepEqual([...columns.type], [1, 0, 1]);
  assert.deepEqual([...columns.id], [4294967295, 2147483648, 4294967293]);
  assert.deepEqual([...columns.size], [3000000000, 2147483647, 0]);
  assert.deepEqual([...columns.to], [5]);
});

test('names with quotes, backslashes, new lines, non-ASCII letters and emoji come out exactly, wherever a chunk boundary falls', async (t) => {
  const { files, keys } = await snapshotsOf('names');
  const diff = await diffOf('names');
  const { tokens, stringsAt, file } = stringTokens(files.final);

  const cls = groupOf(diff, 'object', 'Sessión_Ωmega_记录');
  assert.ok(cls !== undefined, `the class with a non-ASCII name, by its exact name:\n${describe(diff)}`);
  assert.equal(cls.count, OPS);
  assert.ok(
    cls.retainerPath?.some((s) => s.edge === keys.escaped),
    `its path has the property name with quotes, backslash, new line and tab exactly:\n${describe(diff)}`,
  );
  assert.equal(cls.holder?.name, 'Map');
  assert.equal(cls.holder?.heldAs, `Object.${keys.escaped}`);

  const medium = groupOf(diff, 'object', 'MediumHeld');
  assert.ok(
    medium?.retainerPath?.some((s) => s.edge === keys.medium),
    `a 300-character name with 120 escapes, whole:\n${describe(diff)}`,
  );

  // V8 itself writes a character beyond the BMP as one \u escape of its low 16 bits (😀 U+1F600 as
  // \uF600): the reader can only give back what the file says, which JSON.parse reads the same.
  const emojiInFile = tokens.find((s) => s.value.startsWith('emoji '))?.value;
  assert.ok(emojiInFile?.endsWith(' and é'), 'the emoji key in the file');
  const emoji = groupOf(diff, 'object', 'EmojiHeld');
  assert.ok(
    emoji?.retainerPath?.some((s) => s.edge === emojiInFile),
    `the emoji key as the file has it:\n${describe(diff)}`,
  );

  // Past 512 bytes of JSON a name is cut: a prefix of the real one, no torn escape, no replacement character.
  const long = groupOf(diff, 'object', 'LongHeld');
  const longEdge = long?.retainerPath?.find((s) => s.edge?.startsWith('long '))?.edge;
  assert.ok(longEdge !== undefined, `the long key on LongHeld's path:\n${describe(diff)}`);
  assert.ok(keys.long.startsWith(longEdge), `a prefix of the key: ${JSON.stringify(longEdge)}`);
  assert.ok(longEdge.length >= 150 && longEdge.length < keys.long.length, `cut near 512 bytes of JSON: ${longEdge.length} characters`);
  assert.ok(!longEdge.includes('\ufffd'));

  // Every name and edge of every path, against JSON.parse of the same file.
  const values = new Set(tokens.map((s) => s.value));
  for (const g of diff.groups) {
    for (const step of g.retainerPath ?? []) {
      if (step.edge !== undefined && step.edgeType !== 'element' && step.edgeType !== 'hidden' && step.edge !== longEdge) {
        assert.ok(values.has(step.edge), `edge ${JSON.stringify(step.edge)} is a string of the file`);
      }
    }
  }

  // The same file with its strings moved so that the chunk boundary falls inside escapes: in the
  // wanted strings (decoded) and in a string before them that is skipped (its escaped quotes and
  // backslash runs must not end it early or late, or every later index shifts).
  const wanted = (value: string): StringToken => {
    const token = tokens.find((s) => s.value === value);
    assert.ok(token !== undefined, `the string ${JSON.stringify(value)}`);
    return token;
  };
  const escapedToken = wanted(keys.escaped);
  const cases: { token: StringToken; q: number; what: string }[] = [];
  for (const [i, ch] of [...escapedToken.raw].entries()) {
    if (ch === '\\' && escapedToken.raw[i - 1] !== '\\')
      cases.push({ token: escapedToken, q: i + 1, what: `after the backslash of ${escapedToken.raw.slice(i, i + 2)}` });
  }
  const uAt = escapedToken.raw.indexOf('\\u00');
  cases.push({ token: escapedToken, q: uAt + 4, what: 'inside \\u00E9' });
  cases.push({ token: escapedToken, q: 1, what: 'just after the opening quote' });
  cases.push({ token: escapedToken, q: escapedToken.raw.length - 1, what: 'at the closing quote' });
  const clsToken = wanted('Sessión_Ωmega_记录');
  cases.push({ token: clsToken, q: clsToken.raw.indexOf('\\u') + 1, what: "after the backslash of the class name's \\u" });
  const mediumToken = wanted(keys.medium);
  cases.push({ token: mediumToken, q: mediumToken.raw.indexOf('\\\\') + 1, what: 'between the two backslashes of \\\\' });
  // Skipped strings (the fixture's decoys, Node's own), before the last wanted one in the array: an
  // escaped quote, and a run of backslashes right before a quote. If the skip ends a string early
  // or late, every later index shifts and the names come out wrong.
  const wantedValues = new Set(diff.groups.flatMap((g) => [g.name, ...(g.retainerPath ?? []).flatMap((s) => [s.name, s.edge ?? ''])]));
  const lastWanted = Math.max(...tokens.flatMap((s, i) => (wantedValues.has(s.value) ? [i] : [])));
  const skipped = tokens.slice(0, lastWanted).filter((s) => !wantedValues.has(s.value));
  const quoted = skipped.find((s) => /[^\\]\\"/.test(s.raw.slice(1, -1)));
  assert.ok(quoted !== undefined, 'a skipped string with an escaped quote before the last wanted one');
  cases.push({ token: quoted, q: quoted.raw.search(/[^\\]\\"/) + 2, what: 'after the lone backslash of an escaped quote, skipped' });
  const runs = skipped.flatMap((s) => {
    const m = /\\{2,}"/.exec(s.raw.slice(1));
    return m === null ? [] : [{ token: s, at: m.index + 1, length: m[0].length - 1 }];
  });
  assert.ok(runs.length > 0, 'a skipped string with backslashes right before a quote, before the last wanted one');
  for (const r of runs.slice(0, 2)) {
    for (let k = 1; k <= r.length; k++) {
      cases.push({ token: r.token, q: r.at + k, what: `${k} of ${r.length} backslashes into ${r.token.raw.slice(0, 24)}, skipped` });
    }
  }

  const expected = diff.groups;
  for (const [i, c] of cases.entries()) {
    await t.test(`a chunk boundary ${c.what}`, async () => {
      const final = withBoundaryAt(file, stringsAt, c.token, c.q, `names.boundary${i}.heapsnapshot`);
      const moved = await diffSnapshots({ baseline: files.baseline, target: files.target, final }, { top: 10 });
      rmSync(final);
      assert.deepEqual(moved.groups, expected);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Chrome DevTools' format

test('three heap snapshots of a page in headless Chromium (CDP HeapProfiler): LeakyWidget, with the right count', async () => {
  const html = join(work, 'widgets.html');
  writeFileSync(
    html,
    `<!doctype html><title>widgets</title><ul id="list"></ul><script>
class LeakyWidget {
  constructor(i) { this.id = i; this.label = 'widget ' + i; this.created = Date.now(); }
}
window.widgets = [];
window.addWidgets = (n) => { for (let i = 0; i < n; i++) widgets.push(new LeakyWidget(widgets.length)); return widgets.length; };
</script>`,
  );
  const widgets = 3000;
  const files = {
    baseline: join(work, 'page.baseline.heapsnapshot'),
    target: join(work, 'page.target.heapsnapshot'),
    final: join(work, 'page.final.heapsnapshot'),
  };
  // No skip: CI installs Chromium, and a missing one fails here (openFile says how to install it).
  const { page, errors, close } = await openFile(html);
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    const snapshot = async (path: string): Promise<void> => {
      // As in the worker fixture: let a background optimizing compile of addWidgets finish first,
      // or its handles (strong roots) may be the shortest path to the widgets.
      await page.waitForTimeout(100);
      const out = createWriteStream(path);
      const onChunk = ({ chunk }: { chunk: string }): void => void out.write(chunk);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    };
    await page.evaluate(() => (globalThis as unknown as { addWidgets(n: number): number }).addWidgets(100));
    await snapshot(files.baseline);
    await page.evaluate((n) => (globalThis as unknown as { addWidgets(n: number): number }).addWidgets(n), widgets);
    await snapshot(files.target);
    await page.evaluate(() => (globalThis as unknown as { addWidgets(n: number): number }).addWidgets(200));
    await snapshot(files.final);
    await cdp.detach();
  } finally {
    await close();
    await closeBrowser();
  }
  assert.deepEqual(errors, []);
  const result = await runCli(['snapshot-diff', files.baseline, files.target, files.final, '--json'], work);
  assert.equal(result.code, 0, explain(result));
  const diff = JSON.parse(result.stdout) as SnapshotDiff;
  const leaky = groupOf(diff, 'object', 'LeakyWidget');
  assert.ok(leaky !== undefined, `a LeakyWidget group:\n${describe(diff)}`);
  assert.equal(leaky.count, widgets, 'the widgets added between baseline and target');
  assert.equal(leaky.finalCount, 100 + widgets + 200);
  assert.ok(diff.groups.indexOf(leaky) < 3, `among the biggest groups (with their labels' strings):\n${describe(diff)}`);
  assert.equal(leaky.holder?.name, 'Array', `held by the array:\n${describe(diff)}`);
  assert.match(leaky.holder?.heldAs ?? '', /\.widgets$/, `the global array:\n${describe(diff)}`);
});

// ---------------------------------------------------------------------------------------------
// End to end

interface EndToEnd {
  readonly result: CliResult;
  readonly out: string;
  readonly seconds: number;
}

let endToEnd: Promise<EndToEnd> | undefined;

/** One `soak run --snapshots` of the cache's side-index leak, shared by the tests below. */
function runWithSnapshots(): Promise<EndToEnd> {
  endToEnd ??= (async () => {
    const out = join(work, 'run');
    const started = Date.now();
    const result = await runCli(
      ['run', '--workload', 'cache', '--param', 'leak=side-index', '--duration', '30s', '--threads', '1', '--snapshots', '--out', out, '--quiet'],
      work,
    );
    return { result, out, seconds: (Date.now() - started) / 1000 };
  })();
  return endToEnd;
}

function workerDiff(out: string): SnapshotDiff {
  const diffs = JSON.parse(readFileSync(join(out, 'snapshot-diff.json'), 'utf8')) as RunSnapshotDiffs;
  assert.equal(diffs.workers.length, 1, 'one worker life');
  const [w] = diffs.workers;
  assert.ok(w !== undefined && w.worker === 'cache#0' && w.life === 0);
  assert.ok(w.diff !== undefined, `a diff, not an error: ${w.error}`);
  return w.diff;
}

test('soak run --snapshots on the cache side-index leak: three snapshots, a diff naming #byTag', async () => {
  const { result, out } = await runWithSnapshots();
  assert.equal(result.code, 1, explain(result, out));
  const events = readFileSync(join(out, 'events.csv'), 'utf8').trimEnd().split('\n');
  const taken = events.filter((l) => l.includes(',cache#0,') && l.includes(',snapshot,'));
  assert.deepEqual(
    taken.map((l) => /,snapshot,"(baseline|target|final) of life 0: .*: (snapshots\/\S+)"$/.exec(l)?.slice(1)),
    ['baseline', 'target', 'final'].map((phase) => [phase, `snapshots/cache-0.life0.${phase}.heapsnapshot`]),
    events.join('\n'),
  );
  assert.equal(events.filter((l) => l.includes(',snapshot-skipped,')).length, 0, 'none skipped');
  assert.deepEqual(readdirSync(join(out, 'snapshots')).sort(), [
    'cache-0.life0.baseline.heapsnapshot',
    'cache-0.life0.final.heapsnapshot',
    'cache-0.life0.target.heapsnapshot',
  ]);
  const diff = workerDiff(out);
  assert.equal(diff.files.final.path, 'snapshots/cache-0.life0.final.heapsnapshot', 'paths relative to the run directory');
  const byTag = diff.groups.filter((g) => g.holder?.heldAs?.includes('#byTag'));
  assert.ok(byTag.length > 0, `a group held in LruTtlCache.#byTag:\n${describe(diff)}`);
  assert.ok(byTag.some((g) => g.holder?.heldAs === 'LruTtlCache.#byTag'));
  const md = readFileSync(join(out, 'snapshot-diff.md'), 'utf8');
  assert.match(md, /## cache#0 \(life 0\)/);
  assert.match(md, /in `LruTtlCache\.#byTag`/);
});

test('soak run --snapshots: nothing born between baseline and target is shown alive in the live map (TTL 5 s)', async () => {
  const { result, out } = await runWithSnapshots();
  assert.equal(result.code, 1, explain(result, out));
  // What keeps a dead policy's id from passing to its successor (src/controller/v8-flags.ts).
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { run: { v8Flags?: string[] } };
  for (const flag of ['--no-allocation-site-pretenuring', '--no-page-promotion'])
    assert.ok(summary.run.v8Flags?.includes(flag), `run.v8Flags: ${summary.run.v8Flags}`);
  const diff = workerDiff(out);
  // An entry in #map at the final snapshot was set in the last 5 s (ttlMs): the target was taken
  // more than 10 s earlier, so no entry born before it can be alive there. Survivors are what the
  // expiry left behind in the by-tag index. Strings are left out: a key string V8 flattened before
  // the target is shared by the by-tag index and a fresh entry of the same key, so it is a real
  // survivor that #map reaches too (seen in 1 run of 4). All kinds of string are one group, named
  // (string), whose example may be a concatenated or sliced one.
  assert.deepEqual(
    diff.groups.filter((g) => g.name !== '(string)' && g.holder?.heldAs?.includes('#map')).map((g) => `${g.nodeType} ${g.name}: ${g.holder?.heldAs}`),
    [],
    describe(diff),
  );
});
