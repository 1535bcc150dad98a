/**
 * Order statistics of the pairwise slopes (y_j − y_i)/(t_j − t_i), t_i < t_j, of one or more groups of
 * points, without listing the O(n²) pairs: a day of 1 s samples is ~86 400 points, ~3.7e9 pairs.
 * Pairs never cross groups (a respawned worker starts a new group); pairs with equal t are left out, as
 * scipy.stats.theilslopes does.
 *
 * How (randomized slope selection: Matoušek, Inf. Proc. Letters 39, 1991; Dillencourt, Mount &
 * Netanyahu, Int. J. Comput. Geom. Appl. 2, 1992): the number of pairs with slope ≤ s is the number of
 * inversions of the keys y − s·t taken in t order, counted by merge sort in O(n log n). A window
 * (lo, hi] known to hold the wanted rank is narrowed with thresholds taken from pairs sampled uniformly
 * inside the window (sampled as the r-th inversion found while merging), until it holds few enough pairs to
 * list them and select exactly. For 86 400 points: two rounds of sampling (3.7e9 → ~7e7 → ~4e5 pairs), then
 * listing; about 15 sorting passes for a median and two interval ranks. Sampling uses a seeded generator, so
 * runs are reproducible; the results do not depend on the seed at all, only the running time does.
 *
 * Exactness: the values returned are slopes of actual pairs computed exactly as scipy does,
 * fl(fl(y_j − y_i) / fl(t_j − t_i)), and ranks refer to the order of those floating-point values.
 * "Slope ≤ s" for a double s is decided as "real slope ≤ midpoint(s, nextUp(s))", i.e. "rounds to ≤ s",
 * with keys carried as double-doubles (error ~1e-32 relative), so many pairs sharing one rational slope
 * such as 4096/3 (common with integer bytes and seconds) fall on the same side of every threshold. This is
 * exact whenever the differences y_j − y_i and t_j − t_i are exact doubles (integer bytes and seconds, or any
 * values on a common grid) — except for a real slope lying exactly on such a midpoint, which with integer data
 * needs t_j − t_i to be a multiple of 2^(53−e) for slopes of about 2^e (2^43 s at 1 KB/s): not a real series.
 * Otherwise (differences that round) a pair within a few ulps of another may swap ranks with it.
 */

import { seededRandom } from '../random.js';

/** One group of points; pairs are formed within a group only. */
export interface SlopeGroup {
  readonly t: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

/** The points of a group sorted by t, then y (pairs with equal t are never formed). */
export interface SortedSlopeGroup {
  readonly t: Float64Array;
  readonly y: Float64Array;
}

/** Counts over the pairs with t_i < t_j of one group, by the sign of y_j − y_i. */
export interface SlopeSignCounts {
  readonly positive: number;
  readonly negative: number;
  readonly zero: number;
  readonly pairs: number;
}

export interface PairwiseSlopesOptions {
  /** Seed of the sampling; results do not depend on it, only the running time does. */
  readonly seed?: number;
}

/**
 * Throws RangeError unless every group has t and y of equal length with finite values, and the groups
 * together hold at least `minPoints` points.
 */
export function checkGroups(groups: readonly SlopeGroup[], fn: string, minPoints: number): void {
  let points = 0;
  groups.forEach(({ t, y }, g) => {
    if (t.length !== y.length) throw new RangeError(`${fn}: group ${g} has ${t.length} t values but ${y.length} y values`);
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(t[i]) || !Number.isFinite(y[i])) {
        throw new RangeError(`${fn}: group ${g} has a non-finite value at index ${i} (t=${t[i]}, y=${y[i]})`);
      }
    }
    points += t.length;
  });
  if (points < minPoints) throw new RangeError(`${fn}: need at least ${minPoints} points, got ${points}`);
}

/** A group sorted by (t, y), with t centred on its middle value for the keys. */
interface SortedGroup extends SortedSlopeGroup {
  readonly tc: Float64Array;
  readonly pairs: number;
}

function sortGroup({ t, y }: SlopeGroup): SortedGroup {
  const n = t.length;
  const order = new Uint32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i > 0 && (t[i]! < t[i - 1]! || (t[i] === t[i - 1] && y[i]! < y[i - 1]!))) sorted = false;
  }
  if (!sorted) order.sort((a, b) => t[a]! - t[b]! || y[a]! - y[b]!);
  const ts = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = t[order[i]!]!;
    ys[i] = y[order[i]!]!;
  }
  // Centring keeps s·t small next to y, so the keys y − s·t lose as little as possible to rounding.
  const t0 = n > 0 ? ts[n >> 1]! : 0;
  const tc = ts.map((v) => v - t0);
  let pairs = 0; // each point pairs with every point of smaller t
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && ts[j] === ts[i]) j++;
    pairs += (j - i) * i;
    i = j;
  }
  return { t: ts, y: ys, tc, pairs };
}

// ---------------------------------------------------------------------------------------------------------
// Floating-point helpers

const bits = new Float64Array(1);
const bitsInt = new BigInt64Array(bits.buffer);

/** The smallest double greater than x. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  bits[0] = x;
  bitsInt[0]! += x > 0 ? 1n : -1n;
  return bits[0]!;
}

/** The largest double smaller than x. */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's splitting constant (Dekker's exact product without FMA)

/**
 * Keys for the threshold "slope rounds to ≤ s": key_i = y_i − m·tc_i with m = s + ½ulp⁺(s), as a normalized
 * double-double (k1 + k2). s·tc is split exactly (Dekker), ½ulp·tc is exact (a power of two), so the only
 * rounding is in the low word. Then for t_i < t_j: slope(i, j) ≤ m ⇔ key_j ≤ key_i. At s = ±∞ the keys
 * reduce to ∓tc (every pair / no pair qualifies).
 */
function fillKeys(g: SortedGroup, s: number, k1: Float64Array, k2: Float64Array): void {
  const { y, tc } = g;
  const n = tc.length;
  if (s === Infinity || s === -Infinity) {
    const sign = s > 0 ? -1 : 1;
    for (let i = 0; i < n; i++) {
      k1[i] = sign * tc[i]!;
      k2[i] = 0;
    }
    return;
  }
  const half = (nextUp(s) - s) / 2;
  const sc = SPLITTER * s;
  const sHi = sc - (sc - s);
  const sLo = s - sHi;
  for (let i = 0; i < n; i++) {
    const x = tc[i]!;
    const yi = y[i]!;
    const p = s * x;
    const xc = SPLITTER * x;
    const xHi = xc - (xc - x);
    const xLo = x - xHi;
    const e = sHi * xHi - p + sHi * xLo + sLo * xHi + sLo * xLo; // s·x = p + e exactly
    const a1 = yi - p; // two-sum: a1 + a2 = yi − p exactly
    const v = a1 - yi;
    const a2 = yi - (a1 - v) + (-p - v);
    const low = a2 - e - half * x;
    const hi = a1 + low; // two-sum again to normalize
    const w = hi - a1;
    k1[i] = hi;
    k2[i] = a1 - (hi - w) + (low - w);
  }
}

/**
 * Receives the pairs (run[from..to), b) reversed by a sort: every a there was before b and is now after it.
 * `before` is the number of reversed pairs found earlier in the same sort; the sort only calls `visit` for
 * runs that reach beyond `skip` of them (sampling needs a few pairs at known positions, listing all).
 */
interface PairSink {
  skip: number;
  visit(run: Uint32Array, from: number, to: number, b: number, before: number): void;
}

/** Buffers for sorting one group at a time, sized for the largest group. */
interface Workspace {
  /** Point indices: the input order of a sort, then its result. */
  readonly order: Uint32Array;
  readonly scratch: Uint32Array;
  /** Per point: the key, as a double-double k1 + k2. */
  readonly k1: Float64Array;
  readonly k2: Float64Array;
  /** k1 carried along with `order` during the sort, so the inner loops read memory in sequence. */
  readonly carried: Float64Array;
  readonly carriedScratch: Float64Array;
}

/**
 * The one workspace of every instance, grown to the largest group yet: instances are used one call at
 * a time, and each call fills the buffers it reads, so none needs its own (3.4 MB for a day's 86K
 * points, which fits kept for a second look (trend.ts) would otherwise each hold).
 */
let shared: Workspace | undefined;

function sharedWorkspace(size: number): Workspace {
  if (shared === undefined || shared.order.length < size) shared = workspace(size);
  return shared;
}

function workspace(size: number): Workspace {
  return {
    order: new Uint32Array(size),
    scratch: new Uint32Array(size),
    k1: new Float64Array(size),
    k2: new Float64Array(size),
    carried: new Float64Array(size),
    carriedScratch: new Float64Array(size),
  };
}

/** Runs this short are sorted by insertion before merging. */
const RUN = 16;

/**
 * Stable sort of ws.order[0..n) by key (k1, k2) ascending, returning the number of pairs (a before b in the
 * input order) that the sort reverses. Non-strict: key_a > key_b, or equal keys and t_a < t_b (so equal keys
 * sort by t descending). Strict: key_a > key_b only. With the input in (t, y) order, a reversed pair with
 * t_a < t_b is a pair of slope ≤ s (non-strict) or < s (strict), and pairs with equal t are never reversed
 * (their keys are ordered like y). `sink` sees the reversed pairs while the elements jumped are contiguous.
 * Insertion sort for runs of RUN, then bottom-up merges.
 */
function sortCount(ws: Workspace, n: number, t: Float64Array, strict: boolean, sink?: PairSink): number {
  const { k1, k2 } = ws;
  // Whether a, with the same k1 as b and before it in the input, stays before b.
  const staysBefore = (a: number, b: number): boolean => k2[a]! < k2[b]! || (k2[a] === k2[b] && (strict || t[a]! >= t[b]!));
  let src = ws.order;
  let dst = ws.scratch;
  let srcKey = ws.carried;
  let dstKey = ws.carriedScratch;
  for (let i = 0; i < n; i++) srcKey[i] = k1[src[i]!]!;
  let count = 0;
  for (let start = 0; start < n; start += RUN) {
    const end = Math.min(start + RUN, n);
    for (let i = start + 1; i < end; i++) {
      const b = src[i]!;
      const kb = srcKey[i]!;
      let j = i;
      while (j > start) {
        const ka = srcKey[j - 1]!;
        if (ka < kb || (ka === kb && staysBefore(src[j - 1]!, b))) break;
        j--;
      }
      if (j === i) continue;
      if (sink && count + (i - j) > sink.skip) sink.visit(src, j, i, b, count);
      count += i - j;
      for (let m = i; m > j; m--) {
        src[m] = src[m - 1]!;
        srcKey[m] = srcKey[m - 1]!;
      }
      src[j] = b;
      srcKey[j] = kb;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let start = 0; start < n; start += 2 * width) {
      const mid = Math.min(start + width, n);
      const end = Math.min(start + 2 * width, n);
      let p = start;
      let o = start;
      for (let r = mid; r < end; r++) {
        const b = src[r]!;
        const kb = srcKey[r]!;
        while (p < mid) {
          const ka = srcKey[p]!;
          if (ka < kb || (ka === kb && staysBefore(src[p]!, b))) {
            dst[o] = src[p]!;
            dstKey[o++] = ka;
            p++;
          } else break;
        }
        if (p < mid) {
          if (sink && count + (mid - p) > sink.skip) sink.visit(src, p, mid, b, count);
          count += mid - p;
        }
        dst[o] = b;
        dstKey[o++] = kb;
      }
      for (; p < mid; p++, o++) {
        dst[o] = src[p]!;
        dstKey[o] = srcKey[p]!;
      }
    }
    [src, dst] = [dst, src];
    [srcKey, dstKey] = [dstKey, srcKey];
  }
  if (src !== ws.order) ws.order.set(src.subarray(0, n));
  return count;
}

// ---------------------------------------------------------------------------------------------------------
// Selection

/**
 * A window (lo, hi] of slope values holding `countHi − countLo` pairs and the wanted ranks, with the
 * points of each group in the order of the keys at lo (undefined for lo = −∞: the (t, y) order).
 */
interface Window {
  readonly lo: number;
  readonly hi: number;
  readonly countLo: number;
  readonly countHi: number;
  readonly ranks: number[];
  readonly orderLo: Uint32Array[] | undefined;
}

/** Standard deviations of sampling error allowed for when bracketing a rank from a sample. */
const BRACKET_SIGMAS = 3;

/**
 * The pairwise slopes of a set of groups, prepared (sorted) once for any number of rank queries and counts.
 */
export class PairwiseSlopes {
  /** Number of pairs with distinct t, over all groups. */
  readonly pairs: number;
  /** Number of points over all groups. */
  readonly points: number;
  /** The groups, each sorted by (t, y). */
  readonly groups: readonly SortedSlopeGroup[];
  readonly #groups: SortedGroup[];
  readonly #random: () => number;
  /** 32 random bits, enough to draw a point. */
  readonly #random32: () => number;
  readonly #sampleSize: number;
  /** The sample estimate() draws once and reuses: its order statistics serve any ranks. */
  #estimateSample: Float64Array | undefined;
  readonly #listLimit: number;
  /** Points in the largest group: the size of the sorting workspace. */
  readonly #largestGroup: number;
  /** Slopes already selected, by rank: theilSen and mannKendall both need the median. */
  readonly #found = new Map<number, number>();

  constructor(groups: readonly SlopeGroup[], options: PairwiseSlopesOptions = {}) {
    checkGroups(groups, 'PairwiseSlopes', 0);
    this.#groups = groups.map(sortGroup);
    this.groups = this.#groups;
    this.pairs = this.#groups.reduce((sum, g) => sum + g.pairs, 0);
    this.points = this.#groups.reduce((sum, g) => sum + g.t.length, 0);
    const random = seededRandom(options.seed ?? 0x5eed);
    this.#random32 = random;
    // 53 random bits: sample ranks go up to ~1e10.
    this.#random = () => (Math.floor(random() * 2097152) * 4294967296 + random() * 4294967296) / 9007199254740992;
    // A sample of m pairs narrows a window of M pairs to ~3M/√m; windows of ≤ 8n pairs (at most 64 MB of
    // slopes) are listed. With m = min(2n, 2^18), n = 86 400 takes two rounds of sampling (3.7e9 → ~7e7 → ~4e5
    // pairs, then listed), and so do 10 such series pooled (3.7e10 → ~2e8 → ~1e6).
    this.#sampleSize = Math.min(Math.max(2 * this.points, 4096), 1 << 18);
    this.#listLimit = Math.min(Math.max(8 * this.points, 1 << 17), 1 << 23);
    this.#largestGroup = this.#groups.reduce((max, g) => Math.max(max, g.t.length), 0);
  }

  /** Number of pairs whose (floating-point) slope is ≤ s. */
  countAtMost(s: number): number {
    if (Number.isNaN(s)) throw new RangeError('PairwiseSlopes.countAtMost: threshold is NaN');
    if (s === -Infinity) return 0;
    if (s === Infinity) return this.pairs;
    const ws = sharedWorkspace(this.#largestGroup);
    return this.#groups.reduce((count, g) => count + this.#countGroup(g, s, ws), 0);
  }

  /** Number of pairs of group `group` (an index in `groups`) whose slope is ≤ s: countAtMost is the sum over groups. */
  countAtMostIn(group: number, s: number): number {
    if (Number.isNaN(s)) throw new RangeError('PairwiseSlopes.countAtMostIn: threshold is NaN');
    const g = this.#groups[group];
    if (g === undefined) throw new RangeError(`PairwiseSlopes.countAtMostIn: no group ${group} of ${this.#groups.length}`);
    if (s === -Infinity) return 0;
    if (s === Infinity) return g.pairs;
    return this.#countGroup(g, s, sharedWorkspace(this.#largestGroup));
  }

  /** The count at a finite s, and each group's points sorted by their keys at s. */
  #count(s: number): { count: number; orders: Uint32Array[] } {
    const ws = sharedWorkspace(this.#largestGroup);
    let count = 0;
    const orders = this.#groups.map((g) => {
      count += this.#countGroup(g, s, ws);
      return ws.order.slice(0, g.t.length);
    });
    return { count, orders };
  }

  /** One group's count at a finite s, its points left in ws.order sorted by their keys at s. */
  #countGroup(g: SortedGroup, s: number, ws: Workspace): number {
    const n = g.t.length;
    for (let i = 0; i < n; i++) ws.order[i] = i;
    fillKeys(g, s, ws.k1, ws.k2);
    return sortCount(ws, n, g.t, false);
  }

  /** Per group, the pairs counted by the sign of their slope (Kendall's concordant/discordant/tied in y). */
  signCounts(): SlopeSignCounts[] {
    const ws = sharedWorkspace(this.#largestGroup);
    return this.#groups.map((g) => {
      const n = g.t.length;
      ws.k1.set(g.y);
      ws.k2.fill(0);
      const count = (strict: boolean): number => {
        for (let i = 0; i < n; i++) ws.order[i] = i;
        return sortCount(ws, n, g.t, strict);
      };
      const negative = count(true);
      const atMostZero = count(false);
      return { positive: g.pairs - atMostZero, negative, zero: atMostZero - negative, pairs: g.pairs };
    });
  }

  /**
   * The slopes at the given 0-based ranks of the ascending order of all pairwise slopes (ranks need not be
   * sorted or distinct). Exact; see the module comment.
   */
  select(ranks: ArrayLike<number>): Float64Array {
    const found = this.#found;
    const wanted = [...new Set(Array.from(ranks))].filter((k) => !found.has(k)).sort((a, b) => a - b);
    for (const k of wanted) {
      if (!Number.isInteger(k) || k < 0 || k >= this.pairs) {
        throw new RangeError(`PairwiseSlopes.select: rank ${k} is not an integer in [0, ${this.pairs})`);
      }
    }
    let windows: Window[] = wanted.length > 0 ? [{ lo: -Infinity, hi: Infinity, countLo: 0, countHi: this.pairs, ranks: wanted, orderLo: undefined }] : [];
    while (windows.length > 0) {
      const next: Window[] = [];
      for (const w of windows) {
        const size = w.countHi - w.countLo;
        if (nextUp(w.lo) === w.hi) {
          // No double lies strictly between lo and hi: every slope in the window equals hi (a tie).
          for (const k of w.ranks) found.set(k, w.hi);
        } else if (size <= this.#listLimit) {
          this.#selectByListing(w);
        } else {
          next.push(...this.#narrow(w, size));
        }
      }
      windows = next;
    }
    return Float64Array.from(ranks, (k) => found.get(k)!);
  }

  /**
   * Estimates of the slopes at the given 0-based ranks: the matching order statistics of `draws` pairs
   * drawn uniformly (with replacement), so a rank's estimate is off by about √(q(1 − q)/m) of the
   * pairs at quantile q for m draws (0.1 % at the median for m = 2^18, the default for 86K points or
   * more). The sample is drawn on the first call, with one sorting pass at most, and kept for later ones.
   */
  estimate(ranks: ArrayLike<number>): Float64Array {
    if (this.pairs === 0) throw new RangeError('PairwiseSlopes.estimate: no pairs');
    const whole: Window = { lo: -Infinity, hi: Infinity, countLo: 0, countHi: this.pairs, ranks: [], orderLo: undefined };
    this.#estimateSample ??= this.#sample(whole, this.pairs, this.#sampleSize);
    const sample = this.#estimateSample;
    const m = sample.length;
    const positions = Array.from(ranks, (k) => Math.min(m - 1, Math.max(0, Math.floor(((k + 0.5) / this.pairs) * m))));
    const at = selectPositions(sample, 0, m, positions, this.#random);
    return Float64Array.from(positions, (position) => at.get(position)!);
  }

  /**
   * Shows `sink` every pair with slope in (lo, hi], plus the rare pair whose rounding puts it ≤ lo yet > hi
   * (shown with t_a > t_b; sinks skip it): from the order of the keys at lo, the pairs that the keys at hi
   * reverse. The sink for a group is told how many pairs the groups before it had.
   */
  #visitWindow(w: Window, sinkFor: (g: SortedGroup, offset: number) => PairSink): void {
    const ws = sharedWorkspace(this.#largestGroup);
    let offset = 0;
    this.#groups.forEach((g, index) => {
      const n = g.t.length;
      if (w.orderLo) ws.order.set(w.orderLo[index]!);
      else for (let i = 0; i < n; i++) ws.order[i] = i;
      fillKeys(g, w.hi, ws.k1, ws.k2);
      offset += sortCount(ws, n, g.t, false, sinkFor(g, offset));
    });
  }

  #selectByListing(w: Window): void {
    let slopes = new Float64Array(w.countHi - w.countLo);
    let length = 0;
    this.#visitWindow(w, ({ t, y }) => ({
      skip: -1,
      visit(run, from, to, b) {
        const tb = t[b]!;
        const yb = y[b]!;
        for (let i = from; i < to; i++) {
          const a = run[i]!;
          if (t[a]! >= tb) continue;
          if (length === slopes.length) {
            const grown = new Float64Array(2 * length + 16);
            grown.set(slopes);
            slopes = grown;
          }
          slopes[length++] = (yb - y[a]!) / (tb - t[a]!);
        }
      },
    }));
    const at = selectPositions(
      slopes,
      0,
      length,
      w.ranks.map((k) => k - w.countLo),
      this.#random,
    );
    for (const k of w.ranks) this.#found.set(k, at.get(k - w.countLo)!);
  }

  /** Slopes of pairs drawn uniformly (with replacement) from the window, in no particular order. */
  #sample(w: Window, size: number, draws: number): Float64Array {
    // The whole range, with few pairs of equal t: drawing point pairs directly is cheaper than a sorting pass.
    const anyPairs = this.#groups.reduce((sum, g) => sum + (g.t.length * (g.t.length - 1)) / 2, 0);
    if (w.lo === -Infinity && w.hi === Infinity && 2 * this.pairs >= anyPairs) return this.#sampleAll(draws, anyPairs);
    // Sorted uniform ranks without sorting: partial sums of exponential spacings, normalized (Devroye 1986, V.2).
    const ranks = new Float64Array(draws + 1);
    let sum = 0;
    for (let i = 0; i < draws; i++) {
      sum -= Math.log1p(-this.#random());
      ranks[i] = sum;
    }
    const scale = size / (sum - Math.log1p(-this.#random()));
    for (let i = 0; i < draws; i++) ranks[i] = Math.min(size - 1, Math.floor(ranks[i]! * scale));
    ranks[draws] = Infinity; // sentinel: nothing more to visit
    const sample = new Float64Array(draws);
    let taken = 0;
    let next = 0;
    this.#visitWindow(w, ({ t, y }, offset) => ({
      skip: ranks[next]! - offset,
      visit(run, from, to, b, before) {
        const start = offset + before; // global position of run[from]
        for (; ranks[next]! < start + (to - from); next++) {
          const a = run[from + ranks[next]! - start]!;
          if (t[a]! < t[b]!) sample[taken++] = (y[b]! - y[a]!) / (t[b]! - t[a]!);
        }
        this.skip = ranks[next]! - offset;
      },
    }));
    return sample.subarray(0, taken);
  }

  /** Slopes of pairs drawn uniformly from all pairs of distinct t, by rejection of the pairs of equal t. */
  #sampleAll(draws: number, anyPairs: number): Float64Array {
    const groups = this.#groups;
    const last = groups.length - 1;
    const pairsBefore = new Float64Array(groups.length);
    for (let g = 1; g < groups.length; g++) pairsBefore[g] = pairsBefore[g - 1]! + (groups[g - 1]!.t.length * (groups[g - 1]!.t.length - 1)) / 2;
    const sample = new Float64Array(draws);
    for (let taken = 0; taken < draws; ) {
      // A group with probability proportional to its number of point pairs (32 random bits are as
      // fine a choice as a few groups need; one group needs none), then a pair of its points.
      let g = last;
      if (last > 0) {
        const r = this.#random32() * anyPairs;
        while (g > 0 && pairsBefore[g]! > r) g--;
      }
      const { t, y } = groups[g]!;
      const n = t.length;
      if (n < 2) continue;
      const i = Math.floor(this.#random32() * n);
      let j = Math.floor(this.#random32() * (n - 1));
      if (j >= i) j++;
      if (t[i]! < t[j]!) sample[taken++] = (y[j]! - y[i]!) / (t[j]! - t[i]!);
      else if (t[j]! < t[i]!) sample[taken++] = (y[i]! - y[j]!) / (t[i]! - t[j]!);
    }
    return sample;
  }

  /**
   * One round of narrowing: sample the window, take sample order statistics a few standard deviations either
   * side of each rank's expected position as thresholds, count the pairs at or below each, and give each rank
   * the tightest window the counts allow. A threshold whose count misses (probability ~0.1 %) only costs
   * progress.
   */
  #narrow(w: Window, size: number): Window[] {
    const sample = this.#sample(w, size, Math.min(size, this.#sampleSize));
    const m = sample.length;
    // Sample index intervals [first, last] per rank, merged where they overlap (those ranks share thresholds).
    const intervals: [first: number, last: number][] = [];
    for (const k of w.ranks) {
      const q = (k - w.countLo + 0.5) / size;
      const spread = BRACKET_SIGMAS * Math.sqrt(m * q * (1 - q)) + 1;
      const first = Math.floor(q * m - spread);
      const last = Math.ceil(q * m + spread);
      const previous = intervals[intervals.length - 1];
      if (previous && first <= previous[1]) previous[1] = last;
      else intervals.push([first, last]);
    }
    // Only a few order statistics of the sample are needed: select them rather than sort.
    const clamp = (i: number): number => Math.min(Math.max(i, 0), m - 1);
    const at = selectPositions(
      sample,
      0,
      m,
      intervals.flatMap(([first, last]) => [clamp(first), clamp(last)]),
      this.#random,
    );
    const thresholds = new Set<number>();
    for (const [first, last] of intervals) {
      if (first >= 0) thresholds.add(at.get(first)!);
      if (last < m) thresholds.add(at.get(last)!);
      // One value throughout the interval points at a tie: try to isolate it as the window (v⁻, v].
      const v = at.get(clamp(last))!;
      if (at.get(clamp(first)) === v) thresholds.add(v).add(nextDown(v));
    }
    thresholds.delete(w.lo);
    thresholds.delete(w.hi);
    const counted = [...thresholds].map((s) => ({ s, ...this.#count(s) }));

    const windows: Window[] = [];
    for (const k of w.ranks) {
      let { lo, hi, countLo, countHi, orderLo } = w;
      for (const { s, count, orders } of counted) {
        if (count <= k && s > lo) {
          lo = s;
          countLo = count;
          orderLo = orders;
        } else if (count > k && s < hi) {
          hi = s;
          countHi = count;
        }
      }
      const last = windows[windows.length - 1];
      if (last && last.lo === lo && last.hi === hi) last.ranks.push(k);
      else windows.push({ lo, hi, countLo, countHi, ranks: [k], orderLo });
    }
    return windows;
  }
}

/** Ranges shorter than this go to quickselect at once: drawing a bracket would cost more than it saves. */
const BRACKET_MIN_LENGTH = 1 << 12;
/** Values drawn to bracket the wanted positions (Floyd & Rivest, CACM 18:165, 1975, with one bracket for all of them). */
const BRACKET_DRAWS = 1 << 10;

/**
 * The values at the given positions (offsets in a[from, to), any order, repeats allowed) were that
 * range sorted, by position; reorders the range. Values drawn at random bracket the positions, one
 * pass moves what is below the bracket before it and what is above after it, and only the values
 * between are selected from: about one pass over a range of a day's sample instead of two or three
 * per position. A bracket that misses a position (rare: 3 standard deviations of the draws' spread)
 * leaves the range to quickselect; the values are the same either way.
 */
export function selectPositions(a: Float64Array, from: number, to: number, positions: readonly number[], random: () => number): Map<number, number> {
  const wanted = [...new Set(positions)].sort((x, y) => x - y);
  const at = new Map<number, number>();
  const first = wanted[0];
  const last = wanted[wanted.length - 1];
  if (first === undefined || last === undefined) return at;
  const length = to - from;
  let lo = from;
  let hi = to;
  if (length >= BRACKET_MIN_LENGTH) {
    const draws = new Float64Array(BRACKET_DRAWS);
    for (let i = 0; i < BRACKET_DRAWS; i++) draws[i] = a[from + Math.floor(random() * length)]!;
    draws.sort();
    const drawAt = (q: number, side: -1 | 1): number => {
      const index = Math.floor(q * BRACKET_DRAWS + side * (BRACKET_SIGMAS * Math.sqrt(BRACKET_DRAWS * q * (1 - q)) + 1));
      return index < 0 ? -Infinity : index >= BRACKET_DRAWS ? Infinity : draws[index]!;
    };
    const [less, greater] = partition(a, from, to, drawAt(first / length, -1), drawAt((last + 1) / length, 1));
    if (less - from <= first && last < greater - from) {
      lo = less;
      hi = greater;
    }
  }
  for (const position of wanted) {
    at.set(position, quickselect(a, lo, hi, from + position, random));
    lo = from + position;
  }
  return at;
}

/**
 * The element that would be at `position` if a[from..to) were sorted, rearranging a[from..to) around it
 * (smaller before, larger after). Three-way partitions so long runs of equal slopes cost nothing.
 */
export function quickselect(a: Float64Array, from: number, to: number, position: number, random: () => number): number {
  let lo = from;
  let hi = to;
  while (hi - lo > 1) {
    const pivot = a[lo + Math.floor(random() * (hi - lo))]!;
    const [less, greater] = partition(a, lo, hi, pivot, pivot);
    if (position < less) hi = less;
    else if (position >= greater) lo = greater;
    else return pivot;
  }
  return a[position]!;
}

/**
 * Moves the values of a[lo, hi) under `below` to its start and those over `above` to its end (the
 * Dutch flag's one pass); returns where the values between them start and end.
 */
function partition(a: Float64Array, lo: number, hi: number, below: number, above: number): [less: number, greater: number] {
  let less = lo;
  let greater = hi;
  for (let i = lo; i < greater; ) {
    const v = a[i]!;
    if (v < below) {
      a[i++] = a[less]!;
      a[less++] = v;
    } else if (v > above) {
      a[i] = a[--greater]!;
      a[greater] = v;
    } else i++;
  }
  return [less, greater];
}
