/**
 * The guardrail on the example inference service, simulated in process: 10% of users get the
 * canary model (claude-sonnet-4-6) through the registry's rollout rule, the rest the default
 * (claude-3-haiku, the control). Deterministic: every run is seeded.
 */
import { describe, expect, it } from 'vitest';
import { createGuardrail, type GuardrailTrip } from '../../src/guardrail.js';
import { createSimulation } from './simulation.js';

/** Requests before the regression, so the guardrail has looked a few times already. */
const WARM_UP = 5_000;
/**
 * The stated bound: a canary whose error rate goes from 1% to 6% is killed within this many
 * requests after the change (about 1,200 canary requests at 10% traffic). Why it holds: once the
 * 1,000-sample window has turned over (about 10,000 requests), the test statistic is about 4.9
 * against a threshold near 4.0 at that look; see docs/guardrails.md.
 */
const DETECTION_BOUND = 12_000;

// CPU-bound and deterministic (about 10 s on an idle machine); the limit only guards a hang.
const LIMIT = { timeout: 180_000 };

describe('guardrail simulation on the example service', () => {
  it(`kills a canary whose error rate rises from 1% to 6% within ${DETECTION_BOUND} requests`, LIMIT, async () => {
    const delays: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const sim = createSimulation(seed);
      const guardrail = createGuardrail({ flags: sim.flags, flag: 'inference_model' });
      const trips: GuardrailTrip[] = [];
      guardrail.on('trip', (t) => trips.push(t));
      for (let i = 0; i < WARM_UP; i++) await sim.request();
      expect(guardrail.state, `seed ${seed}: tripped before the regression`).toBe('watching');

      sim.behaviour['claude-sonnet-4-6']!.errorRate = 0.06;
      let after = 0;
      while (guardrail.state === 'watching' && after < DETECTION_BOUND) {
        await sim.request();
        after++;
      }
      expect(guardrail.state, `seed ${seed}: not killed within ${DETECTION_BOUND} requests`).toBe('tripped');
      delays.push(after);
      expect(trips).toHaveLength(1);
      const [trip] = trips;
      expect(trip).toMatchObject({ flag: 'inference_model', variant: 'claude-sonnet-4-6', control: 'claude-3-haiku', metric: 'error' });
      expect(trip!.variantSummary.mean.estimate).toBeGreaterThan(trip!.controlSummary.mean.estimate + 0.01);
      expect(trip!.result.pValue).toBeLessThan(trip!.level);
      // Killed in memory at once: the very next request of a canary user gets the control.
      const canaryUser = Array.from({ length: 1000 }, (_, i) => `user-${i}`).find(
        (u) => sim.flags.detail('inference_model', { targetingKey: u }).reason === 'DISABLED',
      );
      expect(canaryUser).toBeDefined();
      expect(sim.flags.get('inference_model', { targetingKey: canaryUser! })).toBe('claude-3-haiku');
    }
    delays.sort((a, b) => a - b);
    // The spread, for the record (printed by --reporter=verbose): median and worst case.
    console.info(`detection after ${delays[10]} requests (median), ${delays.at(-1)} (worst of 20); bound ${DETECTION_BOUND}`);
  });

  it('fires in at most 5% of 200 A/A runs (canary identical to control)', LIMIT, async () => {
    let fired = 0;
    for (let seed = 1_000; seed < 1_200; seed++) {
      const sim = createSimulation(seed);
      const guardrail = createGuardrail({ flags: sim.flags, flag: 'inference_model' });
      for (let i = 0; i < WARM_UP + DETECTION_BOUND - 7_000; i++) await sim.request();
      if (guardrail.state === 'tripped') fired++;
    }
    console.info(`A/A: guardrail fired in ${fired} of 200 runs`);
    expect(fired).toBeLessThanOrEqual(10);
  });
});
