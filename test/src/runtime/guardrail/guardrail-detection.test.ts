/**
 * The scenarios of `bench/guardrail` (issue 14) with fewer seeded runs and wider bounds than the
 * bench's targets: the real guardrail on a real flags client and metrics store, beside the
 * GrowthBook-style sequential test and naive re-testing on the same traffic. The bench prints the
 * figures over 200 runs; this keeps them from sliding.
 */
import { describe, expect, it } from 'vitest';
import {
  DECIDERS,
  quantile,
  runScenario,
  SCENARIOS,
  type Decider,
  type Scenario,
} from '../../../../bench/guardrail/scenarios.js';
import { createJudgeSampler } from '../../../../src/runtime/guardrail/guardrail.js';

function stops(
  scenario: Scenario,
  seeds: number,
  base: number,
  deciders: readonly Decider[] = DECIDERS,
): Record<Decider, number[]> {
  const out: Record<Decider, number[]> = { modelflags: [], growthbook: [], naive: [] };
  for (let seed = base; seed < base + seeds; seed++) {
    const { stoppedAt } = runScenario(scenario, seed, deciders);
    for (const d of deciders) out[d].push(stoppedAt[d]);
  }
  return out;
}

// CPU-bound and deterministic (a few seconds); the limit only guards a hang.
const LIMIT = { timeout: 120_000 };

describe('guardrail detection (seeded, 5% canary)', () => {
  it(
    'rolls back errors 1% -> 6% in a median under 100 canary requests, well ahead of the GrowthBook-style test',
    LIMIT,
    () => {
      const s = stops(SCENARIOS.errors, 60, 1);
      expect(s.modelflags.every(Number.isFinite)).toBe(true);
      expect(quantile(s.modelflags, 0.5)).toBeLessThanOrEqual(100);
      expect(quantile(s.modelflags, 0.9)).toBeLessThanOrEqual(300);
      expect(quantile(s.modelflags, 0.5)).toBeLessThan(quantile(s.growthbook, 0.5));
    },
  );

  it(
    'rolls back in at most 10% of A/A runs over 5,000 canary requests, where naive re-testing rolls back often',
    LIMIT,
    () => {
      const aa = { ...SCENARIOS.aa, horizon: 5_000 };
      const s = stops(aa, 40, 100);
      expect(s.modelflags.filter(Number.isFinite).length).toBeLessThanOrEqual(4);
      // The comparison is meaningful: peeking at a fixed-level test does fire on identical arms.
      expect(s.naive.filter(Number.isFinite).length).toBeGreaterThan(4);
    },
  );

  it('rolls back latency x1.2 in a median under 70 canary requests', LIMIT, () => {
    const s = stops(SCENARIOS.latency, 40, 200, ['modelflags']);
    expect(quantile(s.modelflags, 0.5)).toBeLessThanOrEqual(70);
    expect(s.modelflags.every(Number.isFinite)).toBe(true);
  });

  it('rolls back a judge pass rate 90% -> 85% under a 10% judging budget', LIMIT, () => {
    const s = stops(SCENARIOS.judge, 20, 300, ['modelflags']);
    expect(s.modelflags.every(Number.isFinite)).toBe(true);
    expect(quantile(s.modelflags, 0.5)).toBeLessThanOrEqual(900);
  });
});

describe('createJudgeSampler', () => {
  it('spends the budget, oversampling a small canary, from the arm sequence alone', () => {
    const sampler = createJudgeSampler({ budget: 0.1, control: 'haiku', candidateShare: 0.5 });
    let judged = 0;
    for (let i = 0; i < 20_000; i++) {
      if (sampler.shouldJudge(i % 20 === 7 ? 'sonnet' : 'haiku')) judged++;
      // Never more than one judgment ahead of the budget accrued so far.
      expect(judged).toBeLessThanOrEqual(0.1 * (i + 1) + 1);
    }
    const counts = sampler.counts();
    expect(counts['sonnet']).toEqual({ seen: 1000, judged: 1000 }); // a 5% canary, all judged
    expect(counts['haiku']!.judged).toBeGreaterThanOrEqual(999); // the control gets the rest
    expect(judged).toBeGreaterThanOrEqual(1999);
  });

  it('gives the control what a canary cannot use, and refuses a budget that is not a share', () => {
    const sampler = createJudgeSampler({ budget: 0.5, control: 'a', candidateShare: 0.9 });
    let control = 0;
    for (let i = 0; i < 1000; i++) if (sampler.shouldJudge(i % 100 === 0 ? 'b' : 'a')) control += i % 100 === 0 ? 0 : 1;
    expect(sampler.counts()['b']!.judged).toBe(10);
    expect(control).toBeGreaterThanOrEqual(489);
    expect(() => createJudgeSampler({ budget: 0, control: 'a' })).toThrow(
      /budget must be a share of requests in \(0, 1\] \(got 0\)/,
    );
  });
});
