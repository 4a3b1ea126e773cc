import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFlagReads } from '../../../rules/detection/scan.js';

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-scan-'));
  writeFileSync(join(project, 'keys.ts'), "export const MODEL = 'inference_model';\n");
  // Names neither an SDK nor a flag key: only the reader's method says it may read one.
  writeFileSync(
    join(project, 'chat.ts'),
    "import { MODEL } from './keys';\nexport const pick = (user) => remoteConfig.getValue(MODEL, user);\n",
  );
  writeFileSync(join(project, 'plain.ts'), 'export const add = (a, b) => a + b;\n');
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('scanFlagReads', () => {
  it('passes over files as detection does: a reader of the registry counts, and keys from other files resolve', async () => {
    const readers = [{ callee: 'remoteConfig.getValue', keyArgument: 0, contextArgument: 1 }];
    const scan = await scanFlagReads({ cwd: project, paths: [], registryKeys: new Set(['inference_model']), readers });
    expect(scan).toMatchObject({ ok: true, filesScanned: 3, problems: [] });
    expect(scan.ok && scan.reads.map((r) => [r.file, r.method, r.key, r.dynamic])).toEqual([
      ['chat.ts', 'getValue', 'inference_model', false],
    ]);
  });
});
