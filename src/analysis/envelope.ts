/**
 * The lower envelope of a series: the minimum of each block of consecutive points. A bounded series
 * that swings widely (a batch built up and dropped, a cache that churns and rehashes, a pool that
 * grows and shrinks) has a wide interval on its raw slope, but its lows keep returning to the same
 * level; memory that is retained stays through every low, so a leak lifts them, and so does a
 * sawtooth that keeps a residue each cycle. Fitting a trend to the block minima asks that question
 * directly. (The highs say how big the transient peaks get, not what is kept: they are not judged.)
 *
 * The block is as long as the series' own memory: five times the first lag at which the
 * autocorrelation of the detrended series falls to zero or below (a sawtooth of period P decorrelates
 * at about 0.2·P, so a block spans about one period and holds one trough), at least MIN_BLOCK_POINTS,
 * and short enough to leave MIN_BLOCKS blocks. Blocks of that length are long against the noise's
 * correlation time, so the block extremes are close to independent, and what remains is still
 * widened by the trend fit's autocorrelation correction.
 */
import { autocorrelation } from './fft.js';
import type { SlopeGroup } from './pairwise-slopes.js';

export const MIN_BLOCK_POINTS = 5;
/** Fewer blocks than this over all groups give no envelope: its trend would say little. */
export const MIN_BLOCKS = 8;
/**
 * Lows that climb are a leak only over this many blocks: with fewer, the autocorrelation of very
 * persistent noise (AR(1) with φ = 0.9) is estimated too low and the lows' interval is too narrow.
 */
export const MIN_BLOCKS_FOR_CLIMBING = 12;
const DECORRELATION_MULTIPLE = 5;

export interface Envelope {
  /** Per group, each block's minimum at the block's middle time. */
  readonly lows: SlopeGroup[];
  readonly blockPoints: number;
  readonly blocks: number;
}

export function blockEnvelope(groups: readonly SlopeGroup[]): Envelope | undefined {
  const points = groups.reduce((sum, g) => sum + g.t.length, 0);
  const longest = groups.reduce<SlopeGroup | undefined>((best, g) => (best === undefined || g.t.length > best.t.length ? g : best), undefined);
  if (longest === undefined) return undefined;
  const maxBlock = Math.floor(points / MIN_BLOCKS);
  if (maxBlock < MIN_BLOCK_POINTS) return undefined;
  const blockPoints = Math.min(maxBlock, Math.max(MIN_BLOCK_POINTS, DECORRELATION_MULTIPLE * decorrelationLag(longest)));
  const lows: SlopeGroup[] = [];
  let blocks = 0;
  for (const g of groups) {
    const count = Math.floor(g.t.length / blockPoints);
    if (count === 0) continue;
    const t = new Float64Array(count);
    const low = new Float64Array(count);
    // Blocks end at the group's last point: the newest data always counts, the oldest remainder is left out.
    const offset = g.t.length - count * blockPoints;
    for (let b = 0; b < count; b++) {
      const from = offset + b * blockPoints;
      let min = Infinity;
      for (let i = from; i < from + blockPoints; i++) min = Math.min(min, g.y[i] ?? 0);
      t[b] = ((g.t[from] ?? 0) + (g.t[from + blockPoints - 1] ?? 0)) / 2;
      low[b] = min;
    }
    lows.push({ t, y: low });
    blocks += count;
  }
  return blocks >= MIN_BLOCKS ? { lows, blockPoints, blocks } : undefined;
}

/** First lag at which the least-squares-detrended series' autocorrelation is ≤ 0 (1 for white noise). */
function decorrelationLag(g: SlopeGroup): number {
  const n = g.t.length;
  let mt = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mt += ((g.t[i] ?? 0) - mt) / (i + 1);
    my += ((g.y[i] ?? 0) - my) / (i + 1);
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dt = (g.t[i] ?? 0) - mt;
    sxx += dt * dt;
    sxy += dt * ((g.y[i] ?? 0) - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = (g.y[i] ?? 0) - my - slope * ((g.t[i] ?? 0) - mt);
  const r = autocorrelation(residuals);
  for (let k = 1; k < n; k++) if (!((r[k] ?? 0) > 0)) return k;
  return n;
}
