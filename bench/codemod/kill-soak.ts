/**
 * Kill soak for remove-flag's write phase: a generated project (every tenth file reads the flag)
 * is retired by the real bin, SIGKILLed at chosen points of its write phase (the
 * REMOVE_FLAG_TEST_PAUSE_AFTER_RENAMES seam: -1 = every file staged, no journal; 0 = journal
 * written; n = n files renamed), then the same command runs again. After each, the tree must be
 * exactly what an uninterrupted run leaves, with no temporary file and no journal.
 *
 *   npx tsx bench/codemod/kill-soak.ts [files=3000] [kill points=20]
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { leftovers, runBin, SHARED_REGISTRY, snapshotTree } from '../../test/codemods/support.js';

const ARGS = ['inference_model', '--keep', 'claude-sonnet-4-6', '--no-verify'];

export interface KillPoint {
  pauseAt: number;
  /** Source files and registry holding their new bytes when the process was killed. */
  writtenAtKill: number;
  tempFilesAtKill: number;
  journalAtKill: boolean;
  rerunExitCode: number | null;
  /** `reference`: as an uninterrupted run leaves it; `original`; or `other`. */
  finalState: 'reference' | 'original' | 'other';
  leftoversAfter: number;
  rerunSeconds: number;
}

/** A project of `files` TypeScript files in folders of 100; every tenth reads the flag. */
export function generateProject(dir: string, files: number): void {
  writeFileSync(join(dir, 'flags.json'), SHARED_REGISTRY);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'src/flags.ts'),
    "import { createFlags, fileSource } from 'modelflags';\n\nexport const flags = createFlags({ source: fileSource('flags.json') });\n",
  );
  for (let i = 0; i < files; i++) {
    const folder = join(dir, 'src', `m${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    const text =
      i % 10 === 0
        ? `import { flags } from '../flags';\n\nexport function model${i}(userId: string): string {\n  const model = flags.get('inference_model', { targetingKey: userId });\n  return model === 'claude-3-haiku' ? 'short' : \`long:\${model}\`;\n}\n`
        : `export function helper${i}(x: number): number {\n  return x * ${i};\n}\n`;
    writeFileSync(join(folder, `f${i}.ts`), text);
  }
}

/** Kill points spread over the write phase of `renames` renames, both ends included. */
export function killPoints(renames: number, count: number): number[] {
  const ends = count >= 4 ? [-1, 0, renames] : [-1, renames];
  const inner = count - ends.length;
  const points = new Set(ends);
  for (let k = 1; k <= inner; k++) points.add(Math.round((k * renames) / (inner + 1)));
  return [...points].sort((a, b) => a - b);
}

export async function runKillSoak(
  files: number,
  count: number,
  log: (line: string) => void = () => {},
): Promise<{ renames: number; points: KillPoint[] }> {
  const scratch = mkdtempSync(join(tmpdir(), 'remove-flag-kill-soak-'));
  try {
    const pristine = join(scratch, 'pristine');
    mkdirSync(pristine);
    generateProject(pristine, files);
    const original = snapshotTree(pristine);
    const referenceDir = join(scratch, 'reference');
    cpSync(pristine, referenceDir, { recursive: true });
    const clean = await runBin(referenceDir, ARGS);
    if (clean.code !== 0) throw new Error(`the uninterrupted run failed (${clean.code}): ${clean.out}${clean.err}`);
    const reference = snapshotTree(referenceDir);
    const changed = [...reference.keys()].filter((f) => reference.get(f) !== original.get(f));
    const renames = changed.length;
    log(`${files} files, ${renames} to write (registry included); uninterrupted run exit 0`);

    const points: KillPoint[] = [];
    for (const pauseAt of killPoints(renames, count)) {
      const work = join(scratch, `kill-${pauseAt}`);
      cpSync(pristine, work, { recursive: true });
      const killed = await runBin(work, ARGS, { pauseAt, whenPaused: (pid) => process.kill(pid, 'SIGKILL') });
      if (!killed.paused) throw new Error(`did not pause at ${pauseAt}: ${killed.out}${killed.err}`);
      const atKill = snapshotTree(work);
      const left = leftovers(work);
      const started = performance.now();
      const rerun = await runBin(work, ARGS);
      const rerunSeconds = (performance.now() - started) / 1000;
      const after = snapshotTree(work);
      const same = (a: Map<string, string>, b: Map<string, string>): boolean =>
        a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
      const point: KillPoint = {
        pauseAt,
        writtenAtKill: changed.filter((f) => atKill.get(f) === reference.get(f)).length,
        tempFilesAtKill: left.filter((f) => f.endsWith('.mf-tmp')).length,
        journalAtKill: left.some((f) => f.endsWith('.remove-flag-journal.json')),
        rerunExitCode: rerun.code,
        finalState: same(after, reference) ? 'reference' : same(after, original) ? 'original' : 'other',
        leftoversAfter: leftovers(work).length,
        rerunSeconds,
      };
      points.push(point);
      log(
        `kill after ${String(pauseAt).padStart(4)} renames: ${String(point.writtenAtKill).padStart(4)} written at kill, ${String(point.tempFilesAtKill).padStart(4)} temp files, journal ${point.journalAtKill ? 'yes' : 'no '}; rerun exit ${point.rerunExitCode} in ${rerunSeconds.toFixed(1)} s, final ${point.finalState}, leftovers ${point.leftoversAfter}`,
      );
      rmSync(work, { recursive: true, force: true });
    }
    return { renames, points };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = Number(process.argv[2] ?? 3000);
  const count = Number(process.argv[3] ?? 20);
  const { points } = await runKillSoak(files, count, (line) => console.log(line));
  const bad = points.filter((p) => p.rerunExitCode !== 0 || p.finalState !== 'reference' || p.leftoversAfter > 0);
  console.log(
    bad.length === 0
      ? `all ${points.length} kill points: rerun exit 0, tree as the uninterrupted run leaves it, no leftovers`
      : `${bad.length} kill point(s) FAILED`,
  );
  process.exitCode = bad.length === 0 ? 0 : 1;
}
