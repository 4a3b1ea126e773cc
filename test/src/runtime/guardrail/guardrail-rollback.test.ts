import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlags, type Flags } from '../../../../src/runtime/flags.js';
import {
  createGuardrail,
  type GuardedFlags,
  type GuardrailPromotion,
  type GuardrailTrip,
} from '../../../../src/runtime/guardrail/guardrail.js';
import { fileSource } from '../../../../src/runtime/sources/file.js';
import type { TrackEvent } from '../../../../src/runtime/metrics/definitions.js';
import { parseRegistryOrThrow } from '../../../../src/registry/validate.js';
import { staticSource } from '../../../../src/runtime/sources/static.js';
import { seededRandom } from '../../../support/random.js';

const EPOCH = Date.UTC(2026, 11, 10, 12);

/** A 5% -> 25% -> 100% rollout of sonnet that started an hour before EPOCH, beside a pinned customer and a segment. */
const ROLLOUT_TEXT = `{
  "flags": [
    {
      "flag": "inference_model",
      "variants": ["haiku", "sonnet", "opus"],
      "default": "haiku",
      "rules": [
        { "condition": { "customer_id": "acme" }, "value": "sonnet" },
        { "condition": { "user_segment": "internal" }, "value": "opus" },
        {
          "condition": {},
          "rollout": {
            "variant": "sonnet",
            "start": "2026-12-10T11:00:00Z",
            "steps": [ { "percent": 5, "hold": "30m" }, { "percent": 25, "hold": "2h" }, { "percent": 100 } ]
          }
        }
      ]
    },
    {
      "flag": "system_prompt_version",
      "variants": ["v3", "v4"],
      "default": "v3",
      "rules": [ { "condition": {}, "split": { "v3": 50, "v4": 50 } } ]
    }
  ]
}
`;

/** Requests from general users with each served variant's error rate; returns how many went to `variant`. */
function traffic(
  flags: Flags,
  flag: string,
  requests: number,
  errorRate: Readonly<Record<string, number>>,
  seed: number,
  variant: string,
): number {
  const random = seededRandom(seed);
  let served = 0;
  for (let i = 0; i < requests; i++) {
    const record = flags.record({ targetingKey: `user-${seed}-${i}` }, [flag]);
    const v = record.variants[flag]!;
    if (v === variant) served++;
    flags.track(record, 'error', random() < errorRate[v]!);
  }
  return served;
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-rollback-'));
  file = join(dir, 'flags.json');
  writeFileSync(file, ROLLOUT_TEXT);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a trip rolls back the variant under test only', () => {
  it('aborts the rollout in memory and in the file; the pinned customer and the internal segment keep their models', async () => {
    const flags = createFlags({ source: fileSource(file, { pollIntervalMs: 20 }), clock: () => EPOCH });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      checks: [{ metric: 'error', threshold: 0 }],
      writeBack: file,
    });
    const trips: GuardrailTrip[] = [];
    guardrail.on('trip', (t) => trips.push(t));
    // At EPOCH the schedule is on its second step (25%).
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'live', step: 1, percent: 25 });
    const users = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const canary = users.filter((u) => flags.get('inference_model', { targetingKey: u }) === 'sonnet');
    expect(canary.length).toBeGreaterThan(400);
    expect(canary.length).toBeLessThan(600);

    traffic(flags, 'inference_model', 20_000, { haiku: 0.01, sonnet: 0.06, opus: 0.01 }, 1, 'sonnet');
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ variant: 'sonnet', control: 'haiku', action: 'roll-back', wroteBack: file });

    for (const u of canary) expect(flags.get('inference_model', { targetingKey: u })).toBe('haiku');
    expect(flags.get('inference_model', { targetingKey: 'a', customer_id: 'acme' })).toBe('sonnet');
    expect(flags.get('inference_model', { targetingKey: 'b', user_segment: 'internal' })).toBe('opus');
    // The other flag is untouched.
    expect(flags.get('system_prompt_version', { targetingKey: 'user-1' })).toBeDefined();

    // The file says the same, and nothing else in it moved.
    expect(readFileSync(file, 'utf8')).toBe(
      ROLLOUT_TEXT.replace('{ "percent": 100 } ]\n', '{ "percent": 100 } ],\n            "state": "aborted"\n'),
    );
    await new Promise<void>((resolve) => {
      const off = flags.on('change', () => {
        if (flags.registry()?.byKey.get('inference_model')?.rules[2]?.rollout?.state === 'aborted') {
          off();
          resolve();
        }
      });
    });
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'aborted', percent: 0 });
    expect(guardrail.state).toBe('tripped');
    for (const u of canary.slice(0, 50)) expect(flags.get('inference_model', { targetingKey: u })).toBe('haiku');
    guardrail.close();
    flags.close();
  });

  it("moves a split's share of the variant to the control", () => {
    const flags = createFlags({ source: staticSource(ROLLOUT_TEXT), clock: () => EPOCH });
    const guardrail = createGuardrail({
      flags,
      flag: 'system_prompt_version',
      checks: [{ metric: 'error', threshold: 0 }],
      writeBack: file,
    });
    traffic(flags, 'system_prompt_version', 5_000, { v3: 0.01, v4: 0.08 }, 2, 'v4');
    expect(guardrail.state).toBe('tripped');
    const served = new Set(
      Array.from({ length: 500 }, (_, i) => flags.get('system_prompt_version', { targetingKey: `u-${i}` })),
    );
    expect([...served]).toEqual(['v3']);
    expect(readFileSync(file, 'utf8')).toBe(ROLLOUT_TEXT.replace('"v3": 50, "v4": 50', '"v3": 100, "v4": 0'));
    guardrail.close();
    flags.close();
  });

  it('changes nothing when only a pin serves the variant, and says so', () => {
    const text = `{ "flags": [ { "flag": "m", "variants": ["a", "b"], "default": "a",
      "rules": [ { "condition": { "customer_id": "acme" }, "value": "b" } ] } ] }`;
    writeFileSync(file, text);
    const flags = createFlags({ source: staticSource(text) });
    const guardrail = createGuardrail({
      flags,
      flag: 'm',
      checks: [{ metric: 'error', threshold: 0 }],
      writeBack: file,
    });
    const errors: string[] = [];
    guardrail.on('error', (e) => errors.push(e.message));
    const random = seededRandom(3);
    for (let i = 0; i < 20_000 && guardrail.state === 'watching'; i++) {
      const acme = i % 10 === 0;
      const record = flags.record({ targetingKey: `u-${i}`, ...(acme ? { customer_id: 'acme' } : {}) });
      flags.track(record, 'error', random() < (acme ? 0.08 : 0.01));
    }
    expect(guardrail.state).toBe('tripped');
    expect(errors.join('\n')).toMatch(
      /only rules that pin it to a segment or customer serve it.*nothing was rolled back/,
    );
    expect(flags.get('m', { targetingKey: 'x', customer_id: 'acme' })).toBe('b');
    expect(readFileSync(file, 'utf8')).toBe(text);
    guardrail.close();
    flags.close();
  });
});

describe('promote: "when-healthy"', () => {
  const healthyText = (promote: string): string =>
    ROLLOUT_TEXT.replace('"start": "2026-12-10T11:00:00Z"', `"start": "2026-12-10T11:00:00Z", "promote": "${promote}"`);

  it('moves a healthy rollout to its next step once its hold has passed, in memory and in the file', () => {
    writeFileSync(file, healthyText('when-healthy'));
    let now = EPOCH;
    const flags = createFlags({ source: staticSource(healthyText('when-healthy')), clock: () => now });
    // A when-healthy schedule does not move on by the clock alone: an hour in, still step 1.
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'live', step: 0, percent: 5 });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      checks: [{ metric: 'error', threshold: 0.02 }],
      writeBack: file,
    });
    const promotions: GuardrailPromotion[] = [];
    guardrail.on('promote', (p) => promotions.push(p));
    traffic(flags, 'inference_model', 40_000, { haiku: 0.01, sonnet: 0.01, opus: 0.01 }, 4, 'sonnet');
    expect(guardrail.state).toBe('watching');
    expect(promotions).toHaveLength(1);
    expect(promotions[0]).toMatchObject({ variant: 'sonnet', ruleIndex: 2, step: 1, at: EPOCH, wroteBack: file });
    expect(promotions[0]!.evidence['error']).toBeGreaterThanOrEqual(20);
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'live', step: 1, percent: 25, since: EPOCH });
    expect(readFileSync(file, 'utf8')).toBe(
      healthyText('when-healthy').replace(
        '{ "percent": 100 } ]\n',
        '{ "percent": 100 } ],\n            "current_step": { "step": 2, "since": "2026-12-10T12:00:00.000Z" }\n',
      ),
    );
    // The new step's hold (2h) counts from the promotion: no second promotion at the same moment.
    traffic(flags, 'inference_model', 5_000, { haiku: 0.01, sonnet: 0.01, opus: 0.01 }, 5, 'sonnet');
    expect(promotions).toHaveLength(1);
    now = EPOCH + 2 * 3_600_000;
    traffic(flags, 'inference_model', 200, { haiku: 0.01, sonnet: 0.01, opus: 0.01 }, 6, 'sonnet');
    expect(promotions.map((p) => p.step)).toEqual([1, 2]);
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'complete', percent: 100 });
    guardrail.close();
    flags.close();
  });

  it('does not promote a variant that regressed: it rolls it back', () => {
    const flags = createFlags({ source: staticSource(healthyText('when-healthy')), clock: () => EPOCH });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      checks: [{ metric: 'error', threshold: 0.02 }],
    });
    const promotions: GuardrailPromotion[] = [];
    guardrail.on('promote', (p) => promotions.push(p));
    traffic(flags, 'inference_model', 60_000, { haiku: 0.01, sonnet: 0.08, opus: 0.01 }, 7, 'sonnet');
    expect(promotions).toEqual([]);
    expect(guardrail.state).toBe('tripped');
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'aborted' });
    guardrail.close();
    flags.close();
  });
});

describe('a guard that finds its decision already in the registry', () => {
  it('changes nothing and says that servers still serving the variant have not caught up', () => {
    const registry = parseRegistryOrThrow(
      ROLLOUT_TEXT.replace('{ "percent": 100 } ]', '{ "percent": 100 } ], "state": "aborted"'),
    );
    const listeners = new Set<(event: TrackEvent) => void>();
    const calls: string[] = [];
    // The guard's view of a fleet: samples from servers that still serve the canary.
    const flags: GuardedFlags = {
      on: ((event: string, listener: (event: TrackEvent) => void) => {
        if (event === 'track') listeners.add(listener);
        return () => listeners.delete(listener);
      }) as unknown as GuardedFlags['on'],
      kill: () => (calls.push('kill'), true),
      rollBack: () => (calls.push('rollBack'), true),
      promote: () => undefined,
      rollout: () => [],
      registry: () => registry,
    };
    const guardrail = createGuardrail({ flags, flag: 'inference_model', checks: [{ metric: 'error', threshold: 0 }] });
    const errors: string[] = [];
    guardrail.on('error', (e) => errors.push(e.message));
    const random = seededRandom(8);
    for (let i = 0; i < 20_000 && guardrail.state === 'watching'; i++) {
      const variant = i % 4 === 0 ? 'sonnet' : 'haiku';
      const event: TrackEvent = {
        metric: 'error',
        value: random() < (variant === 'sonnet' ? 0.06 : 0.01) ? 1 : 0,
        variants: { inference_model: variant },
        at: i,
        context: {},
      };
      for (const l of listeners) l(event);
    }
    expect(guardrail.state).toBe('tripped');
    expect(calls).toEqual([]);
    expect(errors.join('\n')).toMatch(/the registry already has it rolled back, so nothing more was changed/);
    guardrail.close();
  });
});
