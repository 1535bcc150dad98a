/**
 * `soak report` over real run directories, as two CI jobs would leave them: one with the cache leak
 * switched on, one clean plugin run compared with itself; release.html checked in Chromium, its
 * links followed to the runs' own reports.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ReleaseReport } from '../src/run-dir/release-file.js';
import type { Summary } from '../src/run-dir/summary.js';
import { closeBrowser, openFile } from '../scripts/chromium.js';
import { explain, fixture, readSummary, runCli, tempDir } from './helpers/cli.js';

const readRelease = (dir: string): ReleaseReport => JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8')) as ReleaseReport;

describe('soak report on real runs', () => {
  let root = '';
  let leakRun = '';
  let cleanRun = '';
  before(async () => {
    root = tempDir();
    // Two jobs whose run directories have the same name, as artifacts downloaded side by side do.
    leakRun = join(root, 'job-cache', 'run');
    cleanRun = join(root, 'job-plugin', 'run');
    const common = ['run', '--threads', '1', '--duration', '40s', '--quiet'];
    const [a, b] = await Promise.all([
      runCli([...common, '--workload', 'cache', '--param', 'leak=side-index', '--out', leakRun]),
      runCli([...common, '--workload', fixture('clean-plugin.mjs'), '--out', cleanRun]),
    ]);
    assert.equal(a.code, 1, explain(a, leakRun));
    assert.notEqual(b.code, 1, explain(b, cleanRun));
    // The clean job also compared itself with its previous release (here: itself): compare.json in its run directory.
    const compared = await runCli(['compare', cleanRun, cleanRun, '--quiet']);
    assert.ok(compared.code === 0, explain(compared));
  });
  after(() => closeBrowser());

  test("the release's verdict is the worst run's, each row is its run's own verdict, and the files link to the runs (exit 1)", async () => {
    const out = join(root, 'release');
    const stepSummary = join(root, 'step-summary.md');
    writeFileSync(stepSummary, '# earlier step\n');
    // A trailing slash, as a shell's `runs/*/` gives.
    const result = await runCli(['report', `${leakRun}/`, cleanRun, '--out', out], undefined, undefined, { ...process.env, GITHUB_STEP_SUMMARY: stepSummary });
    assert.equal(result.code, 1, explain(result));
    const report = readRelease(out);
    assert.equal(report.verdict, 'leak');
    assert.deepEqual(
      report.runs.map((r) => r.label),
      ['job-cache/run', 'job-plugin/run'],
      'runs of the same directory name are told apart by their parents',
    );
    assert.deepEqual(report.leaks, ['job-cache/run/cache']);
    for (const [i, dir] of [leakRun, cleanRun].entries()) {
      const summary: Summary = readSummary(dir);
      const run = report.runs[i];
      assert.ok(run !== undefined);
      assert.equal(run.verdict, summary.verdict);
      assert.deepEqual(
        run.workloads.map((w) => [w.name, w.verdict, w.slopeBytesPerHour, w.reason]),
        summary.workloads.map((w) => [w.name, w.verdict, w.heap.slopeBytesPerHour, w.reason]),
      );
      assert.equal(run.host?.cpus !== undefined && run.host.cpus > 0, true, 'the machine is recorded');
      for (const link of [run.reportHtml, run.summaryMd, ...run.workloads.map((w) => w.reportHtml?.replace(/#.*$/, '') ?? null)]) {
        assert.ok(link !== null && existsSync(join(out, link)), `${link} resolves from the report's directory`);
      }
    }
    const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
    assert.equal(total, 2);
    const comparison = JSON.parse(readFileSync(join(cleanRun, 'compare.json'), 'utf8')) as { result: string };
    assert.equal(report.runs[1]?.comparison?.result, comparison.result);
    assert.equal(report.runs[0]?.comparison, null);

    const markdown = readFileSync(join(out, 'release.md'), 'utf8');
    assert.match(markdown, /^# soak release report: LEAK$/m);
    assert.match(markdown, /^\| \[job-cache\/run\]\(\.\.\/job-cache\/run\/report\.html\) \| LEAK \| soak run \| /m);
    assert.match(markdown, /^\| job-cache\/run \| \[cache\]\(\.\.\/job-cache\/run\/report\.html#w0\) \| LEAK \| /m);
    assert.ok(readFileSync(stepSummary, 'utf8').startsWith('# earlier step\n# soak release report: LEAK'), 'appended to the job summary');
    assert.match(result.stderr, /^ {2}LEAK {9}job-cache\/run\/cache /m);
    assert.match(result.stderr, /^soak report: LEAK: 2 runs, 2 workloads: .*1 leak/m);
  });

  test("release.html opens in Chromium with nothing fetched, and its links lead to the sections of the runs' reports", async (t) => {
    const out = join(root, 'release-html');
    const result = await runCli(['report', leakRun, cleanRun, '--out', out, '--quiet']);
    assert.equal(result.code, 1, explain(result));
    const { page, errors, requests, close } = await openFile(join(out, 'release.html'));
    try {
      assert.equal(await page.locator('h1 .verdict').textContent(), 'LEAK');
      assert.equal(await page.locator('#workloads tbody tr:not(.reason-row)').count(), 2);
      const links = await page.locator('#workloads tbody a').evaluateAll((els) => els.map((e) => (e as unknown as { href: string }).href));
      assert.equal(links.length, 2);
      await page.screenshot({ path: join(out, 'release.png'), fullPage: true });
      t.diagnostic(`screenshot: ${join(out, 'release.png')}`);
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [], 'a self-contained page');
      const expected = readRelease(out).runs.flatMap((r) =>
        r.workloads.map((w) => {
          const [file = '', anchor = ''] = (w.reportHtml ?? '').split('#');
          return { name: w.name, path: join(out, file), anchor, href: `${pathToFileURL(join(out, file)).href}#${anchor}` };
        }),
      );
      assert.deepEqual(
        links,
        expected.map((e) => e.href),
        "links resolve to the runs' report.html",
      );
      for (const { name, path, anchor } of expected) {
        const target = await openFile(path);
        try {
          const heading = await target.page.locator(`#${anchor} h2`).textContent();
          assert.ok(heading?.startsWith(name), `#${anchor} of ${path} is ${name}'s section (found "${heading}")`);
        } finally {
          await target.close();
        }
      }
    } finally {
      await close();
    }
  });

  test('an inconclusive run exits 0 with a warning, and 4 with --strict', async () => {
    const dir = join(root, 'undecided');
    mkdirSync(dir);
    const summary = readSummary(cleanRun);
    const undecided = { ...summary, verdict: 'inconclusive', workloads: summary.workloads.map((w) => ({ ...w, verdict: 'inconclusive' })) };
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(undecided));
    const plain = await runCli(['report', dir, '--out', join(root, 'u1')]);
    assert.equal(plain.code, 0, explain(plain));
    assert.match(plain.stderr, /^soak report: INCONCLUSIVE \(exit 0 without --strict\): 1 run, 1 workload: 1 inconclusive$/m);
    const strict = await runCli(['report', dir, '--out', join(root, 'u2'), '--strict', '--quiet']);
    assert.equal(strict.code, 4, explain(strict));
    assert.deepEqual(readRelease(join(root, 'u2')).undecided, ['undecided/clean-plugin']);
  });

  test('bad input: one line naming the run or the directory, exit 2, nothing written or overwritten', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const broken = join(root, 'broken');
    cpSync(cleanRun, broken, { recursive: true });
    writeFileSync(join(broken, 'summary.json'), '{ "schemaVersion": 1 }');
    const cases: [string[], RegExp][] = [
      [[join(root, 'nope')], /^soak report: no run at '.*nope'; give a run directory or its summary\.json\n$/],
      [[leakRun, empty], /^soak report: the run '.*empty' holds no summary\.json; give a run directory written by soak/],
      [[broken], /^soak report: cannot read the run summary '.*broken\/summary\.json' \(it has no valid verdict\); give a summary\.json written by soak/],
      [[leakRun, join(leakRun, 'summary.json')], /^soak report: '.*summary\.json' is the run '.*job-cache\/run' given again; give each run directory once\n$/],
      [[], /^soak report: missing <runs\.\.>; usage: soak report <runs\.\.>\n$/],
    ];
    for (const [args, expected] of cases) {
      const out = join(root, 'not-written');
      const result = await runCli(['report', ...args, '--out', out]);
      assert.equal(result.code, 2, explain(result));
      assert.match(result.stderr, expected);
      assert.equal(existsSync(out), false, `nothing written for ${args.join(' ')}`);
    }
    const out = join(root, 'twice');
    const first = await runCli(['report', cleanRun, '--out', out, '--quiet']);
    assert.notEqual(first.code, 2, explain(first));
    const before = readFileSync(join(out, 'release.json'), 'utf8');
    const again = await runCli(['report', leakRun, '--out', out]);
    assert.equal(again.code, 2, explain(again));
    assert.equal(again.stderr, `soak report: --out: '${out}' already holds a release report (release.json); choose another directory or remove it\n`);
    assert.equal(readFileSync(join(out, 'release.json'), 'utf8'), before, 'not overwritten');
  });
});
