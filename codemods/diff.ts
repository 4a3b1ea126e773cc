/**
 * Unified diffs for `--dry-run`, the removed-line counts of the report, and mapping type errors in
 * rewritten files back to the lines on disk. The line diff is Myers' O(ND) algorithm in linear
 * space (the middle-snake bisection), so a large file with a few changed functions costs about
 * one pass over its lines, where a table of common subsequences cost lines × lines.
 */

/** Lines `aStart..aEnd` of the old text became lines `bStart..bEnd` of the new one (half-open, 0-based). */
interface Change {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Each distinct line as a small integer, so the search compares numbers, not strings. */
function intern(a: readonly string[], b: readonly string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const encode = (lines: readonly string[]): Int32Array => {
    const out = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      let id = ids.get(lines[i]!);
      if (id === undefined) ids.set(lines[i]!, (id = ids.size));
      out[i] = id;
    }
    return out;
  };
  return [encode(a), encode(b)];
}

/**
 * Past this many edits in one region the search stops being exhaustive and splits at its
 * furthest point reached: the diff stays correct and near-minimal, and a wholesale rewrite of a
 * large file costs (lines × this) instead of lines².
 */
const EXHAUSTIVE_EDITS = 2000;

/** The changes turning `a` into `b`: a shortest edit script unless a region needs more than {@link EXHAUSTIVE_EDITS} edits. */
function lineChanges(a: Int32Array, b: Int32Array): Change[] {
  const changes: Change[] = [];
  const add = (aStart: number, aEnd: number, bStart: number, bEnd: number): void => {
    if (aStart === aEnd && bStart === bEnd) return;
    const last = changes[changes.length - 1];
    if (last && last.aEnd === aStart && last.bEnd === bStart) {
      last.aEnd = aEnd;
      last.bEnd = bEnd;
    } else changes.push({ aStart, aEnd, bStart, bEnd });
  };
  // Regions still to compare, last in first out with the left half on top, so changes come out in order.
  const pending: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  for (let region = pending.pop(); region; region = pending.pop()) {
    let [aLo, aHi, bLo, bHi] = region;
    while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
      aLo++;
      bLo++;
    }
    while (aHi > aLo && bHi > bLo && a[aHi - 1] === b[bHi - 1]) {
      aHi--;
      bHi--;
    }
    if (aLo === aHi || bLo === bHi) {
      add(aLo, aHi, bLo, bHi);
      continue;
    }
    const split = middleSnake(a, aLo, aHi, b, bLo, bHi);
    // No line in common: the whole region is one change.
    if (!split) add(aLo, aHi, bLo, bHi);
    else pending.push([split[0], aHi, split[1], bHi], [aLo, split[0], bLo, split[1]]);
  }
  return changes;
}

/**
 * A point on a shortest edit path through the region (Myers 1986, section 4b): forward and
 * backward searches advance one edit at a time until their furthest-reaching paths overlap.
 * The region starts and ends with differing lines, so the point is strictly inside it and both
 * halves are smaller than the whole. Undefined when the two sides have no line in common.
 */
function middleSnake(
  a: Int32Array,
  aLo: number,
  aHi: number,
  b: Int32Array,
  bLo: number,
  bHi: number,
): [number, number] | undefined {
  const n = aHi - aLo;
  const m = bHi - bLo;
  const maxD = Math.ceil((n + m) / 2);
  // Diagonals run from -d to d, and d stops at maxD or just past EXHAUSTIVE_EDITS.
  const offset = Math.min(maxD, EXHAUSTIVE_EDITS + 1) + 1;
  // forward[k + offset]: furthest x on diagonal k = x - y from the start; backward: the same from the end.
  const forward = new Int32Array(2 * offset + 1).fill(-1);
  const backward = new Int32Array(2 * offset + 1).fill(-1);
  forward[offset + 1] = 0;
  backward[offset + 1] = 0;
  const delta = n - m;
  const odd = (delta & 1) !== 0;
  // Diagonals that ran off the region's right or bottom edge are not extended again.
  let kForwardStart = 0;
  let kForwardEnd = 0;
  let kBackStart = 0;
  let kBackEnd = 0;
  for (let d = 0; d < maxD; d++) {
    if (d > EXHAUSTIVE_EDITS) return furthestForward(forward, offset, d, n, m, aLo, bLo);
    for (let k = -d + kForwardStart; k <= d - kForwardEnd; k += 2) {
      const i = offset + k;
      let x = k === -d || (k !== d && forward[i - 1]! < forward[i + 1]!) ? forward[i + 1]! : forward[i - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++;
        y++;
      }
      forward[i] = x;
      if (x > n) kForwardEnd += 2;
      else if (y > m) kForwardStart += 2;
      else if (odd) {
        const j = offset + delta - k;
        if (j >= 0 && j < forward.length && backward[j] !== -1 && x >= n - backward[j]!) return [aLo + x, bLo + y];
      }
    }
    for (let k = -d + kBackStart; k <= d - kBackEnd; k += 2) {
      const i = offset + k;
      let x = k === -d || (k !== d && backward[i - 1]! < backward[i + 1]!) ? backward[i + 1]! : backward[i - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[aHi - x - 1] === b[bHi - y - 1]) {
        x++;
        y++;
      }
      backward[i] = x;
      if (x > n) kBackEnd += 2;
      else if (y > m) kBackStart += 2;
      else if (!odd) {
        const j = offset + delta - k;
        if (j >= 0 && j < forward.length && forward[j] !== -1) {
          const forwardX = forward[j]!;
          if (forwardX >= n - x) return [aLo + forwardX, bLo + forwardX - (j - offset)];
        }
      }
    }
  }
  // Paths of fewer than maxD edits each way did not meet: a shortest one takes n + m edits.
  return undefined;
}

/** The forward search's point furthest along (x + y) among diagonals still inside the region. */
function furthestForward(
  forward: Int32Array,
  offset: number,
  d: number,
  n: number,
  m: number,
  aLo: number,
  bLo: number,
): [number, number] {
  let best: [number, number] = [0, 0];
  for (let k = -d; k <= d; k++) {
    const x = forward[offset + k]!;
    const y = x - k;
    if (x < 0 || x > n || y < 0 || y > m || (x === n && y === m)) continue;
    if (x + y > best[0] + best[1]) best = [x, y];
  }
  // Progress is at least one line: some path of d > 0 edits ends strictly inside the region.
  return [aLo + best[0], bLo + best[1]];
}

/** One line-level comparison of a file before and after the change, read three ways. */
export class LineDiff {
  private readonly a: string[];
  private readonly b: string[];
  private readonly changes: Change[];

  constructor(before: string, after: string) {
    this.a = splitLines(before);
    this.b = splitLines(after);
    const [a, b] = intern(this.a, this.b);
    this.changes = lineChanges(a, b);
  }

  /** Lines the change removed (lines it rewrote count once). */
  get removedLines(): number {
    let removed = 0;
    for (const c of this.changes) removed += c.aEnd - c.aStart;
    return removed;
  }

  /**
   * The 1-based line of the file before the change that line `line` of the changed file comes
   * from; a rewritten or inserted line maps to the original line it took the place of.
   */
  originalLine(line: number): { line: number; rewritten: boolean } {
    const index = line - 1;
    if (!Number.isInteger(index) || index < 0 || index >= this.b.length) return { line, rewritten: false };
    // The last change starting at or before the line.
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid]!.bStart <= index) lo = mid + 1;
      else hi = mid;
    }
    const change = this.changes[lo - 1];
    if (!change) return { line, rewritten: false };
    if (index >= change.bEnd) return { line: index + change.aEnd - change.bEnd + 1, rewritten: false };
    const taken = change.aStart + Math.min(index - change.bStart, Math.max(0, change.aEnd - change.aStart - 1));
    return { line: Math.min(taken + 1, Math.max(1, this.a.length)), rewritten: true };
  }

  unified(file: string, context = 3): string {
    const out: string[] = [`--- a/${file}`, `+++ b/${file}`];
    const { a, b, changes } = this;
    let first = 0;
    while (first < changes.length) {
      // A hunk takes in the next change while the unchanged lines between are within two contexts.
      let last = first;
      while (last + 1 < changes.length && changes[last + 1]!.aStart - changes[last]!.aEnd <= context * 2) last++;
      const head = changes[first]!;
      const tail = changes[last]!;
      const before = Math.min(context, head.aStart - (first > 0 ? changes[first - 1]!.aEnd : 0));
      const after = Math.min(context, (last + 1 < changes.length ? changes[last + 1]!.aStart : a.length) - tail.aEnd);
      const aStart = head.aStart - before;
      const bStart = head.bStart - before;
      const aLength = tail.aEnd + after - aStart;
      const bLength = tail.bEnd + after - bStart;
      out.push(
        `@@ -${aLength === 0 ? aStart : aStart + 1},${aLength} +${bLength === 0 ? bStart : bStart + 1},${bLength} @@`,
      );
      let at = aStart;
      for (let c = first; c <= last; c++) {
        const change = changes[c]!;
        for (; at < change.aStart; at++) out.push(` ${a[at]!}`);
        for (let i = change.aStart; i < change.aEnd; i++) out.push(`-${a[i]!}`);
        for (let i = change.bStart; i < change.bEnd; i++) out.push(`+${b[i]!}`);
        at = change.aEnd;
      }
      for (; at < tail.aEnd + after; at++) out.push(` ${a[at]!}`);
      first = last + 1;
    }
    return out.join('\n') + '\n';
  }
}
