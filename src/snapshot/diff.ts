/**
 * The three-snapshot diff (memlab's idea): objects born between a baseline and a target snapshot
 * of one isolate that are still alive in a final one are the leak candidates. V8 keeps an object's
 * id across the snapshots of one isolate, so "born" is "in the target, not in the baseline" and
 * "alive" is "in the final". Candidates are grouped by node type and constructor (or function)
 * name and ranked by what they retain in the final snapshot (its dominator tree: the memory that
 * releasing them would free); the biggest groups get one shortest retainer path from the GC roots,
 * and the first object on it that is older than the baseline is named as the holder (the Map,
 * array or listener list).
 *
 * Memory: the baseline and target give only their ids (a sorted Uint32Array each, the baseline's
 * dropped once the born set is known); the final is kept as a compact graph of typed arrays
 * (18 bytes a node, 5 an edge: the edges' names are read back from the file for the few edges a
 * path shows), never as JSON; the dominator tree adds about 45 bytes a node and 4 an edge while it
 * is built.
 */
import { askThread, warnThreadFailed } from '../thread.js';
import { errors, UsageError } from '../errors.js';
import { bornBetween, IdSet, indexIn, newestHeapId, type Born, type SnapshotFileFacts } from './born.js';
import { dominatorTree, retainedByGroup } from './dominators.js';
import { fieldIndex, ROW_INDEX_STRIDE, readRowsAt, readSnapshot, readStrings, type SnapshotMeta } from './reader.js';

export type { SnapshotFileFacts } from './born.js';

export interface SnapshotPaths {
  readonly baseline: string;
  readonly target: string;
  readonly final: string;
}

export interface DiffOptions {
  /** Groups listed (those whose survivors retain the most); default 10. */
  readonly top?: number;
  /** Retainer-path steps kept, nearest the object; default 8. */
  readonly pathSteps?: number;
}

export interface RetainerStep {
  readonly nodeType: string;
  readonly name: string;
  /** The object's id in the snapshot (`@123` in DevTools' search). */
  readonly id: number;
  /** How this object refers to the next step: a property name, `[index]`, or an internal name. */
  readonly edge?: string;
  readonly edgeType?: string;
}

export interface Holder {
  readonly nodeType: string;
  readonly name: string;
  readonly id: number;
  /** The holder's own edge to the leaking object's side of the path. */
  readonly edge: string;
  /** The nearest property or variable above the holder on the path, as `Owner.name` (`LruTtlCache.#byTag`). */
  readonly heldAs?: string;
}

export interface SurvivorGroup {
  readonly nodeType: string;
  /** The constructor, function or internal name; a type's label in parentheses for strings and numbers. */
  readonly name: string;
  /** Objects of the group born between baseline and target and alive in the final snapshot. */
  readonly count: number;
  readonly selfBytes: number;
  /**
   * What the survivors retain in the final snapshot: their own sizes and all that only they keep
   * alive (DevTools' retained sizes, a survivor inside another survivor's counted once).
   */
  readonly retainedBytes: number;
  /** Every object of the group in the final snapshot, born when it may. */
  readonly finalCount: number;
  readonly finalSelfBytes: number;
  /** One of the survivors, whose path is shown. */
  readonly exampleId: number;
  /** Steps from the GC roots to the example, the last `pathSteps` (absent when only weak edges reach it). */
  readonly retainerPath?: readonly RetainerStep[];
  /** Whether steps were left out at the path's root end. */
  readonly pathCut?: boolean;
  readonly holder?: Holder;
}

export interface SnapshotDiff {
  readonly schemaVersion: 1;
  readonly files: { readonly baseline: SnapshotFileFacts; readonly target: SnapshotFileFacts; readonly final: SnapshotFileFacts };
  /** Objects of the target that the baseline lacks. */
  readonly bornInTarget: number;
  /** Of those, the ones the final snapshot still holds: the leak candidates. */
  readonly survivors: { readonly count: number; readonly selfBytes: number; readonly retainedBytes: number };
  /** Groups of survivors, those that retain the most first: the first `top`. */
  readonly groups: readonly SurvivorGroup[];
  /** Groups past `top`, counted, with their survivors. */
  readonly groupsLeftOut: { readonly groups: number; readonly count: number; readonly selfBytes: number };
}

/** Node types that are the engine's own bookkeeping, not a program's objects: never candidates. */
const INTERNAL_TYPES = new Set(['hidden', 'code', 'synthetic', 'object shape']);
/** Node types whose name is their content: grouped by type alone. */
const CONTENT_TYPES = new Map([
  ['string', '(string)'],
  ['concatenated string', '(string)'],
  ['sliced string', '(string)'],
  ['number', '(heap number)'],
  ['symbol', '(symbol)'],
  ['bigint', '(bigint)'],
  ['regexp', '(regexp)'],
]);
/**
 * Synthetic roots entered last by the path search: what the stack and handle scopes held while the
 * snapshot was taken, the engine's tables of strings and compiled code (a key string is also held
 * by its Map, which is the path worth showing), and its strong roots (where a background compile
 * running at the time holds what it compiles).
 */
const TRANSIENT_ROOTS = new Set(['(Handle scope)', '(Stack roots)', '(Internalized strings)', '(Compilation cache)', '(Strong roots)']);
/** Edge types whose name_or_index is a string index (the others carry a number). */
const NAMED_EDGE_TYPES = new Set(['context', 'property', 'internal', 'shortcut', 'weak']);

/** The final snapshot as typed arrays. */
interface Graph {
  readonly meta: SnapshotMeta;
  readonly type: Uint8Array;
  readonly name: Uint32Array;
  readonly id: Uint32Array;
  readonly size: Uint32Array;
  /** Node i's edges are firstEdge[i] .. firstEdge[i + 1]. */
  readonly firstEdge: Uint32Array;
  readonly survivor: Uint8Array;
  /** The node an edge points to, by index (the file has its offset in the nodes array). */
  readonly edgeTo: Uint32Array;
  readonly edgeType: Uint8Array;
  /** Where every ROW_INDEX_STRIDE-th edge starts in the file: an edge's name is read back from there when a path shows it. */
  readonly edgeRows: Uint32Array;
}

/**
 * Diffs three snapshots of one isolate, taken in this order. The born set (baseline and target)
 * is computed in a worker thread while this one reads the final snapshot: the two reads overlap.
 */
export async function diffSnapshots(paths: SnapshotPaths, options: DiffOptions = {}): Promise<SnapshotDiff> {
  const top = options.top ?? 10;
  const pathSteps = options.pathSteps ?? 8;
  const born = bornInThread(paths.baseline, paths.target);
  let final: FinalRead;
  try {
    final = readFinal(paths.final);
  } catch (err) {
    // The earlier files' problem is the one to report first.
    await born;
    throw err;
  }
  const bornSet = await born;
  const { graph } = final;
  if (newestHeapId(graph.id) < bornSet.newestId) throw errors.snapshotsOutOfOrder(paths.target, paths.final);
  markSurvivors(graph, bornSet);
  const labels = [...new Set(CONTENT_TYPES.values())];
  // Per node type, 1 + its content label's index (strings of every kind share one), or 0.
  const contentTypes = Uint8Array.from(graph.meta.nodeTypes, (t) => {
    const label = CONTENT_TYPES.get(t);
    return label === undefined ? 0 : labels.indexOf(label) + 1;
  });
  const tallies = tallyGroups(graph, contentTypes);
  const survivorsRetain = rankByRetained(graph, tallies, contentTypes);
  const chosen = tallies.slice(0, top);
  const rest = tallies.slice(top);
  const transient = new Set<number>();
  for (const [index, name] of final.strings) if (TRANSIENT_ROOTS.has(name)) transient.add(index);
  const retainers = retainerPaths(graph, chosen, contentTypes, transient);
  const edgeNames = readEdgeNames(paths.final, graph, retainers);
  const names: Names = { strings: readStrings(paths.final, final.stringsAt, wantedStrings(graph, chosen, retainers, edgeNames)), edgeNames };
  return {
    schemaVersion: 1,
    files: { baseline: bornSet.earlier, target: bornSet.later, final: final.facts },
    bornInTarget: bornSet.ids.length,
    survivors: { ...survivorTotals(graph), retainedBytes: survivorsRetain },
    groups: chosen.map((t) => describeGroup(graph, t, retainers.get(t.example), names, pathSteps)),
    groupsLeftOut: { groups: rest.length, count: rest.reduce((s, t) => s + t.count, 0), selfBytes: rest.reduce((s, t) => s + t.selfBytes, 0) },
  };
}

/** The born set from a thread; from this one, after the final snapshot's read, if the thread could not start or died. */
async function bornInThread(earlier: string, later: string): Promise<Born> {
  type Answer = { born: Born } | { error: string; usage: boolean };
  let m: Answer;
  try {
    m = await askThread<Answer>(new URL('./born-worker.js', import.meta.url), { earlier, later }, 'the snapshot reader thread').answer;
  } catch (error) {
    warnThreadFailed('the read of the baseline and target snapshots', error);
    return bornBetween(earlier, later);
  }
  if ('born' in m) return m.born;
  throw m.usage ? new UsageError(m.error) : new Error(m.error);
}

interface FinalRead {
  readonly graph: Graph;
  readonly facts: SnapshotFileFacts;
  /** The names of the engine's synthetic roots, by string index. */
  readonly strings: ReadonlyMap<number, string>;
  readonly stringsAt: number;
}

/** The final snapshot's nodes and edges into typed arrays, and the names of its synthetic roots. */
function readFinal(path: string): FinalRead {
  let graph: Graph | undefined;
  const read = readSnapshot(path, (meta) => {
    const n = meta.nodeCount;
    const g: Graph = {
      meta,
      type: new Uint8Array(n),
      name: new Uint32Array(n),
      id: new Uint32Array(n),
      size: new Uint32Array(n),
      firstEdge: new Uint32Array(n + 1),
      survivor: new Uint8Array(n),
      edgeTo: new Uint32Array(meta.edgeCount),
      edgeType: new Uint8Array(meta.edgeCount),
      edgeRows: new Uint32Array(Math.ceil(meta.edgeCount / ROW_INDEX_STRIDE) + 1),
    };
    graph = g;
    const node: (Uint8Array | Uint32Array)[] = [];
    node[fieldIndex(meta.nodeFields, 'type', path, 'node')] = g.type;
    node[fieldIndex(meta.nodeFields, 'name', path, 'node')] = g.name;
    node[fieldIndex(meta.nodeFields, 'id', path, 'node')] = g.id;
    node[fieldIndex(meta.nodeFields, 'self_size', path, 'node')] = g.size;
    // Each node's edge count lands one place on, to be summed into first-edge offsets.
    node[fieldIndex(meta.nodeFields, 'edge_count', path, 'node')] = g.firstEdge.subarray(1);
    const edge: (Uint8Array | Uint32Array)[] = [];
    edge[fieldIndex(meta.edgeFields, 'type', path, 'edge')] = g.edgeType;
    edge[fieldIndex(meta.edgeFields, 'to_node', path, 'edge')] = g.edgeTo;
    return {
      node,
      edge,
      edgeRowIndex: g.edgeRows,
      wantedStrings: () => {
        const synthetic = meta.nodeTypes.indexOf('synthetic');
        const names = new Set<number>();
        for (let i = 0; i < n; i++) if (g.type[i] === synthetic) names.add(g.name[i] as number);
        return names;
      },
    };
  });
  if (graph === undefined) throw new Error('unreachable: the final snapshot was read without its graph');
  const g: Graph = graph;
  for (let i = 1; i < g.firstEdge.length; i++) g.firstEdge[i] = (g.firstEdge[i] as number) + (g.firstEdge[i - 1] as number);
  const width = read.meta.nodeFields.length;
  for (let e = 0; e < g.edgeTo.length; e++) g.edgeTo[e] = (g.edgeTo[e] as number) / width;
  return {
    graph: g,
    facts: { path, bytes: read.bytes, nodes: read.meta.nodeCount, edges: read.meta.edgeCount },
    strings: read.strings,
    stringsAt: read.stringsAt,
  };
}

/**
 * Flags the final's objects that were born between baseline and target (the engine's own
 * bookkeeping left out): an id of the born set whose object in the final has another type or self
 * size than in the target is a successor that inherited a dead object's id, not a survivor.
 */
function markSurvivors(g: Graph, born: Born): void {
  const internal = Uint8Array.from(g.meta.nodeTypes, (t) => (INTERNAL_TYPES.has(t) ? 1 : 0));
  // The target's type index of each of the final's types (the same list in one process; checked by name).
  const targetType = Int32Array.from(g.meta.nodeTypes, (t) => born.nodeTypes.indexOf(t));
  const bornIds = new IdSet(born.ids);
  for (let i = 0; i < g.type.length; i++) {
    const type = g.type[i] as number;
    if (internal[type] === 1 || !bornIds.has(g.id[i] as number)) continue;
    const k = indexIn(born.ids, g.id[i] as number);
    if (k >= 0 && born.types[k] === targetType[type] && born.sizes[k] === g.size[i]) g.survivor[i] = 1;
  }
}

function survivorTotals(graph: Graph): { count: number; selfBytes: number } {
  let count = 0;
  let selfBytes = 0;
  for (let i = 0; i < graph.survivor.length; i++) {
    if (graph.survivor[i] === 1) {
      count++;
      selfBytes += graph.size[i] as number;
    }
  }
  return { count, selfBytes };
}

interface GroupTally {
  readonly key: number;
  count: number;
  selfBytes: number;
  retainedBytes: number;
  finalCount: number;
  finalSelfBytes: number;
  /** The survivor shown: at first the group's first, then the one nearest a root. */
  example: number;
}

function describeGroup(g: Graph, t: GroupTally, path: readonly number[] | undefined, names: Names, pathSteps: number): SurvivorGroup {
  const { nodeType, name } = nodeLabel(g, t.example, names.strings);
  const steps = path === undefined ? undefined : pathOf(g, path, names);
  const holder = steps === undefined || path === undefined ? undefined : holderOf(g, path, steps);
  const kept = steps?.slice(-pathSteps);
  return {
    nodeType,
    name,
    count: t.count,
    selfBytes: t.selfBytes,
    retainedBytes: t.retainedBytes,
    finalCount: t.finalCount,
    finalSelfBytes: t.finalSelfBytes,
    exampleId: g.id[t.example] as number,
    ...(kept === undefined ? {} : { retainerPath: kept, pathCut: kept.length < (steps?.length ?? 0) }),
    ...(holder === undefined ? {} : { holder }),
  };
}

/** A group's key: type and name, or for content types (strings, numbers) their shared label alone. */
function groupKey(g: Graph, node: number, contentTypes: Uint8Array): number {
  const type = g.type[node] as number;
  const content = contentTypes[type] as number;
  return content !== 0 ? -content : type * 2 ** 32 + (g.name[node] as number);
}

/** Survivors grouped by type and name, with each group's total in the final snapshot. */
function tallyGroups(g: Graph, contentTypes: Uint8Array): GroupTally[] {
  const byKey = new Map<number, GroupTally>();
  const n = g.type.length;
  for (let i = 0; i < n; i++) {
    if (g.survivor[i] !== 1) continue;
    const key = groupKey(g, i, contentTypes);
    let t = byKey.get(key);
    if (t === undefined) {
      t = { key, count: 0, selfBytes: 0, retainedBytes: 0, finalCount: 0, finalSelfBytes: 0, example: i };
      byKey.set(key, t);
    }
    t.count++;
    t.selfBytes += g.size[i] as number;
  }
  for (let i = 0; i < n; i++) {
    const t = byKey.get(groupKey(g, i, contentTypes));
    if (t === undefined) continue;
    t.finalCount++;
    t.finalSelfBytes += g.size[i] as number;
  }
  return [...byKey.values()];
}

/**
 * Each group's retained bytes in the final's dominator tree, and the groups sorted by them, the
 * most first (in place); returns what all survivors retain together. The tree is dropped here.
 */
function rankByRetained(g: Graph, tallies: GroupTally[], contentTypes: Uint8Array): number {
  const types = g.meta.edgeTypes;
  const tree = dominatorTree(g, { weak: types.indexOf('weak'), shortcut: types.indexOf('shortcut'), internal: types.indexOf('internal') });
  const indexOf = new Map(tallies.map((t, i) => [t.key, i]));
  const groupOf = (v: number): number => (g.survivor[v] === 1 ? (indexOf.get(groupKey(g, v, contentTypes)) ?? -1) : -1);
  const { byGroup, all } = retainedByGroup(tree, groupOf, tallies.length);
  tallies.forEach((t, i) => {
    t.retainedBytes = byGroup[i] ?? 0;
  });
  tallies.sort((a, b) => b.retainedBytes - a.retainedBytes || b.selfBytes - a.selfBytes || b.count - a.count);
  return all;
}

/**
 * One shortest path from the root to an example of each chosen group, by breadth-first search over
 * the strong edges (weak ones do not retain). The roots of the moment (what the stack and handle
 * scopes held while the snapshot was taken) and V8's code objects (feedback vectors and allocation
 * sites keep boilerplates of what a function allocates) are entered last, so a path through a Map
 * or a closure wins over one through the snapshotting call's stack or the JIT's bookkeeping. Each group's example becomes the
 * first of its survivors the search reaches: the one nearest a root. Returns, per example, the
 * edges from the root to it.
 */
function retainerPaths(g: Graph, chosen: readonly GroupTally[], contentTypes: Uint8Array, transient: ReadonlySet<number>): Map<number, number[]> {
  const n = g.type.length;
  const parentEdge = new Int32Array(n).fill(-1);
  const queue = new Uint32Array(n);
  const weak = g.meta.edgeTypes.indexOf('weak');
  const synthetic = g.meta.nodeTypes.indexOf('synthetic');
  const unassigned = new Map(chosen.map((t) => [t.key, t]));
  const code = g.meta.nodeTypes.indexOf('code');
  const deferred: number[] = [];
  let nextDeferred = 0;
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parentEdge[0] = -2;
  while (unassigned.size > 0) {
    if (head === tail) {
      if (nextDeferred === deferred.length) break;
      queue[tail++] = deferred[nextDeferred++] as number;
    }
    const from = queue[head++] as number;
    if (g.survivor[from] === 1) {
      const key = groupKey(g, from, contentTypes);
      const t = unassigned.get(key);
      if (t !== undefined) {
        t.example = from;
        unassigned.delete(key);
      }
    }
    for (let e = g.firstEdge[from] as number; e < (g.firstEdge[from + 1] as number); e++) {
      if (g.edgeType[e] === weak) continue;
      const to = g.edgeTo[e] as number;
      if (parentEdge[to] !== -1) continue;
      parentEdge[to] = e;
      if (g.type[to] === code || (g.type[to] === synthetic && transient.has(g.name[to] as number))) deferred.push(to);
      else queue[tail++] = to;
    }
  }
  const result = new Map<number, number[]>();
  for (const t of chosen) {
    if (unassigned.has(t.key)) continue;
    const edges: number[] = [];
    for (let at = t.example; parentEdge[at] !== -2; ) {
      const e = parentEdge[at] as number;
      edges.push(e);
      at = ownerOf(g, e);
    }
    result.set(t.example, edges.reverse());
  }
  return result;
}

/** The node an edge leaves from: the last node whose first edge is at or before it. */
function ownerOf(g: Graph, edge: number): number {
  let lo = 0;
  let hi = g.type.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((g.firstEdge[mid] as number) <= edge) lo = mid;
    else hi = mid - 1;
  }
  // The last such node owns it: a node without edges shares its first edge with the next one.
  return lo;
}

/** The strings decoded from the final snapshot, and the name_or_index of the edges on the paths shown. */
interface Names {
  readonly strings: ReadonlyMap<number, string>;
  readonly edgeNames: ReadonlyMap<number, number>;
}

/** name_or_index of every edge on the paths, read back from the file by the edges' row index: only these are needed. */
function readEdgeNames(path: string, g: Graph, paths: ReadonlyMap<number, number[]>): Map<number, number> {
  const edges = new Set<number>();
  for (const p of paths.values()) for (const e of p) edges.add(e);
  const width = g.meta.edgeFields.length;
  const nameField = fieldIndex(g.meta.edgeFields, 'name_or_index', path, 'edge');
  const rows = readRowsAt(
    path,
    g.edgeRows,
    width,
    [...edges].sort((a, b) => a - b),
  );
  return new Map([...rows].map(([e, row]) => [e, row[nameField] as number]));
}

function wantedStrings(g: Graph, chosen: readonly GroupTally[], paths: ReadonlyMap<number, number[]>, edgeNames: ReadonlyMap<number, number>): Set<number> {
  const wanted = new Set<number>();
  for (const t of chosen) wanted.add(g.name[t.example] as number);
  for (const edges of paths.values()) {
    for (const e of edges) {
      wanted.add(g.name[ownerOf(g, e)] as number);
      wanted.add(g.name[g.edgeTo[e] as number] as number);
      const type = g.meta.edgeTypes[g.edgeType[e] as number] ?? '';
      const name = edgeNames.get(e);
      if (NAMED_EDGE_TYPES.has(type) && name !== undefined) wanted.add(name);
    }
  }
  return wanted;
}

function nodeLabel(g: Graph, node: number, strings: ReadonlyMap<number, string>): { nodeType: string; name: string } {
  const nodeType = g.meta.nodeTypes[g.type[node] as number] ?? 'unknown';
  const content = CONTENT_TYPES.get(nodeType);
  if (content !== undefined) return { nodeType, name: content };
  const name = strings.get(g.name[node] as number) ?? '';
  if (nodeType === 'closure') return { nodeType, name: name === '' ? '(anonymous function)' : name };
  return { nodeType, name: name === '' ? `(${nodeType})` : name };
}

function edgeLabel(g: Graph, edge: number, names: Names): { edge: string; edgeType: string } {
  const edgeType = g.meta.edgeTypes[g.edgeType[edge] as number] ?? 'unknown';
  const nameOrIndex = names.edgeNames.get(edge) ?? 0;
  return { edgeType, edge: NAMED_EDGE_TYPES.has(edgeType) ? (names.strings.get(nameOrIndex) ?? `#${nameOrIndex}`) : `[${nameOrIndex}]` };
}

/** The path's objects from the root's first child to the example, each with its edge to the next. */
function pathOf(g: Graph, edges: readonly number[], names: Names): RetainerStep[] {
  return edges.map((e, i) => {
    const node = g.edgeTo[e] as number;
    const next = edges[i + 1];
    const step = { ...nodeLabel(g, node, names.strings), id: g.id[node] as number };
    return next === undefined ? step : { ...step, ...edgeLabel(g, next, names) };
  });
}

/** The nearest object on the path that is older than the baseline and not the engine's own: what keeps the survivors. */
function holderOf(g: Graph, edges: readonly number[], steps: readonly RetainerStep[]): Holder | undefined {
  for (let i = steps.length - 2; i >= 0; i--) {
    const node = g.edgeTo[edges[i] as number] as number;
    const step = steps[i];
    if (step === undefined || g.survivor[node] === 1) continue;
    if (step.nodeType !== 'object' && step.nodeType !== 'closure' && step.nodeType !== 'native') continue;
    const heldAs = namedRetainer(steps, i);
    return { nodeType: step.nodeType, name: step.name, id: step.id, edge: step.edge ?? '', ...(heldAs === undefined ? {} : { heldAs }) };
  }
  return undefined;
}

/** The holder's name in the program: the nearest property or variable above it on the path, as `Owner.name`. */
function namedRetainer(steps: readonly RetainerStep[], holder: number): string | undefined {
  for (let i = holder - 1; i >= 0; i--) {
    const step = steps[i];
    if (step !== undefined && (step.edgeType === 'property' || step.edgeType === 'context') && step.edge !== undefined) {
      return `${step.name}.${step.edge}`;
    }
  }
  return undefined;
}
