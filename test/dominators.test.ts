/**
 * The dominator tree and retained sizes against known values: the flow graph of Lengauer and
 * Tarjan's paper (its dominator tree is printed there, figure 2), and seeded random heap-like
 * graphs (weak, shortcut and self edges, cycles nothing holds, nodes held only weakly) against the
 * definition itself: d dominates v when v cannot be reached from the root without passing d; and
 * a real Node heap snapshot against Chrome DevTools' own computation (heap-snapshot-toolkit).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'heap-snapshot-toolkit';
import { seededRandom } from '../src/random.js';
import { dominatorTree, type EdgeGraph, type EdgeKinds, retainedByGroup } from '../src/snapshot/dominators.js';
import { tempDir } from './helpers/cli.js';

const STRONG = 0;
const WEAK = 1;
const SHORTCUT = 2;
const INTERNAL = 3;
const KINDS: EdgeKinds = { weak: WEAK, shortcut: SHORTCUT, internal: INTERNAL };

interface Edge {
  readonly from: number;
  readonly to: number;
  readonly type: number;
}

function graphOf(n: number, edges: readonly Edge[], size: readonly number[]): EdgeGraph {
  const sorted = [...edges].sort((a, b) => a.from - b.from);
  const firstEdge = new Uint32Array(n + 1);
  for (const e of sorted) firstEdge[e.from + 1] = (firstEdge[e.from + 1] as number) + 1;
  for (let i = 1; i <= n; i++) firstEdge[i] = (firstEdge[i] as number) + (firstEdge[i - 1] as number);
  return {
    firstEdge,
    edgeTo: Uint32Array.from(sorted, (e) => e.to),
    edgeType: Uint8Array.from(sorted, (e) => e.type),
    size,
  };
}

test("a WeakMap's value is retained by its key, not by the ephemeron table that also holds it weakly", () => {
  // 0 root, 1 the table, 2 the key, 3 the value, 4 an object the table holds by an internal edge alone.
  const edges = [
    { from: 0, to: 1, type: STRONG },
    { from: 0, to: 2, type: STRONG },
    { from: 1, to: 2, type: WEAK },
    { from: 1, to: 3, type: WEAK },
    { from: 1, to: 3, type: INTERNAL },
    { from: 1, to: 4, type: INTERNAL },
    { from: 2, to: 3, type: INTERNAL },
  ];
  const graph = graphOf(5, edges, [0, 10, 20, 300, 4000]);
  const { dominator, retained } = dominatorTree(graph, KINDS);
  assert.deepEqual([...dominator], [0, 0, 0, 2, 1]);
  assert.deepEqual([...retained], [4330, 4010, 320, 300, 4000]);
  // Without the rule the value has two retainers, so only the root dominates it.
  assert.equal(dominatorTree(graph, { ...KINDS, internal: -1 }).dominator[3], 0);
});

test("the flow graph of Lengauer and Tarjan's paper gets the paper's dominator tree", () => {
  const names = 'RABCDEFGHIJKL';
  const at = (c: string): number => names.indexOf(c);
  const arcs = 'RA RB RC AD BA BD BE CF CG DL EH FI GI GJ HE HK IK JI KI KR LH';
  const edges = arcs.split(' ').map((a) => ({ from: at(a[0] as string), to: at(a[1] as string), type: STRONG }));
  const { dominator } = dominatorTree(graphOf(names.length, edges, Array(names.length).fill(1)), KINDS);
  const idom = [...names].map((c, i) => `${c}:${names[dominator[i] as number]}`).join(' ');
  assert.equal(idom, 'R:R A:R B:R C:R D:R E:R F:C G:C H:R I:R J:G K:R L:D');
});

/** Nodes reachable from `starts` over `edges`, never entering `removed`. */
function reach(n: number, edges: readonly Edge[], starts: readonly number[], removed = -1): Uint8Array {
  const seen = new Uint8Array(n);
  const stack = starts.filter((s) => s !== removed);
  for (const s of stack) seen[s] = 1;
  while (stack.length > 0) {
    const v = stack.pop() as number;
    for (const e of edges) {
      if (e.from === v && e.to !== removed && seen[e.to] === 0) {
        seen[e.to] = 1;
        stack.push(e.to);
      }
    }
  }
  return seen;
}

/** Dominators by the definition, over the strong edges plus one from the root to each node the root does not reach, taken in node order. */
function bruteForce(n: number, edges: readonly Edge[], size: readonly number[]): { dominator: number[]; retained: number[]; strictDominators: Set<number>[] } {
  // The program's part: what the root's shortcuts reach over edges that are not weak. An edge into it from outside does not retain.
  const owned = reach(
    n,
    edges.filter((e) => e.type !== WEAK),
    edges.filter((e) => e.from === 0 && e.type === SHORTCUT).map((e) => e.to),
  );
  const strong = edges.filter(
    (e) => e.type !== WEAK && e.from !== e.to && (e.from === 0 || (e.type !== SHORTCUT && (owned[e.from] === 1 || owned[e.to] === 0))),
  );
  const augmented = [...strong];
  let reached = reach(n, augmented, [0]);
  for (let v = 0; v < n; v++) {
    if (reached[v] === 1) continue;
    augmented.push({ from: 0, to: v, type: STRONG });
    reached = reach(n, augmented, [0]);
  }
  const strictDominators = Array.from({ length: n }, () => new Set<number>());
  for (let d = 1; d < n; d++) {
    const without = reach(n, augmented, [0], d);
    for (let v = 0; v < n; v++) if (v !== d && without[v] === 0) strictDominators[v]?.add(d);
  }
  for (let v = 1; v < n; v++) strictDominators[v]?.add(0);
  const dominator = strictDominators.map((doms, v) => {
    if (v === 0) return 0;
    // The immediate dominator is the strict dominator that all the others dominate: the one with the most dominators.
    return [...doms].reduce((best, d) => ((strictDominators[d]?.size ?? 0) > (strictDominators[best]?.size ?? 0) ? d : best));
  });
  const retained = size.map((s, d) => s + size.reduce((sum, sv, v) => sum + (strictDominators[v]?.has(d) === true ? sv : 0), 0));
  return { dominator, retained, strictDominators };
}

function randomHeap(seed: number): { n: number; edges: Edge[]; size: number[] } {
  const random = seededRandom(seed);
  const n = 5 + Math.floor(random() * 40);
  const edges: Edge[] = [];
  const edgeCount = Math.floor(random() * n * 2.5);
  for (let k = 0; k < edgeCount; k++) {
    const from = Math.floor(random() * n);
    // Mostly towards later nodes, as a heap grows from its roots; some back edges make cycles.
    const to = random() < 0.75 ? from + Math.floor(random() * (n - from)) : Math.floor(random() * n);
    const kind = random();
    edges.push({ from, to, type: kind < 0.12 ? WEAK : kind < 0.2 ? SHORTCUT : STRONG });
  }
  return { n, edges, size: Array.from({ length: n }, () => Math.floor(random() * 1000)) };
}

test('on random heap graphs the dominators and retained sizes are those of the definition, whatever the weak, shortcut and self edges and unreached cycles', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const { n, edges, size } = randomHeap(seed);
    const got = dominatorTree(graphOf(n, edges, size), KINDS);
    const want = bruteForce(n, edges, size);
    assert.deepEqual(Array.from(got.dominator), want.dominator, `dominators, seed ${seed}`);
    assert.deepEqual(Array.from(got.retained), want.retained, `retained sizes, seed ${seed}`);
    assert.equal(
      got.retained[0],
      size.reduce((a, b) => a + b, 0),
      'the root retains everything',
    );
    const position = new Map(Array.from(got.order, (v, i) => [v, i]));
    assert.equal(position.size, n, 'every node once in the order');
    for (let v = 1; v < n; v++)
      assert.ok((position.get(got.dominator[v] as number) ?? n) < (position.get(v) ?? -1), `seed ${seed}: node ${v} after its dominator`);
  }
});

test("a group retains its members' retained sizes, a member inside another member's counted once; all groups likewise", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const { n, edges, size } = randomHeap(seed);
    const random = seededRandom(seed, 7);
    const groups = 3;
    const groupOfNode = Array.from({ length: n }, () => (random() < 0.4 ? Math.floor(random() * groups) : -1));
    const got = retainedByGroup(dominatorTree(graphOf(n, edges, size), KINDS), (v) => groupOfNode[v] ?? -1, groups);
    const { retained, strictDominators } = bruteForce(n, edges, size);
    const want = Array.from({ length: groups }, (_, g) =>
      groupOfNode.reduce((sum, gv, v) => {
        if (gv !== g || [...(strictDominators[v] ?? [])].some((d) => groupOfNode[d] === g)) return sum;
        return sum + (retained[v] ?? 0);
      }, 0),
    );
    assert.deepEqual(Array.from(got.byGroup), want, `seed ${seed}`);
    const all = groupOfNode.reduce((sum, gv, v) => {
      if (gv < 0 || [...(strictDominators[v] ?? [])].some((d) => (groupOfNode[d] ?? -1) >= 0)) return sum;
      return sum + (retained[v] ?? 0);
    }, 0);
    assert.equal(got.all, all, `all groups together, seed ${seed}`);
  }
});

/** A program with a Map of records, closures over them, a class instance tree and a WeakMap, snapshotted by Node itself. */
const PROGRAM = `
const records = new Map();
for (let i = 0; i < 3000; i++) records.set('k' + i, { id: i, tags: ['a' + i, 'b'], at: new Date(i) });
class Node { constructor(depth) { this.children = depth > 0 ? [new Node(depth - 1), new Node(depth - 1)] : []; } }
const tree = new Node(9);
const handlers = Array.from({ length: 200 }, (_, i) => () => records.get('k' + i));
const side = new WeakMap();
for (const [key, value] of [...records].slice(0, 300)) side.set(value, { key, extra: new Array(20).fill(key) });
globalThis.keep = { records, tree, handlers, side };
require('node:v8').writeHeapSnapshot(process.argv[1]);
`;

test("a real Node heap snapshot gets Chrome DevTools' dominator of every node, and its retained size of every node", async () => {
  const file = join(tempDir(), 'program.heapsnapshot');
  execFileSync(process.execPath, ['-e', PROGRAM, file]);
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; edge_fields: string[]; edge_types: [string[]] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const { meta } = json.snapshot;
  const nodeWidth = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const n = json.nodes.length / nodeWidth;
  const edgeTypes = meta.edge_types[0];
  const firstEdge = new Uint32Array(n + 1);
  const edgeCount = meta.node_fields.indexOf('edge_count');
  for (let i = 0; i < n; i++) firstEdge[i + 1] = (firstEdge[i] as number) + (json.nodes[i * nodeWidth + edgeCount] as number);
  const edgeTo = Uint32Array.from({ length: json.edges.length / edgeWidth }, (_, e) => (json.edges[e * edgeWidth + 2] as number) / nodeWidth);
  const edgeType = Uint8Array.from({ length: edgeTo.length }, (_, e) => json.edges[e * edgeWidth] as number);
  // The WeakMap's table edges DevTools tells by name (soak by their weak twins): the program has them.
  const ephemeron = /^\d+ \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\)$/;
  const id = meta.node_fields.indexOf('id');
  let tableEdges = 0;
  for (let v = 0; v < n; v++) {
    for (let e = firstEdge[v] as number; e < (firstEdge[v + 1] as number); e++) {
      if (edgeTypes[edgeType[e] as number] !== 'internal') continue;
      const match = ephemeron.exec(json.strings[json.edges[e * edgeWidth + 1] as number] ?? '');
      if (match !== null && Number(match[1]) === json.nodes[v * nodeWidth + id]) tableEdges++;
    }
  }
  assert.ok(tableEdges >= 300, `${tableEdges} WeakMap table edges`);

  const devtools = await parse(createReadStream(file, 'utf8'));
  // DevTools moves the self size of arrays and hidden objects that one object owns to that object; its retained sizes are of those sizes.
  const inner = devtools as unknown as { nodes: { getValue(i: number): number }; nodeFieldCount: number; nodeSelfSizeOffset: number };
  const size = Float64Array.from({ length: n }, (_, i) => inner.nodes.getValue(i * inner.nodeFieldCount + inner.nodeSelfSizeOffset));
  const kinds = { weak: edgeTypes.indexOf('weak'), shortcut: edgeTypes.indexOf('shortcut'), internal: edgeTypes.indexOf('internal') };
  const ours = dominatorTree({ firstEdge, edgeTo, edgeType, size }, kinds);
  const theirs = devtools as unknown as { dominatorsTree: Uint32Array; retainedSizes: Float64Array };
  let dominators = 0;
  let retained = 0;
  for (let v = 0; v < n; v++) {
    if (ours.dominator[v] !== theirs.dominatorsTree[v]) dominators++;
    if (ours.retained[v] !== theirs.retainedSizes[v]) retained++;
  }
  assert.equal(dominators, 0, `nodes of ${n} whose dominator differs`);
  assert.equal(retained, 0, `nodes of ${n} whose retained size differs`);
  const without = dominatorTree({ firstEdge, edgeTo, edgeType, size }, { ...kinds, internal: -1 });
  assert.ok(
    without.dominator.some((d, v) => d !== theirs.dominatorsTree[v]),
    'without the WeakMap rule some dominators differ',
  );
});
