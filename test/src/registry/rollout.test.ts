/**
 * Rollout schedules in the registry: every validation problem at its file, line and column with a
 * message that says what to write; and properties of registry/rollout.ts over random schedules and
 * times: the live share never falls while a rollout runs, each step only adds users (real contexts,
 * evaluated by a real client at two moments), and the shorthands expand to rising steps that end
 * at 100.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFlags, type Flags } from '../../../src/runtime/flags.js';
import { staticSource } from '../../../src/runtime/sources/static.js';
import type { RolloutSchedule } from '../../../src/registry/model.js';
import {
  describeRollout,
  exponentialSteps,
  linearSteps,
  liveRollout,
  MAX_ROLLOUT_STEPS,
  parseDuration,
} from '../../../src/registry/rollout.js';
import { formatIssue, parseRegistry } from '../../../src/registry/validate.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-12-10T09:00:00Z');

/** One flag whose second rule is the rollout given as JSON text, laid out one member per line. */
function registryWith(rollout: string, condition = '{}'): string {
  return `{
  "flags": [
    {
      "flag": "inference_model",
      "variants": ["claude-3-haiku", "claude-sonnet-4-6"],
      "default": "claude-3-haiku",
      "rules": [
        { "condition": { "user_segment": "internal" }, "value": "claude-sonnet-4-6" },
        {
          "condition": ${condition},
          "rollout": ${rollout}
        }
      ]
    }
  ]
}
`;
}

const STEPS = '[{ "percent": 5, "hold": "2h" }, { "percent": 25, "hold": "6h" }, { "percent": 100 }]';
const rolloutText = (members: string): string =>
  `{ "variant": "claude-sonnet-4-6", "start": "2026-12-10T09:00:00Z", ${members} }`;

/** `flags.json:line:column` of the `occurrence`-th (1-based) `needle` in `text`. */
function at(text: string, needle: string, occurrence = 1): string {
  let offset = -1;
  for (let i = 0; i < occurrence; i++) {
    offset = text.indexOf(needle, offset + 1);
    expect(offset, `${needle} #${occurrence} not in the text`).toBeGreaterThanOrEqual(0);
  }
  const lines = text.slice(0, offset).split('\n');
  return `flags.json:${lines.length}:${lines.at(-1)!.length + 1}`;
}

function problems(text: string): string[] {
  const { registry, issues } = parseRegistry(text, 'flags.json');
  expect(registry).toBeUndefined();
  return issues.map(formatIssue);
}

describe('rollout validation: each problem at its line and column', () => {
  const label = 'inference_model: rule 2';

  it('accepts a schedule and normalises it', () => {
    const text = registryWith(rolloutText(`"steps": ${STEPS}, "promote": "when-healthy"`));
    const { registry, issues } = parseRegistry(text, 'flags.json');
    expect(issues).toEqual([]);
    expect(registry!.byKey.get('inference_model')!.rules[1]!.rollout).toEqual({
      variant: 'claude-sonnet-4-6',
      startMs: START,
      steps: [
        { percent: 5, holdMs: 2 * HOUR },
        { percent: 25, holdMs: 6 * HOUR },
        { percent: 100, holdMs: undefined },
      ],
      state: 'active',
      promote: 'when-healthy',
      current: undefined,
    });
  });

  it('a hold that is not a duration', () => {
    const text = registryWith(rolloutText('"steps": [{ "percent": 5, "hold": "2 hours" }, { "percent": 100 }]'));
    expect(problems(text)).toEqual([
      `${at(text, '"2 hours"')}: ${label}: rollout step 1's "hold" must be a duration such as "30s", "6m", "2h" or "1d"; got string "2 hours"`,
    ]);
  });

  it('steps that do not rise, compared with the highest step before them', () => {
    const text = registryWith(
      rolloutText(
        '"steps": [{ "percent": 5, "hold": "1h" }, { "percent": 25, "hold": "1h" }, { "percent": 20, "hold": "1h" }, { "percent": "all", "hold": "1h" }, { "percent": 25 }]',
      ),
    );
    expect(problems(text)).toEqual([
      `${at(text, '20, "hold"')}: ${label}: rollout step 3 (20%) must serve more than step 2 (25%): each step only adds users`,
      `${at(text, '"all"')}: ${label}: rollout step 4's "percent" must be a number above 0 and at most 100, with at most two decimals; got string "all"`,
      `${at(text, '25 }')}: ${label}: rollout step 5 (25%) must serve more than step 2 (25%): each step only adds users`,
    ]);
  });

  it('a step without a hold (only the last may omit it), and a percent of 0 or with three decimals', () => {
    const text = registryWith(
      rolloutText(
        '"steps": [{ "percent": 0 }, { "percent": 5.125, "hold": "1h" }, { "percent": 50 }, { "percent": 100 }]',
      ),
    );
    expect(problems(text)).toEqual([
      `${at(text, '0 }')}: ${label}: rollout step 1's "percent" must be a number above 0 and at most 100, with at most two decimals; got number 0`,
      `${at(text, '{ "percent": 0 }')}: ${label}: rollout step 1 needs "hold", how long it lasts before step 2`,
      `${at(text, '5.125')}: ${label}: rollout step 2's "percent" must be a number above 0 and at most 100, with at most two decimals; got number 5.125`,
      `${at(text, '{ "percent": 50 }')}: ${label}: rollout step 3 needs "hold", how long it lasts before step 4`,
    ]);
  });

  it('unknown fields, at their key, with did-you-mean', () => {
    const text = registryWith(
      rolloutText(
        '"steps": [{ "percent": 5, "hld": "1h" }, { "percent": 100 }], "sate": "paused", "linear": { "percent": 20, "evry": "6m" }',
      ),
    );
    expect(problems(text)).toEqual([
      `${at(text, '"sate"')}: ${label}: the rollout has unknown field "sate" (did you mean "state"?)`,
      `${at(text, '{ "variant"')}: ${label}: the rollout needs exactly one of "steps" (a list of { "percent", "hold" }), "linear" ({ "percent": 20, "every": "6m" }) or "exponential" ({ "percent": 1, "every": "1h", "factor": 2 })`,
    ]);
    const steps = registryWith(rolloutText('"steps": [{ "percent": 5, "hld": "1h" }, { "percent": 100 }]'));
    expect(problems(steps)).toEqual([
      `${at(steps, '"hld"')}: ${label}: rollout step 1 has unknown field "hld" (did you mean "hold"?); a step has "percent" and "hold"`,
      `${at(steps, '{ "percent": 5')}: ${label}: rollout step 1 needs "hold", how long it lasts before step 2`,
    ]);
    const linear = registryWith(rolloutText('"linear": { "percent": 20, "evry": "6m" }'));
    expect(problems(linear)).toEqual([
      `${at(linear, '"evry"')}: ${label}: "linear" has unknown field "evry" (did you mean "every"?); it is { "percent": 20, "every": "6m" }`,
    ]);
    const rule = registryWith(`${rolloutText(`"steps": ${STEPS}`)}, "rolout": {}`);
    expect(problems(rule)[0]).toBe(
      `${at(rule, '"rolout"')}: ${label} has unknown field "rolout" (did you mean "rollout"?); a rule has "condition" and one of "value", "split" or "rollout"`,
    );
  });

  it('a paused rollout without current_step, and a current_step beyond the steps', () => {
    const paused = registryWith(rolloutText(`"steps": ${STEPS}, "state": "paused"`));
    expect(problems(paused)).toEqual([
      `${at(paused, '"paused"')}: ${label}: a paused rollout names the step it holds in "current_step"; run \`modelflags rollout pause inference_model\`, which writes both`,
    ]);
    const beyond = registryWith(
      rolloutText(`"steps": ${STEPS}, "current_step": { "step": 4, "since": "2026-12-10T10:00:00Z" }`),
    );
    expect(problems(beyond)).toEqual([
      `${at(beyond, '4, "since"')}: ${label}: "current_step" is step 4, but the rollout has 3 steps`,
    ]);
    const malformed = registryWith(rolloutText(`"steps": ${STEPS}, "current_step": { "step": 0, "since": "now" }`));
    expect(problems(malformed)).toEqual([
      `${at(malformed, '{ "step": 0')}: ${label}: the rollout's "current_step" must be { "step": <1-based step number>, "since": "<ISO date-time>" } (written by \`modelflags rollout\` and the guardrail)`,
    ]);
  });

  it('rollout_percentage in the condition of a rollout rule', () => {
    const text = registryWith(rolloutText(`"steps": ${STEPS}`), '{ "rollout_percentage": 10 }');
    expect(problems(text)).toEqual([
      `${at(text, '"rollout_percentage"')}: ${label}: a rollout rule's share comes from its steps; remove "rollout_percentage" from its condition`,
    ]);
  });

  it('a variant that is not declared, with did-you-mean, and one of another type', () => {
    const text = registryWith(`{ "variant": "claude-sonet-4-6", "start": "2026-12-10T09:00:00Z", "steps": ${STEPS} }`);
    expect(problems(text)).toEqual([
      `${at(text, '"claude-sonet-4-6"')}: inference_model: rule 2 rolls out "claude-sonet-4-6", which is not a variant (did you mean "claude-sonnet-4-6"?); variants are "claude-3-haiku", "claude-sonnet-4-6"`,
    ]);
    const typed = registryWith(`{ "variant": 4, "start": "2026-12-10T09:00:00Z", "steps": ${STEPS} }`);
    expect(problems(typed)).toEqual([
      `${at(typed, '4,')}: ${label} rolls out number 4, but the flag's default is a string; a flag serves one type of value`,
    ]);
  });

  it('a start without a time zone, a missing variant, bad state and promote', () => {
    const text = registryWith(
      `{ "start": "2026-12-10T09:00:00", "steps": ${STEPS}, "state": "stopped", "promote": "always" }`,
    );
    const rollout = at(text, '{ "start"');
    expect(problems(text)).toEqual([
      `${rollout}: ${label}: the rollout is missing "variant" (the value it rolls out)`,
      `${at(text, '"2026-12-10T09:00:00"')}: ${label}: the rollout needs "start", an ISO date-time with a time zone, for example "2026-12-10T09:00:00Z"; got string "2026-12-10T09:00:00"`,
      `${at(text, '"always"')}: ${label}: the rollout's "promote" must be "on-schedule" or "when-healthy"; got string "always"`,
      `${at(text, '"stopped"')}: ${label}: the rollout's "state" must be "active", "paused", "aborted"; got string "stopped"`,
    ]);
  });

  it('shorthands: a bad interval, a factor not above 1, and one that expands past the step limit', () => {
    const text = registryWith(rolloutText('"exponential": { "percent": 1, "every": "soon", "factor": 1 }'));
    expect(problems(text)).toEqual([
      `${at(text, '"soon"')}: ${label}: "exponential.every" must be a duration such as "6m" or "1h"; got string "soon"`,
      `${at(text, '1 }')}: ${label}: "exponential.factor" must be a number above 1 (default 2)`,
    ]);
    const many = registryWith(rolloutText('"linear": { "percent": 0.5, "every": "1m" }'));
    expect(problems(many)).toEqual([
      `${at(many, '{ "percent": 0.5')}: ${label}: "linear" expands to more than ${MAX_ROLLOUT_STEPS} steps; raise "percent", or list the steps in "steps"`,
    ]);
    // A factor barely above 1 is refused at once rather than expanded for millions of steps.
    const slow = registryWith(rolloutText('"exponential": { "percent": 0.01, "every": "1m", "factor": 1.0000001 }'));
    const began = performance.now();
    expect(problems(slow)).toEqual([
      `${at(slow, '{ "percent": 0.01')}: ${label}: "exponential" expands to more than ${MAX_ROLLOUT_STEPS} steps; raise "percent" or "factor", or list the steps in "steps"`,
    ]);
    expect(performance.now() - began).toBeLessThan(1000);
  });
});

// Schedules as the validator builds them: rising shares with two decimals, positive holds.
const shares = fc
  .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 6 })
  .map((bps) => [...bps].sort((a, b) => a - b).map((b) => b / 100));
const schedule = fc
  .record({
    shares,
    holds: fc.array(fc.integer({ min: 1000, max: 12 * HOUR }), { minLength: 6, maxLength: 6 }),
    start: fc.integer({ min: START - 48 * HOUR, max: START + 48 * HOUR }),
    current: fc.option(fc.record({ step: fc.nat(), since: fc.integer({ min: START - 48 * HOUR, max: START }) }), {
      nil: undefined,
    }),
  })
  .map(({ shares, holds, start, current }): RolloutSchedule => ({
    variant: 'b',
    startMs: start,
    steps: shares.map((percent, i) => ({ percent, holdMs: i === shares.length - 1 ? undefined : holds[i]! })),
    state: 'active',
    promote: 'on-schedule',
    current: current && { step: current.step % shares.length, sinceMs: current.since },
  }));
const moment = fc.integer({ min: START - 72 * HOUR, max: START + 96 * HOUR });

describe('liveRollout over random schedules and times', () => {
  it('the share of an active on-schedule rollout never falls as time passes, nor does its step', () => {
    fc.assert(
      fc.property(schedule, moment, moment, (s, a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const before = liveRollout(s, early);
        const after = liveRollout(s, late);
        expect(after.percent).toBeGreaterThanOrEqual(before.percent);
        expect(after.step).toBeGreaterThanOrEqual(before.step);
        for (const [live, now] of [
          [before, early],
          [after, late],
        ] as const) {
          // A live step began by now (or at a current_step written by a clock a little ahead); the next begins later.
          if (live.since !== undefined)
            expect(live.since).toBeLessThanOrEqual(Math.max(now, s.current?.sinceMs ?? now));
          if (live.nextAt !== undefined) expect(live.nextAt).toBeGreaterThan(now);
          expect(live.percent).toBe(live.step < 0 ? 0 : s.steps[live.step]!.percent);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a paused rollout holds its step and an aborted one serves nobody, whatever the time', () => {
    fc.assert(
      fc.property(schedule, moment, (s, now) => {
        const step = s.current?.step ?? 0;
        const paused = liveRollout({ ...s, state: 'paused', current: { step, sinceMs: START } }, now);
        expect(paused).toEqual({
          phase: 'paused',
          step,
          percent: s.steps[step]!.percent,
          since: START,
          nextAt: undefined,
        });
        expect(liveRollout({ ...s, state: 'aborted' }, now)).toMatchObject({ phase: 'aborted', percent: 0 });
      }),
    );
  });

  it('a when-healthy rollout starts on its own and then waits at its step', () => {
    fc.assert(
      fc.property(schedule, moment, (s, now) => {
        const live = liveRollout({ ...s, promote: 'when-healthy' }, now);
        if (live.phase === 'pending') return;
        expect(live.step).toBe(s.current?.step ?? 0);
      }),
    );
  });

  it('describes each phase in one line', () => {
    const s: RolloutSchedule = {
      variant: 'b',
      startMs: START,
      steps: [
        { percent: 5, holdMs: 2 * HOUR },
        { percent: 25, holdMs: 6 * HOUR },
        { percent: 100, holdMs: undefined },
      ],
      state: 'active',
      promote: 'on-schedule',
      current: undefined,
    };
    expect(describeRollout(s, START - 1)).toBe('pending: step 1 of 3 (5%) at 2026-12-10T09:00:00.000Z');
    expect(describeRollout(s, START + 3 * HOUR)).toBe(
      'step 2 of 3 (25%) since 2026-12-10T11:00:00.000Z; step 3 (100%) at 2026-12-10T17:00:00.000Z',
    );
    expect(describeRollout({ ...s, promote: 'when-healthy' }, START)).toBe(
      'step 1 of 3 (5%) since 2026-12-10T09:00:00.000Z; step 2 (25%) when healthy, not before 2026-12-10T11:00:00.000Z',
    );
    expect(describeRollout(s, START + 8 * HOUR)).toBe('complete: step 3 of 3 (100%) since 2026-12-10T17:00:00.000Z');
    expect(describeRollout({ ...s, state: 'paused', current: { step: 1, sinceMs: START } }, START)).toBe(
      'paused at step 2 of 3 (25%) since 2026-12-10T09:00:00.000Z',
    );
    expect(describeRollout({ ...s, state: 'aborted' }, START)).toBe('aborted: "b" serves nobody through this rule');
  });
});

describe('each step only adds users', () => {
  const userIds = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 20, maxLength: 60 });

  /** A client of a one-flag registry whose first rule is the rollout, its clock stopped at `now`. */
  function clientAt(s: RolloutSchedule, now: number): Flags {
    const doc = {
      flags: [
        {
          flag: 'f',
          variants: ['a', 'b'],
          default: 'a',
          rules: [
            {
              condition: {},
              rollout: {
                variant: 'b',
                start: new Date(s.startMs).toISOString(),
                steps: s.steps.map((step) => ({
                  percent: step.percent,
                  ...(step.holdMs === undefined ? {} : { hold: `${step.holdMs}ms` }),
                })),
                ...(s.current
                  ? { current_step: { step: s.current.step + 1, since: new Date(s.current.sinceMs).toISOString() } }
                  : {}),
              },
            },
          ],
        },
      ],
    };
    return createFlags({ source: staticSource(doc), clock: () => now });
  }

  it('the users served the variant at one moment are still served it later, and the share is about the step', () => {
    fc.assert(
      fc.property(schedule, moment, moment, userIds, (s, a, b, ids) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const before = clientAt(s, early);
        const after = clientAt(s, late);
        try {
          const servedBefore = ids.filter((id) => before.get('f', { targetingKey: id }) === 'b');
          const servedAfter = new Set(ids.filter((id) => after.get('f', { targetingKey: id }) === 'b'));
          for (const id of servedBefore) expect(servedAfter.has(id)).toBe(true);
          // The client and liveRollout agree on the step.
          expect(after.rollout('f')[0]).toMatchObject({ percent: liveRollout(s, late).percent });
          if (liveRollout(s, late).percent === 100) expect(servedAfter.size).toBe(ids.length);
          if (liveRollout(s, early).percent === 0) expect(servedBefore).toEqual([]);
        } finally {
          before.close();
          after.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the shorthands', () => {
  const percent = fc.integer({ min: 1, max: 10_000 }).map((bps) => bps / 100);
  const factor = fc.oneof(fc.double({ min: 1.0001, max: 10, noNaN: true }), fc.constantFrom(1.5, 2, 3, 10));

  function expectRisingTo100(steps: { percent: number; holdMs: number | undefined }[], every: number): void {
    expect(steps.at(-1)).toEqual({ percent: 100, holdMs: undefined });
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.percent).toBeGreaterThan(steps[i - 1]!.percent);
    for (const step of steps.slice(0, -1)) {
      expect(step.holdMs).toBe(every);
      // Two decimals, as the validator reads a written percent.
      expect(Math.abs(step.percent * 100 - Math.round(step.percent * 100))).toBeLessThan(1e-7);
    }
  }

  it('linear: percent more every interval, up to 100', () => {
    fc.assert(
      fc.property(percent, fc.integer({ min: 1, max: 10 * HOUR }), (p, every) => {
        const steps = linearSteps(p, every);
        if (steps.length > MAX_ROLLOUT_STEPS) return;
        expectRisingTo100(steps, every);
        steps.slice(0, -1).forEach((step, i) => expect(step.percent).toBeCloseTo(p * (i + 1), 6));
        if (steps.length > 1) expect(100 - steps.at(-2)!.percent).toBeLessThanOrEqual(p + 1e-9);
      }),
      { numRuns: 500 },
    );
  });

  it('exponential: start at percent, times factor every interval, always adding users, ending at 100', () => {
    fc.assert(
      fc.property(percent, fc.integer({ min: 1, max: 10 * HOUR }), factor, (p, every, f) => {
        const steps = exponentialSteps(p, every, f);
        expect(steps.length).toBeLessThanOrEqual(MAX_ROLLOUT_STEPS + 1);
        if (steps.length > MAX_ROLLOUT_STEPS) return;
        expectRisingTo100(steps, every);
        if (p < 100) expect(steps[0]!.percent).toBe(p);
        // Each share is the grown one, or 0.01 more than the last where rounding would repeat it.
        steps.slice(1, -1).forEach((step, i) => {
          const grown = Math.round(p * f ** (i + 1) * 100) / 100;
          expect(step.percent).toBe(Math.max(grown, Math.round(steps[i]!.percent * 100 + 1) / 100));
        });
      }),
      { numRuns: 500 },
    );
  });

  it("AppConfig's examples, and a factor so small that rounding would repeat shares", () => {
    expect(linearSteps(20, HOUR).map((s) => s.percent)).toEqual([20, 40, 60, 80, 100]);
    expect(linearSteps(33.33, HOUR).map((s) => s.percent)).toEqual([33.33, 66.66, 99.99, 100]);
    expect(exponentialSteps(1, HOUR, 2).map((s) => s.percent)).toEqual([1, 2, 4, 8, 16, 32, 64, 100]);
    expect(
      exponentialSteps(0.01, HOUR, 1.01)
        .slice(0, 4)
        .map((s) => s.percent),
    ).toEqual([0.01, 0.02, 0.03, 0.04]);
    expect(exponentialSteps(60, HOUR, 2).map((s) => s.percent)).toEqual([60, 100]);
    expect(exponentialSteps(100, HOUR, 2)).toEqual([{ percent: 100, holdMs: undefined }]);
  });

  it('durations', () => {
    expect(['500ms', '90s', '6m', '2h', '1d', '1.5h'].map(parseDuration)).toEqual([
      500,
      90_000,
      360_000,
      2 * HOUR,
      24 * HOUR,
      1.5 * HOUR,
    ]);
    expect(['0s', '2 hours', '-1h', 'h', '', 7, undefined].map(parseDuration)).toEqual(Array(7).fill(undefined));
  });
});
