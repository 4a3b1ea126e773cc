/** The source files a run reads: found under the paths given, read once as bytes, each real file once. */
import { readFileSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { listSourceFiles } from 'eslint-plugin-modelflags/detection';
import { describeErrno } from 'modelflags/io';
import { decodeUtf8 } from './inputs.js';
import type { InputError } from './report.js';

export interface ProjectFiles {
  /** Every source file found under the paths, the file itself before a symlink to it. */
  files: string[];
  /** The bytes as read: the compare-and-swap before each rename checks these very bytes. */
  originalBytes: Map<string, Buffer>;
  /** The text of each file read, by path. */
  original: Map<string, string>;
  /** Files neither read nor written, with the bytes when they could be read. */
  skipped: { file: string; bytes: Buffer | undefined; reason: string }[];
  /** A file that could not be read: the run stops (the files read so far are listed). */
  error?: InputError;
}

export async function readProjectFiles(
  cwd: string,
  paths: readonly string[],
  root: string,
  display: (file: string) => string,
  onProgress: ((done: number, total: number, stage: 'reading') => void) | undefined,
): Promise<ProjectFiles> {
  const inBounds = [root, ...paths.map((p) => resolve(cwd, p))].map(realPathOf);
  // A path that is neither a directory nor a source file has nothing to rewrite: skipped, not refused
  // (a missing path was refused with the other input errors).
  const { files: discovered } = await listSourceFiles(cwd, paths, 'rewrite');
  const realOf = new Map(discovered.map((f) => [f, realPathOf(f)]));
  // The file itself before a symlink to it, so that imports resolve to the path they name.
  const files = [...discovered].sort(
    (a, b) => Number(realOf.get(a) !== a) - Number(realOf.get(b) !== b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const out: ProjectFiles = { files, originalBytes: new Map(), original: new Map(), skipped: [] };
  const targets = new Set<string>();
  let read = 0;
  for (const file of files) {
    onProgress?.(read++, files.length, 'reading');
    const real = realOf.get(file)!;
    if (targets.has(real)) continue;
    targets.add(real);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      out.error = { file: display(file), message: `cannot read ${display(file)}: ${describeErrno(error)}` };
      return out;
    }
    if (!inBounds.some((dir) => real === dir || real.startsWith(dir + sep))) {
      out.skipped.push({
        file,
        bytes,
        reason: `resolves to ${real}, outside the project (${display(root)}) and the paths given: not rewritten`,
      });
      continue;
    }
    const text = decodeUtf8(bytes);
    if (text === undefined) {
      out.skipped.push({
        file,
        bytes,
        reason: 'not UTF-8 text (Latin-1 or binary?): not rewritten, save it as UTF-8 to have it cleaned',
      });
      continue;
    }
    out.originalBytes.set(file, bytes);
    out.original.set(file, text);
  }
  return out;
}

/** Whether the paths given hold the whole project, so every file that could name a key was read. */
export function coversProject(root: string, cwd: string, paths: readonly string[]): boolean {
  return paths.some((p) => {
    const abs = resolve(cwd, p);
    return root === abs || root.startsWith(abs + sep);
  });
}

/** A file whose first line says it is generated: never rewritten (a typed module is regenerated instead). */
export function isGenerated(text: string): boolean {
  const firstLine = text.slice(0, 200).split('\n', 1)[0] ?? '';
  return firstLine.includes('@generated');
}

function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
