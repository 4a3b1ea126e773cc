/**
 * What `otelMetrics` adds to `flags.track`, and `otelEvaluations` to `flags.get`, with the real
 * OpenTelemetry SDK.
 *
 *   npx tsx bench/otel/run.ts [--samples 300000] [--rounds 5]
 *
 * Each track() is one outcome of a request served two flags (so two series are recorded), drawn
 * as a service tracks them: `error` (a rate), `latency_ms` and `tokens` (values). The clients
 * compared differ only in what listens to `track`: nothing (track returns at once), a no-op
 * listener (what emitting costs), the in-process metrics store (the guardrail's windows), and
 * otelMetrics on a MeterProvider read by the Prometheus exporter (not started: a scrape's cost
 * is per series, not per sample), also timed on its rate samples (counted in otelMetrics' own
 * totals, which the SDK reads when it collects) and its value samples (a histogram record in the
 * SDK) apart. Operations run interleaved, 10,000 samples at a time, so a
 * shared machine's slow spells fall on all of them alike; the figure is the median over rounds.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  createFlags,
  createMetrics,
  otelEvaluations,
  otelMetrics,
  staticSource,
  type EvaluationRecord,
  type Flags,
} from '../../src/index.js';
import { seededRandom } from '../../test/support/random.js';

const { values: args } = parseArgs({
  options: { samples: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '5' } },
});
const SAMPLES = Number(args.samples);
const ROUNDS = Number(args.rounds);
const CHUNK = 10_000;

const REGISTRY = {
  flags: [
    {
      flag: 'inference_model',
      variants: ['claude-3-haiku', 'claude-sonnet-4-6'],
      default: 'claude-3-haiku',
      rules: [{ condition: { rollout_percentage: 10 }, value: 'claude-sonnet-4-6' }],
    },
    {
      flag: 'system_prompt_version',
      variants: ['v3', 'v4'],
      default: 'v3',
      rules: [{ condition: { rollout_percentage: 50 }, value: 'v4' }],
    },
  ],
};

const client = (): Flags => createFlags({ source: staticSource(REGISTRY) });

// The prometheus exporter as a fleet runs it, its server not started: only recording is timed.
const exporter = new PrometheusExporter({ preventServerStart: true });
const provider = new MeterProvider({ readers: [exporter] });

const clients: Record<string, Flags> = {
  'no listener': client(),
  'no-op listener': client(),
  'metrics store': client(),
  otelMetrics: client(),
};
clients['no-op listener']!.on('track', () => undefined);
createMetrics().attach(clients['metrics store']!);
otelMetrics(clients['otelMetrics']!, { meter: provider.getMeter('modelflags') });

// Every client serves the same requests: records and outcomes drawn once, before timing.
const rnd = seededRandom(15);
const contexts = Array.from({ length: 1000 }, (_, i) => ({ targetingKey: `user-${i}` }));
const records = Object.fromEntries(
  Object.entries(clients).map(([name, flags]) => [name, contexts.map((c) => flags.record(c))]),
) as Record<string, EvaluationRecord[]>;
const which = Int32Array.from({ length: SAMPLES }, () => Math.floor(rnd() * contexts.length));
const metricOf = Array.from({ length: SAMPLES }, (_, i) => (['error', 'latency_ms', 'tokens'] as const)[i % 3]!);
const valueOf = Float64Array.from({ length: SAMPLES }, (_, i) =>
  i % 3 === 0 ? (rnd() < 0.02 ? 1 : 0) : i % 3 === 1 ? Math.round(200 + rnd() * 2000) : Math.round(rnd() * 4000),
);

/** Times the client's track() over samples [from, to) of the given kinds; returns ns and calls. */
function timeTrack(name: string, from: number, to: number, kinds: 'all' | 'rate' | 'value'): [number, number] {
  const flags = clients[name]!;
  const recs = records[name]!;
  let calls = 0;
  const start = process.hrtime.bigint();
  for (let i = from; i < to; i++) {
    // Every third sample is the rate metric (error).
    if (kinds !== 'all' && (i % 3 === 0) !== (kinds === 'rate')) continue;
    flags.track(recs[which[i]!]!, metricOf[i]!, valueOf[i]!);
    calls++;
  }
  return [Number(process.hrtime.bigint() - start), calls];
}

// Evaluations: get() inside an active span, with and without otelEvaluations attached.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
const plainGet = client();
const tracedGet = client();
otelEvaluations(tracedGet);
const getters: Record<string, Flags> = { 'get in a span': plainGet, 'get in a span + otelEvaluations': tracedGet };

function timeGet(name: string, from: number, to: number): [number, number] {
  const flags = getters[name]!;
  // One span per 100 gets: a span holding 10,000 events would measure the span's event list.
  let elapsed = 0;
  for (let s = from; s < to; s += 100) {
    trace.getTracer('bench').startActiveSpan('request', (span) => {
      const start = process.hrtime.bigint();
      for (let i = s; i < Math.min(s + 100, to); i++) flags.get('inference_model', contexts[which[i]!]);
      elapsed += Number(process.hrtime.bigint() - start);
      span.end();
    });
    spans.reset();
  }
  return [elapsed, to - from];
}

const ops: [string, (from: number, to: number) => [number, number]][] = [
  ...Object.keys(clients).map((n): [string, (from: number, to: number) => [number, number]] => [
    `track: ${n}`,
    (from, to) => timeTrack(n, from, to, 'all'),
  ]),
  ['track: otelMetrics, rate samples only', (from, to) => timeTrack('otelMetrics', from, to, 'rate')],
  ['track: otelMetrics, value samples only', (from, to) => timeTrack('otelMetrics', from, to, 'value')],
  ...Object.keys(getters).map((n): [string, (from: number, to: number) => [number, number]] => [
    n,
    (from, to) => timeGet(n, from, to),
  ]),
];
const perRound: Record<string, number[]> = Object.fromEntries(ops.map(([n]) => [n, []]));
for (let round = 0; round <= ROUNDS; round++) {
  const total: Record<string, [number, number]> = Object.fromEntries(ops.map(([n]) => [n, [0, 0]]));
  for (let from = 0; from < SAMPLES; from += CHUNK)
    for (const [name, time] of ops) {
      const [ns, calls] = time(from, Math.min(from + CHUNK, SAMPLES));
      total[name]![0] += ns;
      total[name]![1] += calls;
    }
  // Round 0 warms every path up (the SDK creates its series on first sight) and is not counted.
  if (round > 0) for (const [name] of ops) perRound[name]!.push(total[name]![0] / total[name]![1]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `${SAMPLES} samples x ${ROUNDS} rounds, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at the end`,
);
console.log(`${'operation'.padEnd(42)}ns per call (median)  rounds`);
for (const [name] of ops)
  console.log(
    `${name.padEnd(42)}${median(perRound[name]!).toFixed(0).padStart(20)}  ${perRound[name]!.map((x) => x.toFixed(0)).join(' ')}`,
  );
const { resourceMetrics } = await exporter.collect();
const series = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).reduce((n, m) => n + m.dataPoints.length, 0);
console.log(`otelMetrics series held by the SDK: ${series}`);
await provider.shutdown();
for (const flags of [...Object.values(clients), plainGet, tracedGet]) flags.close();
