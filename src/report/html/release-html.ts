/**
 * release.html: the release report as one self-contained page (no network, no external file): the
 * release's verdict, a table of runs and one of every run's workloads, each linking to its own
 * report.html (relative links, so the report and the run directories travel together).
 */
import type { ReleaseReport } from '../../run-dir/release-file.js';
import { bytesText, rateText, verdictLabel } from '../format.js';
import { ciText, comparisonText, countsText, decidedText, durationText, limitText, machineText, startedText, WORKLOAD_COLUMNS } from '../release-report.js';
import { badge, cell, num } from './cells.js';
import { escapeHtml } from './escape.js';
import { pageHead } from './style.js';

function link(text: string, href: string | null): string {
  return href === null ? escapeHtml(text) : `<a href="${escapeHtml(encodeURI(href))}">${escapeHtml(text)}</a>`;
}

export function renderReleaseHtml(report: ReleaseReport): string {
  const title = `soak release report: ${verdictLabel[report.verdict]}`;
  const runRows = report.runs.map(
    (r) =>
      `<tr><td>${link(r.label, r.reportHtml)}</td><td>${badge(r.verdict)}${r.complete ? '' : ' (incomplete)'}</td>` +
      cell(`soak ${r.command}`) +
      num(durationText(r)) +
      cell(machineText(r)) +
      cell(startedText(r)) +
      cell(comparisonText(r)) +
      `<td>${r.summaryMd === null ? '' : link('summary.md', r.summaryMd)}</td></tr>`,
  );
  const workloadRows = report.runs.flatMap((r) =>
    r.workloads.map(
      (w) =>
        `<tr>${cell(r.label)}<td>${link(w.name, w.reportHtml)}</td><td>${badge(w.verdict)}</td>` +
        cell(decidedText(w)) +
        num(rateText(w.slopeBytesPerHour)) +
        num(ciText(w)) +
        num(limitText(w)) +
        cell(w.shape ?? 'n/a') +
        num(bytesText(w.bytesPerOp)) +
        num(String(w.opsTotal)) +
        num(String(w.errorsTotal)) +
        num(String(w.respawns)) +
        '</tr>' +
        // The reason gets the table's width: beside twelve figures it would be a narrow column.
        `<tr class="reason-row"><td></td><td colspan="${WORKLOAD_COLUMNS.length - 1}" class="reason">${escapeHtml(w.reason)}</td></tr>`,
    ),
  );
  const named = (label: string, list: readonly string[]): string => (list.length === 0 ? '' : ` ${label}: ${list.join(', ')}.`);
  return [
    pageHead(title),
    `<header><h1>soak release report ${badge(report.verdict)}</h1>`,
    `<p class="facts">${escapeHtml(`${countsText(report)}.${named('Leaks', report.leaks)}${named('Undecided', report.undecided)}`)}</p>`,
    ...report.warnings.map((w) => `<p class="warning">${escapeHtml(w)}</p>`),
    '</header><main>',
    '<section id="runs"><h2>Runs</h2><div class="table-wrap"><table><thead><tr><th>run</th><th>verdict</th><th>command</th><th>duration</th>' +
      `<th>machine</th><th>started</th><th>against the baseline</th><th>summary</th></tr></thead><tbody>${runRows.join('')}</tbody></table></div></section>`,
    '<section id="workloads"><h2>Workloads</h2><div class="table-wrap"><table class="verdicts"><thead><tr>' +
      `${WORKLOAD_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${workloadRows.join('')}</tbody></table></div></section>`,
    "<p class=\"note\">Each row is the workload's verdict from its own run's summary.json, unchanged; the release's verdict is the worst of them. " +
      `A run's name links to its report.html, a workload's to its section there. Written ${escapeHtml(report.createdAt)}.</p>`,
    '</main></body></html>',
    '',
  ].join('\n');
}
