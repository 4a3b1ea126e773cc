/**
 * otelMetrics and otelEvaluations against the real OpenTelemetry SDK: a MeterProvider read in
 * memory, the Prometheus exporter scraped over loopback, a tracer provider with an in-memory span
 * exporter. The series names and labels checked here are the contract a fleet's Prometheus
 * queries read (docs/fleet.md).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { context, metrics, trace, type Meter, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFlags, type Flags } from '../../../../src/runtime/flags.js';
import { isBadOutcome, type MetricDefinition } from '../../../../src/runtime/metrics/definitions.js';
import {
  otelEvaluations,
  otelMetrics,
  type OtelMeter,
  type OtelSeriesAttributes,
} from '../../../../src/runtime/metrics/otel.js';
import { createMetrics } from '../../../../src/runtime/metrics/store.js';
import { staticSource } from '../../../../src/runtime/sources/static.js';

const repo = resolve(import.meta.dirname, '../../../..');
const { version } = JSON.parse(readFileSync(join(repo, 'src/package.json'), 'utf8')) as { version: string };

const REGISTRY = {
  flags: [
    {
      flag: 'inference_model',
      variants: ['haiku', 'sonnet'],
      default: 'haiku',
      rules: [{ condition: { user_segment: 'beta' }, value: 'sonnet' }],
    },
    {
      flag: 'system_prompt_version',
      variants: ['v3', 'v4'],
      default: 'v3',
      rules: [{ condition: { user_segment: 'beta' }, value: 'v4' }],
    },
  ],
};

const BETA = { targetingKey: 'user-1', user_segment: 'beta' };
const OTHERS = { targetingKey: 'user-2', user_segment: 'free' };

/** The SDK's in-memory reader: `collect()` is what an exporter gets at each interval or scrape. */
class MemoryReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.collect();
    expect(errors).toEqual([]);
    return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
  }
}

/** Data points of a metric as `flag variant metric` → value, for compact comparisons. */
function points(metric: MetricData | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of metric?.dataPoints ?? []) {
    const a = p.attributes;
    expect(a['feature_flag.provider.name']).toBe('modelflags');
    expect(Object.keys(a).sort()).toEqual([
      'feature_flag.key',
      'feature_flag.provider.name',
      'feature_flag.result.variant',
      'modelflags.metric',
    ]);
    const key = `${String(a['feature_flag.key'])} ${String(a['feature_flag.result.variant'])} ${String(a['modelflags.metric'])}`;
    out[key] = metric!.dataPointType === DataPointType.HISTOGRAM ? (p.value as Histogram).count : p.value;
  }
  return out;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

function flagsClient(): Flags {
  const flags = createFlags({ source: staticSource(REGISTRY) });
  cleanups.push(() => flags.close());
  return flags;
}

function meterWithReader(): { meter: Meter; reader: MemoryReader } {
  const reader = new MemoryReader();
  const provider = new MeterProvider({ readers: [reader] });
  cleanups.push(() => provider.shutdown());
  return { meter: provider.getMeter('modelflags', version), reader };
}

describe('otelMetrics', () => {
  it('counts rate samples and bad outcomes per served variant, with the feature-flag attributes', async () => {
    const flags = flagsClient();
    const { meter, reader } = meterWithReader();
    otelMetrics(flags, { meter });
    for (let i = 0; i < 10; i++) {
      const beta = flags.record(BETA);
      flags.track(beta, 'error', i < 3);
      flags.track(beta, 'task_completed', i < 6);
      const others = flags.record(OTHERS);
      flags.track(others, 'error', false);
      flags.track(others, 'task_completed', i < 9);
    }
    const m = await reader.metrics();
    expect(m.get('modelflags.samples')?.descriptor).toMatchObject({ unit: '{sample}' });
    expect(m.get('modelflags.bad_samples')?.descriptor).toMatchObject({ unit: '{sample}' });
    expect(points(m.get('modelflags.samples'))).toEqual({
      'inference_model sonnet error': 10,
      'system_prompt_version v4 error': 10,
      'inference_model sonnet task_completed': 10,
      'system_prompt_version v4 task_completed': 10,
      'inference_model haiku error': 10,
      'system_prompt_version v3 error': 10,
      'inference_model haiku task_completed': 10,
      'system_prompt_version v3 task_completed': 10,
    });
    // Errors are bad when 1 (lower is better), completions when 0 (higher is); a variant with no
    // bad outcome has its series at 0 rather than none.
    expect(points(m.get('modelflags.bad_samples'))).toEqual({
      'inference_model sonnet error': 3,
      'system_prompt_version v4 error': 3,
      'inference_model sonnet task_completed': 4,
      'system_prompt_version v4 task_completed': 4,
      'inference_model haiku error': 0,
      'system_prompt_version v3 error': 0,
      'inference_model haiku task_completed': 1,
      'system_prompt_version v3 task_completed': 1,
    });
    expect(m.has('modelflags.value')).toBe(false);
  });

  it('records value metrics in one histogram whose buckets merge every metric’s boundaries', async () => {
    const flags = flagsClient();
    const { meter, reader } = meterWithReader();
    otelMetrics(flags, {
      meter,
      flags: ['inference_model'],
      definitions: { judge_score: { kind: 'value', better: 'higher' } },
      buckets: { judge_score: [0.25, 0.5, 0.75], tokens: [] },
    });
    const beta = flags.record(BETA);
    for (const ms of [3, 40, 40, 700, 90_000]) flags.track(beta, 'latency_ms', ms);
    flags.track(beta, 'judge_score', 0.6);
    flags.track(flags.record(OTHERS), 'latency_ms', 120);
    const m = await reader.metrics();
    const histogram = m.get('modelflags.value')!;
    expect(histogram.descriptor.unit).toBe('');
    expect(points(histogram)).toEqual({
      'inference_model sonnet latency_ms': 5,
      'inference_model sonnet judge_score': 1,
      'inference_model haiku latency_ms': 1,
    });
    const latency = histogram.dataPoints.find(
      (p) =>
        p.attributes['modelflags.metric'] === 'latency_ms' && p.attributes['feature_flag.result.variant'] === 'sonnet',
    )!.value as Histogram;
    // latency_ms's defaults, satisfaction's 1..5 and judge_score's; tokens' dropped.
    expect(latency.buckets.boundaries).toEqual([
      0.25, 0.5, 0.75, 1, 2, 3, 4, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
    ]);
    expect(latency.sum).toBe(3 + 40 + 40 + 700 + 90_000);
    expect(latency.buckets.counts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(latency.buckets.counts.at(-1)).toBe(1); // 90 s: above the last boundary
  });

  it('takes a metric it has no definition for as the metrics store does: booleans a rate, numbers a value', async () => {
    const flags = flagsClient();
    const { meter, reader } = meterWithReader();
    const store = createMetrics();
    store.attach(flags);
    otelMetrics(flags, { meter, flags: ['inference_model'] });
    flags.track(flags.record(BETA), 'hallucinated', true);
    flags.track(flags.record(BETA), 'retrieval_hits', 4);
    flags.track(flags.record(BETA), 'escalated', true);
    const m = await reader.metrics();
    expect([store.definition('hallucinated').kind, store.definition('retrieval_hits').kind]).toEqual(['rate', 'value']);
    expect(points(m.get('modelflags.value'))).toEqual({ 'inference_model sonnet retrieval_hits': 1 });
    // An unknown rate is lower-is-better, as most outcomes a service counts are failures.
    expect(points(m.get('modelflags.bad_samples'))).toEqual({
      'inference_model sonnet hallucinated': 1,
      'inference_model sonnet escalated': 1,
    });
  });

  it('stops at close(), and refuses bucket boundaries that are not finite numbers', async () => {
    const flags = flagsClient();
    const { meter, reader } = meterWithReader();
    const handle = otelMetrics(flags, { meter, flags: ['inference_model'] });
    flags.track(flags.record(BETA), 'error', true);
    flags.track(flags.record(BETA), 'latency_ms', 300);
    const before = await reader.metrics();
    expect(points(before.get('modelflags.samples'))).toEqual({ 'inference_model sonnet error': 1 });
    handle.close();
    handle.close();
    flags.track(flags.record(BETA), 'error', true);
    flags.track(flags.record(BETA), 'latency_ms', 300);
    // The counters' callbacks are gone; the SDK goes on reporting what it last collected.
    const after = await reader.metrics();
    expect(points(after.get('modelflags.samples'))).toEqual({ 'inference_model sonnet error': 1 });
    expect(points(after.get('modelflags.value'))).toEqual({ 'inference_model sonnet latency_ms': 1 });
    expect(() => otelMetrics(flags, { meter, buckets: { latency_ms: [5, Number.NaN] } })).toThrow(
      /buckets\.latency_ms must be an array of finite numbers/,
    );
  });

  it('counts as bad exactly the samples the guardrail’s rate test takes as bad', () => {
    const cases: [MetricDefinition['better'], number, boolean][] = [
      ['lower', 1, true],
      ['lower', 0.5, true],
      ['lower', 0, false],
      ['lower', -1, false],
      ['higher', 1, false],
      ['higher', 0.5, false],
      ['higher', 0, true],
      ['higher', -1, true],
    ];
    for (const [better, value, bad] of cases) expect(isBadOutcome(better, value), `${better} ${value}`).toBe(bad);
  });

  it('a meter that throws never breaks track: other listeners and series still get the sample, one warning each', async () => {
    const flags = flagsClient();
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { meter: real, reader } = meterWithReader();
    // The instruments throw for one flag only: the other flag of the same sample shows the rest go on.
    const failing = (attributes?: OtelSeriesAttributes): void => {
      if (attributes?.['feature_flag.key'] === 'inference_model') throw new Error('exporter queue full');
    };
    const meter: OtelMeter = {
      createObservableCounter(name, options) {
        const inner = real.createObservableCounter(name, options);
        return {
          addCallback: (callback) =>
            inner.addCallback((result) =>
              callback({
                observe: (value, attributes) => {
                  failing(attributes);
                  result.observe(value, attributes);
                },
              }),
            ),
          removeCallback: () => undefined,
        };
      },
      createHistogram(name, options) {
        const inner = real.createHistogram(name, options);
        return {
          record: (value, attributes) => {
            failing(attributes);
            inner.record(value, attributes);
          },
        };
      },
    };
    const store = createMetrics();
    store.attach(flags);
    otelMetrics(flags, { meter });
    for (let i = 0; i < 5; i++) {
      const beta = flags.record(BETA);
      expect(() => flags.track(beta, 'error', true)).not.toThrow();
      expect(() => flags.track(beta, 'latency_ms', 100)).not.toThrow();
    }
    expect(store.window('inference_model', 'sonnet', 'error')?.size).toBe(5);
    expect(store.window('inference_model', 'sonnet', 'latency_ms')?.size).toBe(5);
    const m = await reader.metrics();
    expect(points(m.get('modelflags.samples'))).toEqual({ 'system_prompt_version v4 error': 5 });
    expect(points(m.get('modelflags.value'))).toEqual({ 'system_prompt_version v4 latency_ms': 5 });
    expect(warnings.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/^otelMetrics: recording a sample failed \(.*exporter queue full.*\); the service goes on/),
      expect.stringMatching(/^otelMetrics: reporting the sample counters failed \(.*exporter queue full.*\)/),
    ]);

    // A meter that cannot even create its instruments fails at set-up, where the caller sees it.
    const refusing: OtelMeter = {
      createObservableCounter: () => {
        throw new Error('no such instrument');
      },
      createHistogram: meter.createHistogram,
    };
    expect(() => otelMetrics(flags, { meter: refusing })).toThrow('no such instrument');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

/** Exposition-format samples: `name{labels} value`, labels parsed. */
function parseExposition(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, k, v] of m![2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[k!] = v!;
    samples.push({ name: m![1]!, labels, value: Number(m![3]) });
  }
  return samples;
}

describe('otelMetrics through the Prometheus exporter', () => {
  it('serves the series a fleet’s Prometheus scrapes, from the global MeterProvider', { timeout: 20_000 }, async () => {
    const port = await freePort();
    const exporter = await new Promise<PrometheusExporter>((started, failed) => {
      const e: PrometheusExporter = new PrometheusExporter({ port, host: '127.0.0.1' }, (error) =>
        error ? failed(error) : started(e),
      );
    });
    const provider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);
    cleanups.push(
      () => provider.shutdown(),
      () => metrics.disable(),
    );
    const flags = flagsClient();
    // No meter: the default one, `metrics.getMeter('modelflags', version)` of the global API.
    otelMetrics(flags, { flags: ['inference_model'] });
    for (let i = 0; i < 4; i++) {
      const beta = flags.record(BETA);
      flags.track(beta, 'error', i === 0);
      flags.track(beta, 'latency_ms', 30 + i);
      flags.track(flags.record(OTHERS), 'error', false);
    }
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const samples = parseExposition(text);
    const scope = { otel_scope_name: 'modelflags', otel_scope_version: version };
    const series = (variant: string, metric: string) => ({
      feature_flag_key: 'inference_model',
      feature_flag_result_variant: variant,
      modelflags_metric: metric,
      feature_flag_provider_name: 'modelflags',
      ...scope,
    });
    const find = (name: string, labels: Record<string, string>) =>
      samples.filter((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels)).map((s) => s.value);
    expect(text).toContain('# TYPE modelflags_samples_total counter\n');
    expect(text).toContain('# TYPE modelflags_bad_samples_total counter\n');
    expect(text).toContain('# TYPE modelflags_value histogram\n');
    expect(find('modelflags_samples_total', series('sonnet', 'error'))).toEqual([4]);
    expect(find('modelflags_samples_total', series('haiku', 'error'))).toEqual([4]);
    expect(find('modelflags_bad_samples_total', series('sonnet', 'error'))).toEqual([1]);
    expect(find('modelflags_bad_samples_total', series('haiku', 'error'))).toEqual([0]);
    expect(find('modelflags_value_count', series('sonnet', 'latency_ms'))).toEqual([4]);
    expect(find('modelflags_value_sum', series('sonnet', 'latency_ms'))).toEqual([30 + 31 + 32 + 33]);
    expect(find('modelflags_value_bucket', { ...series('sonnet', 'latency_ms'), le: '25' })).toEqual([0]);
    expect(find('modelflags_value_bucket', { ...series('sonnet', 'latency_ms'), le: '50' })).toEqual([4]);
    expect(find('modelflags_value_bucket', { ...series('sonnet', 'latency_ms'), le: '+Inf' })).toEqual([4]);
    expect(new Set(samples.filter((s) => s.name.startsWith('modelflags_')).map((s) => s.name))).toEqual(
      new Set([
        'modelflags_samples_total',
        'modelflags_bad_samples_total',
        'modelflags_value_count',
        'modelflags_value_sum',
        'modelflags_value_bucket',
      ]),
    );
    expect(samples.filter((s) => s.labels['feature_flag_key'] === 'system_prompt_version')).toEqual([]);
  });
});

describe('otelEvaluations', () => {
  function tracing(): { exporter: InMemorySpanExporter } {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    cleanups.push(
      () => provider.shutdown(),
      () => trace.disable(),
      () => context.disable(),
    );
    return { exporter };
  }

  it('adds a feature_flag.evaluation event per evaluation to the active span', () => {
    const { exporter } = tracing();
    const flags = flagsClient();
    otelEvaluations(flags, { flags: ['inference_model', 'no_such_flag'] });
    // Outside a span: nothing to add to, and nothing breaks.
    expect(flags.get('inference_model', BETA)).toBe('sonnet');
    trace.getTracer('app').startActiveSpan('request', (span) => {
      flags.get('inference_model', BETA);
      flags.detail('inference_model', OTHERS);
      flags.get('system_prompt_version', BETA);
      flags.get('no_such_flag', BETA);
      span.end();
    });
    const [span, ...others] = exporter.getFinishedSpans();
    expect(others).toEqual([]);
    expect(span!.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'feature_flag.evaluation',
        {
          'feature_flag.key': 'inference_model',
          'feature_flag.provider.name': 'modelflags',
          'feature_flag.result.value': 'sonnet',
          'feature_flag.result.reason': 'targeting_match',
          'feature_flag.result.variant': 'sonnet',
        },
      ],
      [
        'feature_flag.evaluation',
        {
          'feature_flag.key': 'inference_model',
          'feature_flag.provider.name': 'modelflags',
          'feature_flag.result.value': 'haiku',
          'feature_flag.result.reason': 'default',
          'feature_flag.result.variant': 'haiku',
        },
      ],
      [
        'feature_flag.evaluation',
        {
          'feature_flag.key': 'no_such_flag',
          'feature_flag.provider.name': 'modelflags',
          'feature_flag.result.reason': 'error',
          'error.type': 'flag_not_found',
        },
      ],
    ]);
  });

  it('names the context only when asked, and stops at close()', () => {
    const { exporter } = tracing();
    const flags = flagsClient();
    const handle = otelEvaluations(flags, { contextId: true });
    trace.getTracer('app').startActiveSpan('request', (span) => {
      flags.get('inference_model', BETA);
      handle.close();
      flags.get('inference_model', BETA);
      span.end();
    });
    const events = exporter.getFinishedSpans()[0]!.events;
    expect(events).toHaveLength(1);
    expect(events[0]!.attributes?.['feature_flag.context.id']).toBe('user-1');
  });

  it('a span that throws never breaks get: one warning', () => {
    tracing();
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const flags = flagsClient();
    otelEvaluations(flags);
    // Only what the listener calls: a span whose exporter or processor throws when an event is added.
    const throwing = {
      isRecording: () => true,
      addEvent: () => {
        throw new Error('span ended');
      },
    } as unknown as Span;
    context.with(trace.setSpan(context.active(), throwing), () => {
      expect(flags.get('inference_model', BETA)).toBe('sonnet');
      expect(flags.get('inference_model', OTHERS)).toBe('haiku');
    });
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0]![0])).toContain('otelEvaluations: adding an evaluation event');
  });
});

describe('the built runtime', () => {
  it('loads @opentelemetry/api only when otelMetrics or otelEvaluations is called without a meter', async () => {
    const entry = pathToFileURL(join(repo, 'src/dist/index.js')).href;
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('/@opentelemetry/api/'));
      const m = await import(${JSON.stringify(entry)});
      if (typeof m.otelMetrics !== 'function') throw new Error('src/dist is stale: npm run build');
      console.log(loaded());
      const flags = m.createFlags({ source: m.staticSource({ flags: [] }) });
      const instrument = { addCallback() {}, removeCallback() {}, record() {} };
      m.otelMetrics(flags, { meter: { createObservableCounter: () => instrument, createHistogram: () => instrument } });
      console.log(loaded());
      m.otelMetrics(flags);
      console.log(loaded());
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repo,
    });
    expect(stdout).toBe('false\nfalse\ntrue\n');
  });
});
