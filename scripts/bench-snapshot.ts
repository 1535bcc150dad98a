/**
 * `npm run bench:snapshot`: how long soak's three-snapshot diff takes, and how much memory, over
 * generated ~130 MB snapshots of a ~64 MB heap with a known leak (see gen-heap-snapshots.ts),
 * against a full JSON.parse of the same three files and against an established reader,
 * heap-snapshot-toolkit (Chrome DevTools' own snapshot loader), loading them one at a time as it
 * would for a diff. The snapshots are generated once; then, in alternating rounds so machine drift
 * hits every phase alike, each phase runs in a child process of its own, which reports its wall
 * time (around the work, after its modules are loaded) and peak RSS (its own high-water mark) when it ends: one
 * phase's memory cannot then pollute the next one's figure. Printed: medians and ratios to soak's
 * diff, and the peak RSS as a multiple of the final snapshot's size.
 *
 * The diff's phase checks its answer before it counts: the generated LeakedRecords must be among
 * its groups, as many as were leaked between baseline and target; the bench fails otherwise, as it
 * must not time a broken diff.
 *
 * Options: --rounds N (default 3), --keep (leave the generated snapshots in the temp directory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChildMeasure, measureInChild, median, PEAK_RSS_BYTES } from './child-measure.js';
import { type HeapSnapshots, writeHeapSnapshots } from './gen-heap-snapshots.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);

interface Measure extends ChildMeasure {
  /** What the phase's check found, for the output. */
  readonly note: string;
}

interface Phase {
  readonly label: string;
  /** Module code run in the child before the clock starts: its imports. */
  readonly load: string;
  /**
   * Module code run in the child: `files` (baseline, target, final paths), `snapshots` (the
   * generator's facts) and `note` (a string to set) are in scope; it awaits the work and nothing else.
   */
  readonly code: string;
  /** Run after the clock stops: throws when the work's answer is wrong; may set `note`. */
  readonly check: string;
  readonly measures: Measure[];
}

const MB = 1024 * 1024;
const src = (path: string): string => JSON.stringify(join(import.meta.dirname, '..', 'src', path));

const phases: readonly Phase[] = [
  {
    label: 'soak diff (diffSnapshots)',
    load: `const { diffSnapshots } = await import(${src('snapshot/diff.js')});`,
    code: `
      const [baseline, target, final] = files;
      const d = await diffSnapshots({ baseline, target, final });`,
    check: `
      const groups = d.groups.map((g) => g.name + ' ' + g.count).join(', ');
      const leak = d.groups.find((g) => g.name === snapshots.leakClass);
      if (leak === undefined) throw new Error('soak diff did not report ' + snapshots.leakClass + ' among its groups: ' + groups);
      if (leak.count !== snapshots.leakedInTarget || leak.finalCount !== snapshots.leakedInFinal) {
        throw new Error('soak diff counted ' + leak.count + ' ' + snapshots.leakClass + 's born and kept (final: ' + leak.finalCount + ') where ' +
          snapshots.leakedInTarget + ' (final: ' + snapshots.leakedInFinal + ') were leaked; groups: ' + groups);
      }
      if (d.files.final.nodes !== snapshots.final.nodes || d.files.final.edges !== snapshots.final.edges) throw new Error('soak diff read the wrong counts');
      const rank = d.groups.indexOf(leak) + 1;
      const holder = leak.holder === undefined ? 'nothing named' : leak.holder.name + ' ' + (leak.holder.heldAs ?? '') + ' (its ' + leak.holder.edge + ')';
      note = leak.count + ' ' + snapshots.leakClass + 's found (group ' + rank + ' of ' + d.groups.length + ' listed), ' +
        d.survivors.count + ' survivors of ' + d.bornInTarget + ' born; held by ' + holder;`,
    measures: [],
  },
  {
    label: 'JSON.parse of the 3 files',
    load: `const { readFileSync } = await import('node:fs');`,
    code: `
      const counts = [];
      for (const path of files) {
        // One parsed at a time: the last one is garbage once the next is read.
        const parsed = JSON.parse(readFileSync(path, 'utf8'));
        counts.push([parsed.nodes.length / parsed.snapshot.meta.node_fields.length, parsed.edges.length / parsed.snapshot.meta.edge_fields.length]);
      }`,
    check: `
      for (const [i, [nodes, edges]] of counts.entries()) {
        const f = [snapshots.baseline, snapshots.target, snapshots.final][i];
        if (nodes !== f.nodes || edges !== f.edges) throw new Error('JSON.parse found ' + nodes + ' nodes, ' + edges + ' edges in ' + f.path);
      }`,
    measures: [],
  },
  {
    label: 'heap-snapshot-toolkit parse of the 3 files',
    load: `
      const { createReadStream } = await import('node:fs');
      const { parse } = await import(${JSON.stringify(import.meta.resolve('heap-snapshot-toolkit'))});`,
    code: `
      const counts = [];
      for (const path of files) {
        // As its diffFromStreams does: one snapshot loaded (and indexed) at a time.
        const snapshot = await parse(createReadStream(path, 'utf-8'));
        counts.push(snapshot.nodeCount);
      }`,
    check: `
      for (const [i, nodes] of counts.entries()) {
        const f = [snapshots.baseline, snapshots.target, snapshots.final][i];
        if (nodes !== f.nodes) throw new Error('heap-snapshot-toolkit found ' + nodes + ' nodes in ' + f.path + ', not ' + f.nodes);
      }`,
    measures: [],
  },
];

/** Runs one phase in a fresh Node; the time is taken inside it, after module loading, around the work alone. */
function measure(phase: Phase, snapshots: HeapSnapshots, dir: string): Promise<Measure> {
  const script = `
    const snapshots = ${JSON.stringify(snapshots)};
    const files = [snapshots.baseline.path, snapshots.target.path, snapshots.final.path];
    let note = '';
    ${phase.load}
    const start = process.hrtime.bigint();
    ${phase.code}
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    ${phase.check}
    process.stdout.write(JSON.stringify({ seconds, peakBytes: ${PEAK_RSS_BYTES}, note }));`;
  return measureInChild<Measure>(script, dir, phase.label);
}

const mb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`;

const root = mkdtempSync(join(tmpdir(), 'soak-bench-snapshot-'));
try {
  process.stderr.write('generating three heap snapshots of a ~64 MB heap with a leak...\n');
  const snapshots = writeHeapSnapshots(root);
  const bare: Phase = { label: 'bare Node', load: '', code: '', check: '', measures: [] };
  const bareRss = (await measure(bare, snapshots, root)).peakBytes;
  for (let r = 0; r < rounds; r++) {
    for (const phase of r % 2 === 0 ? phases : [...phases].reverse()) phase.measures.push(await measure(phase, snapshots, root));
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  const base = median((phases[0] as Phase).measures.map((m) => m.seconds));
  const finalBytes = snapshots.final.bytes;
  console.log(`# bench:snapshot on ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
  console.log(
    `snapshots of one process, generated in ${snapshots.seconds.toFixed(1)} s (${snapshots.customers} customers, then the leak); median of ${rounds} rounds\n`,
  );
  console.log('| snapshot | file | nodes | edges | heap used | written in |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const name of ['baseline', 'target', 'final'] as const) {
    const f = snapshots[name];
    console.log(`| ${name} | ${mb(f.bytes)} | ${f.nodes} | ${f.edges} | ${mb(f.heapUsedBytes)} | ${f.writeSeconds.toFixed(1)} s |`);
  }
  console.log(
    `\nleak: ${snapshots.leakedInTarget} ${snapshots.leakClass}s between baseline and target, ${snapshots.leakedInFinal - snapshots.leakedInTarget} more by the final\n`,
  );
  console.log('| phase | wall | × soak diff | peak RSS | × final file size |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const phase of phases) {
    const seconds = median(phase.measures.map((m) => m.seconds));
    const peak = Math.max(...phase.measures.map((m) => m.peakBytes));
    console.log(`| ${phase.label} | ${seconds.toFixed(2)} s | ${(seconds / base).toFixed(1)}x | ${mb(peak)} | ${(peak / finalBytes).toFixed(2)}x |`);
  }
  const diff = phases[0] as Phase;
  const diffPeak = Math.max(...diff.measures.map((m) => m.peakBytes));
  console.log(`\nsoak diff: ${diff.measures[0]?.note ?? ''}`);
  console.log(`a bare Node's peak RSS: ${mb(bareRss)}; target for the diff: under 1 s and 100 MB: ${base < 1 && diffPeak < 100 * MB ? 'met' : 'not met'}`);
} finally {
  if (values.keep) process.stderr.write(`kept the snapshots in ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
}
