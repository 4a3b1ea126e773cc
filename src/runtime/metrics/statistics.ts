/**
 * The statistics the guardrail and `modelflags report` share: intervals, quantiles and the normal
 * distribution. Written out rather than taken from a library because the runtime entry has no
 * dependencies.
 */
import type { MetricDefinition, MetricKind } from './definitions.js';

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

export function summarizeSamples(
  metric: string,
  def: MetricDefinition,
  samples: ArrayLike<number>,
  confidence = 0.95,
): MetricSummary {
  const n = samples.length;
  if (def.kind === 'rate') {
    let x = 0;
    for (let i = 0; i < n; i++) if (samples[i]! > 0) x++;
    return {
      metric,
      kind: 'rate',
      better: def.better,
      n,
      mean: wilsonInterval(x, n, confidence),
      p50: undefined,
      p95: undefined,
      p99: undefined,
    };
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
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Inverse of the standard normal CDF (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
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
  const cof = [
    76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
    -0.5395239384953e-5,
  ];
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
