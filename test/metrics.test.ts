/**
 * --metrics-port on a real run: the endpoint answers on loopback only, in Prometheus text format,
 * and the figures it serves are the ones samples.csv records.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { labelValue } from '../src/metrics/prometheus.js';
import { isLoopback } from '../src/metrics/server.js';
import { explain, fixture, repoRoot, runCli, tempDir } from './helpers/cli.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The text format as Prometheus reads it: each family's HELP and TYPE, then its samples. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-z_:][a-z0-9_:]*) (gauge|counter)$/.exec(line);
    if (type !== null) {
      types.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    if (/^# HELP [a-z_:][a-z0-9_:]* \S/.test(line)) continue;
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `a sample line: ${line}`);
    const name = m[1] ?? '';
    assert.ok(types.has(name), `${name} has its TYPE before its samples`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const raw = m[3] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    assert.ok(raw === 'NaN' || !Number.isNaN(value), `a number: ${line}`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

test('label values are escaped as the text format requires', () => {
  assert.equal(labelValue('plain'), 'plain');
  assert.equal(labelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

test('loopback hosts', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com']) assert.equal(isLoopback(host), false, host);
});

test('a run serves its live metrics on loopback, and they are the samples it records', async () => {
  const out = join(tempDir(), 'run');
  let url: string | undefined;
  let scraped: { text: string; atMs: number } | undefined;
  let notFound: number | undefined;
  let fromOutside: string | undefined;
  const scrape = async (): Promise<void> => {
    if (url === undefined) throw new Error('no metrics URL printed');
    const response = await fetch(url);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    scraped = { text: await response.text(), atMs: Date.now() };
    notFound = (await fetch(url.replace('/metrics', '/other'))).status;
    // The machine's own non-loopback address must not answer.
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    if (outside !== undefined) {
      fromOutside = await fetch(url.replace('127.0.0.1', outside.address)).then(
        (r) => `answered ${r.status}`,
        (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
      );
    }
  };
  let scraping: Promise<void> | undefined;
  const result = await runCli(
    ['run', '--workload', fixture('clean-plugin.mjs'), '--duration', '16s', '--metrics-port', '0', '--out', out],
    undefined,
    (child) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        url ??= /soak: metrics at (http:\/\/\S+)/.exec(chunk.toString())?.[1];
      });
      // Well into the run: several samples per worker, and the provisional trend fitted.
      setTimeout(() => {
        scraping = scrape();
      }, 11_000);
    },
  );
  await scraping;
  assert.ok(result.code === 0 || result.code === 1, explain(result, out));
  assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  assert.equal(notFound, 404);
  if (fromOutside !== undefined) assert.equal(fromOutside, 'ECONNREFUSED', 'not reachable from outside loopback');
  assert.ok(scraped !== undefined, 'scraped during the run');
  const scrapedAtMs = scraped.atMs;
  const { samples, types } = parseExposition(scraped.text);
  assert.equal(types.get('soak_worker_ops_total'), 'counter');
  const one = (name: string, labels: Record<string, string> = {}): number => {
    const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}`);
    return found[0]?.value ?? Number.NaN;
  };
  assert.ok(one('soak_run_elapsed_seconds') >= 8, 'elapsed time');
  assert.equal(one('soak_run_duration_seconds'), 16);
  assert.equal(one('soak_run_phase', { phase: 'steady' }) + one('soak_run_phase', { phase: 'warmup' }), 1);
  assert.ok(one('soak_controller_heap_used_bytes') > 0);

  // Each worker's served figures are its latest recorded sample at the time of the scrape.
  const rows = readFileSync(join(out, 'samples.csv'), 'utf8').trim().split('\n');
  const header = (rows[0] ?? '').split(',');
  const col = (name: string): number => header.indexOf(name);
  const workers = ['clean-plugin#0', 'clean-plugin#1'];
  for (const worker of workers) {
    const recorded = rows
      .slice(1)
      .map((r) => r.split(','))
      .filter((f) => f[col('worker')] === worker && f[col('phase')] !== 'cooldown' && Date.parse(f[col('time')] ?? '') <= scrapedAtMs);
    const last = recorded[recorded.length - 1];
    assert.ok(last !== undefined, `${worker} sampled before the scrape`);
    const labels = { workload: 'clean-plugin', worker };
    assert.equal(one('soak_worker_heap_used_bytes', labels), Number(last[col('heap_used_bytes')]), `${worker} heap`);
    assert.equal(one('soak_worker_judged_heap_bytes', labels), Number(last[col('heap_used_bytes')]) - Number(last[col('code_bytes')]));
    assert.equal(one('soak_worker_ops_total', labels), Number(last[col('ops_total')]), `${worker} ops`);
    assert.equal(one('soak_worker_external_bytes', labels), Number(last[col('external_bytes')]));
    assert.equal(one('soak_worker_active_handles', labels), Number(last[col('active_handles')]));
    const listeners = (last[col('listener_counts')] ?? '').split(' ').filter(Boolean);
    assert.equal(
      one('soak_worker_event_listeners', labels),
      listeners.reduce((sum, e) => sum + Number(e.slice(e.lastIndexOf(':') + 1)), 0),
    );
  }
  const slope = one('soak_workload_heap_slope_bytes_per_hour', { workload: 'clean-plugin' });
  assert.ok(Number.isFinite(slope), `a provisional slope: ${slope}`);
  const verdicts = samples.filter((s) => s.name === 'soak_workload_provisional_verdict' && s.labels['workload'] === 'clean-plugin');
  assert.equal(
    verdicts.reduce((sum, s) => sum + s.value, 0),
    1,
    'one provisional verdict',
  );
  await assert.rejects(fetch(url ?? ''), 'the endpoint closes with the run');

  // The dashboard in docs/ asks only for metrics a run serves.
  const dashboard = readFileSync(join(repoRoot, 'docs', 'grafana-soak-dashboard.json'), 'utf8');
  const asked = new Set([...dashboard.matchAll(/\bsoak_[a-z0-9_]+/g)].map((m) => m[0]));
  assert.ok(asked.size >= 10, `${asked.size} metrics on the dashboard`);
  for (const name of asked) assert.ok(types.has(name), `the dashboard's ${name} is served`);
});

test('--metrics-port in use, out of range, or --metrics-host alone: one line, exit 2, nothing written', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [
        ['--metrics-port', String(port)],
        new RegExp(`^soak run: --metrics-port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\); choose another port, or 0 for any free one\\n$`),
      ],
      [['--metrics-port', '70000'], /^soak run: --metrics-port must be a port from 0 to 65535 \(got '70000'\)\n$/],
      [['--metrics-host', '0.0.0.0'], /^soak run: --metrics-host must be given with --metrics-port \(got '0\.0\.0\.0'\)\n$/],
    ];
    for (const [flags, expected] of cases) {
      const out = join(dir, 'run');
      const result = await runCli(['run', '--workload', fixture('clean-plugin.mjs'), '--duration', '3s', '--quiet', ...flags, '--out', out]);
      assert.equal(result.code, 2, explain(result));
      assert.match(result.stderr, expected);
      assert.throws(() => readFileSync(join(out, 'samples.csv')), 'nothing written');
    }
  } finally {
    taken.close();
  }
});

test('--metrics-host other than loopback warns that the metrics are exposed', async () => {
  const out = join(tempDir(), 'run');
  const result = await runCli([
    'run',
    '--workload',
    fixture('clean-plugin.mjs'),
    '--duration',
    '3s',
    '--metrics-port',
    '0',
    '--metrics-host',
    '0.0.0.0',
    '--out',
    out,
  ]);
  assert.ok(result.code === 0 || result.code === 1, explain(result, out));
  assert.match(
    result.stderr,
    /^soak: warning: --metrics-host 0\.0\.0\.0 is not loopback: anyone who can reach this machine on that address can read the metrics$/m,
  );
});
