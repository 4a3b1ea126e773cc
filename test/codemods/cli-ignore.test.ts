/**
 * `remove-flag --ignore <glob>` on the command line: a flag service's dynamic-key evaluation is
 * printed as a note and does not keep the entry; without the option it does.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../../codemods/cli.js';

const INPUT = join(import.meta.dirname, 'fixtures/ignore-glob-flag-service/input');
const scratch = mkdtempSync(join(tmpdir(), 'remove-flag-cli-ignore-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(name: string, args: string[]): Promise<{ code: number; out: string; registry: string }> {
  const cwd = join(scratch, name);
  cpSync(INPUT, cwd, { recursive: true });
  let out = '';
  const code = await runCli(['inference_model', '--keep', 'claude-sonnet-4-6', '--no-verify', ...args], {
    out: (t) => (out += `${t}\n`),
    err: (t) => (out += `${t}\n`),
    cwd,
  });
  return { code, out, registry: readFileSync(join(cwd, 'flags.json'), 'utf8') };
}

it("--ignore turns the matching files' sites into notes and the entry goes", async () => {
  const { code, out, registry } = await run('ignored', ['--ignore', 'src/flag-service/**']);
  expect(out).toContain('Notes, not blocking (1):\n  src/flag-service/evaluate.ts:5:10: dynamic flag key');
  expect(out).toContain('(not blocking: --ignore src/flag-service/**)');
  expect(out).toContain('Registry: removed from flags.json.');
  expect(registry).not.toContain('inference_model');
  expect(code).toBe(0);
});

it('without --ignore the same site keeps the entry, collapsed, and exits 1', async () => {
  const { code, out, registry } = await run('plain', []);
  expect(out).toContain('Needs a human (1):\n  src/flag-service/evaluate.ts:5:10: dynamic flag key');
  expect(registry).toContain('"flag": "inference_model"');
  expect(code).toBe(1);
});
