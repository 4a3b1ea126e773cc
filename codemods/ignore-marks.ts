/** What the user marked as not reading the flag: `--ignore` globs and `// remove-flag-ignore` comments. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { globby } from 'globby';
import type { Site } from './rewrite.js';

/** Marks a site or a whole file as not reading the flag: on the site's line or the line above, or in the file's leading comments. */
const IGNORE_MARK = /\/[/*]\s*remove-flag-ignore(?![\w-])/;

/**
 * Why a site left over is not a blocker, if the user said so: its file matches an `--ignore`
 * glob, or a `remove-flag-ignore` comment marks its line or its file. Site lines are those of
 * the original text or, for what the project-wide search found after the rewrite, of the
 * rewritten one; a mark in either counts.
 */
export async function ignoreMarks(
  cwd: string,
  globs: readonly string[],
  original: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, string>,
): Promise<(site: Site) => string | undefined> {
  const matched = await Promise.all(
    globs.map(async (glob) => ({
      glob,
      files: new Set((await globby(glob, { cwd, absolute: true, dot: true })).map((f) => resolve(f))),
    })),
  );
  return (site) => {
    const file = resolve(cwd, site.file);
    const glob = matched.find((m) => m.files.has(file))?.glob;
    if (glob !== undefined) return `--ignore ${glob}`;
    let texts = [original.get(file), current.get(file)].filter((t): t is string => t !== undefined);
    if (texts.length === 0) {
      try {
        texts = [readFileSync(file, 'latin1')];
      } catch {
        return undefined;
      }
    }
    for (const text of texts) {
      if (IGNORE_MARK.test(leadingComments(text))) return 'the file is marked // remove-flag-ignore';
      const lines = text.split('\n');
      if ([lines[site.line - 1], lines[site.line - 2]].some((l) => l !== undefined && IGNORE_MARK.test(l)))
        return 'marked // remove-flag-ignore';
    }
    return undefined;
  };
}

/** The comments (and blank lines, `#!`) a file starts with, before its first code. */
function leadingComments(text: string): string {
  const m = /^(?:#![^\n]*\n)?(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(text.replace(/^\uFEFF/, ''));
  return m?.[0] ?? '';
}
