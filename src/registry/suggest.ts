/** Did-you-mean suggestions for mistyped flag keys, variants, commands and options: one policy for every tool. */
/** `" (did you mean "x"?)"` for the closest candidate within a small edit distance, else `""`. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const best = closestMatch(input, candidates);
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  // A third of the length, so "c" does not suggest "a" but "claude-sonet-4-6" suggests "claude-sonnet-4-6".
  const limit = Math.max(1, Math.floor(input.length / 3));
  for (const c of candidates) {
    const d = editDistance(input.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d <= limit && d < input.length) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Edit distance counting an adjacent transposition ("modle" for "model") as one edit. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur.push(d);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
