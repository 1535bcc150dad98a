/** snapshot-diff.md: what the three-snapshot diffs found, per worker life, as Markdown. */
import type { RunSnapshotDiffs } from '../run-dir/snapshot-diffs.js';
import type { RetainerStep, SnapshotDiff, SurvivorGroup } from '../snapshot/diff.js';
import { formatBytes } from '../units.js';
import { bytesText, countText, markdownCell } from './format.js';

/** Text in a table cell or inline code: a table cell's text, and no backtick ends the code. */
function cell(text: string): string {
  return markdownCell(text).replaceAll('`', "'");
}

/** Retained bytes; a diff written before soak computed them has none. */
export function retainedText(figures: { readonly retainedBytes: number }): string {
  return bytesText(figures.retainedBytes ?? null);
}

/** `Set` via `table`, in `LruTtlCache.#byTag`: who keeps a group's survivors. */
export function holderText(group: SurvivorGroup): string {
  const h = group.holder;
  if (h === undefined) return group.retainerPath === undefined ? 'reached only through weak references' : '';
  return `\`${cell(h.name)}\` via \`${cell(h.edge)}\`${h.heldAs === undefined ? '' : `, in \`${cell(h.heldAs)}\``}`;
}

/** A retainer path as one line: `(GC roots)` → … → `Map` .table → `Object`. */
export function pathText(steps: readonly RetainerStep[], cut: boolean): string {
  const parts = steps.map((s) => `\`${cell(s.name)}\`${s.edge === undefined ? '' : ` .${cell(s.edge)}`}`);
  return `${cut ? '… → ' : ''}${parts.join(' → ')}`;
}

/** One diff: the totals, the groups' table and their retainer paths. */
export function renderSnapshotDiffSection(diff: SnapshotDiff): string {
  const lines: string[] = [];
  const { baseline, target, final } = diff.files;
  lines.push(
    `Snapshots: baseline \`${cell(baseline.path)}\` (${formatBytes(baseline.bytes)}), target \`${cell(target.path)}\` (${formatBytes(target.bytes)}), ` +
      `final \`${cell(final.path)}\` (${formatBytes(final.bytes)}).`,
    '',
    `${countText(diff.bornInTarget)} objects were born between baseline and target; ${countText(diff.survivors.count)} of them ` +
      `(${formatBytes(diff.survivors.selfBytes)}) are still alive in the final snapshot, retaining ${retainedText(diff.survivors)}.`,
    '',
  );
  if (diff.groups.length === 0) {
    lines.push('No object born between baseline and target is alive in the final snapshot.', '');
    return lines.join('\n');
  }
  lines.push(
    '| objects born and still alive | type | count | self size | retained | all in final | held by |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const g of diff.groups) {
    lines.push(
      `| \`${cell(g.name)}\` | ${g.nodeType} | ${countText(g.count)} | ${formatBytes(g.selfBytes)} | ${retainedText(g)} | ${countText(g.finalCount)} | ${holderText(g)} |`,
    );
  }
  const left = diff.groupsLeftOut;
  if (left.groups > 0) lines.push('', `${countText(left.groups)} smaller groups left out: ${countText(left.count)} objects, ${formatBytes(left.selfBytes)}.`);
  lines.push('', 'One shortest retainer path from the GC roots to an object of each group (`@id` finds it in DevTools):', '');
  for (const g of diff.groups) {
    if (g.retainerPath === undefined) continue;
    lines.push(`- \`${cell(g.name)}\` @${g.exampleId}: ${pathText(g.retainerPath, g.pathCut === true)}`);
  }
  lines.push('');
  return lines.join('\n');
}

export function renderSnapshotDiffs(diffs: RunSnapshotDiffs): string {
  const lines = [
    '# Heap snapshot diffs',
    '',
    'Per worker life: objects born between the baseline snapshot (the start of the steady window) and the target (halfway) ' +
      'that are still alive in the final one (the end), grouped by type and constructor, those that retain the most first ' +
      '(retained: their own size and all that only they keep alive, what releasing them would free). ' +
      'A leak shows as a group that grows with the operations; a bounded cache as few survivors.',
    '',
  ];
  if (diffs.workers.length === 0) lines.push('No snapshot was taken.', '');
  for (const w of diffs.workers) {
    lines.push(`## ${cell(w.worker)} (life ${w.life})`, '');
    if (w.diff === undefined) lines.push(`No diff: ${cell(w.error ?? 'unknown')}.`, '');
    else lines.push(renderSnapshotDiffSection(w.diff));
  }
  if (diffs.skipped.length > 0) {
    lines.push('## Snapshots skipped', '');
    for (const s of diffs.skipped) lines.push(`- ${cell(s.worker)}: ${cell(s.detail)}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** summary.md's few lines on the diffs: each worker life's biggest group and its holder; the rest is in snapshot-diff.md. */
export function renderSnapshotSummary(diffs: RunSnapshotDiffs): string {
  const lines = [
    '## Heap snapshots',
    '',
    'The group of objects born between baseline and target and still alive at the end that retains the most, per worker life (all of it in snapshot-diff.md):',
    '',
  ];
  for (const w of diffs.workers) {
    const top = w.diff?.groups[0];
    if (w.diff === undefined) lines.push(`- ${cell(w.worker)} (life ${w.life}): no diff: ${cell(w.error ?? 'unknown')}`);
    else if (top === undefined) lines.push(`- ${cell(w.worker)} (life ${w.life}): nothing born is still alive`);
    else {
      const held = holderText(top);
      lines.push(
        `- ${cell(w.worker)} (life ${w.life}): ${countText(top.count)} \`${cell(top.name)}\` (${formatBytes(top.selfBytes)}, retaining ${retainedText(top)})` +
          `${held === '' ? '' : `, held by ${held}`}`,
      );
    }
  }
  if (diffs.skipped.length > 0) lines.push('', `${diffs.skipped.length} snapshot(s) skipped: see events.csv.`);
  lines.push('');
  return lines.join('\n');
}
