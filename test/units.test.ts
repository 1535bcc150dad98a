import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatConfidence, formatDuration, parseDuration, parseRate, parseSize } from '../src/units.js';

test('parseDuration reads seconds, minutes, hours, compounds and bare seconds', () => {
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('10m'), 600);
  assert.equal(parseDuration('24h'), 86400);
  assert.equal(parseDuration('250ms'), 0.25);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration('45'), 45);
  assert.equal(parseDuration('1.5m'), 90);
});

test('parseDuration rejects malformed text', () => {
  for (const bad of ['', 'abc', '10 minutes', '5x', '-3s', 's', '1h 30m', '10m5']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

test('parseSize is 1024-based and case-insensitive', () => {
  assert.equal(parseSize('50MB'), 50 * 1024 * 1024);
  assert.equal(parseSize('1kb'), 1024);
  assert.equal(parseSize('2GB'), 2 * 1024 ** 3);
  assert.equal(parseSize('100'), 100);
  assert.equal(parseSize('1.5KB'), 1536);
  for (const bad of ['', 'MB', '5TB', '-1MB', '1 M B']) assert.equal(parseSize(bad), undefined, bad);
});

test('parseRate gives bytes per second from per-second, per-minute and per-hour rates', () => {
  assert.equal(parseRate('1MB/h'), (1024 * 1024) / 3600);
  assert.equal(parseRate('2KB/s'), 2048);
  assert.equal(parseRate('60B/m'), 1);
  for (const bad of ['', '1MB', '1MB/d', 'fast/s', '/h']) assert.equal(parseRate(bad), undefined, bad);
});

test('formatters give short human figures', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KB');
  assert.equal(formatBytes(-2 * 1024 * 1024), '-2 MB');
  assert.equal(formatDuration(90), '1m30s');
  assert.equal(formatDuration(86400), '24h');
  assert.equal(formatDuration(12.5), '12.5s');
});

test('formatConfidence shows the digits that give the error of a level to within a twentieth', () => {
  assert.equal(formatConfidence(0.95), '95%');
  assert.equal(formatConfidence(0.975), '97.5%');
  assert.equal(formatConfidence(0.9875), '98.8%');
  assert.equal(formatConfidence(0.997), '99.7%');
  assert.equal(formatConfidence(1 - 6.3e-4), '99.94%');
  assert.equal(formatConfidence(1 - 5e-7), '99.99995%');
});
