/**
 * Human output on stderr while a run goes on, and the verdicts at the end.
 *
 * On a terminal: a block of one line per workload, redrawn in place about once a second (elapsed and
 * remaining time, operations per second, the provisional heap slope with its interval and a
 * provisional verdict); worker events and phase changes are printed above it. Anywhere else (CI
 * logs, files, pipes): one plain line a minute with the same figures, and the events as they come.
 * Nothing here writes to stdout: that is --json's.
 */
import { isModulePath } from '../controller/workload-loader.js';
import type { PoolEvent, PoolSample } from '../controller/workload-pool.js';
import type { Decision } from '../analysis/decide.js';
import type { DecidedEvent, InterimReport, ProgressTick, Soak } from '../commands/run.js';
import type { Resume } from '../run-dir/run-settings.js';
import { profileFor, warmupSeconds } from '../options.js';
import type { Summary } from '../run-dir/summary.js';
import { formatDuration } from '../units.js';
import { LiveTrend, type ProvisionalTrend, type WorkloadStatus } from '../analysis/live-trend.js';

const PLAIN_EVERY_S = 60;
const REDRAW_EVERY_MS = 1000;

export type RunPhase = 'warmup' | 'steady' | 'cooldown';

/** Where the run stands, for the progress lines. */
export interface Clock {
  readonly elapsedS: number;
  readonly durationS: number;
  readonly phase: RunPhase;
  /** When the steady window starts (the recorded warm-up's end), seconds from the start. */
  readonly warmupS: number;
  /** Workloads a look has decided (a run that decides as it goes): they show their decision instead of figures. */
  readonly decided?: ReadonlyMap<string, Decision>;
}

export interface Progress {
  /** Prints a line on stderr above the live block (the block is cleared first and redrawn after). */
  print(line: string): void;
  /** Clears the live block for good and stops redrawing; further print()s are plain. Idempotent. */
  stop(): void;
}

/** The stream progress is written to: stderr, or a stand-in in tests. */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function attachProgress(soak: Soak, stream: ProgressStream = process.stderr): Progress {
  const { options } = soak;
  const live = stream.isTTY === true && process.env['TERM'] !== 'dumb';
  const warmupS = warmupSeconds(options);
  const trend = new LiveTrend({ maxSlopeBytesPerHour: options.maxSlopeBytesPerHour, judgeWarming: profileFor(options.durationS) === 'short' });
  // Built-in workloads are named as given; plugins get a line at their first event or sample.
  for (const spec of options.workloads) if (!isModulePath(spec)) trend.addWorkload(spec);

  let startMs: number | undefined;
  let phase: RunPhase = warmupS > 0 ? 'warmup' : 'steady';
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const decided = new Map<string, Decision>();

  const clock = (): Clock => ({
    elapsedS: startMs === undefined ? 0 : Math.min(options.durationS, (Date.now() - startMs) / 1000),
    durationS: options.durationS,
    phase,
    warmupS,
    decided,
  });
  const blockLines = (): string[] => liveBlock(trend.status(), clock(), stream.columns);
  const draw = (): void => {
    if (!live || stopped || startMs === undefined) return;
    trend.fitIfDue();
    const lines = blockLines();
    stream.write(redrawBlock(lines, drawn, stream.columns));
    drawn = lines.length;
  };
  const clear = (): void => {
    if (drawn > 0) stream.write(clearBlock(drawn));
    drawn = 0;
  };
  const print = (line: string): void => {
    if (live && !stopped && drawn > 0) {
      // One write: clear, the line, the block again; nothing is ever left half-drawn.
      const lines = blockLines();
      stream.write(`${clearBlock(drawn)}${line}\n${redrawBlock(lines, 0, stream.columns)}`);
      drawn = lines.length;
    } else {
      stream.write(`${line}\n`);
    }
  };
  const stop = (): void => {
    if (stopped) return;
    clearInterval(timer);
    if (live) clear();
    stopped = true;
  };

  soak.on('start', (outDir: string) => {
    // A resumed run's clock is the original start's.
    startMs = soak.startedAtMs;
    trend.steadyFromMs = startMs + warmupS * 1000;
    print(
      `soak: ${options.workloads.join(', ')} for ${formatDuration(options.durationS)}, ` +
        `${options.threads} worker(s) each, sampling every ${formatDuration(options.intervalS)}; writing ${outDir}`,
    );
    if (live) {
      timer = setInterval(draw, REDRAW_EVERY_MS);
      timer.unref();
      draw();
    }
  });
  soak.on('sample', (s: PoolSample) => trend.add(s));
  // A long run's log (journald) gets a line per report interval, not one a minute for a day.
  const plainEveryS = Math.max(PLAIN_EVERY_S, options.reportEveryS ?? 0);
  let nextPlainS = plainEveryS;
  soak.on('tick', (tick: ProgressTick) => {
    if (tick.phase === 'steady') phase = 'steady';
    if (live || stopped || tick.elapsedS < nextPlainS) return;
    nextPlainS = (Math.floor(tick.elapsedS / plainEveryS) + 1) * plainEveryS;
    trend.fit();
    print(plainLine({ elapsedS: tick.elapsedS, durationS: tick.durationS, phase: tick.phase, warmupS, decided }, trend.status()));
  });
  soak.on('phase', (next: string) => {
    if (next === 'steady') {
      phase = 'steady';
      print('soak: warm-up over, steady window starts');
    } else {
      phase = 'cooldown';
      // The load has stopped and the figures will not move: the block goes, and teardown's events and the verdicts follow as plain lines.
      stop();
      print('soak: load stopped, tearing down');
    }
  });
  soak.on('decided', (e: DecidedEvent) => {
    decided.set(e.workload, e.decision);
    print(`soak: ${e.workload} ${decidedText(e.decision)} (look ${e.decision.look}); its workers stop`);
  });
  soak.on('resume', (r: Resume) => {
    print(
      `soak: resumed at ${formatDuration(r.atS)} of ${formatDuration(options.durationS)}, after ${formatDuration(r.gapS)} with nothing recorded; new worker segments start`,
    );
  });
  soak.on('interim', (report: InterimReport) => {
    if ('error' in report) print(`soak: warning: the interim report at ${formatDuration(report.atS)} failed: ${report.error}`);
    else if (!live) print(`soak: interim report at ${formatDuration(report.atS)}: ${report.summary.verdict} so far`);
  });
  soak.on('event', (e: PoolEvent) => {
    trend.addWorkload(e.workload);
    if (e.event !== 'start') print(`soak: ${e.worker} ${e.event}: ${e.detail}`);
  });
  return { print, stop };
}

export function printResult(result: { readonly summary: Summary; readonly outDir: string }): void {
  const { summary } = result;
  const lines = summary.workloads.map((w) => `  ${w.verdict.toUpperCase().padEnd(12)} ${w.name.padEnd(18)} ${w.reason}`);
  const warning =
    summary.verdict === 'inconclusive'
      ? ['soak: warning: inconclusive: the data cannot tell a leak from none at these thresholds; see the reasons above (--strict makes this fail)']
      : [];
  process.stderr.write([`soak: verdict ${summary.verdict.toUpperCase()}`, ...lines, ...warning, `soak: reports in ${result.outDir}`, ''].join('\n'));
}

// ---- Pure formatting: state in, text out ----

/** ESC [ n A: cursor up n lines; ESC [ 2 K: erase the line; ESC [ J: erase to the end of the screen. */
const ESC = '\u001b[';

/** The text that replaces a block of `previous` lines (cursor just below it) with `lines`, cursor left below. */
export function redrawBlock(lines: readonly string[], previous: number, columns: number | undefined): string {
  const up = previous > 0 ? `${ESC}${previous}A` : '';
  return `${up}${lines.map((l) => `\r${ESC}2K${fitWidth(l, columns)}\n`).join('')}\r${ESC}J`;
}

/** The text that erases a block of `lines` lines drawn just above the cursor, leaving the cursor where it began. */
export function clearBlock(lines: number): string {
  return lines > 0 ? `${ESC}${lines}A\r${ESC}J` : '';
}

/** The terminal's width less one column (a line that fills the last column may wrap); 79 when unknown. */
function usableWidth(columns: number | undefined): number {
  return columns !== undefined && columns > 1 ? columns - 1 : 79;
}

/** Cut to the terminal's width less one column, so a line never wraps (which would break the cursor count). */
export function fitWidth(line: string, columns: number | undefined): string {
  const width = usableWidth(columns);
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}~`;
}

/**
 * The terminal's block, one line per workload, columns aligned: with every figure if the lines fit
 * the terminal, else without the time left, else without the slope's interval (then cut to fit).
 */
export function liveBlock(statuses: readonly WorkloadStatus[], clock: Clock, columns: number | undefined): string[] {
  const width = usableWidth(columns);
  let lines: string[] = [];
  for (const detail of [2, 1, 0]) {
    lines = alignColumns(statuses.map((s) => liveFields(s, clock, detail)));
    if (lines.every((l) => l.length <= width)) break;
  }
  return lines;
}

/** `decided: pass at 3m12s` */
export function decidedText(decision: Decision): string {
  return `decided: ${decision.verdict} at ${formatClock(decision.atS)}`;
}

/** name, time, ops/s, heap, provisional verdict (and respawns), at a level of detail from 2 (all) to 0. */
function liveFields(status: WorkloadStatus, clock: Clock, detail: number): string[] {
  const decision = clock.decided?.get(status.name);
  if (decision !== undefined) return [status.name, decidedText(decision)];
  const total = `${formatClock(clock.elapsedS)} / ${formatDuration(clock.durationS)}`;
  const time =
    clock.phase === 'cooldown'
      ? `${total} (tearing down)`
      : detail >= 2
        ? `${total} (${formatClock(Math.max(0, Math.ceil(clock.durationS - clock.elapsedS)))} left)`
        : total;
  const heap = heapFigures(status, clock, detail >= 1);
  const respawns = status.respawns > 0 ? `  ${status.respawns} respawn${status.respawns === 1 ? '' : 's'}` : '';
  return [status.name, time, formatOps(status.opsPerS), heap.text, `${heap.verdict}${respawns}`];
}

function alignColumns(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
}

/** The line a minute when stderr is not a terminal: where the run stands, then every workload's figures. */
export function plainLine(clock: Clock, statuses: readonly WorkloadStatus[]): string {
  const left = Math.max(0, clock.durationS - clock.elapsedS);
  const head =
    `soak: ${formatDuration(Math.round(clock.elapsedS))} of ${formatDuration(clock.durationS)}, ` +
    `${clock.phase === 'warmup' ? 'warm-up' : clock.phase}, ${formatDuration(Math.round(left))} left`;
  const parts = statuses.map((s) => {
    const decision = clock.decided?.get(s.name);
    if (decision !== undefined) return `${s.name}: ${decidedText(decision)}`;
    const heap = heapFigures(s, clock, true);
    const respawns = s.respawns > 0 ? `, ${s.respawns} respawn${s.respawns === 1 ? '' : 's'}` : '';
    return `${s.name}: ${formatOps(s.opsPerS)}, ${heap.text}${heap.verdict === '' ? '' : `, ${heap.verdict}`}${respawns}`;
  });
  return [head, ...parts].join(' | ');
}

function heapFigures(status: WorkloadStatus, clock: Clock, interval: boolean): { text: string; verdict: string } {
  if (clock.phase === 'warmup' && status.points === 0) return { text: `heap: warm-up until ${formatDuration(clock.warmupS)}`, verdict: '' };
  if (status.trend === undefined) return { text: `heap: collecting (${status.points} point${status.points === 1 ? '' : 's'})`, verdict: '' };
  const slope = formatSlope(status.trend);
  return { text: `heap ${interval ? slope : slope.replace(/ \(.*\)$/, '')}`, verdict: `provisional: ${status.trend.verdict}` };
}

/**
 * `+1.2 MB/h (-0.3 to +2.7)`: the slope and its 95 % interval, the bounds in the slope's unit unless
 * that would take four digits or more (`+102 MB/h (+0.4 to +1.4 GB)`); an unbounded side is `?`.
 */
export function formatSlope(trend: Pick<ProvisionalTrend, 'slopeBytesPerHour' | 'lowBytesPerHour' | 'highBytesPerHour'>): string {
  const { slopeBytesPerHour: slope, lowBytesPerHour: low, highBytesPerHour: high } = trend;
  const finite = [slope, low, high].filter(Number.isFinite);
  // A slope that rounds to zero takes its unit from the interval.
  const unit = unitOf(Math.abs(slope) >= 0.05 ? slope : Math.max(0, ...finite.map(Math.abs)));
  const bound = (bytes: number): string => {
    if (!Number.isFinite(bytes)) return '?';
    const own = unitOf(bytes);
    return Math.abs(bytes) / 1024 ** unit < 999.5 || own === unit ? signed(bytes / 1024 ** unit) : `${signed(bytes / 1024 ** own)} ${UNITS[own]}`;
  };
  return `${Number.isFinite(slope) ? signed(slope / 1024 ** unit) : '?'} ${UNITS[unit]}/h (${bound(low)} to ${bound(high)})`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** The power of 1024 that shows `bytes` in at most three digits before the point. */
function unitOf(bytes: number): number {
  let power = 0;
  while (power < UNITS.length - 1 && Math.abs(bytes) >= 1024 ** (power + 1) * 0.9995) power++;
  return power;
}

/** `+1.2`, `-27`, `0.0`: one decimal under 10, none from there; a sign but on zero. */
function signed(value: number): string {
  const text = Math.abs(value) < 9.95 ? value.toFixed(1) : value.toFixed(0);
  return /^-?[0.]+$/.test(text) ? text.replace('-', '') : value > 0 ? `+${text}` : text;
}

/** `42.1K ops/s`; `- ops/s` before there are two readings. */
export function formatOps(opsPerS: number | undefined): string {
  if (opsPerS === undefined || !Number.isFinite(opsPerS)) return '- ops/s';
  const [value, unit] = opsPerS >= 999.5e3 ? [opsPerS / 1e6, 'M'] : opsPerS >= 999.5 ? [opsPerS / 1e3, 'K'] : [opsPerS, ''];
  const text = value >= 99.95 ? value.toFixed(0) : value >= 9.995 ? value.toFixed(1) : value.toFixed(value === 0 ? 0 : 2);
  return `${text}${unit} ops/s`;
}

/** `12s`, `1m05s`, `2h03m`: a clock that keeps its width as it ticks. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
