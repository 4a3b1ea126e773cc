/** Sliding windows of outcomes per flag, variant and metric, fed by `flags.track`. */
import {
  metricDefinition,
  trackedSample,
  type MetricDefinition,
  type TrackEvent,
  type TrackSource,
} from './definitions.js';
import { summarizeSamples, type MetricSummary, type VariantSummary } from './statistics.js';

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
      definition(event.metric, trackedSample(event));
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
        for (const [metric, w] of metrics)
          summaries.push(summarizeSamples(metric, definition(metric), w.samples(), confidence));
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
