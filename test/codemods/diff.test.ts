/**
 * The line diff behind `--dry-run`, the removed-line counts and the mapping of type errors back to
 * the lines on disk: its hunks rebuild the new text from the old, unchanged lines map to
 * themselves, and it removes no more lines than a longest common subsequence leaves over.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDiff } from '../../codemods/diff.js';

function lines(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** Applies a unified diff to the old lines, checking every context and removed line against them. */
function applyUnified(patch: string, before: readonly string[]): string[] {
  const body = patch.split('\n');
  expect(body[0]).toBe('--- a/f.ts');
  expect(body[1]).toBe('+++ b/f.ts');
  const out: string[] = [];
  let at = 0;
  let i = 2;
  while (i < body.length && body[i] !== '') {
    const header = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(body[i]!);
    expect(header, body[i]).not.toBeNull();
    const [aFrom, aLength, bFrom, bLength] = header!.slice(1).map(Number) as [number, number, number, number];
    const aStart = aLength === 0 ? aFrom : aFrom - 1;
    const bStart = bLength === 0 ? bFrom : bFrom - 1;
    expect(aStart).toBeGreaterThanOrEqual(at);
    while (at < aStart) out.push(before[at++]!);
    expect(out.length, 'the hunk starts where the new text is').toBe(bStart);
    let aSeen = 0;
    let bSeen = 0;
    for (i++; i < body.length && /^[ +-]/.test(body[i]!); i++) {
      const op = body[i]![0];
      const text = body[i]!.slice(1);
      if (op !== '+') {
        expect(before[at], `old line ${at + 1}`).toBe(text);
        at++;
        aSeen++;
      }
      if (op !== '-') {
        out.push(text);
        bSeen++;
      }
    }
    expect([aSeen, bSeen]).toEqual([aLength, bLength]);
  }
  while (at < before.length) out.push(before[at++]!);
  return out;
}

/** The longest common subsequence's length, by the quadratic table the diff used before. */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Uint32Array(b.length + 1);
  for (let i = a.length - 1; i >= 0; i--) {
    const row = new Uint32Array(b.length + 1);
    for (let j = b.length - 1; j >= 0; j--)
      row[j] = a[i] === b[j] ? previous[j + 1]! + 1 : Math.max(previous[j]!, row[j + 1]!);
    previous = row;
  }
  return previous[0]!;
}

/** Texts over a few repeated lines, so common lines, moves and ambiguous matches are frequent. */
const text = fc
  .array(fc.constantFrom('a', 'b', 'c', '', '  }', 'return x;'), { maxLength: 40 })
  .chain((ls) => fc.boolean().map((trailing) => (ls.length === 0 ? '' : ls.join('\n') + (trailing ? '\n' : ''))));

/** A text and an edited copy of it (lines deleted, inserted and replaced), like the codemod's output. */
const editedPair = fc
  .tuple(
    fc.array(fc.constantFrom('a', 'b', 'c', '', '  }', 'return x;', 'if (x) {'), { maxLength: 60 }),
    fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom('a', 'new', '', '  }')),
      { maxLength: 12 },
    ),
  )
  .map(([base, edits]) => {
    const after: string[] = [...base];
    for (const [position, kind, line] of edits) {
      const i = after.length === 0 ? 0 : position % after.length;
      if (kind === 'delete') after.splice(i, 1);
      else if (kind === 'insert') after.splice(i, 0, line);
      else after.splice(i, 1, line);
    }
    return [base.map((l) => `${l}\n`).join(''), after.map((l) => `${l}\n`).join('')] as const;
  });

const pair = fc.oneof(fc.tuple(text, text), editedPair);

describe('LineDiff', () => {
  it('its unified diff, applied to the old text, gives the new text, for any context size', () => {
    fc.assert(
      fc.property(pair, fc.integer({ min: 0, max: 4 }), ([before, after], context) => {
        const patch = new LineDiff(before, after).unified('f.ts', context);
        expect(applyUnified(patch, lines(before))).toEqual(lines(after));
      }),
      { numRuns: 2000 },
    );
  });

  it('removes and adds no more lines than a longest common subsequence leaves', () => {
    fc.assert(
      fc.property(pair, ([before, after]) => {
        const diff = new LineDiff(before, after);
        const common = lcsLength(lines(before), lines(after));
        expect(diff.removedLines).toBe(lines(before).length - common);
        const patch = diff.unified('f.ts', 0);
        expect(patch.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length).toBe(
          lines(after).length - common,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('maps every unchanged line to the same text on the old side, in order, and rewritten lines into the old file', () => {
    fc.assert(
      fc.property(pair, ([before, after]) => {
        const diff = new LineDiff(before, after);
        const old = lines(before);
        const now = lines(after);
        let previous = 0;
        let unchanged = 0;
        for (let line = 1; line <= now.length; line++) {
          const at = diff.originalLine(line);
          if (at.rewritten) {
            expect(at.line).toBeGreaterThanOrEqual(1);
            expect(at.line).toBeLessThanOrEqual(Math.max(1, old.length));
            continue;
          }
          expect(old[at.line - 1]).toBe(now[line - 1]);
          expect(at.line).toBeGreaterThan(previous);
          previous = at.line;
          unchanged++;
        }
        expect(unchanged).toBe(lcsLength(old, now));
      }),
      { numRuns: 2000 },
    );
  });

  it('maps a line past the end of the new text to itself', () => {
    expect(new LineDiff('a\nb\n', 'b\n').originalLine(5)).toEqual({ line: 5, rewritten: false });
  });

  it('a rewritten line maps to the line it replaced, an inserted one to the line after it', () => {
    const diff = new LineDiff('one\ntwo\nthree\nfour\n', 'one\nTWO\nthree\nnew\nfour\n');
    expect(diff.originalLine(2)).toEqual({ line: 2, rewritten: true });
    expect(diff.originalLine(3)).toEqual({ line: 3, rewritten: false });
    expect(diff.originalLine(4)).toEqual({ line: 4, rewritten: true });
    expect(diff.originalLine(5)).toEqual({ line: 4, rewritten: false });
  });

  it('stays correct on a file rewritten wholesale, past the exhaustive search', () => {
    // Every other line differs: about 10,000 edits in one region, beyond the exhaustive search.
    const before = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? `same ${i}` : `old ${i}`));
    const after = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? `same ${i}` : `new ${i}`));
    const diff = new LineDiff(before.join('\n'), after.join('\n'));
    expect(applyUnified(diff.unified('f.ts'), before)).toEqual(after);
    expect(diff.removedLines).toBeGreaterThanOrEqual(5_000);
    for (let line = 1; line <= after.length; line += 2)
      expect(diff.originalLine(line)).toEqual({ line, rewritten: false });
  });
});
