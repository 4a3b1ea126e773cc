/**
 * Outcome metrics per served variant: sliding windows fed by `flags.track`, the statistics the
 * guardrail and `modelflags report` share, and a JSON-lines exporter for offline reports.
 *
 * Dependency-free apart from Node's `fs` in the exporter. The statistics are written out here rather
 * than taken from a library because the runtime entry must not pull in dependencies.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { describeErrno } from '../../io/file-write.js';
import type { EvaluationContext } from '../evaluate/evaluator.js';

// ---------------------------------------------------------------------------------------------
// Metric catalogue

export type MetricKind = 'rate' | 'value';

export interface MetricDefinition {
  /** `rate`: each sample is 0 or 1 (a boolean); `value`: any number. */
  kind: MetricKind;
  /** Which direction is an improvement; a guardrail acts on moves the other way. */
  better: 'lower' | 'higher';
  unit?: string;
  description?: string;
}

/**
 * Metrics with a known meaning. Track any other name too: booleans become rates, numbers values,
 * and lower is taken as better unless a definition says otherwise.
 */
export const STANDARD_METRICS: Readonly<Record<string, MetricDefinition>> = Object.freeze({
  latency_ms: { kind: 'value', better: 'lower', unit: 'ms', description: 'time from request to complete response' },
  error: { kind: 'rate', better: 'lower', description: 'request failed for any reason' },
  timeout: { kind: 'rate', better: 'lower', description: 'the model call timed out' },
  malformed_response: { kind: 'rate', better: 'lower', description: 'the response did not parse or validate' },
  rate_limited: { kind: 'rate', better: 'lower', description: 'the provider answered 429' },
  tokens: { kind: 'value', better: 'lower', unit: 'tokens', description: 'input + output tokens per request' },
  satisfaction: { kind: 'value', better: 'higher', description: 'user rating' },
  task_completed: { kind: 'rate', better: 'higher', description: 'the user finished the task' },
  escalated: { kind: 'rate', better: 'lower', description: 'handed over to a human' },
});

export function metricDefinition(metric: string, sample?: number | boolean, overrides?: Readonly<Record<string, MetricDefinition>>): MetricDefinition {
  return overrides?.[metric] ?? STANDARD_METRICS[metric] ?? { kind: typeof sample === 'boolean' ? 'rate' : 'value', better: 'lower' };
}

// ---------------------------------------------------------------------------------------------
// Track events (what `flags.track` emits)

/** One outcome of one request, attributed to every variant the request was served. */
export interface TrackEvent {
  metric: string;
  /** Booleans are recorded as 1 and 0. */
  value: number;
  /** Flag key → variant served to the request. */
  variants: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch (or the injected clock) when the outcome was tracked. */
  at: number;
  context: EvaluationContext;
}

/** The part of the flags client that metrics consumers need. */
export interface TrackSource {
  on(event: 'track', listener: (event: TrackEvent) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Sliding windows

/** The most recent samples of one metric for one variant, bounded by count and by age. */
export class SlidingWindow {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private start = 0;
  private count = 0;
  /** Samples ever added, including those that slid out. */
  total = 0;

  constructor(
    readonly capacity: number,
    readonly maxAgeMs: number = Infinity,
  ) {
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  push(value: number, at: number): void {
    const end = (this.start + this.count) % this.capacity;
    this.values[end] = value;
    this.times[end] = at;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
    this.total++;
  }

  /** Drops samples older than `maxAgeMs` before `now`. */
  expire(now: number): void {
    if (this.maxAgeMs === Infinity) return;
    const oldest = now - this.maxAgeMs;
    while (this.count > 0 && this.times[this.start]! < oldest) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  get size(): number {
    return this.count;
  }

  /** A copy of the samples in the window, oldest first. */
  samples(): Float64Array {
    const out = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.values[(this.start + i) % this.capacity]!;
    return out;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}

export interface MetricsOptions {
  /** Samples kept per flag, variant and metric (default 5000). */
  windowSamples?: number;
  /** Samples older than this are dropped (default: no age limit). */
  windowMs?: number;
  /** Only these flags are recorded (default: every flag in a track event). */
  flags?: readonly string[];
  /** Only these metrics are recorded (default: all). */
  metrics?: readonly string[];
  /** Definitions for metrics beyond {@link STANDARD_METRICS}, or to change theirs. */
  definitions?: Readonly<Record<string, MetricDefinition>>;
}

/** A sample just added to a window, for listeners such as the guardrail. */
export interface SampleEvent {
  flag: string;
  variant: string;
  metric: string;
  value: number;
  at: number;
}

export interface MetricsStore {
  /** Subscribes to a flags client's `track` events; returns a function that unsubscribes. */
  attach(source: TrackSource): () => void;
  /** Records one track event (what `attach` does for each event). */
  observe(event: TrackEvent): void;
  /** The current window for a flag, variant and metric, or undefined if nothing was recorded. */
  window(flag: string, variant: string, metric: string): SlidingWindow | undefined;
  /** Variants seen for a flag, in first-seen order. */
  variants(flag: string): string[];
  /** Metrics seen for a flag and variant. */
  metrics(flag: string, variant: string): string[];
  /** Empties every window of a flag (a new rollout starts from nothing). */
  reset(flag: string): void;
  /** Summaries of every window of a flag. */
  summarize(flag: string, confidence?: number): VariantSummary[];
  onSample(listener: (event: SampleEvent) => void): () => void;
  definition(metric: string): MetricDefinition;
}

export function createMetrics(options: MetricsOptions = {}): MetricsStore {
  const capacity = options.windowSamples ?? 5000;
  const maxAge = options.windowMs ?? Infinity;
  if (!(capacity >= 1)) throw new RangeError(`windowSamples must be at least 1 (got ${capacity})`);
  const only = options.flags ? new Set(options.flags) : undefined;
  const onlyMetrics = options.metrics ? new Set(options.metrics) : undefined;
  const kinds = new Map<string, MetricDefinition>();
  const byFlag = new Map<string, Map<string, Map<string, SlidingWindow>>>();
  const listeners = new Set<(event: SampleEvent) => void>();

  const definition = (metric: string, sample?: number | boolean): MetricDefinition => {
    let d = kinds.get(metric);
    if (!d) {
      d = metricDefinition(metric, sample, options.definitions);
      kinds.set(metric, d);
    }
    return d;
  };

  const windowFor = (flag: string, variant: string, metric: string): SlidingWindow => {
    let variants = byFlag.get(flag);
    if (!variants) byFlag.set(flag, (variants = new Map()));
    let metrics = variants.get(variant);
    if (!metrics) variants.set(variant, (metrics = new Map()));
    let w = metrics.get(metric);
    if (!w) metrics.set(metric, (w = new SlidingWindow(capacity, maxAge)));
    return w;
  };

  const store: MetricsStore = {
    attach(source) {
      return source.on('track', (event) => store.observe(event));
    },
    observe(event) {
      if (onlyMetrics && !onlyMetrics.has(event.metric)) return;
      definition(event.metric, event.value);
      for (const flag in event.variants) {
        if (only && !only.has(flag)) continue;
        const variant = event.variants[flag]!;
        const w = windowFor(flag, variant, event.metric);
        w.push(event.value, event.at);
        w.expire(event.at);
        if (listeners.size > 0) {
          const sample: SampleEvent = { flag, variant, metric: event.metric, value: event.value, at: event.at };
          for (const l of listeners) l(sample);
        }
      }
    },
    window: (flag, variant, metric) => byFlag.get(flag)?.get(variant)?.get(metric),
    variants: (flag) => [...(byFlag.get(flag)?.keys() ?? [])],
    metrics: (flag, variant) => [...(byFlag.get(flag)?.get(variant)?.keys() ?? [])],
    reset(flag) {
      for (const metrics of byFlag.get(flag)?.values() ?? []) for (const w of metrics.values()) w.clear();
    },
    summarize(flag, confidence = 0.95) {
      const out: VariantSummary[] = [];
      for (const [variant, metrics] of byFlag.get(flag) ?? []) {
        const summaries: MetricSummary[] = [];
        for (const [metric, w] of metrics) summaries.push(summarizeSamples(metric, definition(metric), w.samples(), confidence));
        out.push({ flag, variant, metrics: summaries });
      }
      return out;
    },
    onSample(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    definition: (metric) => definition(metric),
  };
  return store;
}

// ---------------------------------------------------------------------------------------------
// Summaries with confidence intervals

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface MetricSummary {
  metric: string;
  kind: MetricKind;
  better: 'lower' | 'higher';
  n: number;
  /** Rate (kind `rate`) or mean (kind `value`), with its confidence interval. */
  mean: Interval;
  /** Percentiles of a `value` metric with distribution-free intervals; undefined for rates. */
  p50: Interval | undefined;
  p95: Interval | undefined;
  p99: Interval | undefined;
}

export interface VariantSummary {
  flag: string;
  variant: string;
  metrics: MetricSummary[];
}

export function summarizeSamples(metric: string, def: MetricDefinition, samples: ArrayLike<number>, confidence = 0.95): MetricSummary {
  const n = samples.length;
  if (def.kind === 'rate') {
    let x = 0;
    for (let i = 0; i < n; i++) if (samples[i]! > 0) x++;
    return { metric, kind: 'rate', better: def.better, n, mean: wilsonInterval(x, n, confidence), p50: undefined, p95: undefined, p99: undefined };
  }
  const sorted = Float64Array.from(samples).sort();
  return {
    metric,
    kind: 'value',
    better: def.better,
    n,
    mean: meanInterval(sorted, confidence),
    p50: quantileInterval(sorted, 0.5, confidence),
    p95: quantileInterval(sorted, 0.95, confidence),
    p99: quantileInterval(sorted, 0.99, confidence),
  };
}

/** Wilson score interval for a proportion: well-behaved at rates near 0, where errors live. */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): Interval {
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample variance (n - 1 denominator). */
function variance(xs: ArrayLike<number>, m = mean(xs)): number {
  if (xs.length < 2) return 0;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return s / (xs.length - 1);
}

/** Student-t interval for the mean. */
function meanInterval(xs: ArrayLike<number>, confidence = 0.95): Interval {
  const n = xs.length;
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN };
  const m = mean(xs);
  if (n === 1) return { estimate: m, low: NaN, high: NaN };
  const half = studentTQuantile(1 - (1 - confidence) / 2, n - 1) * Math.sqrt(variance(xs, m) / n);
  return { estimate: m, low: m - half, high: m + half };
}

/**
 * A percentile with a distribution-free interval from order statistics: the ranks whose binomial
 * coverage of the true quantile is the requested confidence (normal approximation to the binomial).
 * Latencies are skewed, so an interval that assumes nothing about their shape is the honest one.
 */
export function quantileInterval(sorted: ArrayLike<number>, q: number, confidence = 0.95): Interval {
  const n = sorted.length;
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const half = z * Math.sqrt(n * q * (1 - q));
  const lowRank = Math.floor(n * q - half);
  const highRank = Math.ceil(n * q + half);
  return {
    estimate: quantileSorted(sorted, q),
    low: lowRank < 0 ? NaN : sorted[Math.min(n - 1, lowRank)]!,
    high: highRank >= n ? NaN : sorted[highRank]!,
  };
}

/** Linear-interpolation quantile (type 7, as in R and NumPy) of sorted samples. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

// ---------------------------------------------------------------------------------------------
// Significance tests. Each tests H0 "the variant is worse than the control by at most `margin`"
// against "worse by more", one-sided, and returns the p-value.

export interface TestResult {
  test: 'two-proportion' | 'welch' | 'mann-whitney';
  /** z or t statistic; large means the variant is worse. */
  statistic: number;
  pValue: number;
  /** Observed degradation (variant minus control, sign flipped for higher-is-better metrics). */
  degradation: number;
  /** The margin the degradation was tested against, in the metric's unit. */
  margin: number;
}

/**
 * Two-proportion z-test of `pV - pC <= margin` (for `better: 'lower'`). Uses the Agresti–Caffo
 * adjustment (one success and one failure added to each arm), which keeps the standard error away
 * from zero when a window has seen no errors yet: without it, two errors against none at 1% base
 * rates would look infinitely significant.
 */
export function twoProportionTest(xV: number, nV: number, xC: number, nC: number, margin: number, better: 'lower' | 'higher' = 'lower'): TestResult {
  const pV = (xV + 1) / (nV + 2);
  const pC = (xC + 1) / (nC + 2);
  const se = Math.sqrt((pV * (1 - pV)) / (nV + 2) + (pC * (1 - pC)) / (nC + 2));
  const degradation = better === 'lower' ? xV / nV - xC / nC : xC / nC - xV / nV;
  const adjusted = better === 'lower' ? pV - pC : pC - pV;
  const z = (adjusted - margin) / se;
  return { test: 'two-proportion', statistic: z, pValue: 1 - normalCdf(z), degradation, margin };
}

/** Welch's t-test of `meanV - meanC <= margin` (for `better: 'lower'`). */
export function welchTest(v: ArrayLike<number>, c: ArrayLike<number>, margin: number, better: 'lower' | 'higher' = 'lower'): TestResult {
  const mV = mean(v);
  const mC = mean(c);
  const sV = variance(v, mV) / v.length;
  const sC = variance(c, mC) / c.length;
  const se = Math.sqrt(sV + sC);
  const degradation = better === 'lower' ? mV - mC : mC - mV;
  if (se === 0) return { test: 'welch', statistic: degradation > margin ? Infinity : -Infinity, pValue: degradation > margin ? 0 : 1, degradation, margin };
  const t = (degradation - margin) / se;
  const df = (sV + sC) ** 2 / ((sV * sV) / (v.length - 1) + (sC * sC) / (c.length - 1));
  return { test: 'welch', statistic: t, pValue: 1 - studentTCdf(t, df), degradation, margin };
}

/**
 * Mann–Whitney U test (normal approximation with tie correction) that the variant's values are
 * stochastically worse than the control's moved by the margin. `relative` moves the control
 * multiplicatively (latency 20% slower), otherwise additively. A rank test, so a few very slow
 * requests cannot dominate it the way they dominate a mean.
 */
export function mannWhitneyTest(
  v: ArrayLike<number>,
  c: ArrayLike<number>,
  margin: number,
  better: 'lower' | 'higher' = 'lower',
  relative = false,
): TestResult {
  const nV = v.length;
  const nC = c.length;
  const sign = better === 'lower' ? 1 : -1;
  // Worse is "larger" after multiplying by sign; the control is moved by the margin in the worse
  // direction. Both arms are sorted natively, then merged to assign mid-ranks to ties.
  const a = new Float64Array(nV);
  const b = new Float64Array(nC);
  for (let i = 0; i < nV; i++) a[i] = sign * v[i]!;
  for (let i = 0; i < nC; i++) b[i] = sign * (relative ? c[i]! * (1 + sign * margin) : c[i]! + sign * margin);
  a.sort();
  b.sort();
  let rankSumV = 0;
  let tieTerm = 0;
  let i = 0;
  let j = 0;
  let rank = 0;
  while (i < nV || j < nC) {
    const x = i < nV && (j >= nC || a[i]! <= b[j]!) ? a[i]! : b[j]!;
    let fromA = 0;
    let fromB = 0;
    while (i < nV && a[i] === x) {
      i++;
      fromA++;
    }
    while (j < nC && b[j] === x) {
      j++;
      fromB++;
    }
    const t = fromA + fromB;
    rankSumV += fromA * (rank + (t + 1) / 2);
    if (t > 1) tieTerm += t * t * t - t;
    rank += t;
  }
  const u = rankSumV - (nV * (nV + 1)) / 2;
  const n = nV + nC;
  const sd = Math.sqrt(((nV * nC) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = sd === 0 ? 0 : (u - (nV * nC) / 2) / sd;
  const mV = quantileSorted(Float64Array.from(v).sort(), 0.5);
  const mC = quantileSorted(Float64Array.from(c).sort(), 0.5);
  // Reported in the metric's unit, at the control's median, whatever form the shift took.
  return { test: 'mann-whitney', statistic: z, pValue: 1 - normalCdf(z), degradation: sign * (mV - mC), margin: relative ? margin * Math.abs(mC) : margin };
}

// ---------------------------------------------------------------------------------------------
// Distributions

/** Standard normal CDF (Cody's erfc rational approximation via erf, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes erfcc: fractional error below 1.2e-7 everywhere.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Inverse of the standard normal CDF (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Student-t CDF through the regularized incomplete beta function. */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(df) || df > 1e7) return normalCdf(t);
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of Student's t by bisection on the CDF (only used for intervals, not per request). */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function logGamma(x: number): number {
  const cof = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const c of cof) ser += c / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Regularized incomplete beta I_x(a, b) (Numerical Recipes, continued fraction). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 3e-14) break;
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// JSON-lines exporter: what `modelflags report` reads

export interface JsonlExporterOptions {
  /** Buffered lines are written once they reach this many bytes (default 64 KiB). */
  flushBytes?: number;
  /** Buffered lines are also written this often (default 1000 ms); beyond about 24.8 days, only by size and on close. */
  flushIntervalMs?: number;
  /**
   * Most bytes held while the file cannot be written (full disk, lost mount); lines tracked beyond
   * it are dropped and counted (default 4 MiB).
   */
  maxBufferBytes?: number;
  /** Context attributes copied into each line (default none: contexts may hold personal data). */
  contextAttributes?: readonly string[];
}

/** The exporter could not write, dropped lines, or wrote again after a failure. */
export interface JsonlExporterErrorEvent {
  message: string;
  /** The file-system error, or undefined for a report of dropped lines. */
  error: unknown;
  /** Lines dropped so far because the buffer was full (or still unwritten at `close`). */
  dropped: number;
}

export interface JsonlExporter {
  attach(source: TrackSource): () => void;
  write(event: TrackEvent): void;
  /** Writes buffered lines now; false when some could not be written (they stay buffered). */
  flush(): boolean;
  /** Flushes, stops the timer and closes the file. Lines that still cannot be written are reported and dropped. */
  close(): void;
  /**
   * Write failures and dropped lines. Without a listener they go to `process.emitWarning`, so a
   * full disk is never silent; the exporter never throws from its timer either way.
   */
  on(event: 'error', listener: (event: JsonlExporterErrorEvent) => void): () => void;
  /** Lines dropped so far. */
  readonly dropped: number;
}

/** `setInterval` treats longer delays as 1 ms; an interval this long means "never". */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Appends one JSON line per track event to a file:
 * `{"at":1732500000000,"metric":"latency_ms","value":412,"variants":{"inference_model":"claude-sonnet-4-6"}}`.
 * Lines are buffered so a request does not pay for a write, and each flush appends whole lines to
 * a file opened for append, so several processes can share one file.
 *
 * A failing write (a full disk) must not take the service down with it: the exporter keeps what it
 * could not write, up to `maxBufferBytes`, retries on the next flush and reports through `error`
 * events. Bytes a short write did put on disk are not written again, so a line is never doubled.
 */
export function jsonlExporter(path: string, options: JsonlExporterOptions = {}): JsonlExporter {
  const flushBytes = options.flushBytes ?? 64 * 1024;
  const maxBufferBytes = options.maxBufferBytes ?? 4 * 1024 * 1024;
  const intervalMs = options.flushIntervalMs ?? 1000;
  if (!(intervalMs > 0)) throw new RangeError(`jsonlExporter: flushIntervalMs must be a positive number of milliseconds (got ${intervalMs})`);
  if (!(maxBufferBytes >= flushBytes)) throw new RangeError(`jsonlExporter: maxBufferBytes (${maxBufferBytes}) must be at least flushBytes (${flushBytes})`);
  const attributes = options.contextAttributes ?? [];
  const fd = openSync(path, 'a');
  let lines = '';
  // The rest of a flush that failed part-way, as bytes: a short write may end inside a character.
  let unwritten: Buffer | undefined;
  let closed = false;
  let dropped = 0;
  let droppedReported = 0;
  let failing: string | undefined;
  const listeners = new Set<(event: JsonlExporterErrorEvent) => void>();

  const report = (message: string, error: unknown): void => {
    const event: JsonlExporterErrorEvent = { message, error, dropped };
    if (listeners.size === 0) {
      process.emitWarning(message, 'ModelflagsWarning');
      return;
    }
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        /* a failing listener must not turn a reported failure into a crash */
      }
    }
  };

  const flush = (): boolean => {
    if (closed || (lines.length === 0 && unwritten === undefined)) return true;
    const fresh = Buffer.from(lines, 'utf8');
    const bytes = unwritten ? Buffer.concat([unwritten, fresh]) : fresh;
    lines = '';
    unwritten = undefined;
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      unwritten = bytes.subarray(offset);
      // Reported when the failure starts or changes, not on every timer tick of a full disk.
      const reason = describeErrno(error);
      if (failing !== reason) {
        report(`jsonlExporter: cannot write ${path}: ${reason}; ${unwritten.length} bytes kept to retry (at most ${maxBufferBytes}), ${dropped} lines dropped so far`, error);
      }
      failing = reason;
      return false;
    }
    if (failing !== undefined || dropped > droppedReported) {
      report(`jsonlExporter: writing ${path} again${dropped > 0 ? `; ${dropped} lines were dropped while it could not be written` : ''}`, undefined);
    }
    failing = undefined;
    droppedReported = dropped;
    return true;
  };

  const buffered = (): number => (unwritten?.length ?? 0) + lines.length;

  const timer = intervalMs <= MAX_TIMER_MS ? setInterval(flush, intervalMs) : undefined;
  timer?.unref?.();
  const exporter: JsonlExporter = {
    attach(source) {
      return source.on('track', (event) => exporter.write(event));
    },
    write(event) {
      if (closed) return;
      let text: string;
      try {
        const line: Record<string, unknown> = { at: event.at, metric: event.metric, value: event.value, variants: event.variants };
        if (attributes.length > 0) {
          const context: Record<string, unknown> = {};
          for (const a of attributes) if (event.context[a] !== undefined) context[a] = event.context[a];
          line['context'] = context;
        }
        text = `${JSON.stringify(line)}\n`;
      } catch (error) {
        // A context attribute JSON cannot hold (a BigInt) or a getter that throws: that line only.
        report(`jsonlExporter: a ${String(event.metric)} event could not be written as JSON (${describeErrno(error)}); it was skipped`, error);
        return;
      }
      if (buffered() + text.length > maxBufferBytes && failing === undefined) flush();
      if (buffered() + text.length > maxBufferBytes) {
        // Newest lines are the ones dropped: dropping the oldest would cost a copy of the buffer per line.
        if (dropped++ === droppedReported) report(`jsonlExporter: ${path} cannot be written and ${maxBufferBytes} bytes are buffered; new lines are dropped (and counted) until it can`, undefined);
        return;
      }
      lines += text;
      if (lines.length >= flushBytes && failing === undefined) flush();
    },
    flush,
    close() {
      if (closed) return;
      flush();
      const lost = (unwritten?.length ?? 0) + lines.length;
      closed = true;
      if (timer) clearInterval(timer);
      try {
        closeSync(fd);
      } catch (error) {
        report(`jsonlExporter: closing ${path}: ${describeErrno(error)}`, error);
      }
      if (lost > 0) report(`jsonlExporter: closed with ${lost} bytes of ${path} still unwritten; they are lost`, undefined);
    },
    on(_event, listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get dropped() {
      return dropped;
    },
  };
  return exporter;
}
