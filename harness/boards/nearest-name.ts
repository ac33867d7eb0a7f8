/**
 * "Did you mean …?" for a misspelt field name in a boards file: the allowed name nearest to the
 * typo by edit distance (Levenshtein, case-insensitive), if one is close enough to be a likely
 * slip rather than a different word. At most 2 edits: `serachDirs` finds `searchDirs`, `foo`
 * finds nothing.
 */

/** The allowed name nearest to a typo (edit distance at most 2), if any. */
export function nearestName(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
