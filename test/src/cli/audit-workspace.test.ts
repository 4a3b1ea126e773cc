/**
 * `modelflags audit` follows a key into another workspace package: a read through an enum that
 * `@acme/shared` exports is a read of that flag, not an unused flag plus an unresolved read.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runAudit } from '../../../src/cli/audit/audit.js';
import * as detection from '../../../rules/detection/index.js';

const project = mkdtempSync(join(tmpdir(), 'modelflags-audit-workspace-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

it('resolves keys held by an enum of another workspace package', async () => {
  cpSync(join(import.meta.dirname, '../../codemods/fixtures/mono-workspace-enum-key/input'), project, {
    recursive: true,
  });
  const result = await runAudit({ cwd: project, today: '2026-12-01' }, detection);
  const about = (kind: string): (string | undefined)[] =>
    result.findings.filter((f) => f.kind === kind).map((f) => f.flag);
  expect(about('unused')).toEqual([]);
  expect(about('unresolved')).toEqual([]);
  const reads = result.findings
    .filter((f) => f.flag === 'inference_model')
    .flatMap((f) => f.reads.map((r) => `${r.file}:${r.line}`));
  expect(reads).toContain('packages/app/src/answer.ts:7');
});
