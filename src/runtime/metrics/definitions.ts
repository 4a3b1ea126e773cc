/** What a metric is (a rate or a value, which direction is better, its margin) and the events `flags.track` records. */
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

export function metricDefinition(
  metric: string,
  sample?: number | boolean,
  overrides?: Readonly<Record<string, MetricDefinition>>,
): MetricDefinition {
  return (
    overrides?.[metric] ??
    STANDARD_METRICS[metric] ?? { kind: typeof sample === 'boolean' ? 'rate' : 'value', better: 'lower' }
  );
}

/**
 * Whether a sample of a rate metric is a bad outcome: for `better: 'lower'` a value above 0 (an
 * error), for `better: 'higher'` a value of 0 or below (a task not completed). The guardrail's rate
 * test and the `modelflags.bad_samples` counter of `otelMetrics` count the same samples, so a
 * fleet's guard reading Prometheus judges what the in-process guardrail would.
 */
export function isBadOutcome(better: MetricDefinition['better'], value: number): boolean {
  return value > 0 === (better === 'lower');
}

// ---------------------------------------------------------------------------------------------
// Track events (what `flags.track` emits)

/** One outcome of one request, attributed to every variant the request was served. */
export interface TrackEvent {
  metric: string;
  /** Booleans are recorded as 1 and 0. */
  value: number;
  /** True when the caller tracked a boolean: a metric without a definition is then a rate. */
  boolean?: boolean;
  /** Flag key → variant served to the request. */
  variants: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch (or the injected clock) when the outcome was tracked. */
  at: number;
  context: EvaluationContext;
}

/** The sample as the caller gave it, for `metricDefinition`: a boolean makes an unknown metric a rate. */
export function trackedSample(event: TrackEvent): number | boolean {
  return event.boolean === true ? event.value > 0 : event.value;
}

/** The part of the flags client that metrics consumers need. */
export interface TrackSource {
  on(event: 'track', listener: (event: TrackEvent) => void): () => void;
}
