/**
 * The guardrail scenarios of issue 14, shared by `bench/guardrail/run.ts` (many runs, the targets)
 * and `test/operations/guardrail-detection.test.ts` (few runs, wider bounds). Each run draws one
 * seeded stream of requests (5% canary) and feeds the same samples to three deciders:
 *
 * - **modelflags**: the real guardrail (`createGuardrail` on a real flags client and metrics
 *   store), which runs the e-processes of `src/sequential.ts` after every sample;
 * - **GrowthBook-style**: GrowthBook's one-sided sequential t-test as in `gbstats` (frequentist
 *   engine, sequential testing on, `SequentialOneSidedTreatmentLesserTTest`): the asymptotic
 *   confidence sequence of Waudby-Smith et al. on the absolute difference of means, alpha 0.05,
 *   tuning parameter N* = 5000 (its default), rolled back as soon as the interval's bound excludes
 *   zero on the worse side; latency is tested on log-latency;
 * - **naive**: a one-sided z-test at 5% repeated after every sample (what peeking does).
 *
 * A decider's score is the number of canary requests seen (judged canary samples, for the judge
 * scenario) when it first rolls back.
 */
import { createFlags } from '../../src/runtime/flags.js';
import { createGuardrail, type GuardrailCheck } from '../../src/runtime/guardrail/guardrail.js';
import { createMetrics } from '../../src/runtime/metrics/store.js';
import { normalQuantile } from '../../src/runtime/metrics/statistics.js';
import { type MetricDefinition } from '../../src/runtime/metrics/definitions.js';
import { createJudgeSampler } from '../../src/runtime/guardrail/guardrail.js';
import { staticSource } from '../../src/runtime/sources/static.js';
import { seededRandom } from '../../test/support/random.js';

export type ScenarioName = 'errors' | 'aa' | 'latency' | 'judge';
export type Decider = 'modelflags' | 'growthbook' | 'naive';
export const DECIDERS: readonly Decider[] = ['modelflags', 'growthbook', 'naive'];

export interface Scenario {
  name: ScenarioName;
  title: string;
  metric: string;
  definition: MetricDefinition;
  /** The guardrail's check: the threshold (margin) is part of the null. */
  check: GuardrailCheck;
  /** One outcome of a request served by the arm. */
  draw(arm: 'control' | 'canary', random: () => number, normal: () => number): number;
  /** GrowthBook-style and naive tests see this transform of the value (log-latency). */
  transform(value: number): number;
  /** Rate scenarios: the true bad-outcome rates, for the reference SPRT that knows them. */
  badRates?: { control: number; canary: number };
  /** Judge scenario: share of requests judged (the rest have no outcome). */
  judgeBudget?: number;
  /** Canary requests (judged samples, with a budget) after which a run counts as "never". */
  horizon: number;
}

const CANARY_SHARE = 0.05;
const FLAG = 'inference_model';
const REGISTRY = JSON.stringify({
  flags: [
    {
      flag: FLAG,
      variants: ['control-model', 'canary-model'],
      default: 'control-model',
      rules: [{ condition: { rollout_percentage: 5 }, value: 'canary-model' }],
    },
  ],
});

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  errors: {
    name: 'errors',
    title: 'errors 1% -> 6%',
    metric: 'error',
    definition: { kind: 'rate', better: 'lower' },
    check: { metric: 'error', threshold: 0 },
    draw: (arm, random) => (random() < (arm === 'canary' ? 0.06 : 0.01) ? 1 : 0),
    transform: (x) => x,
    badRates: { control: 0.01, canary: 0.06 },
    horizon: 10_000,
  },
  aa: {
    name: 'aa',
    title: 'A/A, errors 1% both',
    metric: 'error',
    definition: { kind: 'rate', better: 'lower' },
    check: { metric: 'error', threshold: 0 },
    draw: (_arm, random) => (random() < 0.01 ? 1 : 0),
    transform: (x) => x,
    horizon: 10_000,
  },
  latency: {
    name: 'latency',
    title: 'latency x1.2 (log-normal)',
    metric: 'latency_ms',
    definition: { kind: 'value', better: 'lower', unit: 'ms' },
    check: { metric: 'latency_ms', threshold: 0, relative: true },
    // Log-normal, median 400 ms, sigma 0.5 (the example service's simulated model API).
    draw: (arm, _random, normal) => (arm === 'canary' ? 1.2 : 1) * 400 * Math.exp(0.5 * normal()),
    transform: (x) => Math.log(x),
    horizon: 10_000,
  },
  judge: {
    name: 'judge',
    title: 'judge pass 90% -> 85%, 10% judged',
    metric: 'judge_pass',
    definition: { kind: 'rate', better: 'higher' },
    check: { metric: 'judge_pass', threshold: 0 },
    draw: (arm, random) => (random() < (arm === 'canary' ? 0.85 : 0.9) ? 1 : 0),
    transform: (x) => x,
    badRates: { control: 0.1, canary: 0.15 },
    judgeBudget: 0.1,
    horizon: 10_000,
  },
};

/** Running mean and variance (Welford) of one arm, for the z-based deciders. */
class Moments {
  n = 0;
  mean = 0;
  private m2 = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  get variance(): number {
    return this.n > 1 ? this.m2 / (this.n - 1) : 0;
  }
}

/** The difference "canary worse than control" and its standard error, or undefined before both arms have a variance. */
function difference(
  canary: Moments,
  control: Moments,
  better: 'lower' | 'higher',
): { estimate: number; se: number } | undefined {
  if (canary.n < 2 || control.n < 2) return undefined;
  const se2 = canary.variance / canary.n + control.variance / control.n;
  if (!(se2 > 0)) return undefined;
  const estimate = better === 'lower' ? canary.mean - control.mean : control.mean - canary.mean;
  return { estimate, se: Math.sqrt(se2) };
}

const GROWTHBOOK_ALPHA = 0.05;
const GROWTHBOOK_TUNING = 5000;
/** gbstats `sequentialRho(alpha, N*, twoSided = false)`. */
const GROWTHBOOK_RHO = Math.sqrt(
  (-2 * Math.log(2 * GROWTHBOOK_ALPHA) + Math.log(-2 * Math.log(2 * GROWTHBOOK_ALPHA) + 1)) / GROWTHBOOK_TUNING,
);

/** gbstats `sequentialIntervalHalfwidthOneSided`: s2 is the variance of one unit, n the total sample size. */
export function growthbookHalfwidth(se: number, n: number): number {
  const s2 = se * se * n;
  const r2n = n * GROWTHBOOK_RHO * GROWTHBOOK_RHO;
  return Math.sqrt(
    ((s2 * 2 * (r2n + 1)) / (n * GROWTHBOOK_RHO) ** 2) * Math.log(1 + Math.sqrt(r2n + 1) / (2 * GROWTHBOOK_ALPHA)),
  );
}

const NAIVE_Z = normalQuantile(0.95);

export interface RunResult {
  /** Canary requests (or judged canary samples) at the first rollback; Infinity when none within the horizon. */
  stoppedAt: Record<Decider, number>;
}

/**
 * One seeded run of a scenario. `deciders` limits which deciders run (the A/A of the naive test is
 * over at once; the others must watch the whole horizon).
 */
export function runScenario(scenario: Scenario, seed: number, deciders: readonly Decider[] = DECIDERS): RunResult {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const stoppedAt: Record<Decider, number> = { modelflags: Infinity, growthbook: Infinity, naive: Infinity };
  const watching = new Set(deciders);

  const flags = createFlags({ source: staticSource(REGISTRY, 'flags.json') });
  const store = createMetrics({
    flags: [FLAG],
    metrics: [scenario.metric],
    windowSamples: 1000,
    definitions: { [scenario.metric]: scenario.definition },
  });
  const guardrail = watching.has('modelflags')
    ? createGuardrail({
        flags,
        flag: FLAG,
        metrics: store,
        checks: [scenario.check],
        definitions: { [scenario.metric]: scenario.definition },
      })
    : undefined;
  const sampler =
    scenario.judgeBudget === undefined
      ? undefined
      : createJudgeSampler({ budget: scenario.judgeBudget, control: 'control-model' });
  const arms = { canary: new Moments(), control: new Moments() };
  let canarySeen = 0;
  let at = 0;
  while (watching.size > 0 && canarySeen < scenario.horizon) {
    const arm = random() < CANARY_SHARE ? 'canary' : 'control';
    const variant = arm === 'canary' ? 'canary-model' : 'control-model';
    // The outcome is drawn whether or not it is judged, so every decider sees the same stream.
    const value = scenario.draw(arm, random, normal);
    if (sampler && !sampler.shouldJudge(variant)) continue;
    if (arm === 'canary') canarySeen++;
    at++;
    store.observe({ metric: scenario.metric, value, variants: { [FLAG]: variant }, at, context: {} });
    if (guardrail && watching.has('modelflags') && guardrail.state === 'tripped') {
      stoppedAt.modelflags = canarySeen;
      watching.delete('modelflags');
    }
    arms[arm].add(scenario.transform(value));
    const d = difference(arms.canary, arms.control, scenario.definition.better);
    if (!d) continue;
    if (watching.has('growthbook') && d.estimate - growthbookHalfwidth(d.se, arms.canary.n + arms.control.n) > 0) {
      stoppedAt.growthbook = canarySeen;
      watching.delete('growthbook');
    }
    if (watching.has('naive') && d.estimate / d.se > NAIVE_Z) {
      stoppedAt.naive = canarySeen;
      watching.delete('naive');
    }
  }
  guardrail?.close();
  flags.close();
  return { stoppedAt };
}

/** The q-quantile (nearest rank) of stopping points; Infinity counts as never. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * A lower reference, not a usable test: Wald's SPRT of the canary's bad rate, knowing both true
 * rates (so no control samples are needed), at level 0.05. No valid level-0.05 test does much
 * better; canary samples until it decides.
 */
export function oracleSprt(rates: { control: number; canary: number }, seed: number, horizon = 100_000): number {
  const random = seededRandom(seed);
  const bad = Math.log(rates.canary / rates.control);
  const good = Math.log((1 - rates.canary) / (1 - rates.control));
  let log = 0;
  for (let n = 1; n <= horizon; n++) {
    log += random() < rates.canary ? bad : good;
    if (log >= Math.log(20)) return n;
  }
  return Infinity;
}
