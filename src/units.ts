/**
 * Parsing and formatting of durations, sizes and rates as written on the command line.
 * Sizes are 1024-based (1 KB = 1024 B), as --help says.
 * Parsers return undefined on malformed input; callers own the error message.
 */

const durationUnits: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const rateUnits: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** '90s' | '10m' | '24h' | '250ms' | '1h30m' → seconds. A bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of parts) seconds += Number(amount) * (durationUnits[unit ?? ''] ?? NaN);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** '50MB' | '512KB' | '1.5GB' | '100' (bytes) → bytes. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (sizeUnits[(match[2] ?? 'b').toLowerCase()] ?? NaN);
}

/** '1MB/h' | '2KB/s' → bytes per second. */
export function parseRate(text: string): number | undefined {
  const match = /^(.+)\/(s|m|h)$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = parseSize(match[1] ?? '');
  if (bytes === undefined) return undefined;
  return bytes / (rateUnits[(match[2] ?? '').toLowerCase()] ?? NaN);
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  for (const unit of ['B', 'KB', 'MB']) {
    if (value < 1024) return `${sign}${threeDigits(value)} ${unit}`;
    value /= 1024;
  }
  return `${sign}${threeDigits(value)} GB`;
}

export function formatRatePerHour(bytesPerHour: number): string {
  return `${formatBytes(bytesPerHour)}/h`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${threeDigits(seconds)}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', s > 0 ? `${s}s` : ''].join('') || '0s';
}

/** Three significant digits, or a whole number from 100 up. */
export function threeDigits(value: number): string {
  return value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toPrecision(3);
}

/**
 * `95%`, `98.8%`, `99.7%`, `99.99995%`: a confidence level with the fewest digits that show its error
 * (100 % less the level) to within a twentieth.
 */
export function formatConfidence(confidence: number): string {
  const percent = confidence * 100;
  const tolerance = (100 - percent) / 20;
  let decimals = 0;
  while (decimals < 12 && Math.abs(Number(percent.toFixed(decimals)) - percent) > tolerance) decimals++;
  return `${percent.toFixed(decimals)}%`;
}
