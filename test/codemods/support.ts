/**
 * Projects on disk and the real remove-flag process, for the write-safety tests and the kill soak.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = join(import.meta.dirname, '..', '..');
export const SHARED_REGISTRY = readFileSync(join(REPO, 'test/codemods/fixtures/_shared/flags.json'), 'utf8');

/** A project in a fresh temporary directory: the shared flags.json plus `files`. */
export function makeProject(files: Record<string, string | Buffer>, registry = SHARED_REGISTRY): string {
  const dir = mkdtempSync(join(tmpdir(), 'remove-flag-safety-'));
  writeFileSync(join(dir, 'flags.json'), registry);
  for (const [file, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), contents);
  }
  return dir;
}

/** Every entry under `dir` (dot files too), symlinks as `-> target`, files as their bytes. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      const stat = lstatSync(join(dir, rel));
      if (stat.isSymbolicLink()) out.set(rel, `-> ${readlinkSync(join(dir, rel))}`);
      else if (stat.isDirectory()) visit(rel);
      else out.set(rel, `${(stat.mode & 0o7777).toString(8)} ${readFileSync(join(dir, rel)).toString('base64')}`);
    }
  };
  visit('');
  return out;
}

/** Files a writer left behind: temporary files and the journal. */
export function leftovers(dir: string): string[] {
  return [...snapshotTree(dir).keys()].filter((f) =>
    /\.mf-tmp$|\.remove-flag\.tmp$|\.remove-flag-journal\.json$/.test(f),
  );
}

export interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs the real `remove-flag` bin (the TypeScript source through tsx) in `cwd`. With `pauseAt`
 * the process pauses there (REMOVE_FLAG_TEST_PAUSE_AFTER_RENAMES) and `whenPaused` decides: kill
 * it, or change files and let it go on.
 */
export function runBin(
  cwd: string,
  args: string[],
  options: { pauseAt?: number; whenPaused?: (pid: number) => void; prefix?: string[] } = {},
): Promise<Child & { paused: boolean }> {
  const env = {
    ...process.env,
    ...(options.pauseAt !== undefined ? { REMOVE_FLAG_TEST_PAUSE_AFTER_RENAMES: String(options.pauseAt) } : {}),
  };
  const command = [
    ...(options.prefix ?? []),
    process.execPath,
    '--conditions=modelflags-source',
    '--import',
    TSX,
    join(REPO, 'codemods/bin.ts'),
    ...args,
  ];
  const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let paused = false;
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (!paused && /remove-flag: paused after -?\d+ renames/.test(err)) {
      paused = true;
      options.whenPaused?.(child.pid!);
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err, paused })));
}
