/** Which files hold code a flag can be read in, and how to find them under a set of paths. */
import { statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { globby } from 'globby';

export const SOURCE_EXTENSIONS = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'] as const;

const DECLARATION_FILE = /\.d\.[cm]?ts$/;

/** A file of code (not a declaration file) by its name. */
export function isSourceFile(file: string): boolean {
  return !DECLARATION_FILE.test(file) && SOURCE_EXTENSIONS.some((e) => file.endsWith(`.${e}`));
}

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * The source files under `paths` (relative to `cwd`), sorted, honouring .gitignore and skipping
 * node_modules. A path that does not exist or is neither a directory nor a source file is refused
 * rather than skipped: scanning nothing would make every flag look unused.
 */
export async function listSourceFiles(cwd: string, paths: readonly string[], verb = 'scan'): Promise<{ files: string[]; refused: string[] }> {
  const patterns: string[] = [];
  const exts = `{${SOURCE_EXTENSIONS.join(',')}}`;
  const refused: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const rel = toPosix(relative(cwd, abs)) || '.';
    const stats = statSync(abs, { throwIfNoEntry: false });
    if (!stats) refused.push(`${p}: path not found (paths are relative to ${cwd})`);
    else if (stats.isDirectory()) patterns.push(rel === '.' ? `**/*.${exts}` : `${rel.replace(/\/$/, '')}/**/*.${exts}`);
    else if (isSourceFile(rel)) patterns.push(rel);
    else refused.push(`${p}: not a directory or a ${SOURCE_EXTENSIONS.map((e) => `.${e}`).join('/')} file, so there is nothing in it to ${verb}`);
  }
  if (refused.length > 0) return { files: [], refused };
  const files = await globby(patterns, { cwd, gitignore: true, ignore: ['**/node_modules/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'], absolute: true, dot: false });
  return { files: files.sort(), refused };
}
