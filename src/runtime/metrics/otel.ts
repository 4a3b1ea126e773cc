/**
 * The flags client in OpenTelemetry: per-variant counters and a histogram of `flags.track`'s
 * outcomes, which a fleet's Prometheus (or any OpenTelemetry backend) adds up over every server,
 * and `feature_flag.evaluation` span events. `@opentelemetry/api` is an optional peer, loaded by
 * the first call that needs it and never by `import 'modelflags'`: an app without OpenTelemetry
 * pays nothing, not even the module load.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import { describeErrno } from '../../io/file-write.js';
import { packageVersion } from '../../io/version.js';
import type { EvaluationEvent } from '../flags.js';
import {
  isBadOutcome,
  metricDefinition,
  trackedSample,
  type MetricDefinition,
  type TrackEvent,
  type TrackSource,
} from './definitions.js';

// ---------------------------------------------------------------------------------------------
// The parts of the OpenTelemetry API used here. Declared rather than imported so that the
// declarations of `modelflags` never name `@opentelemetry/api`: a project without it type-checks.

/** Attributes of one series: the flag, the variant served, the metric. */
export type OtelSeriesAttributes = Readonly<Record<string, string>>;

export interface OtelObservableResult {
  observe(value: number, attributes?: OtelSeriesAttributes): void;
}

/** An asynchronous counter: the SDK asks its callbacks for the totals when it collects. */
export interface OtelObservableCounter {
  addCallback(callback: (result: OtelObservableResult) => void): void;
  removeCallback(callback: (result: OtelObservableResult) => void): void;
}

export interface OtelHistogram {
  record(value: number, attributes?: OtelSeriesAttributes): void;
}

/** What `otelMetrics` needs of an OpenTelemetry `Meter`; any `Meter` of `@opentelemetry/api` 1.3 or later is one. */
export interface OtelMeter {
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): OtelObservableCounter;
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } },
  ): OtelHistogram;
}

/** Attaches to a flags client until `close()`. */
export interface OtelHandle {
  /** Stops recording; calling it again does nothing. What the SDK has collected stays with it. */
  close(): void;
}

export interface OtelMetricsOptions {
  /**
   * Where the instruments are created. Default: `metrics.getMeter('modelflags', <version>)` of the
   * global API, so register the MeterProvider (`metrics.setGlobalMeterProvider`, or the NodeSDK's
   * `start()`) before calling `otelMetrics`: a meter taken before that records nothing, ever.
   */
  meter?: OtelMeter;
  /** Only these flags are recorded (default: every flag a track event names). */
  flags?: readonly string[];
  /**
   * Definitions for metrics beyond `STANDARD_METRICS`, or to change theirs: the samples of a `rate`
   * metric are counted (and its bad outcomes, by `better`), those of a `value` metric go to the histogram.
   */
  definitions?: Readonly<Record<string, MetricDefinition>>;
  /**
   * Histogram bucket boundaries per value metric, replacing the defaults for that metric
   * (`latency_ms`: 5 ms to 60 s; `tokens`: 100 to 100 000; `satisfaction`: 1 to 5; an empty
   * array drops a metric's defaults). OpenTelemetry gives an instrument one set of boundaries,
   * so `modelflags.value` gets all of them merged, and every series has every bucket: each metric
   * keeps at least the resolution asked for it, at the cost of the others' buckets.
   */
  buckets?: Readonly<Record<string, readonly number[]>>;
}

/** Bucket boundaries by metric, in the metric's unit. */
const DEFAULT_BUCKETS: Readonly<Record<string, readonly number[]>> = Object.freeze({
  // Roughly exponential, 1-2.5-5 per decade as Prometheus' own defaults, up to a 60 s model timeout.
  latency_ms: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000],
  tokens: [100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000],
  satisfaction: [1, 2, 3, 4, 5],
});

/** The boundaries of `modelflags.value`: every metric's, merged and sorted. */
function bucketBoundaries(buckets: OtelMetricsOptions['buckets']): number[] {
  const all = new Set<number>();
  for (const [metric, list] of Object.entries({ ...DEFAULT_BUCKETS, ...buckets })) {
    if (!Array.isArray(list) || list.some((b) => typeof b !== 'number' || !Number.isFinite(b)))
      throw new RangeError(
        `otelMetrics: buckets.${metric} must be an array of finite numbers (got ${describeErrno(list)})`,
      );
    for (const b of list as readonly number[]) all.add(b);
  }
  return [...all].sort((a, b) => a - b);
}

/**
 * Records every `flags.track` sample in OpenTelemetry, once per flag the request was served,
 * with the variant that served it:
 *
 * - `modelflags.samples` (counter, `{sample}`): each sample of a rate metric (`error`, `timeout`,
 *   `task_completed`, ...);
 * - `modelflags.bad_samples` (counter, `{sample}`): those that are bad outcomes, as the guardrail
 *   judges them (above 0 where lower is better, 0 where higher is); a variant's series starts at
 *   0 with its first sample, so a healthy variant has a series too;
 * - `modelflags.value` (histogram): each sample of a value metric (`latency_ms`, `tokens`,
 *   scores), in the metric's own unit.
 *
 * Each carries `feature_flag.key`, `feature_flag.result.variant`, `modelflags.metric` and
 * `feature_flag.provider.name` (`modelflags`). The counters are asynchronous: a sample adds to
 * totals kept here, and the SDK reads them when it collects, so a rate sample costs no SDK call.
 * A failing meter never breaks `track`: the first failure is a process warning, the sample is
 * lost, the rest go on.
 */
export function otelMetrics(flags: TrackSource, options: OtelMetricsOptions = {}): OtelHandle {
  const boundaries = bucketBoundaries(options.buckets);
  const meter = options.meter ?? otelApi('otelMetrics').metrics.getMeter('modelflags', packageVersion());
  const samples = meter.createObservableCounter('modelflags.samples', {
    unit: '{sample}',
    description: 'Samples of rate metrics (errors, timeouts, completed tasks) tracked per served variant',
  });
  const badSamples = meter.createObservableCounter('modelflags.bad_samples', {
    unit: '{sample}',
    description: 'Samples of rate metrics that are bad outcomes (above 0 where lower is better, 0 where higher is)',
  });
  // No unit: modelflags.metric says which metric, and so which unit (latency_ms in ms, tokens, a score).
  const values = meter.createHistogram('modelflags.value', {
    description: 'Samples of value metrics (latency_ms, tokens, scores) tracked per served variant',
    advice: { explicitBucketBoundaries: boundaries },
  });
  const only = options.flags ? new Set(options.flags) : undefined;
  const definitions = new Map<string, MetricDefinition>();
  // metric → flag → variant: each series' attributes, built once (the SDK reads them at every
  // call), and a rate metric's totals.
  const series = new Map<string, Map<string, Map<string, Series>>>();
  const rateSeries: Series[] = [];
  const report = failureReporter('otelMetrics', 'recording a sample');
  const reportCollection = failureReporter('otelMetrics', 'reporting the sample counters');

  const seriesOf = (metric: string, flag: string, variant: string, rate: boolean): Series => {
    let byFlag = series.get(metric);
    if (!byFlag) series.set(metric, (byFlag = new Map()));
    let byVariant = byFlag.get(flag);
    if (!byVariant) byFlag.set(flag, (byVariant = new Map()));
    let found = byVariant.get(variant);
    if (!found) {
      const attributes = Object.freeze({
        'feature_flag.key': flag,
        'feature_flag.result.variant': variant,
        'modelflags.metric': metric,
        'feature_flag.provider.name': 'modelflags',
      });
      byVariant.set(variant, (found = { attributes, samples: 0, bad: 0 }));
      if (rate) rateSeries.push(found);
    }
    return found;
  };

  const record = (event: TrackEvent): void => {
    const { metric, value } = event;
    let def = definitions.get(metric);
    if (!def) definitions.set(metric, (def = metricDefinition(metric, trackedSample(event), options.definitions)));
    const rate = def.kind === 'rate';
    const bad = rate && isBadOutcome(def.better, value);
    for (const flag in event.variants) {
      if (only && !only.has(flag)) continue;
      const found = seriesOf(metric, flag, event.variants[flag]!, rate);
      if (rate) {
        found.samples++;
        if (bad) found.bad++;
        continue;
      }
      try {
        values.record(value, found.attributes);
      } catch (error) {
        report(error);
      }
    }
  };

  // Read by the SDK at each collection (a scrape, an export interval), on its own stack.
  const observe = (result: OtelObservableResult, total: (s: Series) => number): void => {
    for (const s of rateSeries) {
      try {
        result.observe(total(s), s.attributes);
      } catch (error) {
        reportCollection(error);
      }
    }
  };
  const observeSamples = (result: OtelObservableResult): void => observe(result, (s) => s.samples);
  const observeBad = (result: OtelObservableResult): void => observe(result, (s) => s.bad);
  samples.addCallback(observeSamples);
  badSamples.addCallback(observeBad);

  let off: (() => void) | undefined = flags.on('track', record);
  return {
    close() {
      if (!off) return;
      off();
      off = undefined;
      samples.removeCallback(observeSamples);
      badSamples.removeCallback(observeBad);
    },
  };
}

/** One flag, variant and metric: its attributes and, for a rate metric, its totals so far. */
interface Series {
  readonly attributes: OtelSeriesAttributes;
  samples: number;
  bad: number;
}

/** The part of the flags client that span events need. */
export interface EvaluationSource {
  on(event: 'evaluation', listener: (event: EvaluationEvent) => void): () => void;
}

export interface OtelEvaluationsOptions {
  /** Only evaluations of these flags become events (default: all). */
  flags?: readonly string[];
  /**
   * Adds `feature_flag.context.id`, the context's `targetingKey`, to each event (default false: it
   * is often a user id, and traces leave the service).
   */
  contextId?: boolean;
}

/**
 * Adds a `feature_flag.evaluation` event to the active span at each `flags.get` and
 * `flags.detail`, with the OpenTelemetry feature-flag attributes (`feature_flag.key`,
 * `feature_flag.result.variant`, `feature_flag.result.value`, `feature_flag.result.reason`,
 * `feature_flag.provider.name`, and `error.type` when the evaluation failed). Nothing is added
 * outside a recording span. Attaching it makes every evaluation build its event, so it costs a
 * little on each `get`; `flags.record` evaluates without events.
 */
export function otelEvaluations(flags: EvaluationSource, options: OtelEvaluationsOptions = {}): OtelHandle {
  const { trace } = otelApi('otelEvaluations');
  const only = options.flags ? new Set(options.flags) : undefined;
  const report = failureReporter('otelEvaluations', 'adding an evaluation event to the active span');

  const addEvent = (event: EvaluationEvent): void => {
    if (only && !only.has(event['feature_flag.key'])) return;
    try {
      const span = trace.getActiveSpan();
      if (span === undefined || !span.isRecording()) return;
      const attributes: OtelApi.Attributes = {};
      for (const key of Object.keys(event) as (keyof EvaluationEvent)[]) {
        const value = event[key];
        if (value === undefined || (key === 'feature_flag.context.id' && !options.contextId)) continue;
        attributes[key] = value;
      }
      span.addEvent('feature_flag.evaluation', attributes);
    } catch (error) {
      report(error);
    }
  };

  let off: (() => void) | undefined = flags.on('evaluation', addEvent);
  return {
    close() {
      off?.();
      off = undefined;
    },
  };
}

/**
 * Reports the first failure of a listener as a process warning. The flags client would swallow
 * it, and a meter or span that throws on every sample must neither break `track` and `get` nor
 * flood the log; one warning says the telemetry is missing.
 */
function failureReporter(caller: string, doing: string): (error: unknown) => void {
  let failed = false;
  return (error) => {
    if (failed) return;
    failed = true;
    process.emitWarning(
      `${caller}: ${doing} failed (${describeErrno(error)}); the service goes on without it, and later failures are not reported`,
      'ModelflagsWarning',
    );
  };
}

let api: typeof OtelApi | undefined;

/**
 * `@opentelemetry/api`, loaded on first use. `require` rather than `import()` keeps the functions
 * above synchronous. Whichever copy or build this finds, the API keeps its registered providers
 * and context manager on `globalThis` (per major version), so it sees what the app registered.
 */
function otelApi(caller: string): typeof OtelApi {
  if (api) return api;
  try {
    api = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes("'@opentelemetry/api'"))
      throw new Error(
        `${caller} needs the @opentelemetry/api package, which is not installed here: npm install @opentelemetry/api, and set up an OpenTelemetry SDK (modelflags' docs/fleet.md shows how)`,
      );
    throw error;
  }
  return api;
}
