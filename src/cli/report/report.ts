/**
 * `modelflags report`: per flag and metric, every variant against the control (the difference with
 * its interval, and the verdict of the guardrail replayed over the records), from the JSON lines
 * that {@link jsonlExporter} appends, over a time window, as a text table and as a self-contained
 * HTML page (inline SVG charts, no scripts, no external assets, so it can be attached to an
 * incident or a PR, and read where scripts are blocked).
 */
import {
  createGuardrail,
  DEFAULT_CHECKS,
  type GuardedFlags,
  type GuardrailTrip,
} from '../../runtime/guardrail/guardrail.js';
import { metricDefinition, type MetricDefinition, type TrackEvent } from '../../runtime/metrics/definitions.js';
import {
  quantileSorted,
  summarizeSamples,
  wilsonInterval,
  type Interval,
  type MetricSummary,
} from '../../runtime/metrics/statistics.js';
import type { Registry } from '../../registry/model.js';

/** One line of a metrics file. */
export interface MetricRecord {
  at: number;
  metric: string;
  value: number;
  variants: Record<string, string>;
}

export interface ParseProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * Hands each non-blank line of a JSON-lines file, parsed, to `each` with its 1-based number, in
 * order. A line that is not JSON becomes a problem worded by `notJson` (`last`: it is the file's
 * last line, which a writer stopped mid-way leaves cut off) and is skipped.
 */
function forEachJsonLine(
  text: string,
  file: string,
  problems: ParseProblem[],
  notJson: (error: Error, last: boolean) => string,
  each: (line: number, value: unknown) => void,
): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const last = i === lines.length - 1 || (i === lines.length - 2 && lines[i + 1] === '');
      problems.push({ file, line: i + 1, column: 1, message: notJson(error as Error, last) });
      continue;
    }
    each(i + 1, value);
  }
}

/** Parses a metrics file; bad lines are returned as problems (with file:line) and skipped. */
export function parseMetricsLines(text: string, file: string): { records: MetricRecord[]; problems: ParseProblem[] } {
  const records: MetricRecord[] = [];
  const problems: ParseProblem[] = [];
  const notJson = (error: Error, last: boolean): string =>
    last
      ? 'the last line is cut off (the writer stopped mid-line); it was skipped'
      : `not JSON (${error.message}); each line must be one object written by jsonlExporter; the line was skipped`;
  forEachJsonLine(text, file, problems, notJson, (line, value) => {
    const r = value as Partial<MetricRecord> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.metric !== 'string' ||
      typeof r.value !== 'number' ||
      typeof r.at !== 'number' ||
      typeof r.variants !== 'object' ||
      r.variants === null ||
      Array.isArray(r.variants)
    ) {
      problems.push({
        file,
        line,
        column: 1,
        message:
          'expected {"at": number, "metric": string, "value": number, "variants": {flag: variant}}; the line was skipped',
      });
      return;
    }
    const wrong = recordProblem(r as MetricRecord);
    if (wrong) {
      problems.push({ file, line, column: 1, message: `${wrong}; the line was skipped` });
      return;
    }
    records.push({ at: r.at, metric: r.metric, value: r.value, variants: r.variants as Record<string, string> });
  });
  return { records, problems };
}

/** Milliseconds either side of 1970 that a `Date` can hold (ECMA-262 time values). */
const MAX_TIME = 8.64e15;

/**
 * What is wrong with a line of the right shape that the report still cannot use: a value a number
 * literal can overflow to (1e999 parses as Infinity), a time no date can show, a variant that is
 * not the string jsonlExporter writes.
 */
function recordProblem(r: MetricRecord): string | undefined {
  if (!Number.isFinite(r.value)) return `"value" is too large to be a number (${r.value})`;
  if (!(Math.abs(r.at) <= MAX_TIME))
    return `"at" is ${r.at}, outside the dates a timestamp can hold (milliseconds since 1970, at most ${MAX_TIME} either side)`;
  for (const [flag, variant] of Object.entries(r.variants as Record<string, unknown>)) {
    if (typeof variant !== 'string')
      return `the variant of ${JSON.stringify(flag)} is ${JSON.stringify(variant)}; variants are written as strings, like "claude-3-haiku" or "3"`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Time window and annotations

/** A `--since`/`--until` or annotation that cannot be read; the CLI reports it as bad usage. */
export class ReportInputError extends Error {}

const DURATION = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A time for `--since`/`--until`: an ISO date or time (`2026-12-05T01:00:00Z`), or a duration back
 * from `now` (`90s`, `30m`, `1h`, `7d`, `2w`): during an incident "the last hour" is the question.
 */
export function parseReportTime(text: string, option: string, now: number): number {
  const duration = DURATION.exec(text.trim());
  if (duration) return now - Number(duration[1]) * UNIT_MS[duration[2]!]!;
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const at = Date.parse(text);
    if (Math.abs(at) <= MAX_TIME) return at;
  }
  throw new ReportInputError(
    `${option} "${text}": expected an ISO time like 2026-12-05T01:00:00Z or a duration back from now like 30m, 1h or 7d`,
  );
}

/** Something that happened, drawn on the charts: a flag change, a deploy, the guardrail's trip. */
export interface Annotation {
  at: number;
  text: string;
  /** Only on this flag's charts; on every flag's when absent. */
  flag?: string;
}

/**
 * Parses an annotations file: JSON lines `{"at": <ms or ISO time>, "text": "...", "flag": "..."}`
 * (`flag` optional). Bad lines are returned as problems and skipped, as for metrics.
 */
export function parseAnnotations(text: string, file: string): { annotations: Annotation[]; problems: ParseProblem[] } {
  const annotations: Annotation[] = [];
  const problems: ParseProblem[] = [];
  const expected =
    'expected {"at": <ms since 1970 or ISO time>, "text": string, "flag"?: string}; the line was skipped';
  forEachJsonLine(
    text,
    file,
    problems,
    (error) => `not JSON (${error.message}); ${expected}`,
    (line, value) => {
      const a = value as { at?: unknown; text?: unknown; flag?: unknown } | null;
      if (
        typeof a !== 'object' ||
        a === null ||
        typeof a.text !== 'string' ||
        (a.flag !== undefined && typeof a.flag !== 'string')
      ) {
        problems.push({ file, line, column: 1, message: expected });
        return;
      }
      const at =
        typeof a.at === 'number'
          ? a.at
          : typeof a.at === 'string' && /^\d{4}-\d\d-\d\d/.test(a.at)
            ? Date.parse(a.at)
            : NaN;
      if (!(Math.abs(at) <= MAX_TIME)) {
        problems.push({ file, line, column: 1, message: `"at" is ${JSON.stringify(a.at)}, not a time; ${expected}` });
        return;
      }
      annotations.push(a.flag === undefined ? { at, text: a.text } : { at, text: a.text, flag: a.flag });
    },
  );
  return { annotations, problems };
}

// ---------------------------------------------------------------------------------------------
// The report

export interface ReportOptions {
  /** Only these flags (default: every flag in the records). */
  flags?: readonly string[];
  /** The registry, to order variants, name each flag's control (its default) and replay its guardrail. */
  registry?: Registry;
  confidence?: number;
  /** Time buckets in the charts (default 24). */
  buckets?: number;
  definitions?: Readonly<Record<string, MetricDefinition>>;
  /** Only records at or after this time (ms since 1970); the charts start here. */
  since?: number;
  /** Only records before this time; the charts end here. */
  until?: number;
  annotations?: readonly Annotation[];
}

export interface SeriesPoint {
  /** Start of the bucket, ms since the epoch. */
  at: number;
  n: number;
  p50?: number;
  p95?: number;
  rate?: number;
  low?: number;
  high?: number;
}

/** What the guardrail (default checks, alpha 0.05) decides when it watches the window's records in time order. */
export interface Verdict {
  tripped: boolean;
  /** The e-value when the guardrail stopped (at its trip) or at the end of the window. */
  eValue: number;
  /** The e-value that trips: (variant, check) pairs / alpha. */
  threshold: number;
  /** When it tripped. */
  at?: number;
  /** When it stopped watching because another variant or metric tripped (a live guardrail stops there too). */
  stoppedAt?: number;
}

export interface MetricVariant {
  variant: string;
  control: boolean;
  summary: MetricSummary;
  series: SeriesPoint[];
  /** Variant minus control (rate or mean), with its interval; undefined for the control and when there is none. */
  delta: Interval | undefined;
  /** Undefined for the control, without a registry, and for metrics the guardrail does not check. */
  verdict: Verdict | undefined;
}

export interface MetricReport {
  metric: string;
  kind: 'rate' | 'value';
  better: 'lower' | 'higher';
  /** Whether the guardrail's default checks include this metric. */
  guarded: boolean;
  variants: MetricVariant[];
}

export interface VariantTraffic {
  variant: string;
  control: boolean;
  /** Requests served this variant: the count of its most-tracked metric (a request tracks each metric once). */
  requests: number;
  /** Share of the flag's requests. */
  share: number;
  /** Share per time bucket (undefined where the flag had no requests). */
  series: (number | undefined)[];
}

export interface FlagReport {
  flag: string;
  control: string | undefined;
  traffic: VariantTraffic[];
  metrics: MetricReport[];
  /** The annotations for this flag inside the window, and the guardrail's trip, in time order. */
  annotations: Annotation[];
}

export interface Report {
  /** The window: `since`/`until`, or the first and last record. */
  from: number;
  to: number;
  /** Records inside the window. */
  records: number;
  /** Records the window left out. */
  outside: number;
  confidence: number;
  /** Start of each chart bucket. */
  buckets: number[];
  flags: FlagReport[];
}

export function buildReport(all: readonly MetricRecord[], options: ReportOptions = {}): Report {
  const confidence = options.confidence ?? 0.95;
  const bucketCount = options.buckets ?? 24;
  const only = options.flags ? new Set(options.flags) : undefined;
  const since = options.since ?? -Infinity;
  const until = options.until ?? Infinity;
  // Several processes append to one file, so its order is only roughly the time order the guardrail needs.
  const records = all.filter((r) => r.at >= since && r.at < until).sort((a, b) => a.at - b.at);
  const from = options.since ?? records[0]?.at ?? NaN;
  const to = options.until ?? records.at(-1)?.at ?? NaN;
  const width = to > from ? (to - from) / bucketCount : 1;
  const buckets = Array.from({ length: bucketCount }, (_, i) => from + i * width);
  const bucketOf = (t: number): number => Math.max(0, Math.min(bucketCount - 1, Math.floor((t - from) / width)));

  // flag → variant → metric → [values, times]
  const grouped = new Map<string, Map<string, Map<string, { values: number[]; times: number[] }>>>();
  for (const r of records) {
    for (const [flag, variant] of Object.entries(r.variants)) {
      if (only && !only.has(flag)) continue;
      let vs = grouped.get(flag);
      if (!vs) grouped.set(flag, (vs = new Map()));
      let ms = vs.get(variant);
      if (!ms) vs.set(variant, (ms = new Map()));
      let series = ms.get(r.metric);
      if (!series) ms.set(r.metric, (series = { values: [], times: [] }));
      series.values.push(r.value);
      series.times.push(r.at);
    }
  }

  const flags: FlagReport[] = [];
  for (const [flag, variants] of grouped) {
    const def = options.registry?.byKey.get(flag);
    const control = def ? String(def.defaultValue) : undefined;
    const order = def ? def.variants.map(String) : [];
    const names = [...variants.keys()].sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
    const metricNames = [...new Set(names.flatMap((v) => [...variants.get(v)!.keys()]))].sort(
      (a, b) => metricRank(a) - metricRank(b) || a.localeCompare(b),
    );
    const byBucket = (s: { values: number[]; times: number[] } | undefined): number[][] => {
      const out: number[][] = Array.from({ length: bucketCount }, () => []);
      if (s) for (let i = 0; i < s.values.length; i++) out[bucketOf(s.times[i]!)]!.push(s.values[i]!);
      return out;
    };

    const perBucketRequests = new Map<string, number[]>();
    const requests = new Map<string, number>();
    for (const variant of names) {
      const metrics = [...variants.get(variant)!.values()];
      requests.set(variant, Math.max(...metrics.map((s) => s.values.length)));
      const counts = new Array<number>(bucketCount).fill(0);
      for (const s of metrics) byBucket(s).forEach((xs, i) => (counts[i] = Math.max(counts[i]!, xs.length)));
      perBucketRequests.set(variant, counts);
    }
    const totalRequests = [...requests.values()].reduce((a, b) => a + b, 0);
    const traffic = names.map((variant): VariantTraffic => ({
      variant,
      control: variant === control,
      requests: requests.get(variant)!,
      share: requests.get(variant)! / totalRequests,
      series: perBucketRequests.get(variant)!.map((n, i) => {
        const all = names.reduce((sum, v) => sum + perBucketRequests.get(v)![i]!, 0);
        return all > 0 ? n / all : undefined;
      }),
    }));

    const guardrail =
      control !== undefined ? replayGuardrail(flag, options.registry!, records, options.definitions) : undefined;
    const metrics = metricNames.map((metric): MetricReport => {
      const definition = metricDefinition(metric, undefined, options.definitions);
      const guarded = DEFAULT_CHECKS.some((c) => c.metric === metric);
      const rows = names
        .filter((v) => variants.get(v)!.has(metric))
        .map((variant) => {
          const s = variants.get(variant)!.get(metric)!;
          const series = byBucket(s).map((xs, i) => seriesPoint(definition, xs, buckets[i]!, confidence));
          return { variant, summary: summarizeSamples(metric, definition, s.values, confidence), series };
        });
      const controlRow = rows.find((r) => r.variant === control);
      return {
        metric,
        kind: definition.kind,
        better: definition.better,
        guarded,
        variants: rows.map((r): MetricVariant => {
          const isControl = r.variant === control;
          const eValue = guardrail?.eValues[`${r.variant}/${metric}`];
          return {
            ...r,
            control: isControl,
            delta: controlRow && !isControl ? differenceInterval(r.summary.mean, controlRow.summary.mean) : undefined,
            verdict:
              guardrail && guarded && !isControl
                ? {
                    tripped: guardrail.trip?.variant === r.variant && guardrail.trip.metric === metric,
                    eValue: eValue ?? 1,
                    threshold: guardrail.threshold,
                    ...(guardrail.trip === undefined
                      ? {}
                      : guardrail.trip.variant === r.variant && guardrail.trip.metric === metric
                        ? { at: guardrail.trip.at }
                        : { stoppedAt: guardrail.trip.at }),
                  }
                : undefined,
          };
        }),
      };
    });

    const annotations = (options.annotations ?? []).filter(
      (a) => (a.flag === undefined || a.flag === flag) && a.at >= from && a.at <= to,
    );
    if (guardrail?.trip) {
      const t = guardrail.trip;
      annotations.push({
        at: t.at,
        text: `guardrail trips: ${t.variant} ${t.metric} (e-value ${formatEValue(t.evidence.eValue)} ≥ ${formatEValue(t.threshold)})`,
        flag,
      });
    }
    annotations.sort((a, b) => a.at - b.at);
    flags.push({ flag, control, traffic, metrics, annotations });
  }
  flags.sort((a, b) => a.flag.localeCompare(b.flag));
  return { from, to, records: records.length, outside: all.length - records.length, confidence, buckets, flags };
}

function seriesPoint(definition: MetricDefinition, xs: number[], at: number, confidence: number): SeriesPoint {
  const point: SeriesPoint = { at, n: xs.length };
  if (xs.length === 0) return point;
  if (definition.kind === 'rate') {
    // The bad outcome of a higher-is-better rate is still charted as the rate itself: what was tracked.
    const w = wilsonInterval(xs.filter((x) => x > 0).length, xs.length, confidence);
    return { ...point, rate: w.estimate, low: w.low, high: w.high };
  }
  const sorted = Float64Array.from(xs).sort();
  return { ...point, p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95) };
}

/**
 * The interval of variant minus control from each arm's own interval: the MOVER of Zou and Donner,
 * which for two Wilson intervals is Newcombe's hybrid score interval for a difference of rates, and
 * for two Student-t intervals is close to Welch's. A missing end (too few samples) stays missing.
 */
export function differenceInterval(variant: Interval, control: Interval): Interval {
  const estimate = variant.estimate - control.estimate;
  return {
    estimate,
    low: estimate - Math.hypot(variant.estimate - variant.low, control.high - control.estimate),
    high: estimate + Math.hypot(variant.high - variant.estimate, control.estimate - control.low),
  };
}

interface GuardrailReplay {
  threshold: number;
  eValues: Record<string, number>;
  trip: GuardrailTrip | undefined;
}

/**
 * Runs the guardrail itself (default checks, alpha 0.05) over the records in time order, as if it
 * had watched them live, so the verdict is exactly the one a running guardrail would have reached.
 * It stops at the first trip, as the live one does.
 */
function replayGuardrail(
  flag: string,
  registry: Registry,
  records: readonly MetricRecord[],
  definitions: ReportOptions['definitions'],
): GuardrailReplay {
  const listeners = new Set<(event: TrackEvent) => void>();
  const on = (event: string, listener: (event: TrackEvent) => void): (() => void) => {
    if (event !== 'track') return () => undefined;
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const flags: GuardedFlags = {
    on: on as GuardedFlags['on'],
    kill: () => true,
    rollBack: () => true,
    rollout: () => [],
    promote: () => undefined,
    registry: () => registry,
  };
  const guardrail = createGuardrail({ flags, flag, ...(definitions ? { definitions } : {}) });
  let trip: GuardrailTrip | undefined;
  guardrail.on('trip', (t) => (trip = t));
  for (const r of records) {
    if (trip) break;
    if (r.variants[flag] === undefined) continue;
    const event: TrackEvent = { metric: r.metric, value: r.value, variants: r.variants, at: r.at, context: {} };
    for (const l of listeners) l(event);
  }
  const result = { threshold: guardrail.threshold, eValues: guardrail.eValues(), trip };
  guardrail.close();
  return result;
}

function formatEValue(e: number): string {
  return e >= 1e4 ? e.toExponential(1) : e >= 10 ? e.toFixed(0) : e.toFixed(1);
}

function rank(order: readonly string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

const METRIC_ORDER = [
  'latency_ms',
  'error',
  'timeout',
  'rate_limited',
  'malformed_response',
  'tokens',
  'satisfaction',
  'task_completed',
  'escalated',
];
function metricRank(metric: string): number {
  const i = METRIC_ORDER.indexOf(metric);
  return i < 0 ? METRIC_ORDER.length : i;
}

// ---------------------------------------------------------------------------------------------
// Text

function num(x: number | undefined, rate: boolean): string {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (rate) return `${(x * 100).toFixed(2)}%`;
  const abs = Math.abs(x);
  return abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function withInterval(i: Interval | undefined, rate: boolean): string {
  if (!i) return '';
  return `${num(i.estimate, rate)} [${num(i.low, rate)}, ${num(i.high, rate)}]`;
}

/** A difference: signed, rates in percentage points. */
function signed(x: number, rate: boolean): string {
  if (Number.isNaN(x)) return '–';
  const text = rate ? (x * 100).toFixed(2) : num(x, false);
  return x > 0 ? `+${text}` : text;
}

function deltaText(d: Interval | undefined, rate: boolean): string {
  if (!d) return '';
  return `${signed(d.estimate, rate)} [${signed(d.low, rate)}, ${signed(d.high, rate)}]${rate ? ' pp' : ''}`;
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

function verdictText(v: MetricVariant, metric: MetricReport): string {
  if (v.control) return 'control';
  if (!v.verdict) return metric.guarded ? '' : 'not checked';
  const e = `e-value ${formatEValue(v.verdict.eValue)}`;
  const { tripped, at, stoppedAt, threshold } = v.verdict;
  if (tripped) return `TRIPS at ${clock(at!)} UTC (${e} ≥ ${formatEValue(threshold)})`;
  return `no trip${stoppedAt === undefined ? '' : ` before the ${clock(stoppedAt)} trip`} (${e}; trips at ${formatEValue(threshold)})`;
}

function windowText(report: Report): string {
  return `${report.records} outcomes from ${new Date(report.from).toISOString()} to ${new Date(report.to).toISOString()}`;
}

/** The report as aligned text tables, one per flag. */
export function formatReportTable(report: Report): string {
  if (report.flags.length === 0) {
    if (report.outside > 0)
      return `no outcomes in the window: all ${report.outside} records are outside it; widen --since/--until`;
    return 'no metrics recorded yet: attach jsonlExporter(path) to the flags client (see docs/guardrails.md)';
  }
  const pct = Math.round(report.confidence * 100);
  const lines: string[] = [
    `${windowText(report)}${report.outside > 0 ? ` (${report.outside} outside the window left out)` : ''}; intervals are ${pct}% confidence`,
  ];
  for (const flag of report.flags) {
    lines.push('', `${flag.flag}${flag.control ? ` (control: ${flag.control})` : ''}`);
    lines.push(
      `  traffic: ${flag.traffic.map((t) => `${t.variant} ${(t.share * 100).toFixed(1)}% (${t.requests})`).join(', ')}`,
    );
    const rows: string[][] = [
      ['variant', 'metric', 'n', 'mean or rate', 'p50', 'p95', 'p99', 'vs control', 'guardrail'],
    ];
    for (const t of flag.traffic) {
      for (const m of flag.metrics) {
        const v = m.variants.find((x) => x.variant === t.variant);
        if (!v) continue;
        const rate = m.kind === 'rate';
        const s = v.summary;
        rows.push([
          `${v.variant}${v.control ? ' *' : ''}`,
          m.metric,
          String(s.n),
          withInterval(s.mean, rate),
          withInterval(s.p50, false),
          withInterval(s.p95, false),
          withInterval(s.p99, false),
          deltaText(v.delta, rate),
          v.control ? '' : verdictText(v, m),
        ]);
      }
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows)
      lines.push(
        `  ${r
          .map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
          .join('  ')
          .trimEnd()}`,
      );
    for (const a of flag.annotations) lines.push(`  ${new Date(a.at).toISOString()}  ${a.text}`);
  }
  if (report.flags.some((f) => f.control)) {
    lines.push(
      '',
      "* control (the flag's default). vs control: variant minus control with its interval (rates in percentage points).",
    );
    lines.push(
      'guardrail: the default guardrail (error +1 point, latency 20% slower, alpha 0.05) replayed over the window.',
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// HTML

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CHART = { width: 520, height: 220, left: 56, right: 14, top: 18, bottom: 30 };
const CONTROL_COLOUR = '#2d3748';
const VARIANT_COLOURS = ['#c53030', '#2b6cb0', '#2f855a', '#b7791f', '#6b46c1', '#d53f8c'];

interface Line {
  variant: string;
  label: string;
  colour: string;
  dashed?: boolean;
  points: (number | undefined)[];
  band?: { low: (number | undefined)[]; high: (number | undefined)[] };
}

interface Axes {
  from: number;
  to: number;
  /** Bucket starts; a point is drawn at the middle of its bucket. */
  buckets: number[];
  annotations: readonly Annotation[];
}

/** One chart: every line on the same axes, the window's time along x, annotations as numbered rules. */
function chart(
  flag: string,
  metric: string,
  title: string,
  axes: Axes,
  lines: Line[],
  format: (y: number) => string,
  ceiling?: number,
): string {
  const { width, height, left, right, top, bottom } = CHART;
  const finite = (y: number | undefined): y is number => y !== undefined && Number.isFinite(y);
  const values = lines.flatMap((l) => l.points).filter(finite);
  const attrs = `data-flag="${escapeHtml(flag)}" data-metric="${escapeHtml(metric)}"`;
  if (values.length === 0)
    return `<figure class="chart" ${attrs}><figcaption>${escapeHtml(title)}</figcaption><p class="empty">no samples</p></figure>`;
  const yMin = Math.min(0, ...values);
  // Scaled to the lines, not the bands: a canary's few samples per bucket make wide bands that would
  // flatten every line; bands are cut at the top instead.
  const yMax = ceiling ?? (Math.max(...values) * 1.15 || 1);
  const span = axes.to > axes.from ? axes.to - axes.from : 1;
  const step = axes.buckets.length > 1 ? axes.buckets[1]! - axes.buckets[0]! : span;
  const xAt = (t: number): number => left + ((width - left - right) * (t - axes.from)) / span;
  const x = (i: number): number => xAt(axes.buckets[i]! + step / 2);
  const y = (v: number): number => top + (height - top - bottom) * (1 - (Math.min(v, yMax) - yMin) / (yMax - yMin));
  const path = (ys: (number | undefined)[]): string => {
    let d = '';
    let pen = false;
    ys.forEach((v, i) => {
      if (!finite(v)) {
        pen = false;
        return;
      }
      // A lone point between gaps still shows: a short tick.
      d += pen ? `L${x(i).toFixed(1)},${y(v).toFixed(1)}` : `M${x(i).toFixed(1)},${y(v).toFixed(1)}h0.1`;
      pen = true;
    });
    return d;
  };
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = yMin + ((yMax - yMin) * t) / 4;
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`,
    );
    parts.push(`<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(format(v))}</text>`);
  }
  const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
  parts.push(`<text x="${left}" y="${height - 10}">${hhmm(axes.from)}</text>`);
  parts.push(`<text x="${width - right}" y="${height - 10}" text-anchor="end">${hhmm(axes.to)} UTC</text>`);
  for (const l of lines) {
    if (!l.band) continue;
    // The confidence band: upper edge forwards, lower edge backwards, one closed polygon.
    const idx = l.band.low.map((lo, i) => (finite(lo) && finite(l.band!.high[i]) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const upper = idx.map((i) => `${x(i).toFixed(1)},${y(l.band!.high[i]!).toFixed(1)}`);
    const lower = idx.reverse().map((i) => `${x(i).toFixed(1)},${y(l.band!.low[i]!).toFixed(1)}`);
    parts.push(
      `<polygon points="${[...upper, ...lower].join(' ')}" class="band" fill="${l.colour}" data-variant="${escapeHtml(l.variant)}"/>`,
    );
  }
  for (const l of lines) {
    parts.push(
      `<path d="${path(l.points)}" fill="none" stroke="${l.colour}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 3"' : ''} data-variant="${escapeHtml(l.variant)}"><title>${escapeHtml(l.label)}</title></path>`,
    );
  }
  axes.annotations.forEach((a, i) => {
    const ax = xAt(a.at).toFixed(1);
    parts.push(
      `<line x1="${ax}" x2="${ax}" y1="${top}" y2="${height - bottom}" class="annotation"><title>${escapeHtml(a.text)}</title></line>`,
    );
    parts.push(`<text x="${ax}" y="${top - 5}" text-anchor="middle" class="annotation">${i + 1}</text>`);
  });
  const legend = lines
    .map(
      (l) =>
        `<span><i style="border-top:2px ${l.dashed ? 'dashed' : 'solid'} ${l.colour}"></i>${escapeHtml(l.label)}</span>`,
    )
    .join(' ');
  return (
    `<figure class="chart" ${attrs}><figcaption>${escapeHtml(title)}<br>${legend}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}" ${attrs}>${parts.join('')}</svg></figure>`
  );
}

/**
 * A self-contained HTML page: per flag its traffic, a table of every metric per variant with the
 * difference from the control and the guardrail's verdict, then one chart per metric with every
 * variant on the same axes, and the annotations.
 */
export function renderReportHtml(report: Report, title = 'modelflags report'): string {
  const pct = Math.round(report.confidence * 100);
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  if (report.flags.length === 0) body.push(`<p>${escapeHtml(formatReportTable(report))}</p>`);
  else {
    body.push(
      `<p>${escapeHtml(windowText(report))}${report.outside > 0 ? ` (${report.outside} records outside the window left out)` : ''}. ` +
        `Intervals are ${pct}% confidence (Wilson for rates, Student t for means, order statistics for percentiles; the difference from the control combines the two arms' intervals). ` +
        'The guardrail column replays the default guardrail (error rate 1 point worse, latency 20% slower, alpha 0.05) over these records in time order.</p>',
    );
  }
  const axesOf = (flag: FlagReport): Axes => ({
    from: report.from,
    to: report.to,
    buckets: report.buckets,
    annotations: flag.annotations,
  });
  for (const flag of report.flags) {
    const colour = new Map<string, string>();
    let next = 0;
    for (const t of flag.traffic)
      colour.set(t.variant, t.control ? CONTROL_COLOUR : VARIANT_COLOURS[next++ % VARIANT_COLOURS.length]!);
    const tag = (variant: string, control: boolean): string =>
      `<i class="key" style="background:${colour.get(variant)}"></i>${escapeHtml(variant)}${control ? ' <small>(control)</small>' : ''}`;
    body.push(
      `<section data-flag="${escapeHtml(flag.flag)}"><h2>${escapeHtml(flag.flag)}${flag.control ? ` <small>control: ${escapeHtml(flag.control)}</small>` : ''}</h2>`,
    );
    body.push(
      `<p class="traffic">Traffic: ${flag.traffic.map((t) => `${tag(t.variant, t.control)} <b>${(t.share * 100).toFixed(1)}%</b> (${t.requests} requests)`).join(', ')}</p>`,
    );
    body.push(
      '<table><thead><tr><th>metric</th><th>variant</th><th>n</th><th>mean or rate</th><th>p50</th><th>p95</th><th>p99</th><th>vs control</th><th>guardrail</th></tr></thead><tbody>',
    );
    for (const m of flag.metrics) {
      for (const v of m.variants) {
        const rate = m.kind === 'rate';
        const s = v.summary;
        const cells = [
          m.metric,
          String(s.n),
          withInterval(s.mean, rate),
          withInterval(s.p50, false),
          withInterval(s.p95, false),
          withInterval(s.p99, false),
          deltaText(v.delta, rate),
        ].map(escapeHtml);
        const verdict = verdictText(v, m);
        body.push(
          `<tr><td>${cells[0]}</td><td>${tag(v.variant, v.control)}</td><td class="n">${cells[1]}</td>${cells
            .slice(2)
            .map((c) => `<td>${c}</td>`)
            .join('')}` + `<td class="verdict${v.verdict?.tripped ? ' tripped' : ''}">${escapeHtml(verdict)}</td></tr>`,
        );
      }
    }
    body.push('</tbody></table><div class="charts">');
    for (const m of flag.metrics) {
      const rate = m.kind === 'rate';
      const lines: Line[] = m.variants.flatMap((v): Line[] => {
        const c = colour.get(v.variant)!;
        if (rate) {
          return [
            {
              variant: v.variant,
              label: v.variant,
              colour: c,
              points: v.series.map((p) => p.rate),
              band: { low: v.series.map((p) => p.low), high: v.series.map((p) => p.high) },
            },
          ];
        }
        return [
          { variant: v.variant, label: `${v.variant} p50`, colour: c, points: v.series.map((p) => p.p50) },
          {
            variant: v.variant,
            label: `${v.variant} p95`,
            colour: c,
            dashed: true,
            points: v.series.map((p) => p.p95),
          },
        ];
      });
      const unit = metricDefinition(m.metric, undefined).unit;
      body.push(
        chart(
          flag.flag,
          m.metric,
          `${m.metric}${rate ? ` rate (${pct}% band)` : unit ? ` (${unit})` : ''}`,
          axesOf(flag),
          lines,
          rate ? (y) => `${(y * 100).toFixed(1)}%` : (y) => num(y, false),
        ),
      );
    }
    body.push(
      chart(
        flag.flag,
        'traffic',
        'traffic share',
        axesOf(flag),
        flag.traffic.map((t) => ({
          variant: t.variant,
          label: t.variant,
          colour: colour.get(t.variant)!,
          points: t.series,
        })),
        (y) => `${(y * 100).toFixed(0)}%`,
        1,
      ),
    );
    body.push('</div>');
    if (flag.annotations.length > 0) {
      body.push(
        `<ol class="annotations">${flag.annotations.map((a) => `<li><time>${escapeHtml(new Date(a.at).toISOString())}</time> ${escapeHtml(a.text)}</li>`).join('')}</ol>`,
      );
    }
    body.push('</section>');
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1a202c}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #e2e8f0;padding:3px 10px;text-align:left;white-space:nowrap}td.n{text-align:right}
td.verdict{white-space:normal;max-width:20em}td.tripped{color:#c53030;font-weight:700}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart{margin:0}figcaption{font-weight:600}figcaption span{font-weight:400;margin-right:.8em;font-size:12px}
figcaption i{display:inline-block;width:16px;height:0;margin-right:4px;vertical-align:middle}i.key{display:inline-block;width:10px;height:10px;margin-right:4px}
svg text{font-size:10px;fill:#4a5568}.grid{stroke:#edf2f7}.band{opacity:.15}.empty{color:#718096}small{font-weight:400;color:#718096}
line.annotation{stroke:#805ad5;stroke-dasharray:2 2}text.annotation{fill:#805ad5;font-weight:700}ol.annotations{color:#553c9a}
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
