/**
 * Seeded synthetic worker series with known truth, for the sequential simulation and its test: a
 * linear trend plus one of the clean noise shapes heap series show (white, AR(1), mean-reverting
 * churn, sawtooth), sampled at 1 s with the recorded warm-up marked as soak marks it.
 */
import { WorkerSeries } from '../src/analysis/series.js';
import { seededRandom } from '../src/random.js';

export type Noise = 'white' | 'ar1-0.5' | 'ar1-0.9' | 'churn' | 'sawtooth';
export const NOISES: readonly Noise[] = ['white', 'ar1-0.5', 'ar1-0.9', 'churn', 'sawtooth'];

const KB = 1024;
const MB = 1024 * KB;

export interface SyntheticSpec {
  readonly noise: Noise;
  readonly slopeBytesPerHour: number;
  readonly seconds: number;
  /** Recorded warm-up (phase 'warmup'), seconds. */
  readonly warmupS: number;
  readonly seed: number;
  readonly worker: string;
}

function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Noise levels: white 8 KB sd (the built-ins show 3–20 KB after a forced GC); AR(1) with φ = 0.5 and
 * 0.9 at the same marginal sd; churn, a mean-reverting walk with a 60 s time constant and 64 KB sd
 * (a cache whose size wanders with evictions); sawtooth, a 3 MB batch built up over 6–10 s and
 * dropped, on top of white noise.
 */
function noiseOf(noise: Noise, random: () => number): (t: number) => number {
  const normal = gaussian(random);
  switch (noise) {
    case 'white':
      return () => 8 * KB * normal();
    case 'ar1-0.5':
    case 'ar1-0.9': {
      const phi = noise === 'ar1-0.5' ? 0.5 : 0.9;
      let x = 0;
      return () => (x = phi * x + 8 * KB * Math.sqrt(1 - phi * phi) * normal());
    }
    case 'churn': {
      const keep = 1 - 1 / 60;
      let x = 0;
      return () => (x = keep * x + 64 * KB * Math.sqrt(1 - keep * keep) * normal());
    }
    case 'sawtooth': {
      let cycleStart = 0;
      let period = 8;
      return (t) => {
        if (t - cycleStart >= period) {
          cycleStart = t;
          period = 6 + 4 * random();
        }
        return 3 * MB * ((t - cycleStart) / period) + 8 * KB * normal();
      };
    }
  }
}

export function syntheticWorker(spec: SyntheticSpec): WorkerSeries {
  const random = seededRandom(spec.seed, ...Array.from(spec.worker + spec.noise, (c) => c.charCodeAt(0)));
  const noise = noiseOf(spec.noise, random);
  const series = new WorkerSeries('w', spec.worker);
  const perS = spec.slopeBytesPerHour / 3600;
  for (let t = 1; t <= spec.seconds; t++) {
    series.add({
      elapsedS: t,
      segment: 0,
      phase: t < spec.warmupS ? 'warmup' : 'steady',
      workload: 'w',
      worker: spec.worker,
      opsTotal: t * 1000,
      errorsTotal: 0,
      heapBytes: Math.round(8 * MB + perS * t + noise(t)),
      codeBytes: 0,
      externalBytes: 1 * MB,
      activeHandles: 4,
      rssBytes: 64 * MB,
    });
  }
  return series;
}
