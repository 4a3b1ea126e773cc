/**
 * What syncing staged files costs remove-flag's write phase: 301 files (the kill soak's project:
 * 3,000 files, every tenth changed) staged one by one with `stageFileWrite` (a sync each, as
 * `writeFileAtomic` does) against `stageFileWrites` (synced concurrently, a batch at a time).
 *
 *   npx tsx bench/codemod/stage-writes.ts [rounds=3]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageFileWrite, stageFileWrites } from '../../src/io/file-write.js';
import { generateProject } from './kill-soak.js';

const dir = mkdtempSync(join(tmpdir(), 'remove-flag-stage-'));
try {
  generateProject(dir, 3000);
  const files = readdirSync(join(dir, 'src'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, 'src', f))
    .filter((_, i) => i % 10 === 0);
  for (let round = 0; round < Number(process.argv[2] ?? 3); round++) {
    let t = performance.now();
    for (const s of files.map((f) => stageFileWrite(f, 'export const x = 1;\n'))) s.discard();
    const oneByOne = performance.now() - t;
    t = performance.now();
    for (const s of await stageFileWrites(files.map((f) => ({ path: f, data: 'export const x = 1;\n' })))) s.discard();
    console.log(
      `${files.length} files staged: one by one ${oneByOne.toFixed(0)} ms, batched ${(performance.now() - t).toFixed(0)} ms`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
