/**
 * Student-t and normal distribution functions, written out so the analysis has no dependencies.
 *
 * - logGamma: Lanczos approximation (g = 7, 9 terms), reflection below 1/2.
 * - regularizedIncompleteBeta: continued fraction evaluated with the modified Lentz method
 *   (Numerical Recipes `betacf`), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) so the fraction is
 *   always evaluated where it converges fast.
 * - studentTCdf: P(T ≤ t) = ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≤ 0, with x and 1 − x both formed directly so tails
 *   keep their relative accuracy. The continued fraction loses digits when ν/2 is huge and x ≈ 1, so for
 *   ν > 2e4 Hill's normalizing transformation (Algorithm 395, Comm. ACM 13, 1970) is used instead; it is
 *   accurate to ~1e-13 relative there. Below that the continued fraction gives ~1e-13 or better.
 * - studentTQuantile: safeguarded Newton iteration on the CDF (bisection when a step leaves the bracket).
 * - normalCdf: through the regularized incomplete gamma function (erfc(u) = Q(½, u²)).
 * - normalQuantile: Wichura's AS241 (PPND16), about 1e-16 relative.
 */

const EPS = Number.EPSILON;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 1_000_000;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln |Γ(x)|. Infinity at the poles (0, −1, −2, …). */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  if (x > 1e15) return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + 1 / (12 * x);
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0]!;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) sum += LANCZOS_COEFFICIENTS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Stirling-series remainder: ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], for x ≥ 10. */
function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360))))));
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), arranged to avoid the cancellation of the plain formula
 * when an argument is large (e.g. a = ν/2 for a Student-t with many degrees of freedom).
 */
function logBeta(a: number, b: number): number {
  const small = Math.min(a, b);
  const big = Math.max(a, b);
  const sum = a + b;
  if (small >= 10) {
    return (
      LOG_SQRT_2PI -
      0.5 * Math.log(big) +
      (small - 0.5) * Math.log(small / sum) +
      big * Math.log1p(-small / sum) +
      stirlingCorrection(small) +
      stirlingCorrection(big) -
      stirlingCorrection(sum)
    );
  }
  if (big >= 10) {
    // ln Γ(big) − ln Γ(big + small) from the Stirling series, without subtracting two large numbers.
    const diff =
      -(big - 0.5) * Math.log1p(small / big) -
      small * Math.log(sum) +
      small +
      stirlingCorrection(big) -
      stirlingCorrection(sum);
    return logGamma(small) + diff;
  }
  return logGamma(a) + logGamma(b) - logGamma(sum);
}

/** Continued fraction for I_x(a, b) (Numerical Recipes `betacf`, modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) return h;
  }
  return h; // not converged to full precision; only reachable for astronomically large a or b
}

/**
 * [I_x(a, b), 1 − I_x(a, b)], given x and y = 1 − x separately (each formed without cancellation by the
 * caller). Whichever of the pair the continued fraction evaluates directly is accurate in relative terms.
 */
function incompleteBetaPair(x: number, y: number, a: number, b: number): [number, number] {
  if (x <= 0) return [0, 1];
  if (y <= 0) return [1, 0];
  const logX = y < 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = x < 0.5 ? Math.log1p(-x) : Math.log(y);
  const logFront = a * logX + b * logY - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    const value = (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
    return [value, 1 - value];
  }
  const complement = (Math.exp(logFront) * betaContinuedFraction(y, b, a)) / b;
  return [1 - complement, complement];
}

/** Regularized incomplete beta function I_x(a, b), for 0 ≤ x ≤ 1 and a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`regularizedIncompleteBeta: a and b must be > 0 (got a=${a}, b=${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedIncompleteBeta: x must be in [0, 1] (got ${x})`);
  return incompleteBetaPair(x, 1 - x, a, b)[0];
}

function checkDf(df: number, fn: string): void {
  if (!(df > 0)) throw new RangeError(`${fn}: degrees of freedom must be > 0 (got ${df})`);
}

/** P(T ≤ t) for Student's t with df degrees of freedom (df > 0, not necessarily an integer; Infinity = normal). */
export function studentTCdf(t: number, df: number): number {
  checkDf(df, 'studentTCdf');
  if (Number.isNaN(t)) return NaN;
  if (df === Infinity) return normalCdf(t);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (t === 0) return 0.5;
  if (df > LARGE_DF) {
    const lowerTail = hillLowerTail(Math.abs(t), df);
    return t < 0 ? lowerTail : 1 - lowerTail;
  }
  const t2 = t * t;
  let x: number; // ν / (ν + t²)
  let y: number; // t² / (ν + t²)
  if (t2 > df) {
    const r = df / t2;
    x = r / (1 + r);
    y = 1 / (1 + r);
  } else {
    const r = t2 / df;
    x = 1 / (1 + r);
    y = r / (1 + r);
  }
  const [ix] = incompleteBetaPair(x, y, df / 2, 0.5);
  const lowerTail = 0.5 * ix; // P(T ≤ −|t|)
  return t < 0 ? lowerTail : 1 - lowerTail;
}

const LARGE_DF = 2e4;

/**
 * P(T ≤ −|t|) for large df: Hill (1970), Algorithm 395 — a Cornish–Fisher-corrected version of the
 * normalizing transformation z² ≈ (ν − ½)·ln(1 + t²/ν), with an error of order ν⁻³.
 */
function hillLowerTail(absT: number, df: number): number {
  const a = df - 0.5;
  const b = 48 * a * a;
  const y = a * Math.log1p((absT / df) * absT);
  const z = (((((-0.4 * y - 3.3) * y - 24) * y - 85.5) / (0.8 * y * y + 100 + b) + y + 3) / b + 1) * Math.sqrt(y);
  return normalCdf(-z);
}

/** Density of Student's t. */
function studentTPdf(t: number, df: number): number {
  const logNorm = -logBeta(df / 2, 0.5) - 0.5 * Math.log(df);
  return Math.exp(logNorm - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * Inverse of studentTCdf: the t with P(T ≤ t) = p, for 0 < p < 1 and df > 0 (Infinity gives the normal
 * quantile). Relative accuracy is about 1e-14 in the body of the distribution.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1) (got ${p})`);
  checkDf(df, 'studentTQuantile');
  if (df === Infinity) return normalQuantile(p);
  if (p === 0.5) return 0;
  // Work in the lower tail, where probabilities are represented with full relative precision.
  // For p > 0.5, 1 − p is computed exactly (Sterbenz).
  return p < 0.5 ? lowerTailTQuantile(p, df) : -lowerTailTQuantile(1 - p, df);
}

function lowerTailTQuantile(p: number, df: number): number {
  if (df === 1) return -1 / Math.tan(Math.PI * p); // Cauchy
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));

  const f = (t: number): number => studentTCdf(t, df) - p; // increasing in t

  // Starting point: Cornish–Fisher expansion around the normal quantile, or the power-law tail for tiny df.
  const z = normalQuantile(p);
  let guess = z + (z * z * z + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
  if (df < 3) {
    // P(T ≤ t) ≈ C·|t|^(−ν)/ν for t → −∞, with C = Γ((ν+1)/2) ν^((ν+1)/2) / (Γ(ν/2) √(νπ)).
    const logC = -logBeta(df / 2, 0.5) + ((df - 1) / 2) * Math.log(df);
    const tailGuess = -Math.exp((logC - Math.log(df) - Math.log(p)) / df);
    if (Math.abs(f(tailGuess)) < Math.abs(f(guess))) guess = tailGuess;
  }
  if (!(guess < 0) || !Number.isFinite(guess)) guess = z < 0 ? z : -1;

  // Bracket the root: f(lo) ≤ 0 ≤ f(hi), lo < hi ≤ 0.
  let lo: number;
  let hi: number;
  if (f(guess) > 0) {
    hi = guess;
    lo = guess * 2;
    while (f(lo) > 0) {
      hi = lo;
      lo *= 2;
      if (!Number.isFinite(lo)) return -Infinity;
    }
  } else {
    lo = guess;
    hi = guess / 2;
    while (f(hi) < 0) {
      lo = hi;
      hi /= 2;
      if (hi > -Number.MIN_VALUE) return lo;
    }
  }

  // Safeguarded Newton (rtsafe): take the Newton step when it stays inside the bracket, else bisect.
  let t = guess >= lo && guess <= hi ? guess : 0.5 * (lo + hi);
  for (let i = 0; i < 200; i++) {
    const ft = f(t);
    if (ft === 0) return t;
    if (ft < 0) lo = t;
    else hi = t;
    const pdf = studentTPdf(t, df);
    let next = t - ft / pdf;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 1e-15 * Math.abs(t) || hi - lo <= 1e-15 * Math.abs(t)) return next;
    t = next;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// Normal distribution

/** Regularized upper incomplete gamma Q(a, x) for x ≥ 0 (series for x < a + 1, continued fraction beyond). */
function upperIncompleteGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const logFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let term = 1 / a;
    let sum = term;
    for (let n = 0; n < MAX_ITERATIONS; n++) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * Math.exp(logFront);
  }
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) break;
  }
  return Math.exp(logFront) * h;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  // Φ(−|z|) = ½·erfc(|z|/√2) = ½·Q(½, z²/2).
  const lowerTail = 0.5 * upperIncompleteGamma(0.5, 0.5 * z * z);
  return z < 0 ? lowerTail : 1 - lowerTail;
}

/** Standard normal quantile Φ⁻¹(p) for 0 < p < 1: Wichura, Algorithm AS 241 (PPND16), Appl. Statist. 1988. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1) (got ${p})`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r +
          4.5921953931549871457e4) *
          r +
          1.3731693765509461125e4) *
          r +
          1.9715909503065514427e3) *
          r +
          1.3314166789178437745e2) *
          r +
          3.387132872796366608)) /
      (((((((5.226495278852854561e3 * r + 2.8729085735721942674e4) * r + 3.9307895800092710610e4) * r +
        2.1213794301586595867e4) *
        r +
        5.3941960214247511077e3) *
        r +
        6.871870074920579083e2) *
        r +
        4.2313330701600911252e1) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((7.7454501427834140764e-4 * r + 2.27238449892691845833e-2) * r + 2.4178072517745061177e-1) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 1.51986665636164571966e-2) * r +
        1.4810397642748007459e-1) *
        r +
        6.8976733498510000455e-1) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.2426609473880784386e-3) * r +
        2.6532189526576123093e-2) *
        r +
        2.9656057182850489123e-1) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) *
        r +
        1.4875361290850614852e-2) *
        r +
        1.3692988092273580531e-1) *
        r +
        5.9983220655588793769e-1) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}
