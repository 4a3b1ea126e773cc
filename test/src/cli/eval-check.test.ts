/**
 * `eval` says why a percentage rule missed (the bucket against the threshold), and `check --json`
 * prints the problems as data with the exit codes of `check`.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess } from './support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-eval-check-'));
  copyFileSync(new URL('../../../examples/inference-service/flags.json', import.meta.url), join(dir, 'flags.json'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface EvalJson {
  value: string;
  ruleIndex: number | null;
  rollouts: { rule: number; percentage: number; bucket: number | null; inRollout: boolean; text: string }[];
}

describe('eval explains percentage rules', () => {
  it('shows the bucket against the threshold, and agrees with what is served', async () => {
    let missed = 0;
    let hit = 0;
    for (let i = 0; i < 40; i++) {
      const context = JSON.stringify({ targetingKey: `user-${i}` });
      const json = JSON.parse(
        (await runInProcess(['eval', 'inference_model', '--context', context, '--json'], dir)).stdout,
      ) as EvalJson;
      const text = (await runInProcess(['eval', 'inference_model', '--context', context], dir)).stdout;
      // Rule 3 is `rollout_percentage: 10` serving claude-sonnet-4-6; rules 1 and 2 need attributes this context lacks.
      expect(json.rollouts).toHaveLength(1);
      const [rollout] = json.rollouts;
      expect(rollout).toMatchObject({ rule: 3, percentage: 10 });
      expect(rollout!.bucket).toBeGreaterThanOrEqual(0);
      expect(rollout!.bucket).toBeLessThan(100);
      expect(rollout!.inRollout).toBe(rollout!.bucket! < 10);
      expect(json.value).toBe(rollout!.inRollout ? 'claude-sonnet-4-6' : 'claude-3-haiku');
      const bucket = rollout!.bucket!.toFixed(2);
      if (rollout!.inRollout) {
        hit++;
        expect(text).toContain(`  rule 3 rollout 10%: bucket ${bucket} < 10, in the rollout\n`);
      } else {
        missed++;
        expect(text).toContain(`  rule 3 rollout 10%: bucket ${bucket} ≥ 10, not in the rollout\n`);
        expect(text).toContain('none of the 3 rules matched, so the default is served');
      }
    }
    expect(hit).toBeGreaterThan(0);
    expect(missed).toBeGreaterThan(0);
  });

  it('says when the context has no bucketing value', async () => {
    const result = await runInProcess(['eval', 'inference_model', '--context', '{"user_segment":"beta"}'], dir);
    expect(result.stdout).toContain(
      '  rule 3 rollout 10%: the context has no usable "targetingKey" (a non-empty string), so it is in no rollout\n',
    );
  });

  it('does not explain rollouts after the rule that decided', async () => {
    const result = await runInProcess(
      ['eval', 'inference_model', '--context', '{"targetingKey":"u","user_segment":"internal"}', '--json'],
      dir,
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ value: 'claude-opus-4-6', ruleIndex: 1, rollouts: [] });
  });
});

describe('check --json', () => {
  it('reports a valid registry and its generated module, exit 0', async () => {
    expect((await runInProcess(['generate'], dir)).code).toBe(0);
    const result = await runInProcess(['check', '--json'], dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      registry: 'flags.json',
      valid: true,
      flags: 2,
      generated: { file: join(dir, 'flags.generated.ts'), upToDate: true },
      issues: [],
    });
  });

  it('lists each problem with file, line, column and message, exit 1, nothing on stderr', async () => {
    const broken = readFileSync(join(dir, 'flags.json'), 'utf8').replace(
      '"value": "claude-opus-4-6"',
      '"value": "claude-opus-4"',
    );
    writeFileSync(join(dir, 'flags.json'), broken);
    const line = broken.split('\n').findIndex((l) => l.includes('"claude-opus-4"')) + 1;
    const column = broken.split('\n')[line - 1]!.indexOf('"claude-opus-4"') + 1;
    const result = await runInProcess(['check', '--json'], dir);
    expect(result).toMatchObject({ code: 1, stderr: '' });
    const parsed = JSON.parse(result.stdout) as {
      valid: boolean;
      issues: { file: string; line: number; column: number; message: string; flag: string | null }[];
    };
    expect(parsed.valid).toBe(false);
    expect(parsed.issues).toEqual([
      { file: 'flags.json', line, column, message: expect.stringContaining('claude-opus-4'), flag: 'inference_model' },
    ]);
  });

  it('a stale generated module is an issue too, exit 1', async () => {
    expect((await runInProcess(['generate'], dir)).code).toBe(0);
    writeFileSync(
      join(dir, 'flags.json'),
      readFileSync(join(dir, 'flags.json'), 'utf8').replace('"v3", "v4"]', '"v3", "v4", "v5"]'),
    );
    const result = await runInProcess(['check', '--json'], dir);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      generated: { upToDate: false },
      issues: [
        { file: join(dir, 'flags.generated.ts'), line: 1, column: 1, message: expect.stringContaining('stale') },
      ],
    });
  });

  it('a missing registry is bad input, exit 2, as without --json', async () => {
    const result = await runInProcess(['check', '--json', '--registry', 'nope.json'], dir);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('nope.json: no registry here');
  });
});
