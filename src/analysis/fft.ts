/**
 * Radix-2 FFT, just enough for autocorrelations at every lag of series of ~1e5 points (the Hamed–Rao
 * correction in mann-kendall.ts): O(n log n) where the direct sum is O(n²), ~1e10 operations for a day of
 * 1 s samples. Twiddle factors come from Math.cos/Math.sin per index rather than a recurrence, so the error
 * stays at a few ulps times log₂ n.
 */

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(n) && (n & (n - 1)) === 0;
}

interface Twiddles {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

const twiddleCache = new Map<number, Twiddles>();

/** cos and sin of 2πk/n for k < n/2, cached per size: the series of a run share a few power-of-two sizes. */
function twiddles(n: number): Twiddles {
  let table = twiddleCache.get(n);
  if (!table) {
    const half = n >> 1;
    table = { cos: new Float64Array(half), sin: new Float64Array(half) };
    for (let k = 0; k < half; k++) {
      table.cos[k] = Math.cos((2 * Math.PI * k) / n);
      table.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    twiddleCache.set(n, table);
  }
  return table;
}

/** In-place forward complex FFT, X_k = Σ_j x_j·e^{−2πijk/N}, for N = re.length a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (!isPowerOfTwo(n) || im.length !== n) {
    throw new RangeError(`fft: need real and imaginary parts of one power-of-two length (got ${n} and ${im.length})`);
  }
  transform(re, im, twiddles(n), 1);
}

/** The FFT proper, with twiddle factor k at index k·stride of the table (a table made for size n·stride). */
function transform(re: Float64Array, im: Float64Array, { cos, sin }: Twiddles, stride: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const r = re[i]!;
      re[i] = re[j]!;
      re[j] = r;
      const m = im[i]!;
      im[i] = im[j]!;
      im[j] = m;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = (n / len) * stride;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!;
        const wi = -sin[k * step]!;
        const p = start + k;
        const q = p + half;
        const xr = re[q]! * wr - im[q]! * wi;
        const xi = re[q]! * wi + im[q]! * wr;
        re[q] = re[p]! - xr;
        im[q] = im[p]! - xi;
        re[p] = re[p]! + xr;
        im[p] = im[p]! + xi;
      }
    }
  }
}

/**
 * Spectrum X_0 … X_{N/2} of a real sequence of power-of-two length N ≥ 2, from one complex FFT of length N/2
 * (even samples as real parts, odd as imaginary, then separated using the conjugate symmetry).
 */
export function realFft(x: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  if (!isPowerOfTwo(n) || n < 2) throw new RangeError(`realFft: length must be a power of two ≥ 2 (got ${n})`);
  const h = n >> 1;
  const zr = new Float64Array(h);
  const zi = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    zr[j] = x[2 * j]!;
    zi[j] = x[2 * j + 1]!;
  }
  const table = twiddles(n);
  transform(zr, zi, table, 2);
  const re = new Float64Array(h + 1);
  const im = new Float64Array(h + 1);
  for (let k = 0; k <= h; k++) {
    const a = zr[k % h]!;
    const b = zi[k % h]!;
    const c = zr[(h - k) % h]!;
    const d = zi[(h - k) % h]!;
    // Z_k = E_k + i·O_k with E, O the spectra of the even and odd samples: E_k = (Z_k + conj Z_{h−k})/2,
    // O_k = (Z_k − conj Z_{h−k})/(2i); then X_k = E_k + e^{−2πik/N}·O_k.
    const er = (a + c) / 2;
    const ei = (b - d) / 2;
    const or = (b + d) / 2;
    const oi = -(a - c) / 2;
    const cos = k < h ? table.cos[k]! : -1;
    const sin = k < h ? table.sin[k]! : 0;
    re[k] = er + cos * or + sin * oi;
    im[k] = ei + cos * oi - sin * or;
  }
  return { re, im };
}

/**
 * Sample autocorrelation r_k = Σ_{i<n−k} (x_i − x̄)(x_{i+k} − x̄) / Σ_i (x_i − x̄)² for k = 0 … n−1 (the usual
 * biased estimator, as statsmodels' acf and pyMannKendall compute it). NaN throughout for a constant series.
 * Via the power spectrum of the series zero-padded to ≥ 2n − 1 points, so no lag wraps around.
 */
export function autocorrelation(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  if (n === 0) return new Float64Array(0);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let size = 2;
  while (size < 2 * n - 1) size *= 2;
  const padded = new Float64Array(size);
  for (let i = 0; i < n; i++) padded[i] = x[i]! - mean;
  const spectrum = realFft(padded);
  // |X_k|² is real and even, so its forward transform is real: size × the circular autocovariance.
  const power = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const m = Math.min(k, size - k);
    power[k] = spectrum.re[m]! ** 2 + spectrum.im[m]! ** 2;
  }
  const autocovariance = realFft(power).re;
  const r = new Float64Array(n);
  for (let k = 0; k < n; k++) r[k] = autocovariance[k]! / autocovariance[0]!;
  return r;
}
