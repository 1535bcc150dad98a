/**
 * `npm run bench:report`: does report.html of a 24-hour run at 1 s samples open as quickly as a
 * two-minute run's? Both runs are generated (10 workers, the same generator), analysed with
 * `soak analyze`'s library function, and their reports opened in headless Chromium in alternating
 * rounds, so machine drift hits both alike. Printed: file sizes, the time Node takes to render
 * each page, and the time from navigation to the first frame after load, with their ratios.
 *
 * Options: --rounds N (default 5), --keep (leave the generated runs in the temp directory).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeRecordedRun } from '../src/commands/analyze-run.js';
import { renderReportHtml } from '../src/report/html/report-html.js';
import { reanalyze } from '../src/commands/analyze.js';
import { closeBrowser, openFile } from './chromium.js';
import { writeDayRun } from './gen-day-csv.js';
import { median } from './child-measure.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);

interface Subject {
  readonly label: string;
  readonly dir: string;
  readonly rows: number;
  readonly renderMs: number;
  readonly openMs: number[];
}

async function prepare(label: string, durationS: number, root: string): Promise<Subject> {
  const dir = join(root, label);
  const run = writeDayRun(dir, { durationS, warmupS: Math.min(600, durationS / 10) });
  const { summary } = await reanalyze({ run: dir });
  const analysis = await analyzeRecordedRun(join(dir, 'samples.csv'), join(dir, 'events.csv'), {
    thresholds: summary.thresholds,
    warmup: summary.run.warmup,
    profile: summary.profile,
  });
  const start = performance.now();
  renderReportHtml({ summary, recorded: analysis.recorded, lastElapsedS: analysis.lastElapsedS });
  return { label, dir, rows: run.sampleRows, renderMs: performance.now() - start, openMs: [] };
}

/** From navigation start to the frame after the load event: the page drawn, charts included. */
async function openOnce(subject: Subject): Promise<number> {
  const { page, errors, close } = await openFile(join(subject.dir, 'report.html'));
  try {
    const ms = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const frame = (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame;
          frame(() => frame(() => resolve(performance.now())));
        }),
    );
    if (errors.length > 0) throw new Error(`${subject.label}: ${errors.join('; ')}`);
    return ms;
  } finally {
    await close();
  }
}

const root = mkdtempSync(join(tmpdir(), 'soak-bench-report-'));
try {
  process.stderr.write('generating and analysing a 2-minute and a 24-hour run of 10 workers (about a minute)...\n');
  const short = await prepare('2m', 120, root);
  const day = await prepare('24h', 86_400, root);
  await openOnce(short); // Chromium's own first start is not the page's cost
  for (let r = 0; r < rounds; r++) {
    for (const subject of r % 2 === 0 ? [short, day] : [day, short]) subject.openMs.push(await openOnce(subject));
  }
  const size = (s: Subject): number => statSync(join(s.dir, 'report.html')).size;
  const rows = [short, day].map(
    (s) => `| ${s.label} | ${s.rows} | ${(size(s) / 1024).toFixed(0)} KB | ${s.renderMs.toFixed(0)} ms | ${median(s.openMs).toFixed(0)} ms |`,
  );
  process.stdout.write(
    [
      `report.html, 10 workers at 1 s samples, Chromium ${rounds} alternating rounds (median):`,
      '',
      '| run | sample rows | report.html | render in Node | open in Chromium |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `24h / 2m: samples ${(day.rows / short.rows).toFixed(0)}x, file ${(size(day) / size(short)).toFixed(2)}x, ` +
        `open ${(median(day.openMs) / median(short.openMs)).toFixed(2)}x`,
      '',
    ].join('\n'),
  );
} finally {
  await closeBrowser();
  if (values.keep) process.stderr.write(`runs kept in ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
}
