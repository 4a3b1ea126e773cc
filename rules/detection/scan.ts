/**
 * Every flag read under a set of paths, for `modelflags audit` (hence its wording): the same detection the rules run,
 * over files found on disk, with cross-file resolution through the project on disk.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { DetectionEntry, ProjectScan, ScannedRead, ScanProblem } from 'modelflags/cli';
import { describeErrno } from 'modelflags/io';
import { findFlagReads } from './detector.js';
import { listSourceFiles, toPosix } from './files.js';
import { parseForDetection, SourceSyntaxError } from './parse.js';
import { mightContainReads } from './prefilter.js';
import { diskProject } from './project.js';
import type { FlagRead } from './types.js';

export const scanFlagReads: DetectionEntry['scanFlagReads'] = async (options): Promise<ProjectScan> => {
  const { cwd, registryKeys } = options;
  const { files, refused } = await listSourceFiles(cwd, options.paths.length > 0 ? options.paths : ['.'], 'audit');
  if (refused.length > 0) return { ok: false, refused };
  const reads: ScannedRead[] = [];
  const problems: ScanProblem[] = [];
  let scanned = 0;
  for (const file of files) {
    options.onProgress?.(scanned++, files.length);
    const rel = toPosix(relative(cwd, file));
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push({ file: rel, line: 1, column: 1, message: `cannot be read (${describeErrno(error)})` });
      continue;
    }
    const detection = {
      registryKeys,
      readers: options.readers,
      text: source,
      file: resolve(file),
      project: diskProject,
    };
    // Parsing is the expensive part; most files mention neither an SDK nor a flag key.
    if (!mightContainReads(detection)) continue;
    let found: FlagRead[];
    try {
      const { ast, scopeManager } = parseForDetection(source, file);
      found = findFlagReads(ast, scopeManager, detection);
    } catch (error) {
      if (!(error instanceof SourceSyntaxError)) throw error;
      problems.push({ file: rel, line: error.line, column: error.column, message: `does not parse (${error.reason})` });
      continue;
    }
    for (const read of found) {
      const { start, end } = (read.keyNode ?? read.call).loc;
      reads.push({
        file: rel,
        line: start.line,
        column: start.column + 1,
        endLine: end.line,
        endColumn: end.column + 1,
        method: read.method,
        key: read.key,
        dynamic: read.keyKind === 'dynamic',
      });
    }
  }
  options.onProgress?.(files.length, files.length);
  return { ok: true, filesScanned: files.length, reads, problems };
};
