/**
 * Series thinned for display. A chart is a few hundred pixels wide; a day of 1 s samples is 86 400
 * points per worker. Per time bucket (about a pixel) the lowest and the highest point are kept, in
 * the order they occurred, so the drawn line covers exactly the band the full series covers:
 * peaks and dips survive, only points that no pixel could show are dropped. Pure functions.
 */

/** One unbroken stretch of a line (a worker's life): a respawn starts a new one, so no line joins two lives. */
export interface Polyline {
  readonly t: readonly number[];
  readonly y: readonly number[];
}

export interface Points {
  readonly t: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Points with different segment numbers are never joined. */
  readonly segment?: ArrayLike<number>;
}

/**
 * At most two points per bucket of width (toS − fromS) / buckets, and never more points than given.
 * Points outside [fromS, toS] and non-finite values are left out (they break the line).
 */
export function downsampleMinMax(points: Points, buckets: number, fromS: number, toS: number): Polyline[] {
  const { t, y, segment } = points;
  const width = toS > fromS ? (toS - fromS) / buckets : 1;
  const lines: Polyline[] = [];
  let lineT: number[] = [];
  let lineY: number[] = [];
  let bucket = NaN;
  let minI = -1;
  let maxI = -1;
  const flush = (): void => {
    if (minI < 0) return;
    const first = Math.min(minI, maxI);
    const second = Math.max(minI, maxI);
    lineT.push(t[first] ?? 0);
    lineY.push(y[first] ?? 0);
    if (second !== first) {
      lineT.push(t[second] ?? 0);
      lineY.push(y[second] ?? 0);
    }
    minI = -1;
    maxI = -1;
  };
  const breakLine = (): void => {
    flush();
    if (lineT.length > 0) lines.push({ t: lineT, y: lineY });
    lineT = [];
    lineY = [];
    bucket = NaN;
  };
  for (let i = 0; i < t.length; i++) {
    const ti = t[i] ?? NaN;
    const yi = y[i] ?? NaN;
    if (!(ti >= fromS && ti <= toS) || !Number.isFinite(yi)) {
      breakLine();
      continue;
    }
    if (i > 0 && segment !== undefined && segment[i] !== segment[i - 1]) breakLine();
    const b = Math.min(buckets - 1, Math.floor((ti - fromS) / width));
    if (b !== bucket) {
      flush();
      bucket = b;
    }
    if (minI < 0 || yi < (y[minI] ?? 0)) minI = i;
    if (maxI < 0 || yi > (y[maxI] ?? 0)) maxI = i;
  }
  breakLine();
  return lines;
}

/**
 * Per-second rate of a cumulative counter (operations), point by point. A counter restarts at
 * zero when a worker is respawned: the first point of each segment has no rate (NaN, a break).
 */
export function counterRate(t: ArrayLike<number>, counter: ArrayLike<number>, segment: ArrayLike<number>): Float64Array {
  const rate = new Float64Array(t.length).fill(NaN);
  for (let i = 1; i < t.length; i++) {
    const dt = (t[i] ?? 0) - (t[i - 1] ?? 0);
    const dc = (counter[i] ?? 0) - (counter[i - 1] ?? 0);
    if (segment[i] === segment[i - 1] && dt > 0 && dc >= 0) rate[i] = dc / dt;
  }
  return rate;
}
