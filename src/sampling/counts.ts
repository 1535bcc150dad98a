/**
 * The text of a count-by-key column (`Timeout:12 TCPSocketWrap:3`): most first, ties by key. Keys
 * hold no blanks or colons, so the analysis splits it back without quoting.
 */
export function formatCounts(counts: Iterable<readonly [string, number]>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([key, n]) => `${key}:${n}`)
    .join(' ');
}

/** A key made fit for such a column: blanks and colons become underscores. */
export function countKey(name: string): string {
  return name.replace(/[\s:]+/g, '_');
}
