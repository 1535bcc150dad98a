/** The CSV files a run streams to: samples.csv and events.csv, one row at a time, crash-safe. */
import { join } from 'node:path';
import type { Phase } from '../analysis/series.js';
import type { Measurement } from '../sampling/meter.js';
import type { ProcessSample } from '../sampling/process-sampler.js';
import { eventColumns, sampleColumns } from './columns.js';
import { CsvAppender } from './csv-appender.js';

/** One worker's sample as the controller hands it over. */
export interface WorkerSampleRecord {
  readonly workload: string;
  readonly worker: string;
  readonly segment: number;
  readonly threadId: number;
  readonly sample: Measurement & { readonly opsTotal: number; readonly errorsTotal: number };
}

export class RunFiles {
  readonly #samples: CsvAppender;
  readonly #events: CsvAppender;
  readonly #startMs: number;
  readonly #controllerSegment: number;

  /** `controllerSegment`: the controller's rows' segment, one per process that recorded the run (a resume starts a new one). */
  constructor(outDir: string, startMs: number, controllerSegment = 0) {
    this.#samples = new CsvAppender(join(outDir, 'samples.csv'), sampleColumns);
    this.#events = new CsvAppender(join(outDir, 'events.csv'), eventColumns);
    this.#startMs = startMs;
    this.#controllerSegment = controllerSegment;
  }

  elapsedAt(ms: number): number {
    return Math.max(0, (ms - this.#startMs) / 1000);
  }

  workerSample(s: WorkerSampleRecord, phase: Phase, proc: ProcessSample): void {
    const m = s.sample;
    this.#sampleRow(m.timeMs, s.segment, phase, s.workload, s.worker, s.threadId, m.opsTotal, m.errorsTotal, m, proc);
  }

  /** The controller measures itself like a worker: the tool must not leak either. */
  controllerSample(timeMs: number, phase: Phase, m: Measurement, proc: ProcessSample): void {
    this.#sampleRow(timeMs, this.#controllerSegment, phase, '', 'controller', 0, undefined, undefined, m, proc);
  }

  event(workload: string, worker: string, threadId: number, event: string, detail: string): void {
    const now = Date.now();
    this.#events.append([new Date(now).toISOString(), round(this.elapsedAt(now), 3), workload, worker, threadId, event, detail]);
  }

  sync(): void {
    this.#samples.sync();
    this.#events.sync();
  }

  close(): void {
    this.#samples.close();
    this.#events.close();
  }

  #sampleRow(
    timeMs: number,
    segment: number,
    phase: Phase,
    workload: string,
    worker: string,
    threadId: number,
    ops: number | undefined,
    errors: number | undefined,
    m: Measurement,
    proc: ProcessSample,
  ): void {
    this.#samples.append([
      new Date(timeMs).toISOString(),
      round(this.elapsedAt(timeMs), 3),
      segment,
      phase,
      workload,
      worker,
      threadId,
      ops,
      errors,
      m.heapUsed,
      m.heapTotal,
      m.external,
      m.arrayBuffers,
      m.activeHandles,
      round(m.elu, 4),
      m.latencyP50Us > 0 ? m.latencyP50Us : undefined,
      m.latencyP99Us > 0 ? m.latencyP99Us : undefined,
      proc.rssBytes,
      round(proc.cpuPercent, 1),
      round(m.gcMs, 2),
      m.codeBytes,
      m.resourceTypes,
      m.listenerCounts,
    ]);
  }
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
