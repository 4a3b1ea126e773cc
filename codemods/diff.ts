/** Unified diffs for `--dry-run` and for counting removed lines in the report. */

type Edit = { op: ' ' | '-' | '+'; line: string; a: number; b: number };

function lineEdits(before: string, after: string): Edit[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  // The codemod's changes are small and local, so after trimming the common ends a plain
  // longest-common-subsequence table over the middle stays small.
  const n = endA - start;
  const m = endB - start;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[start + i] === b[start + j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const edits: Edit[] = [];
  for (let k = 0; k < start; k++) edits.push({ op: ' ', line: a[k]!, a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      edits.push({ op: ' ', line: a[start + i]!, a: start + i, b: start + j });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      edits.push({ op: '+', line: b[start + j]!, a: start + i, b: start + j });
      j++;
    } else {
      edits.push({ op: '-', line: a[start + i]!, a: start + i, b: start + j });
      i++;
    }
  }
  for (let k = 0; k < a.length - endA; k++) edits.push({ op: ' ', line: a[endA + k]!, a: endA + k, b: endB + k });
  return edits;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** One line-level comparison of a file before and after the change, read three ways. */
export class LineDiff {
  private readonly edits: Edit[];

  constructor(
    private readonly before: string,
    after: string,
  ) {
    this.edits = lineEdits(before, after);
  }

  /** Lines the change removed (lines it rewrote count once). */
  get removedLines(): number {
    let removed = 0;
    for (const e of this.edits) if (e.op === '-') removed++;
    return removed;
  }

  /**
   * The 1-based line of the file before the change that line `line` of the changed file comes
   * from; a rewritten or inserted line maps to the original line it took the place of.
   */
  originalLine(line: number): { line: number; rewritten: boolean } {
    const edit = this.edits.find((e) => e.op !== '-' && e.b === line - 1);
    if (!edit) return { line, rewritten: false };
    const lastLine = Math.max(1, splitLines(this.before).length);
    return { line: Math.min(edit.a + 1, lastLine), rewritten: edit.op === '+' };
  }

  unified(file: string, context = 3): string {
    const edits = this.edits;
    const out: string[] = [`--- a/${file}`, `+++ b/${file}`];
    let k = 0;
    while (k < edits.length) {
      if (edits[k]!.op === ' ') {
        k++;
        continue;
      }
      const from = Math.max(0, k - context);
      let to = k;
      // Extend the hunk while the next change is within two contexts' reach.
      for (;;) {
        while (to < edits.length && edits[to]!.op !== ' ') to++;
        let next = to;
        while (next < edits.length && edits[next]!.op === ' ') next++;
        if (next < edits.length && next - to <= context * 2) to = next;
        else break;
      }
      const end = Math.min(edits.length, to + context);
      const hunk = edits.slice(from, end);
      const aStart = hunk[0]!.a;
      const bStart = hunk[0]!.b;
      const aLen = hunk.filter((e) => e.op !== '+').length;
      const bLen = hunk.filter((e) => e.op !== '-').length;
      out.push(`@@ -${aLen === 0 ? aStart : aStart + 1},${aLen} +${bLen === 0 ? bStart : bStart + 1},${bLen} @@`);
      for (const e of hunk) out.push(e.op + e.line);
      k = end;
    }
    return out.join('\n') + '\n';
  }
}
