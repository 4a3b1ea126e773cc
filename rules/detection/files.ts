/** Which files hold code a flag can be read in, and how to find them under a set of paths. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { globby, isGitIgnored } from 'globby';

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
 * The source files under `paths` (relative to `cwd`), sorted: in each directory, those .gitignore
 * does not exclude, outside node_modules and `ignore` (globs relative to `cwd`); a source file
 * named as a path is taken as named. A path that does not exist or is neither a directory nor a
 * source file is refused rather than skipped: scanning nothing would make every flag look unused.
 * The files of the other paths are listed all the same, for a caller that skips such paths.
 */
export async function listSourceFiles(
  cwd: string,
  paths: readonly string[],
  verb = 'scan',
  ignore: readonly string[] = [],
): Promise<{ files: string[]; refused: string[] }> {
  const patterns: string[] = [];
  const named: string[] = [];
  const exts = `{${SOURCE_EXTENSIONS.join(',')}}`;
  const refused: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const rel = toPosix(relative(cwd, abs)) || '.';
    const stats = statSync(abs, { throwIfNoEntry: false });
    if (!stats) refused.push(`${p}: path not found (paths are relative to ${cwd})`);
    else if (stats.isDirectory())
      patterns.push(rel === '.' ? `**/*.${exts}` : `${rel.replace(/\/$/, '')}/**/*.${exts}`);
    else if (isSourceFile(rel)) named.push(abs);
    else
      refused.push(
        `${p}: not a directory or a ${SOURCE_EXTENSIONS.map((e) => `.${e}`).join('/')} file, so there is nothing in it to ${verb}`,
      );
  }
  const options = {
    cwd,
    absolute: true,
    dot: false,
    ignore: ['**/node_modules/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts', ...ignore],
  };
  let found: string[] = [];
  if (patterns.length > 0 && (gitRootOf(cwd) ?? cwd) === cwd) {
    // globby's gitignore option stats every file found to rule out directories, several times
    // the cost of the glob on a large tree. With no repository root above cwd, no .gitignore
    // outside it applies, and matching against the .gitignore files under cwd is the same filter.
    const [all, ignored] = await Promise.all([globby(patterns, options), isGitIgnored({ cwd })]);
    found = all.filter((f) => !ignored(f));
  } else if (patterns.length > 0) {
    found = await globby(patterns, { ...options, gitignore: true });
  }
  return { files: [...new Set([...found.map((f) => resolve(f)), ...named])].sort(), refused };
}

/** The nearest directory at or above `directory` holding `.git`, as globby finds the repository root. */
function gitRootOf(directory: string): string | undefined {
  for (let dir = directory; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
