import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Verdict } from '../src/analysis/types.js';
import { escapeXml, renderJunit, RUN_CASE_NAME } from '../src/report/junit.js';
import { method, type Summary } from '../src/run-dir/summary.js';
import { formatBytes, formatRatePerHour } from '../src/units.js';

type WorkloadSummary = Summary['workloads'][number];
type WorkerSummary = WorkloadSummary['workers'][number];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const MB = 1024 * 1024;
const verdicts: readonly Verdict[] = ['pass', 'leak', 'inconclusive', 'error'];

// Figures distinct per verdict so that a wrong figure in the output cannot pass by coincidence.
const slopeFor: Record<Verdict, number> = { pass: -0.3 * MB, leak: 7.5 * MB, inconclusive: 0.9 * MB, error: 0 };

function heap(slope: number | null): WorkloadSummary['heap'] {
  return {
    slopeBytesPerHour: slope,
    ci95: slope === null ? null : [slope - 0.5 * MB, slope + 0.75 * MB],
    trendP: slope === null ? null : 0.0123,
    bytesPerOp: slope === null ? null : slope / 1e6,
    bytesPerOpCi95: slope === null ? null : [(slope - 0.5 * MB) / 1e6, (slope + 0.75 * MB) / 1e6],
    opsPerSecond: slope === null ? null : 250_000,
    growthBytes: slope === null ? null : slope / 30,
    minDetectableSlopeBytesPerHour: slope === null ? null : 3 * MB,
    noiseSdBytes: slope === null ? null : 16_000,
    steadyFromS: 12,
    steadySamples: slope === null ? 0 : 108,
    shape: slope === null ? null : 'growing',
    halvesGrowthBytes: null,
    sinceWarmupGrowthBytes: null,
    autocorrelationInflation: slope === null ? null : 1.2,
    codeSlopeBytesPerHour: null,
    laterHalf: null,
    step: null,
  };
}

function worker(name: string, verdict: Verdict, over: Partial<WorkerSummary> = {}): WorkerSummary {
  const slope = verdict === 'error' ? null : slopeFor[verdict] + 1000;
  return {
    worker: name,
    verdict,
    reason: `${name} worker reason (${verdict})`,
    confidence: 0.9875,
    slopeBytesPerHour: slope,
    ci95: slope === null ? null : [slope - 2000, slope + 3000],
    bytesPerOp: slope === null ? null : 12.5,
    steadyFromS: slope === null ? null : 12,
    heap: null,
    external: null,
    handles: null,
    cleanup: null,
    ...over,
  };
}

function workload(name: string, verdict: Verdict, over: Partial<Mutable<WorkloadSummary>> = {}): WorkloadSummary {
  return {
    name,
    verdict,
    reason: `${name} is ${verdict}: a sentence a person can act on`,
    params: { capacity: 2000, leak: verdict === 'leak' ? 'side-index' : 'none' },
    opsTotal: 4_128_837,
    errorsTotal: verdict === 'error' ? 17 : 0,
    respawns: 0,
    decidedAtS: null,
    decidedAtLook: null,
    looks: 1,
    confidence: 0.95,
    heap: heap(verdict === 'error' ? null : slopeFor[verdict]),
    workers: [worker(`${name}#0`, verdict), worker(`${name}#1`, verdict === 'leak' ? 'pass' : verdict)],
    ...over,
  };
}

function summary(workloads: readonly WorkloadSummary[], over: Partial<Mutable<Summary>> = {}): Summary {
  return {
    schemaVersion: 1,
    verdict: (['error', 'leak', 'inconclusive', 'pass'] as const).find((v) => workloads.some((w) => w.verdict === v)) ?? 'pass',
    complete: true,
    profile: 'short',
    run: {
      command: 'short',
      durationS: 120,
      elapsedS: 120.125,
      intervalS: 1,
      warmupS: 1.5,
      warmup: 'auto',
      threads: 2,
      concurrency: 4,
      seed: 1369001006,
      injectLeakBytesPerS: 0,
      node: 'v20.20.2',
      platform: 'linux-x64',
      startedAt: '2026-11-23T21:36:35.222Z',
      endedAt: '2026-11-23T21:38:35.347Z',
      argv: ['soak', 'short', '--workload', 'cache', '--seed', '1369001006'],
    },
    thresholds: { maxSlopeBytesPerHour: MB, maxGrowthBytes: 50 * MB },
    method,
    rss: null,
    sequential: null,
    workloads,
    ...over,
  };
}

// --- reading the document back --------------------------------------------------------------

interface Text {
  readonly '#text'?: string;
}
interface Outcome extends Text {
  readonly message?: string;
  readonly type?: string;
}
interface Counts {
  readonly name?: string;
  readonly tests?: string;
  readonly failures?: string;
  readonly errors?: string;
  readonly skipped?: string;
  readonly time?: string;
}
interface TestCase {
  readonly name?: string;
  readonly classname?: string;
  readonly time?: string;
  readonly failure?: Outcome[];
  readonly error?: Outcome[];
  readonly skipped?: Outcome[];
  readonly 'system-out'?: Text[];
}
interface TestSuite extends Counts {
  readonly timestamp?: string;
  readonly hostname?: string;
  readonly properties?: { readonly property?: { readonly name?: string; readonly value?: string }[] };
  readonly testcase?: TestCase[];
  readonly 'system-err'?: Text[];
}
interface Document {
  readonly testsuites: Counts & { readonly testsuite?: TestSuite[] };
}

const arrays = new Set(['testsuite', 'testcase', 'property', 'failure', 'error', 'skipped', 'system-out', 'system-err']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  alwaysCreateTextNode: true,
  // Numeric character references (&#10;) are plain XML; this parser decodes them only with this on.
  htmlEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => isAttribute !== true && arrays.has(name),
});

/** Well-formed (validator) and free of characters XML 1.0 forbids (the validator lets those through). */
function wellFormed(xml: string): void {
  assert.equal(XMLValidator.validate(xml), true);
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u);
}

function read(xml: string): { root: Document['testsuites']; suite: TestSuite; cases: TestCase[]; props: Map<string, string | undefined> } {
  wellFormed(xml);
  const doc = parser.parse(xml) as Document;
  const suites = doc.testsuites.testsuite ?? [];
  assert.equal(suites.length, 1);
  const suite = suites[0]!;
  const props = new Map((suite.properties?.property ?? []).map((p) => [p.name ?? '', p.value]));
  return { root: doc.testsuites, suite, cases: suite.testcase ?? [], props };
}

/** The counts on <testsuites> and <testsuite> are those of the testcases' children. */
function assertCounts(root: Counts, suite: TestSuite, cases: readonly TestCase[]): void {
  const actual = {
    tests: String(cases.length),
    failures: String(cases.filter((c) => c.failure !== undefined).length),
    errors: String(cases.filter((c) => c.error !== undefined).length),
    skipped: String(cases.filter((c) => c.skipped !== undefined).length),
  };
  for (const element of [root, suite]) {
    assert.deepEqual({ tests: element.tests, failures: element.failures, errors: element.errors, skipped: element.skipped }, actual);
  }
  for (const c of cases) {
    const outcomes = (c.failure?.length ?? 0) + (c.error?.length ?? 0) + (c.skipped?.length ?? 0);
    assert.ok(outcomes <= 1, `testcase ${c.name} has ${outcomes} outcomes`);
  }
}

const only = (cases: readonly TestCase[], name: string): TestCase => {
  const found = cases.filter((c) => c.name === name);
  assert.equal(found.length, 1, `one testcase named ${name}`);
  return found[0]!;
};

// --- tests ----------------------------------------------------------------------------------

test('escapeXml escapes the five markup characters and strips what XML 1.0 forbids', () => {
  assert.equal(escapeXml(`a"b<c>&d'\u0001`), 'a&quot;b&lt;c&gt;&amp;d&apos;');
  assert.equal(escapeXml(']]>'), ']]&gt;');
  assert.equal(escapeXml('\u0000\u0008\u000B\u000C\u000E\u001F\uFFFE\uFFFFok'), 'ok');
  // Lone surrogates go, a well-formed pair (an astral character) stays.
  assert.equal(escapeXml('x\uD800y\uDC00z\uD83D\uDE00'), 'xyz\uD83D\uDE00');
  // Whitespace that attribute normalisation would lose goes as character references.
  assert.equal(escapeXml('a\tb\nc\rd'), 'a&#9;b&#10;c&#13;d');
  assert.equal(escapeXml(42), '42');
  assert.equal(escapeXml(false), 'false');
});

for (const verdict of verdicts) {
  for (const strict of [false, true]) {
    test(`one ${verdict} workload${strict ? ' with --strict' : ''}: well-formed, counts agree, the outcome matches`, () => {
      const w = workload('cache', verdict);
      const { root, suite, cases } = read(renderJunit(summary([w]), { strict }));
      assertCounts(root, suite, cases);
      assert.equal(cases.length, 1);
      const c = only(cases, 'cache');
      assert.equal(c.classname, 'soak.short');
      assert.equal(c.time, '120.125');
      assert.equal(suite.name, 'soak short');
      assert.equal(suite.time, '120.125');
      assert.equal(suite.timestamp, '2026-11-23T21:36:35.222Z');
      const expected: Record<Verdict, string | undefined> = {
        pass: undefined,
        leak: 'failure',
        error: 'error',
        inconclusive: strict ? 'failure' : 'skipped',
      };
      const present = (['failure', 'error', 'skipped'] as const).filter((e) => c[e] !== undefined);
      assert.deepEqual(present, expected[verdict] === undefined ? [] : [expected[verdict]]);
      if (verdict === 'pass') {
        const out = c['system-out']?.[0]?.['#text'] ?? '';
        assert.match(out, /cache: PASS/);
        assert.ok(out.includes(formatRatePerHour(slopeFor.pass)), out);
      }
    });
  }
}

test('a leak is a failure carrying the reason, the pooled slope and interval, bytes/op, thresholds and every worker', () => {
  const w = workload('cache', 'leak');
  const { cases } = read(renderJunit(summary([w]), { strict: false }));
  const failure = only(cases, 'cache').failure?.[0];
  assert.ok(failure !== undefined);
  assert.equal(failure.type, 'leak');
  assert.equal(failure.message, w.reason);
  const body = failure['#text'] ?? '';
  const [low, high] = w.heap.ci95!;
  for (const expected of [
    `pooled heap slope: ${formatRatePerHour(w.heap.slopeBytesPerHour!)} (95% CI ${formatRatePerHour(low)} to ${formatRatePerHour(high)})`,
    `bytes/op: ${formatBytes(w.heap.bytesPerOp!)}`,
    `slope ${formatRatePerHour(MB)}, growth ${formatBytes(50 * MB)}`,
    'params: capacity=2000, leak=side-index',
  ])
    assert.ok(body.includes(expected), `${expected}\n---\n${body}`);
  for (const k of w.workers) {
    const line = body.split('\n').find((l) => l.includes(`${k.worker}: ${k.verdict.toUpperCase()}`));
    assert.ok(line !== undefined, `line for ${k.worker}\n---\n${body}`);
    assert.ok(line.includes(formatRatePerHour(k.slopeBytesPerHour!)), line);
    assert.ok(line.includes(`${formatRatePerHour(k.ci95![0])} to ${formatRatePerHour(k.ci95![1])}`), line);
    assert.ok(line.endsWith(k.reason), line);
  }
});

test('--strict turns an inconclusive workload from skipped into a failure of type inconclusive', () => {
  const w = workload('webhook', 'inconclusive');
  const lax = only(read(renderJunit(summary([w]), { strict: false })).cases, 'webhook');
  assert.equal(lax.skipped?.[0]?.message, `inconclusive: ${w.reason}`);
  assert.equal(lax.failure, undefined);
  assert.ok((lax['system-out']?.[0]?.['#text'] ?? '').includes(`minimum detectable slope: ${formatRatePerHour(3 * MB)}`));

  const strict = read(renderJunit(summary([w]), { strict: true }));
  const c = only(strict.cases, 'webhook');
  assert.equal(c.skipped, undefined);
  assert.equal(c.failure?.[0]?.type, 'inconclusive');
  assert.equal(c.failure?.[0]?.message, `inconclusive: ${w.reason}`);
  assert.equal(strict.suite.failures, '1');
  assert.equal(strict.props.get('strict'), 'true');
});

test('a run with every verdict counts each once, in <testsuites> and <testsuite>', () => {
  const ws = [workload('cache', 'pass'), workload('webhook', 'leak'), workload('circuit-breaker', 'inconclusive'), workload('refresh-manager', 'error')];
  for (const strict of [false, true]) {
    const { root, suite, cases } = read(renderJunit(summary(ws), { strict }));
    assertCounts(root, suite, cases);
    assert.deepEqual(
      cases.map((c) => c.name),
      ws.map((w) => w.name),
    );
    assert.deepEqual([suite.tests, suite.failures, suite.errors, suite.skipped], strict ? ['4', '2', '1', '0'] : ['4', '1', '1', '1']);
    assert.equal(only(cases, 'refresh-manager').error?.[0]?.message, ws[3]!.reason);
  }
});

test('run facts go in <properties>, with a shell-quoted reproduce command', () => {
  const s = summary([workload('cache', 'pass')], { analyzedAt: '2026-11-24T08:00:00.000Z' });
  const argv = ['soak', 'run', '--workload', './my plugin.mjs', '--param', "name=it's"];
  const { props } = read(renderJunit({ ...s, run: { ...s.run, argv } }, { strict: false, hostname: 'ci-runner-7' }));
  const expected: Record<string, string> = {
    verdict: 'pass',
    complete: 'true',
    node: 'v20.20.2',
    platform: 'linux-x64',
    seed: '1369001006',
    durationS: '120',
    intervalS: '1',
    threads: '2',
    maxSlopeBytesPerHour: String(MB),
    maxGrowthBytes: String(50 * MB),
    analyzedAt: '2026-11-24T08:00:00.000Z',
    reproduce: `soak run --workload './my plugin.mjs' --param 'name=it'\\''s'`,
  };
  for (const [name, value] of Object.entries(expected)) assert.equal(props.get(name), value, name);
  assert.equal(props.has('error'), false);
  const { suite } = read(renderJunit({ ...s, run: { ...s.run, argv } }, { strict: false, hostname: 'ci-runner-7' }));
  assert.equal(suite.hostname, 'ci-runner-7');
  assert.equal(read(renderJunit(s, { strict: false })).suite.hostname, undefined);
});

test('a failed run is an error testcase, a property and the suite system-err, even when its workloads passed', () => {
  const message = 'worker pool for cache failed: <oops> & "quit"';
  const s = summary([workload('cache', 'pass')], { verdict: 'error', complete: false, error: message });
  const { root, suite, cases, props } = read(renderJunit(s, { strict: false }));
  assertCounts(root, suite, cases);
  assert.equal(suite.errors, '1');
  const run = only(cases, RUN_CASE_NAME);
  assert.equal(run.error?.[0]?.message, message);
  assert.equal(run.error?.[0]?.type, 'run-failed');
  assert.equal(props.get('complete'), 'false');
  assert.equal(props.get('error'), message);
  assert.equal(suite['system-err']?.[0]?.['#text'], message);
  assert.equal(only(cases, 'cache').error, undefined);
});

test('a run stopped early whose workloads passed is a skipped testcase, agreeing with exit code 0', () => {
  const s = summary([workload('cache', 'pass')], { complete: false, error: 'stopped early: SIGTERM' });
  for (const strict of [false, true]) {
    const { root, suite, cases } = read(renderJunit(s, { strict }));
    assertCounts(root, suite, cases);
    assert.deepEqual([suite.failures, suite.errors, suite.skipped], ['0', '0', '1']);
    assert.equal(only(cases, RUN_CASE_NAME).skipped?.[0]?.message, 'run did not complete: stopped early: SIGTERM');
  }
  // A complete run has no run testcase.
  assert.equal(
    read(renderJunit(summary([workload('cache', 'pass')]), { strict: false })).cases.some((c) => c.name === RUN_CASE_NAME),
    false,
  );
});

test('hostile strings in every field stay well-formed and read back equal, less the forbidden characters', () => {
  const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
  const hostile = [
    `a"b<c>&d'\u0001`,
    ']]>',
    'x\u0000y\u000B\u000C\u001F\uFFFE\uFFFF\uD800z\uDC00 \uD83D\uDE00',
    ' lead\ttab\r\nline &amp; ',
    '<!--',
    '<![CDATA[ ]]>',
  ];
  const clean = (s: string): string => s.replace(forbidden, '');
  for (const h of hostile) {
    for (const verdict of verdicts) {
      const w = workload(h, verdict, {
        reason: `reason ${h}`,
        params: { [`key${h}`]: `value${h}` },
        workers: [worker(`${h}#0`, verdict, { reason: `worker ${h}` })],
      });
      const base = summary([w], { verdict: 'error', complete: false, error: `error ${h}` });
      const s: Summary = { ...base, run: { ...base.run, command: `cmd${h}`, node: `node${h}`, platform: `platform${h}`, argv: ['soak', h] } };
      const xml = renderJunit(s, { strict: true, hostname: `host${h}` });
      assert.equal(xml.includes('\u0001'), false);
      const { root, suite, cases, props } = read(xml);
      assertCounts(root, suite, cases);
      const c = only(cases, clean(h));
      assert.equal(c.classname, clean(`soak.cmd${h}`));
      assert.equal(suite.name, clean(`soak cmd${h}`));
      assert.equal(suite.hostname, clean(`host${h}`));
      assert.equal(props.get('node'), clean(`node${h}`));
      assert.equal(props.get('platform'), clean(`platform${h}`));
      assert.equal(props.get('error'), clean(`error ${h}`));
      assert.equal(props.get('reproduce'), `soak '${clean(h).replaceAll("'", "'\\''")}'`);
      assert.equal(suite['system-err']?.[0]?.['#text'], clean(`error ${h}`));
      assert.equal(only(cases, RUN_CASE_NAME).error?.[0]?.message, clean(`error ${h}`));
      const outcome = c.failure?.[0] ?? c.error?.[0];
      const body = verdict === 'pass' ? c['system-out']?.[0]?.['#text'] : outcome?.['#text'];
      if (verdict !== 'pass') {
        const reason = verdict === 'inconclusive' ? `inconclusive: reason ${h}` : `reason ${h}`;
        assert.equal(outcome?.message, clean(reason));
      }
      assert.ok((body ?? '').includes(clean(`reason: reason ${h}`)), body);
      assert.ok((body ?? '').includes(clean(`params: key${h}=value${h}`)), body);
      assert.ok((body ?? '').includes(clean(`worker ${h}`)), body);
    }
  }
});
