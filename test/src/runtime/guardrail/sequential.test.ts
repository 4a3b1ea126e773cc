/**
 * The guarantees of the sequential tests: each block's factor has expectation at most 1 under
 * every null distribution (checked exactly, by enumeration), and the e-processes cross 1/alpha in
 * at most alpha of long seeded runs under the null, including at the null's boundary with a
 * margin, with ties, and with an arm sequence that is nothing like a steady split.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BlockPairing,
  oddsRatioBlockEValue,
  RateTest,
  rateBlockEValue,
  rankBlockEValue,
  rateNull,
  ValueTest,
  type Arm,
  type SequentialTest,
} from '../../../../src/runtime/guardrail/sequential.js';
import { seededRandom } from '../../../support/random.js';

function binomial(m: number, y: number, p: number): number {
  let c = 1;
  for (let i = 0; i < y; i++) c = (c * (m - i)) / (i + 1);
  return c * p ** y * (1 - p) ** (m - y);
}

/** E[factor] for a block of one variant sample and m controls, bad rates a and b, by enumeration. */
function expectedRateFactor(
  a: number,
  b: number,
  m: number,
  altV: number,
  altC: number,
  slope: number,
  offset: number,
): number {
  let e = 0;
  for (const x of [0, 1]) {
    for (let y = 0; y <= m; y++)
      e += (x ? a : 1 - a) * binomial(m, y, b) * rateBlockEValue(x, 1, y, m, altV, altC, { slope, offset });
  }
  return e;
}

describe('rateBlockEValue', () => {
  const hypotheses = [
    { slope: 1, offset: 0, name: 'no margin' },
    { slope: 1, offset: 0.01, name: 'one point' },
    { slope: 1.5, offset: 0, name: '50% relative' },
    { slope: 0.9, offset: 0.1, name: 'higher-is-better, 10% relative' },
  ];
  for (const h of hypotheses) {
    it(`has expectation at most 1 at every null point (${h.name})`, () => {
      let worst = 0;
      for (const m of [1, 3, 19, 60]) {
        for (const [altV, altC] of [
          [0.06, 0.01],
          [0.3, 0.1],
          [0.9, 0.5],
          [0.02, 0.001],
        ] as const) {
          for (let b = 0.0005; b < 1; b += 0.0371) {
            // The null's boundary and points inside it.
            const top = Math.min(1, h.slope * b + h.offset);
            for (const a of [top, top * 0.7, 0])
              worst = Math.max(worst, expectedRateFactor(a, b, m, altV, altC, h.slope, h.offset));
          }
        }
      }
      expect(worst).toBeLessThanOrEqual(1 + 1e-9);
      // And it is not trivially 1: on the boundary near the alternative's own control rate it is tight.
      expect(
        expectedRateFactor(
          h.slope * 0.1 + h.offset,
          0.1,
          19,
          Math.min(0.95, (h.slope * 0.1 + h.offset) * 2),
          0.1,
          h.slope,
          h.offset,
        ),
      ).toBeGreaterThan(0.99);
    });
  }

  it('bets nothing on an alternative inside the null', () => {
    expect(rateBlockEValue(1, 1, 0, 10, 0.01, 0.02, { slope: 1, offset: 0 })).toBe(1);
  });

  it('grows with evidence of a regression', () => {
    const h = { slope: 1, offset: 0 };
    expect(rateBlockEValue(1, 1, 0, 19, 0.06, 0.01, h)).toBeGreaterThan(4);
    expect(rateBlockEValue(0, 1, 1, 19, 0.06, 0.01, h)).toBeLessThan(1);
  });
});

/** E[factor] of the odds-ratio factor for one variant sample and m controls, bad rates a and b, by enumeration. */
function expectedOddsRatioFactor(a: number, b: number, m: number, oddsRatio: number): number {
  let e = 0;
  for (const x of [0, 1]) {
    for (let y = 0; y <= m; y++) e += (x ? a : 1 - a) * binomial(m, y, b) * oddsRatioBlockEValue(x, y, m, oddsRatio);
  }
  return e;
}

describe('oddsRatioBlockEValue', () => {
  it('has expectation exactly 1 on the null boundary and at most 1 inside it, whatever the common rate', () => {
    for (const m of [1, 2, 3, 19, 60]) {
      for (const oddsRatio of [1.5, 3, 6, 1000]) {
        for (let b = 0.0005; b < 1; b += 0.0371) {
          // On the boundary (equal rates) the conditional law of the split is exact: a martingale.
          expect(Math.abs(expectedOddsRatioFactor(b, b, m, oddsRatio) - 1)).toBeLessThan(1e-9);
          for (const a of [b * 0.99, b * 0.7, b * 0.1, 0])
            expect(expectedOddsRatioFactor(a, b, m, oddsRatio)).toBeLessThanOrEqual(1 + 1e-12);
        }
        for (const b of [0, 1]) expect(expectedOddsRatioFactor(b, b, m, oddsRatio)).toBeCloseTo(1, 12);
      }
    }
  });

  it('has expectation at most 1 at any null point, small blocks (property, exact enumeration)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        (m, b, share, oddsRatio) => expectedOddsRatioFactor(b * share, b, m, oddsRatio) <= 1 + 1e-9,
      ),
      { numRuns: 3000 },
    );
  });

  it('grows with evidence of a regression, and says nothing when the block has no bad outcome', () => {
    expect(oddsRatioBlockEValue(1, 0, 19, 6)).toBeGreaterThan(4);
    expect(oddsRatioBlockEValue(0, 1, 19, 6)).toBeLessThan(1);
    expect(oddsRatioBlockEValue(0, 0, 19, 6)).toBe(1);
    expect(oddsRatioBlockEValue(1, 19, 19, 6)).toBe(1);
    // Betting on no regression (or on an odds ratio that is not a number): no bet.
    expect(oddsRatioBlockEValue(1, 0, 19, 1)).toBe(1);
    expect(oddsRatioBlockEValue(1, 0, 19, NaN)).toBe(1);
    // Under the alternative it bets on, it grows: E[log factor] > 0.
    let growth = 0;
    for (const x of [0, 1])
      for (let y = 0; y <= 19; y++)
        growth += (x ? 0.06 : 0.94) * binomial(19, y, 0.01) * Math.log(oddsRatioBlockEValue(x, y, 19, 6));
    expect(growth).toBeGreaterThan(0.04);
  });
});

describe('rankBlockEValue', () => {
  it('has mean exactly 1 over a uniform rank, and at most 1 over any rank law stochastically below it', () => {
    for (const k of [1, 2, 7, 19, 100]) {
      for (const lambda of [0.2, 0.5, 1]) {
        let mean = 0;
        for (let r = 0; r <= k; r++) mean += rankBlockEValue(r, 0, k, lambda) / (k + 1);
        expect(mean).toBeCloseTo(1, 10);
        // Ranks shifted down by one (a better variant) average below 1.
        let shifted = 0;
        for (let r = 0; r <= k; r++) shifted += rankBlockEValue(Math.max(0, r - 1), 0, k, lambda) / (k + 1);
        expect(shifted).toBeLessThan(1);
      }
    }
  });

  it('averages over the positions a tie-break could give', () => {
    const k = 5;
    const tiedAll = rankBlockEValue(0, 5, k, 0.7);
    expect(tiedAll).toBeCloseTo(1, 10);
  });
});

interface NullCase {
  name: string;
  make(): SequentialTest;
  draw(arm: Arm, random: () => number, normal: () => number): number;
}

/**
 * The most crossings a process whose crossing probability is at most alpha shows in `runs` runs,
 * but for a 1-in-1000 chance: the 99.9% quantile of Binomial(runs, alpha). An e-process that
 * moves in small steps (the rank test's) is nearly a continuous martingale, for which Ville's
 * bound is nearly tight, so its crossing rate sits close to alpha, not far below it.
 */
function allowedCrossings(runs: number, alpha: number): number {
  let cdf = 0;
  for (let k = 0; k <= runs; k++) {
    cdf += binomial(runs, k, alpha);
    if (cdf >= 0.999) return k;
  }
  return runs;
}

/** Runs of `samples` variant samples each; how many ever reach 1/alpha. */
function crossings(
  nullCase: NullCase,
  runs: number,
  samples: number,
  alpha: number,
  armOf: (random: () => number, i: number) => Arm,
  seed: number,
): number {
  let crossed = 0;
  for (let run = 0; run < runs; run++) {
    const random = seededRandom(seed + run);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const test = nullCase.make();
    let variants = 0;
    for (let i = 0; variants < samples; i++) {
      const arm = armOf(random, i);
      if (arm === 'variant') variants++;
      test.add(arm, nullCase.draw(arm, random, normal));
      if (test.eValue >= 1 / alpha) {
        crossed++;
        break;
      }
    }
  }
  return crossed;
}

const NULLS: NullCase[] = [
  {
    name: 'rates equal (1% errors)',
    make: () => new RateTest({ hypothesis: rateNull(0, false, 'lower'), better: 'lower' }),
    draw: (_arm, random) => (random() < 0.01 ? 1 : 0),
  },
  {
    name: 'rates on the boundary of a one-point margin (3% vs 2%)',
    make: () => new RateTest({ hypothesis: rateNull(0.01, false, 'lower'), better: 'lower' }),
    draw: (arm, random) => (random() < (arm === 'variant' ? 0.03 : 0.02) ? 1 : 0),
  },
  {
    name: 'pass rate on the boundary of a 10% relative margin (81% vs 90%)',
    make: () => new RateTest({ hypothesis: rateNull(0.1, true, 'higher'), better: 'higher' }),
    draw: (arm, random) => (random() < (arm === 'variant' ? 0.81 : 0.9) ? 1 : 0),
  },
  {
    name: 'pass rates equal, no margin (90% both, higher is better)',
    make: () => new RateTest({ hypothesis: rateNull(0, true, 'higher'), better: 'higher' }),
    draw: (_arm, random) => (random() < 0.9 ? 1 : 0),
  },
  {
    name: 'rates equal and high, no margin (40% both)',
    make: () => new RateTest({ hypothesis: rateNull(0, false, 'lower'), better: 'lower' }),
    draw: (_arm, random) => (random() < 0.4 ? 1 : 0),
  },
  {
    name: 'log-normal latency, identical',
    make: () => new ValueTest({ margin: 0, relative: true, better: 'lower' }),
    draw: (_arm, _random, normal) => 400 * Math.exp(0.5 * normal()),
  },
  {
    name: 'latency exactly 20% slower with a 20% relative margin',
    make: () => new ValueTest({ margin: 0.2, relative: true, better: 'lower' }),
    draw: (arm, _random, normal) => (arm === 'variant' ? 1.2 : 1) * 400 * Math.exp(0.5 * normal()),
  },
  {
    name: 'ratings 1-5 with heavy ties, identical (higher is better)',
    make: () => new ValueTest({ margin: 0, relative: false, better: 'higher' }),
    draw: (_arm, random) => [1, 3, 4, 4, 5, 5, 5][Math.floor(random() * 7)]!,
  },
];

// CPU-bound and deterministic (a few seconds); the limit only guards a hang.
const LIMIT = { timeout: 120_000 };

describe('e-processes under the null', () => {
  // alpha 0.2 so that a broken test shows up in a few hundred runs; the guarantee is the same at any alpha.
  const alpha = 0.2;
  const runs = 200;
  for (const nullCase of NULLS) {
    it(`cross 1/alpha in at most alpha of runs: ${nullCase.name}`, LIMIT, () => {
      const crossed = crossings(nullCase, runs, 600, alpha, (random) => (random() < 0.2 ? 'variant' : 'control'), 1);
      expect(crossed).toBeLessThanOrEqual(allowedCrossings(runs, alpha));
    });
  }

  it('stay valid when the arms arrive in bursts (the guarantee is conditional on the arm sequence)', LIMIT, () => {
    // Long runs of one arm, then the other: blocks take whatever controls came before.
    const bursts = (_random: () => number, i: number): Arm => (Math.floor(i / 37) % 5 === 0 ? 'variant' : 'control');
    for (const nullCase of NULLS.filter((c) => c.name.startsWith('rates equal (1%') || c.name.startsWith('log-normal')))
      expect(crossings(nullCase, runs, 600, alpha, bursts, 500)).toBeLessThanOrEqual(allowedCrossings(runs, alpha));
  });
});

describe('e-processes on odd input', () => {
  const sample = fc.record({
    arm: fc.constantFrom<Arm>('control', 'variant'),
    value: fc.oneof(fc.double(), fc.constantFrom(0, 1, -1, 1e308, -1e308, 5e-324), fc.integer({ min: -3, max: 3 })),
  });
  it('never throw, and their e-values stay finite and non-negative', () => {
    fc.assert(
      fc.property(
        fc.array(sample, { maxLength: 300 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.boolean(),
        fc.constantFrom<'lower' | 'higher'>('lower', 'higher'),
        (samples, margin, relative, better) => {
          const tests: SequentialTest[] = [
            new RateTest({ hypothesis: rateNull(margin, relative, better), better }),
            new ValueTest({ margin, relative, better }),
          ];
          for (const t of tests) {
            for (const s of samples) {
              t.add(s.arm, s.value);
              const e = t.eValue;
              if (!(Number.isFinite(e) && e >= 0)) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rate block factors are finite and non-negative over their whole domain', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        (x, m, altV, altC, slope, offset) => {
          const y = Math.floor(m / 3);
          const e = rateBlockEValue(x, 1, y, m, altV, altC, { slope: slope || 1, offset });
          return Number.isFinite(e) && e >= 0;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('BlockPairing', () => {
  it('pairs each variant sample with the fresh controls before it, by arrival order only, with bounded memory', () => {
    const blocks: [number, number[]][] = [];
    const spare: number[] = [];
    const pairing = new BlockPairing(
      3,
      (v, c) => blocks.push([v, [...c]]),
      (c) => spare.push(c),
      2,
    );
    pairing.add('variant', 100); // waits: no controls yet
    expect(pairing.waiting).toBe(1);
    pairing.add('control', 1);
    expect(blocks).toEqual([[100, [1]]]);
    for (const c of [2, 3, 4, 5]) pairing.add('control', c); // more than maxControls: the oldest leaves
    expect(spare).toEqual([2]);
    pairing.add('variant', 101);
    expect(blocks[1]).toEqual([101, [3, 4, 5]]);
    for (const v of [102, 103, 104]) pairing.add('variant', v); // more than maxPending wait: the oldest is dropped
    expect(pairing.waiting).toBe(2);
  });
});

describe('a regression that starts after a healthy period', () => {
  it('is caught about as fast after a long healthy period as from the start', LIMIT, () => {
    // 2,000 healthy canary samples first: the bets that include them have lost a lot; those that
    // start later (the mixture over start times) have not.
    const delays: number[] = [];
    for (let seed = 1; seed <= 15; seed++) {
      const random = seededRandom(9_000 + seed);
      const test = new RateTest({ hypothesis: rateNull(0, false, 'lower'), better: 'lower' });
      let canary = 0;
      let delay = Infinity;
      while (canary < 4_000 && delay === Infinity) {
        const arm: Arm = random() < 0.05 ? 'variant' : 'control';
        if (arm === 'variant') canary++;
        const rate = arm === 'variant' && canary > 2_000 ? 0.06 : 0.01;
        test.add(arm, random() < rate ? 1 : 0);
        if (test.eValue >= 20) delay = canary - 2_000;
      }
      delays.push(delay);
    }
    delays.sort((a, b) => a - b);
    // At alpha 0.05 a run may cross during the healthy period (a negative delay); rarely.
    expect(delays.filter((d) => d <= 0).length).toBeLessThanOrEqual(2);
    // Median about 230 (from the start it is about 60); without the mixture over start times, about 400.
    expect(delays[7]).toBeLessThanOrEqual(300);
  });
});
