/**
 * junit.xml from summary.json: one <testsuite> per run, one <testcase> per workload, so CI test
 * reporters (dorny/test-reporter, mikepenz/action-junit-report, GitLab, Jenkins) show the verdicts.
 *
 *   leak          -> <failure type="leak">, message = the reason, text = the figures
 *   error         -> <error type="error">
 *   inconclusive  -> <skipped message="inconclusive: ..."/>, or <failure type="inconclusive"> with
 *                    --strict (exit code 4 fails the build then, and the report must agree)
 *   pass          -> only <system-out> with the figures
 *
 * Every value that comes from a workload or the run goes through `escapeXml` exactly once.
 */
import { formatBytes, formatRatePerHour } from '../units.js';
import { bytesText, ciLabel, decisionText, intervalText, rateText, shellLine, verdictLabel } from './format.js';
import type { Summary } from '../run-dir/summary.js';

type WorkloadSummary = Summary['workloads'][number];

export interface JunitOptions {
  /** --strict: an inconclusive workload is a failure, as it is for the exit code. */
  readonly strict: boolean;
  /** Written as the suite's hostname attribute when given (kept out of the pure summary). */
  readonly hostname?: string;
}

/**
 * Characters XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE, U+FFFF; lone surrogates: with
 * the `u` flag a well-formed pair is one code point above U+FFFF and does not match).
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
/**
 * Tab, LF and CR go as character references too, so that they survive attribute-value
 * normalisation (a raw newline in an attribute reads back as a space) and CR normalisation in text.
 */
const REFERENCES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Safe in both attribute values and text: strips what XML 1.0 forbids, escapes the rest. */
export function escapeXml(value: string | number | boolean): string {
  return String(value)
    .replace(FORBIDDEN, '')
    .replace(/[&<>"'\t\n\r]/g, (c) => REFERENCES[c] ?? c);
}

const attrs = (pairs: readonly (readonly [string, string | number | boolean | undefined])[]): string =>
  pairs.flatMap(([k, v]) => (v === undefined ? [] : [` ${k}="${escapeXml(v)}"`])).join('');

/** Multi-line text: each line escaped on its own, joined by the raw newlines we own. */
const text = (lines: readonly string[]): string => lines.map(escapeXml).join('\n');

const seconds = (s: number): string => (Number.isFinite(s) && s > 0 ? s.toFixed(3) : '0');

function figures(w: WorkloadSummary, summary: Summary): string[] {
  const h = w.heap;
  const { thresholds } = summary;
  const params = Object.entries(w.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return [
    `${w.name}: ${verdictLabel[w.verdict]}`,
    `reason: ${w.reason}`,
    `decided: ${decisionText(w, summary.sequential)}`,
    `pooled heap slope: ${rateText(h.slopeBytesPerHour)} (${ciLabel(w.confidence)} ${intervalText(h.ci95)})` +
      `${h.trendP === null ? '' : `, trend p ${h.trendP.toPrecision(2)}`}${h.shape === null ? '' : `, shape ${h.shape}`}`,
    `bytes/op: ${bytesText(h.bytesPerOp)} (${ciLabel(w.confidence)} ${intervalText(h.bytesPerOpCi95, formatBytes)})` +
      `${h.opsPerSecond === null ? '' : ` at ${Math.round(h.opsPerSecond)} ops/s per worker`}`,
    `growth over the steady window: ${bytesText(h.growthBytes)} (steady from ${h.steadyFromS.toFixed(1)}s, ${h.steadySamples} samples)`,
    ...(h.minDetectableSlopeBytesPerHour === null ? [] : [`minimum detectable slope: ${rateText(h.minDetectableSlopeBytesPerHour)}`]),
    `thresholds per worker: slope ${formatRatePerHour(thresholds.maxSlopeBytesPerHour)}, growth ${formatBytes(thresholds.maxGrowthBytes)} over the steady window`,
    `ops ${w.opsTotal}, errors ${w.errorsTotal}, respawns ${w.respawns}`,
    ...(params === '' ? [] : [`params: ${params}`]),
    'workers:',
    ...w.workers.map(
      (k) =>
        `  ${k.worker}: ${verdictLabel[k.verdict]}, slope ${rateText(k.slopeBytesPerHour)} (${ciLabel(k.confidence)} ${intervalText(k.ci95)}), ` +
        `bytes/op ${bytesText(k.bytesPerOp)}: ${k.reason}`,
    ),
    `reproduce: ${shellLine(summary.run.argv)}`,
  ];
}

interface Outcome {
  readonly element: 'failure' | 'error' | 'skipped';
  readonly type?: string;
  readonly message: string;
  /** Text of the failure or error element. */
  readonly details?: readonly string[];
}

interface Case {
  readonly name: string;
  readonly time: number;
  readonly outcome: Outcome | undefined;
  readonly systemOut?: readonly string[];
}

function workloadCase(w: WorkloadSummary, summary: Summary, strict: boolean): Case {
  const lines = figures(w, summary);
  // Workloads run side by side for the whole run, so each testcase takes the run's elapsed time.
  const base = { name: w.name, time: summary.run.elapsedS };
  switch (w.verdict) {
    case 'leak':
      return { ...base, outcome: { element: 'failure', type: 'leak', message: w.reason, details: lines } };
    case 'error':
      return { ...base, outcome: { element: 'error', type: 'error', message: w.reason, details: lines } };
    case 'inconclusive':
      return strict
        ? { ...base, outcome: { element: 'failure', type: 'inconclusive', message: `inconclusive: ${w.reason}`, details: lines } }
        : { ...base, outcome: { element: 'skipped', message: `inconclusive: ${w.reason}` }, systemOut: lines };
    case 'pass':
      return { ...base, outcome: undefined, systemOut: lines };
  }
}

/** The name of the run's own testcase; workload names are [a-z0-9-]+, so it cannot clash. */
export const RUN_CASE_NAME = '(run)';

/**
 * A run that failed or did not complete gets a testcase of its own, besides the `complete` and
 * `error` properties and the suite's <system-err>: the reporters named above list testcases and
 * their messages, while suite-level properties and system-err are dropped by most of them (only
 * Jenkins keeps them, a click away). A failed run (verdict error, exit code 3) is an <error>, so
 * the build fails with the report saying why even when every workload's own figures passed; a run
 * stopped early whose workloads passed exits 0, so it is a <skipped>: visible, and in agreement
 * with the exit code.
 */
function runCase(summary: Summary): Case | undefined {
  const workloadError = summary.workloads.some((w) => w.verdict === 'error');
  const failed = summary.verdict === 'error' && (summary.error !== undefined || !workloadError);
  const details = [
    `run ${summary.complete ? 'completed' : 'did not complete'}: ${summary.error ?? 'no reason recorded'}`,
    `elapsed ${summary.run.elapsedS}s of ${summary.run.durationS}s, from ${summary.run.startedAt} to ${summary.run.endedAt}`,
    `reproduce: ${shellLine(summary.run.argv)}`,
  ];
  const base = { name: RUN_CASE_NAME, time: summary.run.elapsedS };
  if (failed) {
    return { ...base, outcome: { element: 'error', type: 'run-failed', message: summary.error ?? 'the run failed', details } };
  }
  if (!summary.complete || summary.error !== undefined) {
    return { ...base, outcome: { element: 'skipped', message: `run did not complete: ${summary.error ?? 'no reason recorded'}` }, systemOut: details };
  }
  return undefined;
}

function renderCase(c: Case, classname: string): string {
  const children: string[] = [];
  const o = c.outcome;
  if (o !== undefined) {
    const open = `<${o.element}${attrs([
      ['message', o.message],
      ['type', o.type],
    ])}`;
    children.push(o.details === undefined ? `${open}/>` : `${open}>${text(o.details)}</${o.element}>`);
  }
  if (c.systemOut !== undefined) children.push(`<system-out>${text(c.systemOut)}</system-out>`);
  const open = `    <testcase${attrs([
    ['classname', classname],
    ['name', c.name],
    ['time', seconds(c.time)],
  ])}`;
  return children.length === 0 ? `${open}/>` : [`${open}>`, ...children.map((x) => `      ${x}`), '    </testcase>'].join('\n');
}

export function renderJunit(summary: Summary, options: JunitOptions): string {
  const { run, thresholds } = summary;
  const extra = runCase(summary);
  const cases = [...summary.workloads.map((w) => workloadCase(w, summary, options.strict)), ...(extra === undefined ? [] : [extra])];
  const count = (element: Outcome['element']): number => cases.filter((c) => c.outcome?.element === element).length;
  const counts = [
    ['tests', cases.length],
    ['failures', count('failure')],
    ['errors', count('error')],
    ['skipped', count('skipped')],
  ] as const;
  const properties: [string, string | number | boolean | undefined][] = [
    ['verdict', summary.verdict],
    ['complete', summary.complete],
    ['error', summary.error],
    ['strict', options.strict],
    ['profile', summary.profile],
    ['node', run.node],
    ['platform', run.platform],
    ['seed', run.seed],
    ['durationS', run.durationS],
    ['elapsedS', run.elapsedS],
    ['intervalS', run.intervalS],
    ['warmup', run.warmup],
    ['threads', run.threads],
    ['concurrency', run.concurrency],
    ['injectLeakBytesPerS', run.injectLeakBytesPerS],
    ['maxSlopeBytesPerHour', thresholds.maxSlopeBytesPerHour],
    ['maxGrowthBytes', thresholds.maxGrowthBytes],
    ['startedAt', run.startedAt],
    ['endedAt', run.endedAt],
    ['analyzedAt', summary.analyzedAt],
    ['reproduce', shellLine(run.argv)],
  ];
  const classname = `soak.${run.command}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs([['name', 'soak'], ...counts, ['time', seconds(run.elapsedS)]])}>`,
    `  <testsuite${attrs([
      ['name', `soak ${run.command}`],
      ...counts,
      ['time', seconds(run.elapsedS)],
      ['timestamp', run.startedAt],
      ['hostname', options.hostname],
    ])}>`,
    '    <properties>',
    ...properties.flatMap(([name, value]) =>
      value === undefined
        ? []
        : [
            `      <property${attrs([
              ['name', name],
              ['value', value],
            ])}/>`,
          ],
    ),
    '    </properties>',
    ...cases.map((c) => renderCase(c, classname)),
    ...(summary.error === undefined ? [] : [`    <system-err>${text([summary.error])}</system-err>`]),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
