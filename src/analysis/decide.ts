/**
 * Sequential decisions over a run's series: at each planned look, every workload still undecided is
 * analysed on what was recorded by the look's time, at the look's level (sequential.ts); a pass, a
 * leak or an error decides it. The controller takes the looks while the run goes on and stops each
 * decided workload; `soak analyze` replays the same looks over the recorded samples and reaches the
 * same decisions, because a look only reads samples stamped at or before its time. Pure.
 */
import { looksUntil, type LookLevel, type LookPlan } from './sequential.js';
import type { WorkerSeries } from './series.js';
import { analyzeWorkload } from './verdict.js';
import type { AnalysisSettings, Verdict, WorkloadAnalysis } from './types.js';

export interface Decision {
  readonly verdict: Verdict;
  /** Elapsed seconds of the look that decided. */
  readonly atS: number;
  /** 1-based number of that look. */
  readonly look: number;
  /** Two-sided confidence of the look's intervals. */
  readonly confidence: number;
}

/** What the looks see of a recorded run. */
export interface LookInput {
  readonly byWorkload: ReadonlyMap<string, readonly WorkerSeries[]>;
  /** Workers that ran out of memory, with the time of the first. */
  readonly outOfMemory: ReadonlyMap<string, number>;
  readonly respawns: ReadonlyMap<string, number>;
}

/** The sequential part of a run's analysis: what each workload's verdict rests on. */
export interface SequentialOutcome {
  readonly plan: LookPlan;
  /** Looks taken, the planned ones reached and a last one where a run was stopped between two. */
  readonly looks: readonly LookLevel[];
  /** Decided workloads by name; the others were judged at the last look. */
  readonly decisions: ReadonlyMap<string, Decision>;
}

/** One workload as a look at `level` sees it. */
export function analyzeAtLook(input: LookInput, name: string, level: LookLevel, settings: AnalysisSettings, withCooldown: boolean): WorkloadAnalysis {
  const workers = (input.byWorkload.get(name) ?? []).map((w) => w.until(level.atS, withCooldown));
  const outOfMemory = { has: (worker: string) => (input.outOfMemory.get(worker) ?? Infinity) <= level.atS };
  return analyzeWorkload(name, workers, { ...settings, confidence: level.confidence, early: !level.last }, outOfMemory, input.respawns);
}

/** The undecided workloads that the look at `level` decides. */
export function takeLook(
  input: LookInput,
  names: readonly string[],
  level: LookLevel,
  settings: AnalysisSettings,
  decided: ReadonlyMap<string, Decision>,
): Map<string, Decision> {
  const found = new Map<string, Decision>();
  for (const name of names) {
    if (decided.has(name)) continue;
    const { verdict } = analyzeAtLook(input, name, level, settings, false);
    if (verdict !== 'inconclusive') found.set(name, { verdict, atS: level.atS, look: level.look, confidence: level.confidence });
  }
  return found;
}

/**
 * Every look of a run that ended at `endS`, in order, as the controller took them (the last one, at
 * the budget or where the run was stopped, decides nothing: the final analysis judges the rest
 * there), then each workload's final analysis: at its deciding look with its teardown sample, or at
 * the last look.
 */
export function replayLooks(
  input: LookInput,
  names: readonly string[],
  plan: LookPlan,
  endS: number,
  settings: AnalysisSettings,
): { outcome: SequentialOutcome; workloads: WorkloadAnalysis[] } {
  const looks = looksUntil(plan, endS);
  const decisions = new Map<string, Decision>();
  for (const level of looks.slice(0, -1)) {
    for (const [name, decision] of takeLook(input, names, level, settings, decisions)) decisions.set(name, decision);
  }
  const last = looks[looks.length - 1];
  const workloads = names.map((name) => {
    const decision = decisions.get(name);
    const level = decision === undefined ? last : looks[decision.look - 1];
    if (level === undefined) return analyzeWorkload(name, [], settings, input.outOfMemory, input.respawns);
    return analyzeAtLook(input, name, level, settings, true);
  });
  return { outcome: { plan, looks, decisions }, workloads };
}
