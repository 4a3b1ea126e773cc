/**
 * A file's header (`#!` line, licence and tool comments, directives) is blanked out for the
 * rewrite and put back verbatim: recast attaches leading comments to the first statement and
 * reprints the `#!` line and directives with it, so removing that statement took them along or
 * glued them to the next line. Blanking keeps every offset, line and column.
 */
import type { TSESTree } from '@typescript-eslint/types';

export interface BlankedHeader {
  /** Where the header ends (see {@link codeStart}). */
  end: number;
  /** The text with every character of the header but line breaks made a space. */
  blanked: string;
}

export function blankHeader(text: string, ast: TSESTree.Program): BlankedHeader {
  const end = codeStart(text, ast);
  return { end, blanked: text.slice(0, end).replace(/[^\r\n\u2028\u2029]/g, ' ') + text.slice(end) };
}

/** The printed rewrite of the blanked text with the header as it was. */
export function restoreHeader(text: string, header: BlankedHeader, printed: string): string {
  const blankHeader = header.blanked.slice(0, header.end);
  // recast keeps the text before the first statement as it was; were it ever to reprint the file
  // from scratch, the header's blank lines would be gone and the code would start at once.
  const code = printed.startsWith(blankHeader) ? printed.slice(header.end) : printed.trimStart();
  // A file left with nothing but its header ends where the header does.
  return text.slice(0, header.end) + (code.trim() === '' && /\n$/.test(text.slice(0, header.end)) ? '' : code);
}

/**
 * Where the file's header ends: the `#!` line, comments, and the directive prologue
 * (`'use client'`), which the rewrite never changes, up to the line of the first statement. What
 * shares that line with the statement goes with it: recast takes the statement's column for the
 * file's indentation, so the header must not end in the middle of a line.
 */
function codeStart(text: string, ast: TSESTree.Program): number {
  const directiveEnds = new Map<number, number>();
  for (const statement of ast.body) {
    if (statement.type !== 'ExpressionStatement' || statement.directive === undefined) break;
    directiveEnds.set(statement.range[0], statement.range[1]);
  }
  let at = text.startsWith('#!') ? lineEndOf(text, 0) : 0;
  // The last line start reached between the header's comments and directives.
  let lineStart = 0;
  for (;;) {
    if (isLineTerminator(text.charAt(at))) lineStart = ++at;
    else if (/\s/.test(text.charAt(at))) at++;
    else if (text.startsWith('//', at)) at = lineEndOf(text, at);
    else if (text.startsWith('/*', at)) {
      const end = text.indexOf('*/', at + 2);
      at = end < 0 ? text.length : end + 2;
    } else if (directiveEnds.has(at)) at = directiveEnds.get(at)!;
    else return /^[ \t]*$/.test(text.slice(lineStart, at)) ? at : lineStart;
  }
}

function isLineTerminator(char: string): boolean {
  return char !== '' && '\r\n\u2028\u2029'.includes(char);
}

function lineEndOf(text: string, from: number): number {
  let at = from;
  while (at < text.length && !isLineTerminator(text.charAt(at))) at++;
  return at;
}
