/**
 * Anytime-valid sequential tests of "the variant is worse than the control by at most a margin",
 * for the guardrail. Pure functions and small state machines; Node builtins only.
 *
 * Every test here is an e-process: a non-negative number, 1 at the start, whose expectation stays
 * at most 1 at every stopping time while the null holds. By Ville's inequality the chance that it
 * ever reaches 1/alpha is at most alpha, so it may be looked at after every sample, forever.
 *
 * How the nuisance (the control's unknown rate or distribution) is removed without estimating it
 * inside the guarantee: samples are grouped into **blocks** of one variant sample and the fresh
 * control samples that arrived since the previous block (a minimum set by `BlockPairing`). Which
 * samples form a block depends only on the order in which the arms arrived, never on the values,
 * so under the null the blocks are independent, and each block's factor below has expectation at
 * most 1 whatever the control's parameters are. Everything a factor is tuned with (estimates of
 * the rates, the control's quantile, the alternative) is computed from earlier blocks only, which
 * makes the product a test supermartingale. A variant sample waits for its controls; the e-value
 * moves when a block closes, on the variant sample or on the control sample that completes it.
 */

import { normalQuantile } from '../metrics/statistics.js';
import { isBadOutcome } from '../metrics/definitions.js';

/** Which arm a sample came from. */
export type Arm = 'control' | 'variant';

/**
 * The null hypothesis of a rate test, on the rate of *bad* outcomes (errors; failures to complete
 * for a metric where higher is better): `bad(variant) <= slope * bad(control) + offset`.
 */
export interface RateNull {
  slope: number;
  offset: number;
}

/**
 * The rate null for a check: an absolute margin (`0.01` = one point worse) or a relative one
 * (`0.2` = 20% worse), for a metric whose better direction is `better`, on the bad-outcome rate.
 */
export function rateNull(margin: number, relative: boolean, better: 'lower' | 'higher'): RateNull {
  if (better === 'lower') return relative ? { slope: 1 + margin, offset: 0 } : { slope: 1, offset: margin };
  // Higher is better: the variant's success rate may be `margin` (or a `margin` share) lower.
  // In failures f = 1 - p: f_V <= f_C + margin, or f_V <= 1 - (1 - margin)(1 - f_C) = margin + (1 - margin) f_C.
  return relative ? { slope: 1 - margin, offset: margin } : { slope: 1, offset: margin };
}

const clampRate = (p: number): number => Math.min(1 - 1e-9, Math.max(1e-9, p));

/**
 * The e-value of one block of a two-sample Bernoulli comparison: `x` bad outcomes in the variant's
 * `n` samples, `y` in the control's `m`, against the null `a <= slope * b + offset` (a, b the bad
 * rates), betting on the alternative rates `(altV, altC)`.
 *
 * It is the likelihood ratio of the alternative against the null point `(a0, b0)` on the null's
 * boundary that is closest to the alternative in Kullback–Leibler divergence. At that point the
 * derivative of the divergence along the boundary vanishes: `slope * n * kA + m * kC = 0` with
 * `kA = (altV - a0) / (a0 (1 - a0))`, `kC = (altC - b0) / (b0 (1 - b0))`. For any null rates
 * (a, b), E[ratio] = (1 + kA (a - a0))^n (1 + kC (b - b0))^m, whose logarithm is at most
 * `n kA (a - a0) + m kC (b - b0)` (log(1 + u) <= u), and since `a - a0 <= slope (b - b0)` on the
 * null and kA >= 0, at most `(slope n kA + m kC)(b - b0) = 0`. So the factor has expectation at
 * most 1 under every null distribution, not only at the estimated control rate.
 * (Turner, Ly & Grünwald, "Generic E-variables for exact sequential k-sample tests that allow for
 * optional stopping", 2024, for the margin-free case.)
 */
export function rateBlockEValue(
  x: number,
  n: number,
  y: number,
  m: number,
  altV: number,
  altC: number,
  hypothesis: RateNull,
): number {
  if (n <= 0 || m <= 0) return 1;
  const { slope, offset } = hypothesis;
  const pV = clampRate(altV);
  const pC = clampRate(altC);
  // Not a bet on a regression: no evidence either way. A boundary at or below rate 0 at the
  // control's rate (the opposite tests' negative offsets) has no null point there to bet against.
  if (!(pV > slope * pC + offset) || !(slope * pC + offset > 0)) return 1;
  const gap = (b0: number): number => {
    const a0 = slope * b0 + offset;
    return (slope * n * (pV - a0)) / (a0 * (1 - a0)) + (m * (pC - b0)) / (b0 * (1 - b0));
  };
  // gap > 0 at b0 = pC (the alternative's own control rate), < 0 where a0 reaches pV; a boundary
  // too flat to reach pV among rates has no such point, and then no bet is safe.
  let lo = pC;
  let hi = Math.min(1 - 1e-9, (pV - offset) / slope);
  if (!(gap(hi) < 0)) return 1;
  for (let i = 0; i < 60 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (gap(mid) > 0) lo = mid;
    else hi = mid;
  }
  const b0 = clampRate((lo + hi) / 2);
  const a0 = clampRate(slope * b0 + offset);
  const log =
    x * Math.log(pV / a0) +
    (n - x) * Math.log((1 - pV) / (1 - a0)) +
    y * Math.log(pC / b0) +
    (m - y) * Math.log((1 - pC) / (1 - b0));
  return Math.exp(log);
}

/**
 * The e-value of one block of a two-sample Bernoulli comparison against the null without a margin,
 * `bad(variant) <= bad(control)`: `x` (0 or 1) the variant sample's bad outcome, `y` bad among the
 * block's `m` control samples, betting that the variant's odds of a bad outcome are `oddsRatio`
 * times the control's.
 *
 * It is the likelihood ratio of the variant's outcome given the block's total `s = x + y`, which
 * does not depend on the control's rate at all: given `s`, the variant sample is the bad one with
 * probability `psi s / (psi s + m + 1 - s)` (Fisher's noncentral hypergeometric law; psi the true
 * odds ratio), `s / (m + 1)` when the rates are equal. So on the null's boundary the factor's
 * expectation given `s` is exactly 1, whatever the common rate; inside the null (psi < 1) the
 * variant is the bad one less often and, the factor being larger when it is, the expectation is
 * below 1. The sequential form of Fisher's exact test. Where `rateBlockEValue` must anchor its
 * bet at an estimate of the control's rate (noisy over the first blocks, and a wrong anchor bets
 * on the wrong rates), this bets on the odds ratio alone.
 */
export function oddsRatioBlockEValue(x: number, y: number, m: number, oddsRatio: number): number {
  const s = x + y;
  // No bad outcome in the block, or all bad: the total says everything, and the split nothing.
  if (m <= 0 || s <= 0 || s >= m + 1 || !(oddsRatio > 1) || !Number.isFinite(oddsRatio)) return 1;
  return ((x > 0 ? oddsRatio : 1) * (m + 1)) / (oddsRatio * s + m + 1 - s);
}

/** Van der Waerden scores of the ranks 0..k among k + 1 values: near-optimal for shifts of roughly normal data (log-latencies). */
function rankScores(k: number): Float64Array {
  const s = new Float64Array(k + 1);
  for (let j = 0; j <= k; j++) s[j] = normalQuantile((j + 0.5) / (k + 1));
  return s;
}

/**
 * The e-value of one block of a rank comparison: the variant's value ranked among the block's `k`
 * control values, `below` of which are smaller and `tied` equal. Under the null (the variant's
 * value is stochastically no larger than a control's, after the margin) its rank among the k + 1
 * is uniform or stochastically smaller, so any increasing function of the rank with mean 1 under
 * the uniform law is an e-value. This one is `exp(lambda * score - log mean exp(lambda * scores))`,
 * averaged over the positions a random tie-break could give (the expectation over the tie-break).
 */
export function rankBlockEValue(
  below: number,
  tied: number,
  k: number,
  lambda: number,
  scores: Float64Array = rankScores(k),
): number {
  if (k <= 0 || !(lambda > 0)) return 1;
  let norm = 0;
  for (let j = 0; j <= k; j++) norm += Math.exp(lambda * scores[j]!);
  norm /= k + 1;
  let sum = 0;
  for (let j = below; j <= below + tied; j++) sum += Math.exp(lambda * scores[j]!);
  return sum / (tied + 1) / norm;
}

// ---------------------------------------------------------------------------------------------
// Blocks

/**
 * Groups samples into blocks of one variant sample and the fresh control samples before it, by
 * arrival order only. Controls beyond `maxControls` in a block leave it oldest first (they are
 * handed to `spare`, for estimates); variant samples that wait longer than `maxPending` for
 * controls are dropped oldest first, so memory stays bounded when one arm stops.
 */
export class BlockPairing {
  private readonly pending: number[] = [];
  private controls: number[] = [];
  private variantsSeen = 0;
  private controlsSeen = 0;

  constructor(
    readonly maxControls: number,
    private readonly onBlock: (variant: number, controls: readonly number[]) => void,
    private readonly spare: (control: number) => void,
    readonly maxPending = 4096,
  ) {}

  /**
   * Controls a block waits for: 80% of the controls that have arrived per variant sample so far
   * (between 1 and 32). A block compares better the more controls it has (with 1 control per
   * variant sample a block carries about 35% of what a known control rate would give, with 19
   * about 90%), and below the arrival ratio the queue of waiting variant samples stays short. It
   * depends on the arms' counts only, so it does not bias the test.
   */
  private get minControls(): number {
    return Math.max(1, Math.min(32, Math.floor((0.8 * (this.controlsSeen + 1)) / (this.variantsSeen + 1))));
  }

  add(arm: Arm, value: number): void {
    if (arm === 'variant') {
      this.variantsSeen++;
      this.pending.push(value);
      if (this.pending.length > this.maxPending) this.pending.shift();
    } else {
      this.controlsSeen++;
      this.controls.push(value);
      if (this.controls.length > this.maxControls) this.spare(this.controls.shift()!);
    }
    if (this.pending.length > 0 && this.controls.length >= this.minControls) {
      const controls = this.controls;
      this.controls = [];
      this.onBlock(this.pending.shift()!, controls);
    }
  }

  /** Variant samples waiting for controls. */
  get waiting(): number {
    return this.pending.length;
  }
}

// ---------------------------------------------------------------------------------------------
// E-processes

/** The state of one sequential test, for a trip's evidence. */
export interface SequentialEvidence {
  /** The e-value now: the product of the blocks' factors, mixed over the alternatives. */
  eValue: number;
  /** Blocks closed so far (variant samples that have been compared). */
  blocks: number;
  /** Which part of the test carries the evidence (`rate`, `rank`, `tail`). */
  component: string;
}

export interface SequentialTest {
  add(arm: Arm, value: number): void;
  readonly eValue: number;
  evidence(): SequentialEvidence;
}

/**
 * A mixture over a fixed grid of alternatives and over when the regression started: the weighted
 * mean of products of block factors, each product starting at one of the blocks 1, 2, 4, 8, ...
 * (weights in `startWeight`, summing to 1). Each product is 1 until its start and a test
 * supermartingale after it, so the mixture is one too, with the same guarantee. What the starts
 * buy: a variant that was healthy for a long time lowers the products that include that time,
 * and a regression that begins late would first have to win that back; a product starting near
 * the regression does not have to, at the price of its smaller weight (about 5 nats for a start
 * near block 500, where 500 healthy blocks often cost 10 to 20). Kept in logarithms, so it
 * neither overflows nor underflows.
 */
class Mixture {
  /** Per alternative, log of the sum over started products of weight x product. */
  private readonly logs: Float64Array;
  private blocks = 0;
  private nextStart = 1;
  private starts = 0;
  /** Weight of the products not started yet (still 1). */
  private unstarted = 1;

  constructor(private readonly weights: readonly number[]) {
    this.logs = new Float64Array(weights.length).fill(-Infinity);
  }

  /** One block: `factor(i)` is alternative i's factor, fixed before the block's samples were seen. */
  update(factor: (i: number) => number): void {
    if (++this.blocks === this.nextStart) {
      const weight = startWeight(this.starts);
      for (let i = 0; i < this.logs.length; i++) this.logs[i] = logAddExp(this.logs[i]!, Math.log(weight));
      this.unstarted -= weight;
      this.starts++;
      this.nextStart *= 2;
    }
    for (let i = 0; i < this.logs.length; i++) this.logs[i]! += Math.log(factor(i));
  }

  get value(): number {
    let e = Math.max(0, this.unstarted);
    for (let i = 0; i < this.weights.length; i++) e += this.weights[i]! * Math.exp(Math.min(700, this.logs[i]!));
    return e;
  }
}

/**
 * Weight of the product starting at block 2^j: most on the first (a canary that is bad from its
 * first request is the common case, and this keeps its cost small), then W / (j (j + 1)), summing to 1.
 */
const FIRST_START_WEIGHT = 0.7;
function startWeight(j: number): number {
  return j === 0 ? FIRST_START_WEIGHT : (1 - FIRST_START_WEIGHT) / (j * (j + 1));
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  const high = Math.max(a, b);
  return high + Math.log(Math.exp(a - high) + Math.exp(b - high));
}

/**
 * The alternatives a rate test bets on, as odds ratios of the variant's bad rate against the null
 * boundary (without a margin, against the control's own rate; with one, at the control's estimated
 * rate), and their weights in the mixture. Most weight is on a 3- to 6-fold rise in the
 * odds (1% errors becoming 3-6%): the regressions a canary must be rolled back for in tens of
 * requests; 1.5-fold (a 90% pass rate falling to 85%) is caught too, more slowly. The weights are
 * a choice of power, not of validity: any weights summing to 1 keep the guarantee.
 */
const RATE_ODDS = [1.5, 3, 6];
const RATE_WEIGHTS = [0.1, 0.2, 0.7];

const odds = (p: number): number => p / (1 - p);
const fromOdds = (o: number): number => o / (1 + o);

/**
 * The bets of a rate e-process, one block at a time, each fixed before the block it is on. Without
 * a margin they are on the odds ratio alone (`oddsRatioBlockEValue`); with one, the null's
 * boundary is no odds ratio, and they are anchored at the control's rate estimated from earlier
 * blocks (`rateBlockEValue`).
 */
class RateBets {
  private readonly mixture = new Mixture(RATE_WEIGHTS);

  /** One block: `x` (0 or 1) the variant's bad outcome, `y` bad among `m` controls, `pC` the control's rate from earlier blocks. */
  bet(x: number, y: number, m: number, pC: number, hypothesis: RateNull): void {
    if (hypothesis.slope === 1 && hypothesis.offset === 0) {
      this.mixture.update((i) => oddsRatioBlockEValue(x, y, m, RATE_ODDS[i]!));
      return;
    }
    const boundaryOdds = odds(clampRate(hypothesis.slope * pC + hypothesis.offset));
    this.mixture.update((i) => rateBlockEValue(x, 1, y, m, fromOdds(boundaryOdds * RATE_ODDS[i]!), pC, hypothesis));
  }

  get value(): number {
    return this.mixture.value;
  }
}

export interface RateTestOptions {
  hypothesis: RateNull;
  /** Which outcome is bad: for `lower`, a sample > 0 (an error); for `higher`, a sample <= 0 (a failed task). */
  better: 'lower' | 'higher';
  /** Control samples a block keeps (default 400). */
  maxControls?: number;
}

/**
 * The rate e-process, on bad outcomes (see `better`). With a margin, the control's rate that
 * anchors the bets is estimated from earlier blocks (Jeffreys: (bad + 0.5) / (n + 1)).
 */
export class RateTest implements SequentialTest {
  private readonly pairing: BlockPairing;
  private readonly bets = new RateBets();
  private controlBad = 0;
  private controlN = 0;
  private blocks = 0;

  constructor(private readonly options: RateTestOptions) {
    this.pairing = new BlockPairing(
      options.maxControls ?? 400,
      (v, c) => this.block(v, c),
      (c) => this.learn(c),
    );
  }

  private learn(control: number): void {
    this.controlN++;
    if (control > 0) this.controlBad++;
  }

  private block(variant: number, controls: readonly number[]): void {
    let y = 0;
    for (const c of controls) if (c > 0) y++;
    this.bets.bet(
      variant > 0 ? 1 : 0,
      y,
      controls.length,
      (this.controlBad + 0.5) / (this.controlN + 1),
      this.options.hypothesis,
    );
    for (const c of controls) this.learn(c);
    this.blocks++;
  }

  add(arm: Arm, value: number): void {
    this.pairing.add(arm, isBadOutcome(this.options.better, value) ? 1 : 0);
  }

  get eValue(): number {
    return this.bets.value;
  }

  evidence(): SequentialEvidence {
    return { eValue: this.eValue, blocks: this.blocks, component: 'rate' };
  }
}

/**
 * Rank test bets: the shift, in standard deviations of the normal score, each alternative expects
 * per variant sample (0.35 is a log-normal latency with sigma 0.5 becoming about 20% slower),
 * and their weights. As for rates, the weights choose power, not validity.
 */
const RANK_LAMBDAS = [0.2, 0.35, 0.5];
const RANK_WEIGHTS = [0.3, 0.4, 0.3];
/** The upper quantile whose exceedances the tail test counts. */
const TAIL_QUANTILE = 0.95;
/** Control values kept to estimate that quantile. */
const TAIL_MEMORY = 1024;
/** Share of the value test's alpha on the distribution's body (p50 and around) vs its tail (p95). */
const BODY_WEIGHT = 0.85;

export interface ValueTestOptions {
  margin: number;
  relative: boolean;
  better: 'lower' | 'higher';
  maxControls?: number;
}

/**
 * The value e-process (latency, scores, ratings): the mean of two e-processes, so one alpha covers
 * both, 85% on a rank test that moves with the median and the body of the distribution, 20% on an
 * exceedance test (15%) of the control's 95th percentile. Each variant value is compared with the
 * block's control values moved by the margin (multiplied for a relative margin), so the null is
 * "the variant is no worse than the control moved by the margin", in distribution.
 *
 * The tail test counts, in each block, the values above a cut: the 95th percentile of the
 * control values of earlier blocks. The cut is the same for both arms of the block and fixed
 * before the block, so whatever its error, under the null a variant value exceeds it no more
 * often than a control value does; the block's factor is then the rate test's.
 */
export class ValueTest implements SequentialTest {
  private readonly pairing: BlockPairing;
  private readonly body = new Mixture(RANK_WEIGHTS);
  private readonly tail = new RateBets();
  private readonly scores = new Map<number, Float64Array>();
  private readonly memory = new Float64Array(TAIL_MEMORY);
  private remembered = 0;
  private cut = NaN;
  private sinceSort = 0;
  private controlOver = 0;
  private controlN = 0;
  private blocks = 0;
  private readonly sign: number;

  constructor(private readonly options: ValueTestOptions) {
    this.sign = options.better === 'lower' ? 1 : -1;
    this.pairing = new BlockPairing(
      options.maxControls ?? 400,
      (v, c) => this.block(v, c),
      (c) => this.learn(this.moved(c)),
    );
  }

  /** A control value in the worse-is-larger scale, moved by the margin. */
  private moved(c: number): number {
    const { margin, relative } = this.options;
    return this.sign * (relative ? c * (1 + this.sign * margin) : c + this.sign * margin);
  }

  private learn(moved: number): void {
    this.memory[this.remembered++ % TAIL_MEMORY] = moved;
    if (!Number.isNaN(this.cut)) {
      this.controlN++;
      if (moved > this.cut) this.controlOver++;
    }
    if (++this.sinceSort >= 32 && this.remembered >= 20) {
      this.sinceSort = 0;
      const sorted = this.memory.slice(0, Math.min(this.remembered, TAIL_MEMORY)).sort();
      this.cut = sorted[Math.floor(TAIL_QUANTILE * (sorted.length - 1))]!;
    }
  }

  private scoresFor(k: number): Float64Array {
    let s = this.scores.get(k);
    if (!s) this.scores.set(k, (s = rankScores(k)));
    return s;
  }

  private block(variant: number, controls: readonly number[]): void {
    const v = this.sign * variant;
    const k = controls.length;
    let below = 0;
    let tied = 0;
    let over = 0;
    const moved = controls.map((c) => this.moved(c));
    for (const c of moved) {
      if (c < v) below++;
      else if (c === v) tied++;
    }
    const scores = this.scoresFor(k);
    this.body.update((i) => rankBlockEValue(below, tied, k, RANK_LAMBDAS[i]!, scores));
    if (!Number.isNaN(this.cut)) {
      for (const c of moved) if (c > this.cut) over++;
      const pC = (this.controlOver + 0.5) / (this.controlN + 1);
      this.tail.bet(v > this.cut ? 1 : 0, over, k, pC, { slope: 1, offset: 0 });
    }
    for (const c of moved) this.learn(c);
    this.blocks++;
  }

  add(arm: Arm, value: number): void {
    this.pairing.add(arm, value);
  }

  get eValue(): number {
    return BODY_WEIGHT * this.body.value + (1 - BODY_WEIGHT) * this.tail.value;
  }

  evidence(): SequentialEvidence {
    const body = BODY_WEIGHT * this.body.value;
    const tail = (1 - BODY_WEIGHT) * this.tail.value;
    return { eValue: body + tail, blocks: this.blocks, component: body >= tail ? 'rank' : 'tail' };
  }
}
