import { escapeHtml } from './escape.js';

/** The pages' stylesheet (report.html, release.html), inline: a page must not fetch anything. */
export const pageStyle = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --pass: #1a7f37; --leak: #cf222e; --inconclusive: #9a6700; --error: #8250df; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.facts, .note, .hint { color: var(--muted); }
.warning { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; border-radius: 6px; }
.verdict { display: inline-block; font-size: 12px; font-weight: 700; padding: 1px 8px; border-radius: 10px; color: #fff; vertical-align: middle; }
.verdict.pass { background: var(--pass); } .verdict.leak { background: var(--leak); }
.verdict.inconclusive { background: var(--inconclusive); } .verdict.error { background: var(--error); }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
td.reason { min-width: 240px; }
tr:has(+ tr.reason-row) td { border-bottom: none; padding-bottom: 0; }
tr.reason-row td { color: var(--muted); padding-top: 1px; }
.table-wrap { overflow-x: auto; }
code { overflow-wrap: anywhere; }
td.num { white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 10px; }
svg.chart { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
svg .title { font-size: 12.5px; font-weight: 600; fill: var(--fg); }
svg .tick { font-size: 10.5px; fill: var(--muted); }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .steady { fill: #ddf4ff; opacity: 0.6; }
svg .series { fill: none; stroke-width: 1.3; stroke-linejoin: round; }
svg .series.lone { stroke-width: 5; stroke-linecap: round; }
svg .fit { stroke-width: 1.6; stroke-dasharray: 6 3; }
svg .band { opacity: 0.16; stroke: none; }
svg .marker { stroke-width: 1.2; stroke-dasharray: 3 3; }
svg .marker.phase { stroke: #8c959f; } svg .marker.respawn { stroke: #bf8700; } svg .marker.crash { stroke: var(--leak); } svg .marker.other { stroke: var(--error); }
svg .marker:hover { stroke-width: 3; }
svg .empty { fill: var(--muted); font-size: 13px; }
svg .cross { stroke: #57606a; stroke-width: 0.8; pointer-events: none; }
.legend { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 6px 0; }
.legend-item { font: inherit; font-size: 12.5px; border: 1px solid var(--line); background: #fff; border-radius: 12px; padding: 1px 10px; cursor: pointer; }
.legend-item[aria-pressed="false"] { opacity: 0.4; text-decoration: line-through; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.hint { font-size: 12px; margin-left: 6px; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; } dt { font-weight: 600; } dd { margin: 0; word-break: break-word; }
.tip { position: absolute; pointer-events: none; white-space: pre; background: rgba(27, 31, 36, 0.92); color: #fff; font-size: 12px; padding: 5px 8px; border-radius: 5px; z-index: 2; }
@media print { .legend .hint, .tip { display: none; } .charts { grid-template-columns: 1fr 1fr; } }
`;

/** A page's start, up to its body: the title, the viewport, the stylesheet. */
export function pageHead(title: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${pageStyle}</style>`,
    '</head><body>',
  ].join('\n');
}
