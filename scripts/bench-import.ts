/**
 * `npm run bench:import`: what a plugin's import costs the worker it is measured in. A plugin that
 * writes `import { defineWorkload } from 'soak'` loads the whole library (controller, piscina,
 * reports) into every measured isolate; `from 'soak/workload'` loads the types' one small module.
 * In fresh worker threads, alternating the two specifiers round by round (--rounds N, default 8):
 * the post-GC heap added by the import, the code and bytecode it compiled, and the time it took,
 * side by side, with their ratio.
 */
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { median } from '../src/analysis/theil-sen.js';
import { formatBytes } from '../src/units.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '8' } } });
const rounds = Number(values.rounds);
// The gc extension is process-wide; it must be on before the first worker starts.
setFlagsFromString('--expose-gc');

interface Cost {
  heapBytes: number;
  codeBytes: number;
  ms: number;
}

/** The worker measures itself: heap after a full GC before and after importing `specifier`. */
const probe = `
const { parentPort, workerData } = require('node:worker_threads');
const v8 = require('node:v8');
const code = () => { const s = v8.getHeapCodeStatistics(); return s.code_and_metadata_size + s.bytecode_and_metadata_size; };
const settle = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
(async () => {
  const heap0 = settle();
  const code0 = code();
  const t0 = performance.now();
  const mod = await import(workerData.specifier);
  const ms = performance.now() - t0;
  if (typeof mod.defineWorkload !== 'function') throw new Error(workerData.specifier + ' has no defineWorkload');
  const heapBytes = settle() - heap0;
  parentPort.postMessage({ heapBytes, codeBytes: code() - code0, ms });
})();
`;

function measure(specifier: string): Promise<Cost> {
  return new Promise((resolve, reject) => {
    // eval workers resolve bare specifiers from the working directory: run from the package root.
    const worker = new Worker(probe, { eval: true, workerData: { specifier } });
    worker.once('message', (cost: Cost) => void worker.terminate().then(() => resolve(cost)));
    worker.once('error', reject);
  });
}

/** The floor: a one-line module, so the ESM loader's own start-up in a fresh worker is not counted against either. */
const EMPTY = 'data:text/javascript,export const defineWorkload = (w) => w;';
const specifiers = [EMPTY, 'soak/workload', 'soak'] as const;
const costs = new Map<string, Cost[]>(specifiers.map((s) => [s, []]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [...specifiers] : [...specifiers].reverse();
  for (const specifier of order) costs.get(specifier)?.push(await measure(specifier));
}

const of = (specifier: string, key: keyof Cost): number => median((costs.get(specifier) ?? []).map((c) => c[key]));

console.log(`# bench:import: ${rounds} fresh workers per specifier, alternating; medians\n`);
console.log('| import from | post-GC heap added | code and bytecode added | import time |');
console.log('| --- | --- | --- | --- |');
for (const s of specifiers) {
  const name = s === EMPTY ? 'a one-line data: module (the floor)' : `\`${s}\``;
  console.log(`| ${name} | ${formatBytes(of(s, 'heapBytes'))} | ${formatBytes(of(s, 'codeBytes'))} | ${of(s, 'ms').toFixed(1)} ms |`);
}
/** Above the floor, 'soak' against 'soak/workload'. */
const ratio = (key: keyof Cost): string => ((of('soak', key) - of(EMPTY, key)) / Math.max(1, of('soak/workload', key) - of(EMPTY, key))).toFixed(0);
console.log(`\nabove the floor, 'soak' / 'soak/workload': heap ${ratio('heapBytes')}x, code ${ratio('codeBytes')}x, time ${ratio('ms')}x`);
