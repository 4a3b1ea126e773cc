/**
 * `modelflags rollout status|abort|pause|resume` on a real registry file in a temporary directory:
 * what it prints, the exact bytes it writes (one member per line, inline, CRLF), and what it
 * refuses, leaving the file untouched. And `modelflags eval` on a rollout rule: the live step, the
 * context's bucket against its share, and the step at which it joins.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRegistry } from '../../../src/registry/validate.js';
import { runInProcess } from './support.js';

const REGISTRY = `{
  "$schema": "./node_modules/modelflags/schema/flags.schema.json",
  "flags": [
    {
      "flag": "inference_model",
      "owner": "ml-platform",
      "variants": ["claude-3-haiku", "claude-sonnet-4-6", "claude-opus-4-6"],
      "default": "claude-3-haiku",
      "rules": [
        { "condition": { "user_segment": "internal" }, "value": "claude-opus-4-6" },
        {
          "condition": {},
          "rollout": {
            "variant": "claude-sonnet-4-6",
            "start": "2026-12-10T09:00:00Z",
            "steps": [{ "percent": 5, "hold": "2h" }, { "percent": 25, "hold": "6h" }, { "percent": 100 }]
          }
        }
      ]
    },
    {
      "flag": "system_prompt_version",
      "variants": ["v3", "v4", "v5"],
      "default": "v3",
      "rules": [
        { "condition": { "user_segment": "beta" }, "rollout": { "variant": "v4", "start": "2026-12-01T00:00:00Z", "linear": { "percent": 20, "every": "6m" }, "promote": "when-healthy" } },
        { "condition": {}, "rollout": { "variant": "v5", "start": "2026-12-01T00:00:00Z", "exponential": { "percent": 1, "every": "1h", "factor": 2 } } }
      ]
    },
    { "flag": "retrieval_top_k", "default": 4, "variants": [4, 8] }
  ]
}
`;
const STEPS_LINE =
  '            "steps": [{ "percent": 5, "hold": "2h" }, { "percent": 25, "hold": "6h" }, { "percent": 100 }]';
const EXPONENTIAL = '"exponential": { "percent": 1, "every": "1h", "factor": 2 }';
const LINEAR_RULE_END = '"promote": "when-healthy"';

/** What an editor checks the file against: every registry the command writes must pass it too. */
const matchesSchema = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(new URL('../../../schema/flags.schema.json', import.meta.url), 'utf8')) as object,
);
function expectSchemaValid(text: string): void {
  expect(matchesSchema(JSON.parse(text)), JSON.stringify(matchesSchema.errors)).toBe(true);
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-rollout-'));
  writeFileSync(join(dir, 'flags.json'), REGISTRY);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const registryText = (): string => readFileSync(join(dir, 'flags.json'), 'utf8');
const rollout = (...args: string[]) => runInProcess(['rollout', ...args], dir);
/** The model rollout's steps line followed by `members`, one per line, as setRolloutState adds them. */
const withMembers = (text: string, ...members: string[]): string =>
  text.replace(STEPS_LINE, [STEPS_LINE, ...members.map((m) => `            ${m}`)].join(',\n'));

describe('rollout status', () => {
  it('prints the phase, the live step and its share, the next step and the schedule', async () => {
    expect(await rollout('status', 'inference_model', '--now', '2026-12-10T12:30:00Z')).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'inference_model, rule 2: rollout of "claude-sonnet-4-6" (flags.json:13:22)',
        '  state:    active, promote on-schedule',
        '  phase:    live: step 2 of 3, 25% of "targetingKey" values, since 2026-12-10T11:00:00.000Z',
        '  next:     step 3 (100%) at 2026-12-10T17:00:00.000Z',
        '  start:    2026-12-10T09:00:00.000Z',
        '  schedule:',
        '      step 1    5%  hold 2h  2026-12-10T09:00:00.000Z',
        '    > step 2   25%  hold 6h  2026-12-10T11:00:00.000Z',
        '      step 3  100%           2026-12-10T17:00:00.000Z',
        '',
      ].join('\n'),
    });
  });

  it('before the start, and after the last step', async () => {
    const pending = await rollout('status', 'inference_model', '--now', '2026-12-10T08:59:59Z');
    expect(pending.stdout.split('\n').slice(2, 4)).toEqual([
      '  phase:    pending: nobody yet; step 1 begins at 2026-12-10T09:00:00.000Z',
      '  next:     step 1 (5%) at 2026-12-10T09:00:00.000Z',
    ]);
    const complete = await rollout('status', 'inference_model', '--now', '2026-12-10T17:00:00Z');
    expect(complete.stdout.split('\n').slice(2, 4)).toEqual([
      '  phase:    complete: step 3 of 3, 100% of "targetingKey" values, its last step, since 2026-12-10T17:00:00.000Z',
      '  next:     none: the last step is live',
    ]);
    expect(complete.stdout).toContain('    > step 3  100%           2026-12-10T17:00:00.000Z\n');
  });

  it('shows every rollout of a flag: a when-healthy step waits for the guardrail, the shorthands expanded', async () => {
    const result = await rollout('status', 'system_prompt_version', '--now', '2026-12-01T00:15:00Z');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        'system_prompt_version, rule 1: rollout of "v4" (flags.json:26:63)',
        '  state:    active, promote when-healthy',
        '  phase:    live: step 1 of 5, 20% of "targetingKey" values, since 2026-12-01T00:00:00.000Z',
        '  next:     step 2 (40%) when healthy, not before 2026-12-01T00:06:00.000Z',
        '  start:    2026-12-01T00:00:00.000Z',
        '  schedule:',
        '    > step 1   20%  hold 6m  2026-12-01T00:00:00.000Z',
        '      step 2   40%  hold 6m  not before 2026-12-01T00:06:00.000Z',
        '      step 3   60%  hold 6m  not before 2026-12-01T00:12:00.000Z',
        '      step 4   80%  hold 6m  not before 2026-12-01T00:18:00.000Z',
        '      step 5  100%           not before 2026-12-01T00:24:00.000Z',
        '',
        'system_prompt_version, rule 2: rollout of "v5" (flags.json:27:39)',
        '  state:    active, promote on-schedule',
        '  phase:    live: step 1 of 8, 1% of "targetingKey" values, since 2026-12-01T00:00:00.000Z',
        '  next:     step 2 (2%) at 2026-12-01T01:00:00.000Z',
        '  start:    2026-12-01T00:00:00.000Z',
        '  schedule:',
        '    > step 1    1%  hold 1h  2026-12-01T00:00:00.000Z',
        '      step 2    2%  hold 1h  2026-12-01T01:00:00.000Z',
        '      step 3    4%  hold 1h  2026-12-01T02:00:00.000Z',
        '      step 4    8%  hold 1h  2026-12-01T03:00:00.000Z',
        '      step 5   16%  hold 1h  2026-12-01T04:00:00.000Z',
        '      step 6   32%  hold 1h  2026-12-01T05:00:00.000Z',
        '      step 7   64%  hold 1h  2026-12-01T06:00:00.000Z',
        '      step 8  100%           2026-12-01T07:00:00.000Z',
        '',
      ].join('\n'),
    );
    // --rule picks one.
    const one = await rollout('status', 'system_prompt_version', '--rule', '2', '--now', '2026-12-01T00:15:00Z');
    expect(one.stdout).toBe(result.stdout.slice(result.stdout.indexOf('system_prompt_version, rule 2')));
  });

  it('before the start of a when-healthy rollout: step 1 at its start, later steps not before; hints name the rule', async () => {
    writeFileSync(join(dir, 'flags.json'), REGISTRY.replace(EXPONENTIAL, `${EXPONENTIAL}, "state": "aborted"`));
    const result = await rollout('status', 'system_prompt_version', '--now', '2026-11-30T23:00:00Z');
    expect(result.stdout).toBe(
      [
        'system_prompt_version, rule 1: rollout of "v4" (flags.json:26:63)',
        '  state:    active, promote when-healthy',
        '  phase:    pending: nobody yet; step 1 begins at 2026-12-01T00:00:00.000Z',
        '  next:     step 1 (20%) at 2026-12-01T00:00:00.000Z',
        '  start:    2026-12-01T00:00:00.000Z',
        '  schedule:',
        '      step 1   20%  hold 6m  2026-12-01T00:00:00.000Z',
        '      step 2   40%  hold 6m  not before 2026-12-01T00:06:00.000Z',
        '      step 3   60%  hold 6m  not before 2026-12-01T00:12:00.000Z',
        '      step 4   80%  hold 6m  not before 2026-12-01T00:18:00.000Z',
        '      step 5  100%           not before 2026-12-01T00:24:00.000Z',
        '',
        'system_prompt_version, rule 2: rollout of "v5" (flags.json:27:39)',
        '  state:    aborted, promote on-schedule',
        "  phase:    aborted: the rule serves nobody; the flag's other rules keep serving",
        '  next:     none; `modelflags rollout resume system_prompt_version --rule 2` starts over at step 1 (1%)',
        '  start:    2026-12-01T00:00:00.000Z',
        '  schedule:',
        '      step 1    1%  hold 1h',
        '      step 2    2%  hold 1h',
        '      step 3    4%  hold 1h',
        '      step 4    8%  hold 1h',
        '      step 5   16%  hold 1h',
        '      step 6   32%  hold 1h',
        '      step 7   64%  hold 1h',
        '      step 8  100%',
        '',
      ].join('\n'),
    );
  });

  it('--json: the same as data', async () => {
    const result = await rollout('status', 'inference_model', '--json', '--now', '2026-12-10T12:30:00Z');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      flag: 'inference_model',
      registry: 'flags.json',
      now: '2026-12-10T12:30:00.000Z',
      enabled: true,
      rollouts: [
        {
          rule: 2,
          at: 'flags.json:13:22',
          variant: 'claude-sonnet-4-6',
          state: 'active',
          promote: 'on-schedule',
          phase: 'live',
          step: 2,
          steps: 3,
          percent: 25,
          since: '2026-12-10T11:00:00.000Z',
          next: { step: 3, percent: 100, at: '2026-12-10T17:00:00.000Z', whenHealthy: false },
          description: 'step 2 of 3 (25%) since 2026-12-10T11:00:00.000Z; step 3 (100%) at 2026-12-10T17:00:00.000Z',
          start: '2026-12-10T09:00:00.000Z',
          schedule: [
            { step: 1, percent: 5, hold: '2h', begins: '2026-12-10T09:00:00.000Z' },
            { step: 2, percent: 25, hold: '6h', begins: '2026-12-10T11:00:00.000Z' },
            { step: 3, percent: 100, hold: null, begins: '2026-12-10T17:00:00.000Z' },
          ],
        },
      ],
    });
    const pending = JSON.parse(
      (await rollout('status', 'inference_model', '--json', '--now', '2026-12-10T08:00:00Z')).stdout,
    ) as { rollouts: unknown[] };
    expect(pending.rollouts[0]).toMatchObject({
      phase: 'pending',
      step: null,
      percent: 0,
      since: null,
      next: { step: 1, percent: 5, at: '2026-12-10T09:00:00.000Z', whenHealthy: false },
    });
  });

  it('says when the kill switch overrides the rollout', async () => {
    writeFileSync(
      join(dir, 'flags.json'),
      REGISTRY.replace('"flag": "inference_model",', '"flag": "inference_model",\n      "enabled": false,'),
    );
    const result = await rollout('status', 'inference_model', '--now', '2026-12-10T12:30:00Z');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /\n\nnote: inference_model is disabled \("enabled": false, the kill switch\): everyone gets its default, whatever the rollouts' steps\n$/,
    );
  });
});

describe('rollout pause, resume, abort', () => {
  it('pause holds the live step; resume restarts its hold; abort; resume starts over at step 1', async () => {
    const pause = await rollout('pause', 'inference_model', '--now', '2026-12-10T12:30:00Z');
    expect(pause).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" paused at step 2 of 3 (25%) in flags.json: it holds that share until `modelflags rollout resume inference_model`\n',
    });
    expect(registryText()).toBe(
      withMembers(REGISTRY, '"state": "paused"', '"current_step": { "step": 2, "since": "2026-12-10T12:30:00.000Z" }'),
    );

    // Hours later it still holds step 2; its hold would have ended at 17:00.
    expect((await rollout('status', 'inference_model', '--now', '2026-12-10T20:00:00Z')).stdout).toBe(
      [
        'inference_model, rule 2: rollout of "claude-sonnet-4-6" (flags.json:13:22)',
        '  state:    paused, promote on-schedule',
        '  phase:    paused: held at step 2 of 3, 25% of "targetingKey" values, since 2026-12-10T12:30:00.000Z',
        "  next:     none while paused; `modelflags rollout resume inference_model` restarts the step's hold",
        '  start:    2026-12-10T09:00:00.000Z',
        '  schedule:',
        '      step 1    5%  hold 2h  done',
        '    > step 2   25%  hold 6h  held',
        '      step 3  100%           after resume',
        '',
      ].join('\n'),
    );
    const again = await rollout('pause', 'inference_model', '--now', '2026-12-10T20:00:00Z');
    expect(again.stdout).toBe(
      'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" is already paused at step 2 of 3 (25%); nothing was written\n',
    );
    expect(again.code).toBe(0);

    const resume = await rollout('resume', 'inference_model', '--now', '2026-12-10T20:00:00Z');
    expect(resume).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" resumed at step 2 of 3 (25%) in flags.json: the step\'s 6h hold restarts now, so step 3 (100%) begins at 2026-12-11T02:00:00.000Z\n',
    });
    expect(registryText()).toBe(
      withMembers(REGISTRY, '"state": "active"', '"current_step": { "step": 2, "since": "2026-12-10T20:00:00.000Z" }'),
    );
    const resumed = await rollout('status', 'inference_model', '--now', '2026-12-10T20:00:00Z');
    expect(resumed.stdout.split('\n').slice(2, 9)).toEqual([
      '  phase:    live: step 2 of 3, 25% of "targetingKey" values, since 2026-12-10T20:00:00.000Z',
      '  next:     step 3 (100%) at 2026-12-11T02:00:00.000Z',
      '  start:    2026-12-10T09:00:00.000Z',
      '  schedule:',
      '      step 1    5%  hold 2h  done',
      '    > step 2   25%  hold 6h  2026-12-10T20:00:00.000Z',
      '      step 3  100%           2026-12-11T02:00:00.000Z',
    ]);
    expect((await rollout('resume', 'inference_model', '--now', '2026-12-10T20:30:00Z')).stdout).toBe(
      'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" is active (step 2 of 3 (25%) since 2026-12-10T20:00:00.000Z; step 3 (100%) at 2026-12-11T02:00:00.000Z); there is nothing to resume, and nothing was written\n',
    );

    const abort = await rollout('abort', 'inference_model', '--now', '2026-12-10T21:00:00Z');
    expect(abort).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" aborted in flags.json (it was at step 2 of 3 (25%)): the rule serves nobody; the flag\'s other rules keep serving. `modelflags rollout resume inference_model` starts it over at step 1\n',
    });
    // current_step stays as it was: it says where the rollout was stopped.
    expect(registryText()).toBe(
      withMembers(REGISTRY, '"state": "aborted"', '"current_step": { "step": 2, "since": "2026-12-10T20:00:00.000Z" }'),
    );
    expect((await rollout('abort', 'inference_model')).stdout).toBe(
      'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" is already aborted; nothing was written\n',
    );

    const restart = await rollout('resume', 'inference_model', '--now', '2026-12-10T22:00:00Z');
    expect(restart.stdout).toBe(
      'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" resumed in flags.json, starting over at step 1 of 3 (5%) now (an aborted rollout does not return to the share it was stopped at); step 2 (25%) at 2026-12-11T00:00:00.000Z\n',
    );
    expect(registryText()).toBe(
      withMembers(REGISTRY, '"state": "active"', '"current_step": { "step": 1, "since": "2026-12-10T22:00:00.000Z" }'),
    );
    expectSchemaValid(registryText());
  });

  it('an aborted rollout whose start is still ahead resumes to wait for its start', async () => {
    const abort = await rollout('abort', 'inference_model', '--now', '2026-12-10T08:00:00Z');
    expect(abort.stdout).toContain('aborted in flags.json (it was pending)');
    expect(registryText()).toBe(withMembers(REGISTRY, '"state": "aborted"'));
    const resume = await rollout('resume', 'inference_model', '--now', '2026-12-10T08:30:00Z');
    expect(resume.stdout).toBe(
      'inference_model: rule 2\'s rollout of "claude-sonnet-4-6" resumed in flags.json; it has not started: step 1 of 3 (5%) begins at its start, 2026-12-10T09:00:00.000Z\n',
    );
    // No current_step: the schedule runs from "start", as written.
    expect(registryText()).toBe(withMembers(REGISTRY, '"state": "active"'));
  });

  it('edits an inline rollout inline, and needs --rule when the flag has several', async () => {
    const ambiguous = await rollout('abort', 'system_prompt_version', '--now', '2026-12-01T00:15:00Z');
    expect(ambiguous).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        'modelflags: system_prompt_version has 2 rollout rules; say which to abort with --rule:',
        '  --rule 1  "v4": step 1 of 5 (20%) since 2026-12-01T00:00:00.000Z; step 2 (40%) when healthy, not before 2026-12-01T00:06:00.000Z',
        '  --rule 2  "v5": step 1 of 8 (1%) since 2026-12-01T00:00:00.000Z; step 2 (2%) at 2026-12-01T01:00:00.000Z',
        'Nothing was written',
        '',
      ].join('\n'),
    });
    expect(registryText()).toBe(REGISTRY);

    const abort = await rollout('abort', 'system_prompt_version', '--rule', '2', '--now', '2026-12-01T00:15:00Z');
    expect(abort.stdout).toBe(
      'system_prompt_version: rule 2\'s rollout of "v5" aborted in flags.json (it was at step 1 of 8 (1%)): the rule serves nobody; the flag\'s other rules keep serving. `modelflags rollout resume system_prompt_version --rule 2` starts it over at step 1\n',
    );
    const aborted = REGISTRY.replace(EXPONENTIAL, `${EXPONENTIAL}, "state": "aborted"`);
    expect(registryText()).toBe(aborted);

    const pause = await rollout('pause', 'system_prompt_version', '--rule', '1', '--now', '2026-12-01T00:15:00Z');
    expect(pause.stdout).toBe(
      'system_prompt_version: rule 1\'s rollout of "v4" paused at step 1 of 5 (20%) in flags.json: it holds that share until `modelflags rollout resume system_prompt_version --rule 1`\n',
    );
    const paused = aborted.replace(
      LINEAR_RULE_END,
      `${LINEAR_RULE_END}, "state": "paused", "current_step": { "step": 1, "since": "2026-12-01T00:15:00.000Z" }`,
    );
    expect(registryText()).toBe(paused);
    expectSchemaValid(paused);

    const resume = await rollout('resume', 'system_prompt_version', '--rule', '1', '--now', '2026-12-01T00:20:00Z');
    expect(resume.stdout).toBe(
      'system_prompt_version: rule 1\'s rollout of "v4" resumed at step 1 of 5 (20%) in flags.json: the step\'s 6m hold restarts now, so step 2 (40%) begins when healthy, not before 2026-12-01T00:26:00.000Z\n',
    );
    expect(registryText()).toBe(
      paused.replace(
        '"state": "paused", "current_step": { "step": 1, "since": "2026-12-01T00:15:00.000Z" }',
        '"state": "active", "current_step": { "step": 1, "since": "2026-12-01T00:20:00.000Z" }',
      ),
    );
    expect(parseRegistry(registryText()).issues).toEqual([]);
  });

  it('keeps CRLF line endings', async () => {
    const crlf = REGISTRY.replaceAll('\n', '\r\n');
    writeFileSync(join(dir, 'flags.json'), crlf);
    expect((await rollout('pause', 'inference_model', '--now', '2026-12-10T12:30:00Z')).code).toBe(0);
    expect(registryText()).toBe(
      withMembers(
        REGISTRY,
        '"state": "paused"',
        '"current_step": { "step": 2, "since": "2026-12-10T12:30:00.000Z" }',
      ).replaceAll('\n', '\r\n'),
    );
  });

  it('--json reports what was written and where the rollout stands after', async () => {
    const result = await rollout('pause', 'inference_model', '--json', '--now', '2026-12-10T12:30:00Z');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({
      flag: 'inference_model',
      registry: 'flags.json',
      now: '2026-12-10T12:30:00.000Z',
      action: 'pause',
      rule: 2,
      written: true,
      message: expect.stringContaining('paused at step 2 of 3 (25%)'),
      rollout: {
        state: 'paused',
        phase: 'paused',
        step: 2,
        percent: 25,
        since: '2026-12-10T12:30:00.000Z',
        next: null,
      },
    });
    const again = JSON.parse(
      (await rollout('pause', 'inference_model', '--json', '--now', '2026-12-10T13:00:00Z')).stdout,
    ) as { written: boolean };
    expect(again.written).toBe(false);
  });
});

describe('rollout refuses, exit 2, nothing written', () => {
  const refusals: [string, string[], string][] = [
    [
      'pausing a rollout that has not started',
      ['pause', 'inference_model', '--now', '2026-12-10T08:00:00Z'],
      'modelflags: inference_model: rule 2\'s rollout of "claude-sonnet-4-6" has not started (step 1 begins at 2026-12-10T09:00:00.000Z), so there is no step to hold. To keep it from starting, `modelflags rollout abort inference_model` or move its "start"; nothing was written\n',
    ],
    [
      'pausing a complete rollout',
      ['pause', 'inference_model', '--now', '2026-12-11T00:00:00Z'],
      'modelflags: inference_model: rule 2\'s rollout of "claude-sonnet-4-6" is complete: step 3 of 3 (100%) is its last step, so there is nothing left to hold. To take the variant back, `modelflags rollout abort inference_model`; nothing was written\n',
    ],
    [
      'a rule that is not a rollout',
      ['abort', 'inference_model', '--rule', '1', '--now', '2026-12-10T12:30:00Z'],
      'modelflags: inference_model: rule 1 is not a rollout; its rollout rules are:\n  --rule 2  "claude-sonnet-4-6": step 2 of 3 (25%) since 2026-12-10T11:00:00.000Z; step 3 (100%) at 2026-12-10T17:00:00.000Z\n',
    ],
    [
      'a rule that does not exist',
      ['status', 'inference_model', '--rule', '3', '--now', '2026-12-10T08:00:00Z'],
      'modelflags: inference_model: rule 3 does not exist (the flag has 2 rules); its rollout rules are:\n  --rule 2  "claude-sonnet-4-6": pending: step 1 of 3 (5%) at 2026-12-10T09:00:00.000Z\n',
    ],
    [
      'a --rule that is not a number',
      ['status', 'inference_model', '--rule', 'two'],
      'modelflags: --rule must be a rule number, 1 for the flag\'s first rule (got "two")\n',
    ],
    [
      'a flag without rollouts',
      ['status', 'retrieval_top_k'],
      'modelflags: retrieval_top_k has no rollout rule (a rule with "rollout": { "variant", "start", "steps" }); see docs/registry.md#progressive-rollouts\n',
    ],
    [
      'an unknown flag',
      ['status', 'inference_modle'],
      'modelflags: inference_modle: not in flags.json (did you mean "inference_model"?); flags with rollouts: inference_model, system_prompt_version\n',
    ],
    [
      'an unknown action',
      ['stauts', 'inference_model'],
      'modelflags: unknown rollout action "stauts" (did you mean "status"?): modelflags rollout status|abort|pause|resume <flag>, for example: modelflags rollout status inference_model\n',
    ],
    ['no flag', ['abort'], 'modelflags: rollout abort needs a flag key: modelflags rollout abort inference_model\n'],
    [
      'a --now without a time zone',
      ['status', 'inference_model', '--now', '2026-12-10T12:00:00'],
      'modelflags: --now must be a date-time with a time zone, like 2026-12-10T09:00:00Z (got "2026-12-10T12:00:00")\n',
    ],
  ];
  it.each(refusals)('%s', async (_name, args, stderr) => {
    const result = await rollout(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(stderr);
    expect(registryText()).toBe(REGISTRY);
  });

  it('pausing an aborted rollout', async () => {
    const aborted = withMembers(REGISTRY, '"state": "aborted"');
    writeFileSync(join(dir, 'flags.json'), aborted);
    const result = await rollout('pause', 'inference_model');
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'modelflags: inference_model: rule 2\'s rollout of "claude-sonnet-4-6" is aborted: it serves nobody, so there is no step to hold. `modelflags rollout resume inference_model` starts it over at step 1; nothing was written\n',
    });
    expect(registryText()).toBe(aborted);
  });

  it('an invalid registry: its problems at their line and column', async () => {
    const broken = REGISTRY.replace('"hold": "6h"', '"hold": "6 hours"');
    writeFileSync(join(dir, 'flags.json'), broken);
    const result = await rollout('abort', 'inference_model');
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'flags.json:16:80: inference_model: rule 2: rollout step 2\'s "hold" must be a duration such as "30s", "6m", "2h" or "1d"; got string "6 hours"\nflags.json: 1 problem; fix them and run again\n',
    });
    expect(registryText()).toBe(broken);
  });

  it('a read-only registry', async () => {
    chmodSync(join(dir, 'flags.json'), 0o444);
    const result = await rollout('abort', 'inference_model');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^modelflags: .*flags\.json is read-only; it was not written/);
    expect(registryText()).toBe(REGISTRY);
  });
});

interface EvalJson {
  value: string;
  rollouts: {
    rule: number;
    percentage: number;
    bucket: number | null;
    inRollout: boolean;
    text: string;
    rollout: {
      phase: string;
      step: number | null;
      percent: number;
      joinsAtStep: number | null;
      joinsAt: string | null;
    };
  }[];
}

describe('eval explains a rollout rule', () => {
  const STEP_STARTS = ['2026-12-10T09:00:00.000Z', '2026-12-10T11:00:00.000Z', '2026-12-10T17:00:00.000Z'];
  const PERCENTS = [5, 25, 100];

  it.each([
    ['2026-12-10T08:00:00Z', 'pending', 0],
    ['2026-12-10T12:30:00Z', 'live', 25],
    ['2026-12-10T17:00:00Z', 'complete', 100],
  ])('at %s (%s): the bucket against the live share, and the step at which it joins', async (now, phase, share) => {
    let inside = 0;
    let outside = 0;
    for (let i = 0; i < 40; i++) {
      const context = JSON.stringify({ targetingKey: `user-${i}` });
      const json = JSON.parse(
        (await runInProcess(['eval', 'inference_model', '--context', context, '--json', '--now', now], dir)).stdout,
      ) as EvalJson;
      const [explained, ...rest] = json.rollouts;
      expect(rest).toEqual([]);
      expect(explained).toMatchObject({ rule: 2, percentage: share, rollout: { phase } });
      const bucket = explained!.bucket!;
      expect(explained!.inRollout).toBe(bucket < share);
      expect(json.value).toBe(explained!.inRollout ? 'claude-sonnet-4-6' : 'claude-3-haiku');
      // The first step whose share takes the bucket; a later step only adds users.
      const joins = PERCENTS.findIndex((p) => bucket < p);
      expect(explained!.rollout.joinsAtStep).toBe(joins + 1);
      expect(explained!.rollout.joinsAt).toBe(STEP_STARTS[joins]);
      const text = (await runInProcess(['eval', 'inference_model', '--context', context, '--now', now], dir)).stdout;
      const shown = bucket.toFixed(2);
      if (phase === 'pending')
        expect(text).toContain(
          `  rule 2 rollout of "claude-sonnet-4-6" (pending): bucket ${shown}, not in the rollout yet; it joins at step ${joins + 1} (${PERCENTS[joins]}%), at ${STEP_STARTS[joins]}\n    schedule: pending: step 1 of 3 (5%) at 2026-12-10T09:00:00.000Z\n`,
        );
      else if (explained!.inRollout) {
        inside++;
        const at = phase === 'live' ? 'step 2 of 3, 25%' : 'step 3 of 3, 100%, complete';
        expect(text).toContain(
          `  rule 2 rollout of "claude-sonnet-4-6" (${at}): bucket ${shown} < ${share}, in the rollout\n`,
        );
      } else {
        outside++;
        expect(text).toContain(
          `  rule 2 rollout of "claude-sonnet-4-6" (step 2 of 3, 25%): bucket ${shown} ≥ 25, not in the rollout; it joins at step 3 (100%), at 2026-12-10T17:00:00.000Z\n    schedule: step 2 of 3 (25%) since 2026-12-10T11:00:00.000Z; step 3 (100%) at 2026-12-10T17:00:00.000Z\n`,
        );
      }
    }
    if (phase === 'live') {
      expect(inside).toBeGreaterThan(0);
      expect(outside).toBeGreaterThan(0);
    }
  });

  it('an aborted rollout serves nobody; a paused one says the context joins once resumed', async () => {
    writeFileSync(join(dir, 'flags.json'), withMembers(REGISTRY, '"state": "aborted"'));
    const aborted = await runInProcess(
      ['eval', 'inference_model', '--context', '{"targetingKey":"user-1"}', '--now', '2026-12-10T12:30:00Z'],
      dir,
    );
    expect(aborted.stdout).toContain(
      '  rule 2 rollout of "claude-sonnet-4-6" (aborted): the rule serves nobody\n    schedule: aborted: "claude-sonnet-4-6" serves nobody through this rule\n',
    );
    writeFileSync(
      join(dir, 'flags.json'),
      withMembers(REGISTRY, '"state": "paused"', '"current_step": { "step": 1, "since": "2026-12-10T10:00:00Z" }'),
    );
    for (let i = 0; i < 40; i++) {
      const json = JSON.parse(
        (
          await runInProcess(
            [
              'eval',
              'inference_model',
              '--context',
              `{"targetingKey":"user-${i}"}`,
              '--json',
              '--now',
              '2026-12-11T00:00:00Z',
            ],
            dir,
          )
        ).stdout,
      ) as EvalJson;
      const [explained] = json.rollouts;
      expect(explained).toMatchObject({ percentage: 5, rollout: { phase: 'paused', step: 1 } });
      if (explained!.inRollout) continue;
      expect(explained!.text).toMatch(
        /^rule 2 rollout of "claude-sonnet-4-6" \(paused at step 1 of 3, 5%\): bucket \d+\.\d\d ≥ 5, not in the rollout; it joins at step [23] \((25|100)%\), once the rollout is resumed$/,
      );
    }
  });

  it("a rule whose other conditions the context fails does not apply, whatever the context's bucket", async () => {
    const now = '2026-12-01T00:15:00Z';
    let beta = 0;
    for (let i = 0; i < 40; i++) {
      const segment = i % 2 === 0 ? 'beta' : 'ga';
      const context = JSON.stringify({ targetingKey: `user-${i}`, user_segment: segment });
      const json = JSON.parse(
        (await runInProcess(['eval', 'system_prompt_version', '--context', context, '--json', '--now', now], dir))
          .stdout,
      ) as EvalJson & { rollouts: { conditionHolds: boolean }[] };
      const [first, second] = json.rollouts;
      if (segment === 'ga') {
        expect(first).toMatchObject({
          rule: 1,
          conditionHolds: false,
          inRollout: false,
          text: 'rule 1 rollout of "v4" (step 1 of 5, 20%): the context does not match the rest of the rule\'s condition (user_segment), so the rule does not apply',
        });
        expect(second).toMatchObject({ rule: 2, conditionHolds: true, inRollout: second!.bucket! < 1 });
        expect(json.value).toBe(second!.inRollout ? 'v5' : 'v3');
      } else {
        expect(first).toMatchObject({ rule: 1, conditionHolds: true, inRollout: first!.bucket! < 20 });
        if (first!.inRollout) beta++;
        else expect(first!.text).toContain('; it joins at step ');
      }
    }
    expect(beta).toBeGreaterThan(0);
  });

  it('a context without the bucketing attribute is in no step', async () => {
    const result = await runInProcess(
      ['eval', 'inference_model', '--context', '{"user_segment":"beta"}', '--now', '2026-12-10T12:30:00Z'],
      dir,
    );
    expect(result.stdout).toContain(
      '  rule 2 rollout of "claude-sonnet-4-6" (step 2 of 3, 25%): the context has no usable "targetingKey" (a non-empty string), so it is in no rollout\n',
    );
  });

  it('--now must be a date-time with a time zone', async () => {
    const result = await runInProcess(['eval', 'inference_model', '--now', 'tomorrow'], dir);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      'modelflags: --now must be a date-time with a time zone, like 2026-12-10T09:00:00Z (got "tomorrow")\n',
    );
  });
});
