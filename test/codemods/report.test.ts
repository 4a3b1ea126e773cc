/** The summary line says what was done: reads rewritten, and key-table entries removed, counted apart. */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, removeFlag } from '../../codemods/remove-flag.js';
import { makeProject } from './support.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the report', () => {
  it('does not count a key-table entry as a read', async () => {
    const dir = makeProject({
      'src/flags.ts':
        "import { createFlags, fileSource } from 'modelflags';\n\nexport const flags = createFlags({ source: fileSource('flags.json') });\n",
      'src/features.ts':
        'export interface Features {\n  inference_model: string;\n  system_prompt_version: string;\n}\n',
      'src/chat.ts':
        "import { flags } from './flags';\n\nexport function model(userId: string): string {\n  return flags.get('inference_model', { targetingKey: userId });\n}\n",
    });
    dirs.push(dir);
    const report = await removeFlag({
      flags: [{ flag: 'inference_model', keep: 'claude-sonnet-4-6' }],
      cwd: dir,
      verify: false,
    });
    expect(report.errors).toEqual([]);
    expect(report.rewritten.map((s) => `${s.file}:${s.line}`)).toEqual(['src/chat.ts:4']);
    expect(report.keyTableEntries.map((s) => `${s.file}:${s.line}`)).toEqual(['src/features.ts:2']);
    expect(formatReport(report)).toContain(
      'inference_model → "claude-sonnet-4-6": 1 read(s) rewritten, 1 key-table entry removed in 2 file(s).',
    );
  });
});
