/**
 * Dominator tree and retained sizes of a heap graph, as Chrome DevTools' "Retained size": an
 * object's retained size is its own size plus that of every object only reachable through it,
 * what the collector would free if the object were released. Lengauer and Tarjan's algorithm
 * (A fast algorithm for finding dominators in a flowgraph, TOPLAS 1979), its simple version with
 * path compression, over the edges that retain, with DevTools' rules: weak edges retain nothing, a
 * node's edge to itself is no path, shortcut edges are the engine's summaries except at the root,
 * where they point to the program's global objects; and an edge from outside what those globals
 * reach (the engine's roots: handle scopes, the stack, the compilation cache) into it is left out,
 * so a program's object is dominated by the program's structures that hold it. Nodes nothing
 * reaches that way (held only weakly, or cycles held by nothing) hang from the root, each first
 * one met in node order starting a new search. And DevTools' rule for WeakMaps: a value is
 * retained by its key, not by the ephemeron table, which V8 writes as an internal edge from the
 * table to a value it also holds by a weak edge (DevTools tells that edge by its name; the reader
 * keeps no edge names, and the weak twin says the same).
 *
 * Memory: nine Uint32Arrays of the node count, the retaining edges (4 bytes each) and a bit per
 * edge while it runs (before them, 6 bytes a node for deciding which edges retain); the
 * dominators, the node order and the Float64 retained sizes stay. Pure functions.
 */

export interface EdgeGraph {
  /** Node i's edges are firstEdge[i] .. firstEdge[i + 1]. */
  readonly firstEdge: Uint32Array;
  /** The node an edge points to, by index. */
  readonly edgeTo: Uint32Array;
  readonly edgeType: Uint8Array;
  readonly size: ArrayLike<number>;
}

export interface EdgeKinds {
  /** The index of the `weak` edge type, or -1. */
  readonly weak: number;
  /** The index of the `shortcut` edge type, or -1. */
  readonly shortcut: number;
  /** The index of the `internal` edge type, or -1. */
  readonly internal: number;
}

export interface Dominators {
  /** Each node's immediate dominator; the root's is the root. */
  readonly dominator: Uint32Array;
  /** Every node once, each after its dominator (the search's order, the root first). */
  readonly order: Uint32Array;
  /** Own size plus the sizes of the nodes it dominates. */
  readonly retained: Float64Array;
}

/** The dominator tree from node `root` (0 in a V8 snapshot). */
export function dominatorTree(g: EdgeGraph, kinds: EdgeKinds, root = 0): Dominators {
  const n = g.firstEdge.length - 1;
  const retaining = retainingEdges(g, kinds, programOwned(g, kinds, root), root);
  const strong = (e: number): boolean => (((retaining[e >>> 3] as number) >>> (e & 7)) & 1) === 1;
  const { first: firstRetainer, from: retainerOf } = strongRetainers(g, strong, n);

  // Vertices are numbered from 1 (node i is vertex i + 1) so that 0 means none, as in the paper.
  const parent = new Uint32Array(n + 1);
  const ancestor = new Uint32Array(n + 1);
  const label = new Uint32Array(n + 1);
  const semi = new Uint32Array(n + 1);
  const vertex = new Uint32Array(n + 1);
  const dom = new Uint32Array(n + 1);
  // The search's edge cursor per vertex, then the path compression's stack.
  const scratch = new Uint32Array(n + 1);
  // Buckets as linked lists: a vertex is in one bucket at a time.
  const bucketHead = new Uint32Array(n + 1);
  const bucketNext = new Uint32Array(n + 1);
  // Vertices whose search started at the root without an edge from it: the root counts as their retainer.
  const hung = new Uint8Array(n + 1);
  let count = 0;

  const search = (start: number): void => {
    scratch[start] = g.firstEdge[start - 1] as number;
    let v = start;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++count;
        vertex[count] = v;
        label[v] = v;
      }
      let next = parent[v] as number;
      const end = g.firstEdge[v] as number;
      for (let e = scratch[v] as number; e < end; e++) {
        if (!strong(e)) continue;
        const w = (g.edgeTo[e] as number) + 1;
        if (semi[w] !== 0) continue;
        scratch[v] = e + 1;
        parent[w] = v;
        scratch[w] = g.firstEdge[w - 1] as number;
        next = w;
        break;
      }
      if (next === parent[v]) scratch[v] = end;
      v = next;
    }
  };
  const r = root + 1;
  search(r);
  for (let v = 1; v <= n && count < n; v++) {
    if (semi[v] !== 0) continue;
    parent[v] = r;
    hung[v] = 1;
    search(v);
  }

  const compress = (start: number): void => {
    let top = 0;
    let v = start;
    while (ancestor[ancestor[v] as number] !== 0) {
      scratch[++top] = v;
      v = ancestor[v] as number;
    }
    while (top > 0) {
      const w = scratch[top--] as number;
      const a = ancestor[w] as number;
      if ((semi[label[a] as number] as number) < (semi[label[w] as number] as number)) label[w] = label[a] as number;
      ancestor[w] = ancestor[a] as number;
    }
  };
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    compress(v);
    return label[v] as number;
  };

  for (let i = count; i >= 2; i--) {
    const w = vertex[i] as number;
    for (let k = firstRetainer[w - 1] as number; k < (firstRetainer[w] as number); k++) {
      const u = evaluate((retainerOf[k] as number) + 1);
      if ((semi[u] as number) < (semi[w] as number)) semi[w] = semi[u] as number;
    }
    if (hung[w] === 1) semi[w] = 1;
    const s = vertex[semi[w] as number] as number;
    bucketNext[w] = bucketHead[s] as number;
    bucketHead[s] = w;
    const p = parent[w] as number;
    ancestor[w] = p;
    for (let v = bucketHead[p] as number; v !== 0; v = bucketNext[v] as number) {
      const u = evaluate(v);
      dom[v] = (semi[u] as number) < (semi[v] as number) ? u : p;
    }
    bucketHead[p] = 0;
  }
  dom[r] = r;
  for (let i = 2; i <= count; i++) {
    const w = vertex[i] as number;
    if (dom[w] !== vertex[semi[w] as number]) dom[w] = dom[dom[w] as number] as number;
  }

  // To node indices, in place: dom[1..n] and vertex[1..n] shifted down by one.
  const dominator = dom.subarray(1);
  for (let i = 0; i < n; i++) dominator[i] = (dominator[i] as number) - 1;
  const order = vertex.subarray(1);
  for (let i = 0; i < n; i++) order[i] = (order[i] as number) - 1;
  const retained = Float64Array.from(g.size);
  for (let i = n - 1; i >= 1; i--) {
    const v = order[i] as number;
    retained[dominator[v] as number] = (retained[dominator[v] as number] as number) + (retained[v] as number);
  }
  return { dominator, order, retained };
}

/** 1 for every node the root's shortcut edges (the program's global objects) reach over edges that are not weak. */
function programOwned(g: EdgeGraph, kinds: EdgeKinds, root: number): Uint8Array {
  const n = g.firstEdge.length - 1;
  const owned = new Uint8Array(n);
  // Each node is pushed once at most (it is marked as it is pushed): n entries suffice.
  const stack = new Uint32Array(n);
  let top = 0;
  for (let e = g.firstEdge[root] as number; e < (g.firstEdge[root + 1] as number); e++) {
    const to = g.edgeTo[e] as number;
    if (g.edgeType[e] !== kinds.shortcut || owned[to] === 1) continue;
    owned[to] = 1;
    stack[top++] = to;
  }
  while (top > 0) {
    const v = stack[--top] as number;
    for (let e = g.firstEdge[v] as number; e < (g.firstEdge[v + 1] as number); e++) {
      const to = g.edgeTo[e] as number;
      if (g.edgeType[e] === kinds.weak || owned[to] === 1) continue;
      owned[to] = 1;
      stack[top++] = to;
    }
  }
  return owned;
}

/** One bit per edge, set where the edge retains by the rules above: decided once, read three times. */
function retainingEdges(g: EdgeGraph, kinds: EdgeKinds, owned: Uint8Array, root: number): Uint8Array {
  const n = g.firstEdge.length - 1;
  const bits = new Uint8Array((g.edgeTo.length >>> 3) + 1);
  // The targets the node at hand holds weakly (an ephemeron table's keys and values), marked
  // while its edges are decided and unmarked after.
  const weaklyHeld = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    const start = g.firstEdge[v] as number;
    const end = g.firstEdge[v + 1] as number;
    let holdsWeakly = false;
    for (let e = start; e < end; e++) {
      if (g.edgeType[e] !== kinds.weak) continue;
      weaklyHeld[g.edgeTo[e] as number] = 1;
      holdsWeakly = true;
    }
    for (let e = start; e < end; e++) {
      const type = g.edgeType[e];
      const to = g.edgeTo[e] as number;
      if (type === kinds.weak || to === v) continue;
      if (type === kinds.internal && holdsWeakly && weaklyHeld[to] === 1) continue;
      if (v === root || (type !== kinds.shortcut && (owned[v] === 1 || owned[to] === 0))) bits[e >>> 3] = (bits[e >>> 3] as number) | (1 << (e & 7));
    }
    if (holdsWeakly) for (let e = start; e < end; e++) if (g.edgeType[e] === kinds.weak) weaklyHeld[g.edgeTo[e] as number] = 0;
  }
  return bits;
}

/** Each node's strong retainers (the nodes with a strong edge to it), grouped by node. */
function strongRetainers(g: EdgeGraph, strong: (e: number) => boolean, n: number): { first: Uint32Array; from: Uint32Array } {
  const first = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) {
    for (let e = g.firstEdge[v] as number; e < (g.firstEdge[v + 1] as number); e++) {
      if (strong(e)) first[(g.edgeTo[e] as number) + 1] = (first[(g.edgeTo[e] as number) + 1] as number) + 1;
    }
  }
  for (let v = 1; v <= n; v++) first[v] = (first[v] as number) + (first[v - 1] as number);
  const from = new Uint32Array(first[n] as number);
  // Filled back to front so that each node's slice ends up in edge order.
  const fill = first.slice(1);
  for (let v = n - 1; v >= 0; v--) {
    for (let e = (g.firstEdge[v + 1] as number) - 1; e >= (g.firstEdge[v] as number); e--) {
      if (!strong(e)) continue;
      const to = g.edgeTo[e] as number;
      fill[to] = (fill[to] as number) - 1;
      from[fill[to] as number] = v;
    }
  }
  return { first, from };
}

/**
 * What each group of nodes retains: the retained sizes of its members, a member inside another
 * member's retained set counted once (within its ancestor); and what all members of all groups
 * retain together. `groupOf` gives a node's group (0 .. groups - 1) or -1 for none.
 */
export function retainedByGroup(d: Dominators, groupOf: (node: number) => number, groups: number): { byGroup: Float64Array; all: number } {
  const n = d.order.length;
  // Number the nodes so that every dominator subtree is one contiguous range.
  const subtree = new Uint32Array(n).fill(1);
  for (let i = n - 1; i >= 1; i--) {
    const v = d.order[i] as number;
    subtree[d.dominator[v] as number] = (subtree[d.dominator[v] as number] as number) + (subtree[v] as number);
  }
  const nextFree = new Uint32Array(n);
  const atPosition = new Uint32Array(n);
  const root = d.order[0] as number;
  nextFree[root] = 1;
  atPosition[0] = root;
  for (let i = 1; i < n; i++) {
    const v = d.order[i] as number;
    const position = nextFree[d.dominator[v] as number] as number;
    nextFree[d.dominator[v] as number] = position + (subtree[v] as number);
    nextFree[v] = position + 1;
    atPosition[position] = v;
  }
  // In that numbering a member's set ends where its range does; a later member before that is inside it.
  const byGroup = new Float64Array(groups);
  const coveredUntil = new Float64Array(groups);
  let all = 0;
  let allCoveredUntil = 0;
  for (let position = 0; position < n; position++) {
    const v = atPosition[position] as number;
    const group = groupOf(v);
    if (group < 0) continue;
    if (position >= allCoveredUntil) {
      all += d.retained[v] as number;
      allCoveredUntil = position + (subtree[v] as number);
    }
    if (position < (coveredUntil[group] as number)) continue;
    byGroup[group] = (byGroup[group] as number) + (d.retained[v] as number);
    coveredUntil[group] = position + (subtree[v] as number);
  }
  return { byGroup, all };
}
