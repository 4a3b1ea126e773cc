import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runModelflagsCli } from '../../../src/cli/main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-cli-'));
  copyFileSync(new URL('../../../examples/inference-service/flags.json', import.meta.url), join(dir, 'flags.json'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runModelflagsCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('modelflags check and generate', () => {
  it('validates the registry, then fails when the generated module goes stale', async () => {
    expect(await run('check')).toMatchObject({ code: 0, out: 'flags.json: 2 flags, valid' });
    expect((await run('generate')).code).toBe(0);
    expect(readFileSync(join(dir, 'flags.generated.ts'), 'utf8')).toContain(
      "inference_model: 'claude-3-haiku' | 'claude-sonnet-4-6' | 'claude-opus-4-6';",
    );
    expect((await run('check')).code).toBe(0);

    const registry = readFileSync(join(dir, 'flags.json'), 'utf8').replace('"v3", "v4"]', '"v3", "v4", "v5"]');
    writeFileSync(join(dir, 'flags.json'), registry);
    const stale = await run('check');
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/flags\.generated\.ts:1:1: the generated module is stale.*Run `npx modelflags generate`/);
  });

  it('lists every registry problem with file:line:column and exits 1', async () => {
    const broken = readFileSync(join(dir, 'flags.json'), 'utf8')
      .replace('"value": "claude-opus-4-6"', '"value": "claude-opus-4"')
      .replace('"2027-01-15"', '"2027-13-01"');
    writeFileSync(join(dir, 'flags.json'), broken);
    const result = await run('check');
    expect(result.code).toBe(1);
    const lines = result.err.split('\n');
    expect(lines[0]).toMatch(
      /^flags\.json:14:65: inference_model: rule 2 serves "claude-opus-4", which is not a variant/,
    );
    expect(lines[1]).toMatch(/^flags\.json:22:21: system_prompt_version: "cleanup_by" must be a real calendar date/);
    expect(lines[2]).toContain('2 problems; fix them and run again');
  });

  it('says how to point at a registry when there is none', async () => {
    const result = await run('check', '--registry', 'nope.json');
    expect(result.code).toBe(2);
    expect(result.err).toContain('nope.json: no registry here. Pass --registry <path to flags.json>');
  });
});

describe('modelflags eval', () => {
  it('prints the value, variant, reason and the matching rule', async () => {
    const result = await run('eval', 'inference_model', '--context', '{"targetingKey":"u1","user_segment":"internal"}');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        'inference_model = "claude-opus-4-6"',
        '  variant: claude-opus-4-6',
        '  reason:  TARGETING_MATCH',
        '  rule:    2 of 3 (flags.json:14:9) {"user_segment":"internal"}',
      ].join('\n'),
    );
  });

  it('explains a default and a kill switch', async () => {
    expect((await run('eval', 'system_prompt_version', '--context', '{"targetingKey":"u1"}')).out).toContain(
      'none of the 1 rules matched, so the default is served',
    );
    const json = JSON.parse(
      (await run('eval', 'system_prompt_version', '--json', '--context', '{"targetingKey":"u1","user_segment":"beta"}'))
        .out,
    );
    expect(json).toMatchObject({
      flag: 'system_prompt_version',
      reason: 'SPLIT',
      ruleIndex: 0,
      condition: { user_segment: 'beta' },
    });
  });

  it('rejects bad input with what to do', async () => {
    expect(await run('eval', 'inference_modle')).toMatchObject({
      code: 2,
      err: expect.stringContaining('inference_modle: not in flags.json (did you mean "inference_model"?)'),
    });
    expect(await run('eval', 'inference_model', '--context', '{user: 1}')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--context is not valid JSON'),
    });
    expect(await run('frobnicate')).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command "frobnicate"'),
    });
  });
});

describe('modelflags export --to flagd', () => {
  it('writes a flagd flag set', async () => {
    expect((await run('export', '--to', 'flagd', '--out', 'flagd.json')).code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'flagd.json'), 'utf8'));
    expect(doc.flags.inference_model).toMatchObject({
      state: 'ENABLED',
      defaultVariant: 'claude-3-haiku',
      variants: {
        'claude-3-haiku': 'claude-3-haiku',
        'claude-sonnet-4-6': 'claude-sonnet-4-6',
        'claude-opus-4-6': 'claude-opus-4-6',
      },
      targeting: {
        if: [
          { in: [{ var: 'customer_id' }, ['acme', 'globex']] },
          'claude-3-haiku',
          { '===': [{ var: 'user_segment' }, 'internal'] },
          'claude-opus-4-6',
          {
            and: [
              { var: 'targetingKey' },
              {
                '===': [
                  {
                    fractional: [
                      ['in', 1000],
                      ['out', 9000],
                    ],
                  },
                  'in',
                ],
              },
            ],
          },
          'claude-sonnet-4-6',
        ],
      },
    });
  });
});

describe('modelflags remove', () => {
  it('is remove-flag: retires the flag from the registry', async () => {
    writeFileSync(
      join(dir, 'service.ts'),
      "import { flags } from './flags.js';\nexport const model = (ctx: object) => flags.get('system_prompt_version', ctx);\n",
    );
    const result = await run('remove', 'inference_model', '--keep', 'claude-sonnet-4-6', '--no-verify');
    expect(result).toMatchObject({ code: 0, err: '' });
    const registry = JSON.parse(readFileSync(join(dir, 'flags.json'), 'utf8')) as { flags: { flag: string }[] };
    expect(registry.flags.map((f) => f.flag)).toEqual(['system_prompt_version']);
    expect(readFileSync(join(dir, 'service.ts'), 'utf8')).toContain("flags.get('system_prompt_version', ctx)");
  });

  it('refuses a variant the flag does not have, with exit 2', async () => {
    const result = await run('remove', 'inference_model', '--keep', 'gpt-4o');
    expect(result.code).toBe(2);
    expect(result.err).toContain('gpt-4o');
    expect(readFileSync(join(dir, 'flags.json'), 'utf8')).toContain('"inference_model"');
  });
});
