/**
 * One time-series chart as inline SVG: drawn here, in Node, so report.html shows its charts with
 * no script, no network and no library, in a browser, a mail client's preview or on paper. The
 * page's small script only adds a hover read-out (it reads the coordinates back from the SVG).
 * Every text that reaches the markup goes through escapeHtml.
 */
import { formatDuration } from '../../units.js';
import { formatTick, timeTicks, valueAxis, type Unit } from './axis.js';
import type { Polyline } from './downsample.js';
import { escapeHtml } from './escape.js';

export const CHART_WIDTH = 560;
const HEIGHT = 230;
const MARGIN = { left: 70, right: 14, top: 30, bottom: 30 } as const;
/** Buckets for downsampling: about one per horizontal pixel of the plot. */
export const PLOT_BUCKETS = CHART_WIDTH - MARGIN.left - MARGIN.right;

export interface ChartSeries {
  /** Index of the series in its legend (its colour, and the key the legend's toggles use). */
  readonly index: number;
  readonly name: string;
  readonly lines: readonly Polyline[];
  /** A single reading drawn as a dot (the heap after teardown). */
  readonly dot?: { readonly t: number; readonly y: number; readonly label: string };
}

/** A fitted line over [fromS, toS] and its 95 % band: lines of the interval's slopes through the pivot. */
export interface ChartFit {
  readonly index: number;
  readonly fromS: number;
  readonly toS: number;
  readonly pivotS: number;
  readonly pivotY: number;
  /** Units per second. */
  readonly slope: number;
  readonly low: number | null;
  readonly high: number | null;
}

export interface ChartMarker {
  readonly atS: number;
  readonly kind: 'phase' | 'respawn' | 'crash' | 'other';
  readonly label: string;
}

export interface ChartSpec {
  /** Unique in the page (it names the plot's clip path); not from user data. */
  readonly id: string;
  readonly title: string;
  readonly unit: Unit;
  /** The time axis: [xMinS, xMaxS] seconds into the run (xMinS defaults to 0). */
  readonly xMinS?: number;
  readonly xMaxS: number;
  readonly series: readonly ChartSeries[];
  readonly fits?: readonly ChartFit[];
  /** The steady window, shaded. */
  readonly shade?: { readonly fromS: number; readonly toS: number };
  readonly markers?: readonly ChartMarker[];
  /** Start the value axis at zero (rates, counts) rather than at the data's low. */
  readonly fromZero?: boolean;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#000';
}

export function renderChart(spec: ChartSpec): string {
  const { series, unit } = spec;
  let low = Infinity;
  let high = -Infinity;
  for (const s of series) {
    for (const line of s.lines)
      for (const v of line.y) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    if (s.dot !== undefined) {
      low = Math.min(low, s.dot.y);
      high = Math.max(high, s.dot.y);
    }
  }
  const hasData = Number.isFinite(low);
  if (spec.fromZero === true) low = Math.min(0, low);
  // A count that is 0 throughout draws on 0..2, not around 0.
  const axis = valueAxis(low, high, unit, spec.fromZero === true && low >= 0 ? 0 : -Infinity);
  const xMin = spec.xMinS ?? 0;
  const xMax = spec.xMaxS > xMin ? spec.xMaxS : xMin + 1;
  const plotW = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number): number => round(MARGIN.left + ((t - xMin) / (xMax - xMin)) * plotW);
  const y = (v: number): number => round(MARGIN.top + plotH - ((v - axis.min) / (axis.max - axis.min)) * plotH);
  const clip = `clip-${spec.id}`;
  const bottom = MARGIN.top + plotH;
  const parts: string[] = [];

  parts.push(`<text class="title" x="${MARGIN.left}" y="18">${escapeHtml(spec.title)}</text>`);
  parts.push(`<defs><clipPath id="${clip}"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`);
  if (spec.shade !== undefined && spec.shade.toS > spec.shade.fromS) {
    const x0 = x(Math.max(xMin, spec.shade.fromS));
    const x1 = x(Math.min(xMax, spec.shade.toS));
    parts.push(
      `<rect class="steady" x="${x0}" y="${MARGIN.top}" width="${round(x1 - x0)}" height="${plotH}"><title>steady window: ` +
        `${escapeHtml(formatDuration(Math.round(spec.shade.fromS)))} to ${escapeHtml(formatDuration(Math.round(spec.shade.toS)))}</title></rect>`,
    );
  }
  for (const v of axis.ticks) {
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(v)}" y2="${y(v)}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end">${escapeHtml(formatTick(v, axis, unit))}</text>`);
  }
  for (const t of timeTicks(xMin, xMax)) {
    parts.push(`<line class="axis" x1="${x(t)}" x2="${x(t)}" y1="${bottom}" y2="${bottom + 4}"/>`);
    parts.push(`<text class="tick" x="${x(t)}" y="${bottom + 17}" text-anchor="middle">${escapeHtml(formatDuration(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${bottom}" y2="${bottom}"/>`);
  parts.push(`<g clip-path="url(#${clip})">`);
  for (const m of (spec.markers ?? []).filter((m) => m.atS >= xMin && m.atS <= xMax)) {
    parts.push(
      `<line class="marker ${m.kind}" x1="${x(m.atS)}" x2="${x(m.atS)}" y1="${MARGIN.top}" y2="${bottom}"><title>${escapeHtml(m.label)}</title></line>`,
    );
  }
  for (const f of spec.fits ?? []) parts.push(renderFit(f, x, y));
  for (const s of series) {
    for (const line of s.lines) {
      const points = line.t.map((t, i) => `${x(t)},${y(line.y[i] ?? 0)}`).join(' ');
      // A stretch of one sample (a life that barely reaches the window, a value between two gaps) is a
      // polyline that draws nothing: doubled, with round caps, it is a dot the hover script still reads.
      const lone = line.t.length === 1;
      parts.push(
        `<polyline class="series${lone ? ' lone' : ''}" data-series="${s.index}" stroke="${colorOf(s.index)}" ` +
          `points="${lone ? `${points} ${points}` : points}"/>`,
      );
    }
    if (s.dot !== undefined) {
      parts.push(
        `<circle class="dot" data-series="${s.index}" cx="${x(s.dot.t)}" cy="${y(s.dot.y)}" r="3.5" fill="${colorOf(s.index)}">` +
          `<title>${escapeHtml(s.dot.label)}</title></circle>`,
      );
    }
  }
  parts.push('</g>');
  if (!hasData) parts.push(`<text class="empty" x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" text-anchor="middle">no samples</text>`);

  // Read back by the page's hover script: the plot's box in pixels and in data units, and the series' names.
  const names = series.map((s) => s.name);
  return (
    `<svg class="chart" viewBox="0 0 ${CHART_WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(spec.title)}" ` +
    `data-unit="${unit}" data-box="${MARGIN.left},${MARGIN.top},${plotW},${plotH}" data-range="${xMin},${xMax},${axis.min},${axis.max}" ` +
    `data-names="${escapeHtml(JSON.stringify(names))}">${parts.join('')}</svg>`
  );
}

function renderFit(f: ChartFit, x: (t: number) => number, y: (v: number) => number): string {
  const at = (slope: number, t: number): number => f.pivotY + slope * (t - f.pivotS);
  const color = colorOf(f.index);
  let band = '';
  if (f.low !== null && f.high !== null && Number.isFinite(f.low) && Number.isFinite(f.high)) {
    // Lines of the interval's two slopes through the pivot bound every line the interval allows: a bow tie.
    const corners: [number, number][] = [
      [f.fromS, at(f.high, f.fromS)],
      [f.pivotS, f.pivotY],
      [f.toS, at(f.high, f.toS)],
      [f.toS, at(f.low, f.toS)],
      [f.pivotS, f.pivotY],
      [f.fromS, at(f.low, f.fromS)],
    ];
    band = `<polygon class="band" data-series="${f.index}" fill="${color}" points="${corners.map(([t, v]) => `${x(t)},${y(v)}`).join(' ')}"/>`;
  }
  return (
    `${band}<line class="fit" data-series="${f.index}" stroke="${color}" x1="${x(f.fromS)}" y1="${y(at(f.slope, f.fromS))}" ` +
    `x2="${x(f.toS)}" y2="${y(at(f.slope, f.toS))}"/>`
  );
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
