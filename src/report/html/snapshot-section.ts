/** report.html's heap snapshot diff of a workload (`--snapshots`): per worker life, what was born and is still alive, and who holds it. */
import type { RunSnapshotDiffs } from '../../run-dir/snapshot-diffs.js';
import type { SurvivorGroup } from '../../snapshot/diff.js';
import { formatBytes } from '../../units.js';
import { countText } from '../format.js';
import { retainedText } from '../snapshot-diff.js';
import { cell, num } from './cells.js';
import { escapeHtml } from './escape.js';

function holderHtml(g: SurvivorGroup): string {
  const h = g.holder;
  if (h === undefined) return escapeHtml(g.retainerPath === undefined ? 'reached only through weak references' : '');
  return `<code>${escapeHtml(h.name)}</code> via <code>${escapeHtml(h.edge)}</code>${h.heldAs === undefined ? '' : `, in <code>${escapeHtml(h.heldAs)}</code>`}`;
}

function pathHtml(g: SurvivorGroup): string {
  if (g.retainerPath === undefined) return '';
  const steps = g.retainerPath.map((s) => `<code>${escapeHtml(s.name)}</code>${s.edge === undefined ? '' : ` .${escapeHtml(s.edge)}`}`);
  return `<li><code>${escapeHtml(g.name)}</code> @${g.exampleId}: ${g.pathCut === true ? '… → ' : ''}${steps.join(' → ')}</li>`;
}

export function snapshotSection(workload: string, diffs: RunSnapshotDiffs | undefined): string {
  const lives = diffs?.workers.filter((w) => w.workload === workload) ?? [];
  if (lives.length === 0) return '';
  const parts = lives.map((life) => {
    const title = `<h3>Heap snapshot diff: ${escapeHtml(life.worker)} (life ${life.life})</h3>`;
    const diff = life.diff;
    if (diff === undefined) return `${title}<p class="note">No diff: ${escapeHtml(life.error ?? 'unknown')}.</p>`;
    const totals =
      `<p class="note">${countText(diff.bornInTarget)} objects born between the baseline and target snapshots; ${countText(diff.survivors.count)} ` +
      `(${escapeHtml(formatBytes(diff.survivors.selfBytes))}) still alive in the final one, retaining ${escapeHtml(retainedText(diff.survivors))}. Files: ` +
      [diff.files.baseline, diff.files.target, diff.files.final].map((f) => `<code>${escapeHtml(f.path)}</code>`).join(', ') +
      " (they open in Chrome DevTools' Memory tab).</p>";
    if (diff.groups.length === 0) return `${title}${totals}`;
    const rows = diff.groups.map(
      (g) =>
        `<tr><td><code>${escapeHtml(g.name)}</code></td>${cell(g.nodeType)}${num(countText(g.count))}${num(formatBytes(g.selfBytes))}${num(retainedText(g))}` +
        `${num(countText(g.finalCount))}<td>${holderHtml(g)}</td></tr>`,
    );
    const table =
      '<div class="table-wrap"><table><thead><tr><th>born and still alive</th><th>type</th><th>count</th><th>self size</th><th>retained</th><th>all in final</th>' +
      `<th>held by</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
    return `${title}${totals}${table}<ul class="paths">${diff.groups.map(pathHtml).join('')}</ul>`;
  });
  return `<div class="snapshots">${parts.join('')}</div>`;
}
