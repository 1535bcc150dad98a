/** Flag values shared by the commands: parsed, or a one-line usage error naming the flag. */
import { errors } from '../errors.js';
import { parseDuration, parseRate, parseSize } from '../units.js';

export function unit(flag: string, text: string, parse: (text: string) => number | undefined, expected: string): number {
  const value = parse(text);
  if (value === undefined) throw errors.option(flag, expected, text);
  return value;
}

export function integer(flag: string, text: string): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw errors.option(flag, 'an integer', text);
  return value;
}

export function parseDurationFlag(flag: string, text: string, example = '90s, 10m or 24h'): number {
  return unit(flag, text, parseDuration, `a duration such as ${example}`);
}

export function parseWarmupFlag(text: string): number | 'auto' {
  return text === 'auto' ? 'auto' : unit('--warmup', text, parseDuration, "'auto' or a duration such as 30s");
}

/** Bytes per second. */
export function parseRateFlag(flag: string, text: string): number {
  return unit(flag, text, parseRate, 'a rate such as 1MB/h or 2KB/s');
}

export function parseSizeFlag(flag: string, text: string): number {
  return unit(flag, text, parseSize, 'a size such as 50MB');
}
