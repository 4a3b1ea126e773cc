/**
 * The same `remove-flag` command run again once the flag is gone from the registry (issue 11: "a
 * second run a no-op"): exit 0 and one line when no code reads the key, exit 1 with every site
 * when some does (nothing changed either way), and the did-you-mean refusal for a typo.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../codemods/cli.js';
import { snapshotTree } from './support.js';

const INPUT = join(import.meta.dirname, 'fixtures/ignore-glob-flag-service/input');
const scratch = mkdtempSync(join(tmpdir(), 'remove-flag-cli-second-run-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const RETIRE = ['inference_model', '--keep', 'claude-sonnet-4-6', '--ignore', 'src/flag-service/**', '--no-verify'];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), cwd: scratch });
  return { code, out, err };
}

beforeAll(async () => {
  cpSync(INPUT, scratch, { recursive: true });
  const first = await run(RETIRE);
  expect(first.out).toContain('Registry: removed from flags.json.');
  expect(first.code).toBe(0);
});

it('run again, it says the flag is not in the registry and no code reads it, exit 0, nothing changed', async () => {
  const before = snapshotTree(scratch);
  const again = await run(RETIRE);
  // The flag service's dynamic key, ignored as in the first run, stays a note.
  expect(again.out).toBe(
    'remove-flag inference_model: not in flags.json, and no code reads it; nothing changed.\n' +
      'Notes, not blocking (1):\n' +
      '  src/flag-service/evaluate.ts:5:10: dynamic flag key: cannot tell whether this get() reads inference_model; use a literal key or a constant (not blocking: --ignore src/flag-service/**)\n',
  );
  expect(again).toMatchObject({ code: 0, err: '' });
  expect(snapshotTree(scratch)).toEqual(before);

  const json = await run([...RETIRE, '--json']);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out)).toMatchObject({
    exitCode: 0,
    notInRegistry: ['inference_model'],
    flags: [],
    written: false,
    changedFiles: [],
    unresolved: [],
    registry: { file: 'flags.json', action: 'unchanged' },
  });
});

it('with a read of the key put back, exit 1 and the site listed; nothing is changed or deleted', async () => {
  const app = join(scratch, 'src/app.ts');
  const text = readFileSync(app, 'utf8');
  writeFileSync(app, `${text}\nexport const model = (ctx: { userId: string }) => flags.get('inference_model', ctx);\n`);
  try {
    const before = snapshotTree(scratch);
    const again = await run(RETIRE);
    expect(again.out).toMatch(
      /^remove-flag inference_model: not in flags\.json, but 1 site\(s\) may still read it; nothing changed\.\n[\s\S]*\nNeeds a human \(1\):\n {2}src\/app\.ts:\d+:\d+: a read of "inference_model"/,
    );
    expect(again.code).toBe(1);
    expect(snapshotTree(scratch)).toEqual(before);
  } finally {
    writeFileSync(app, text);
  }
});

it('a typo of a registry key, with one of its variants, is refused with the suggestion: exit 2', async () => {
  // Also without --ignore: the flag service's dynamic key might read any flag, but names none.
  for (const ignore of [[], ['--ignore', 'src/flag-service/**']]) {
    const typo = await run(['system_prompt_versoin', '--keep', 'v4', '--no-verify', ...ignore]);
    expect(typo.err).toContain('unknown flag "system_prompt_versoin" (did you mean "system_prompt_version"?)');
    expect(typo.err).toContain('Nothing was changed.');
    expect(typo.code).toBe(2);
  }
  // Not one of that key's variants: another flag, not a typo, so the verified no-op.
  const other = await run(['system_prompt_versoin', '--keep', 'v9', '--no-verify', '--ignore', 'src/flag-service/**']);
  expect(other.out).toContain(
    'remove-flag system_prompt_versoin: not in flags.json, and no code reads it; nothing changed.\nNotes, not blocking (1):',
  );
  expect(other.code).toBe(0);
});

it('a dynamic key that is not ignored might read a flag not in the registry: exit 1, listed', async () => {
  const again = await run(RETIRE.filter((a, i) => a !== '--ignore' && RETIRE[i - 1] !== '--ignore'));
  expect(again.out).toContain(
    'remove-flag inference_model: not in flags.json, but 1 site(s) may still read it; nothing changed.\nNeeds a human (1):\n  src/flag-service/evaluate.ts:5:10: dynamic flag key',
  );
  expect(again.code).toBe(1);
});
