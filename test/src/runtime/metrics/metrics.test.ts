import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFlags } from '../../../../src/runtime/flags.js';
import { createMetrics, SlidingWindow } from '../../../../src/runtime/metrics/store.js';
import { jsonlExporter } from '../../../../src/runtime/metrics/jsonl.js';
import {
  normalCdf,
  normalQuantile,
  quantileInterval,
  studentTCdf,
  studentTQuantile,
  wilsonInterval,
} from '../../../../src/runtime/metrics/statistics.js';
import { type TrackEvent } from '../../../../src/runtime/metrics/definitions.js';
import { staticSource } from '../../../../src/runtime/sources/static.js';
import { seededRandom } from '../../../support/random.js';

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

describe('distributions', () => {
  it('match published values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    // t tables: t(0.975, 10) = 2.228139, t(0.95, 3) = 2.353363
    expect(studentTCdf(2.228139, 10)).toBeCloseTo(0.975, 5);
    expect(studentTQuantile(0.95, 3)).toBeCloseTo(2.353363, 4);
  });

  it('gives the Wilson interval of 10 in 100 as [5.52%, 17.44%]', () => {
    const w = wilsonInterval(10, 100);
    expect(w.estimate).toBe(0.1);
    expect(w.low).toBeCloseTo(0.05523, 4);
    expect(w.high).toBeCloseTo(0.17437, 4);
  });

  it('brackets a percentile with order statistics that cover it', () => {
    const random = seededRandom(7);
    let covered = 0;
    for (let run = 0; run < 400; run++) {
      const xs = Float64Array.from({ length: 500 }, () => -Math.log(1 - random())).sort();
      const p95 = quantileInterval(xs, 0.95);
      // The true 95th percentile of Exp(1) is ln 20.
      if (p95.low <= Math.log(20) && Math.log(20) <= p95.high) covered++;
    }
    expect(covered / 400).toBeGreaterThan(0.92);
  });
});

describe('sliding windows', () => {
  it('keeps the last samples by count and by age', () => {
    const w = new SlidingWindow(3, 100);
    for (const [v, t] of [
      [1, 0],
      [2, 10],
      [3, 20],
      [4, 30],
    ] as const)
      w.push(v, t);
    expect([...w.samples()]).toEqual([2, 3, 4]);
    w.expire(115);
    expect([...w.samples()]).toEqual([3, 4]);
    expect(w.total).toBe(4);
  });
});

describe('flags.track and evaluation records', () => {
  const make = (clock = () => 1000) => createFlags({ source: staticSource(REGISTRY), clock });

  it('attributes outcomes to the variants a request was served, even after a kill', () => {
    const flags = make();
    const events: TrackEvent[] = [];
    flags.on('track', (e) => events.push(e));
    const served = flags.record({ targetingKey: 'u1', user_segment: 'beta' });
    expect(served.variants).toEqual({ inference_model: 'sonnet', system_prompt_version: 'v4' });
    flags.kill('inference_model', 'test');
    flags.track(served, 'latency_ms', 812);
    flags.track(served, 'error', true);
    expect(events.map((e) => [e.metric, e.value, e.variants['inference_model']])).toEqual([
      ['latency_ms', 812, 'sonnet'],
      ['error', 1, 'sonnet'],
    ]);
    // A context (not a record) is evaluated again now, after the kill.
    flags.track({ targetingKey: 'u1', user_segment: 'beta' }, 'satisfaction', 4);
    expect(events[2]!.variants).toEqual({ inference_model: 'haiku', system_prompt_version: 'v4' });
    expect(events[2]!.at).toBe(1000);
  });

  it('records only the flags asked for, and tracks nothing without a listener', () => {
    const flags = make();
    expect(flags.record({ user_segment: 'beta' }, ['system_prompt_version']).variants).toEqual({
      system_prompt_version: 'v4',
    });
    const errors: string[] = [];
    flags.on('error', (e) => errors.push(e.message));
    flags.track({}, 'latency_ms', Number.NaN);
    expect(errors).toEqual([]);
    const events: TrackEvent[] = [];
    flags.on('track', (e) => events.push(e));
    flags.track({}, 'latency_ms', Number.NaN);
    expect(events).toEqual([]);
    expect(errors[0]).toMatch(/track\("latency_ms"\): the value must be a finite number or a boolean \(got NaN\)/);
  });

  it('feeds a metrics store that summarises each variant', () => {
    const flags = make();
    const metrics = createMetrics({ flags: ['inference_model'] });
    metrics.attach(flags);
    for (let i = 0; i < 100; i++) {
      const served = flags.record({ targetingKey: `u${i}`, user_segment: i % 2 ? 'beta' : 'ga' });
      flags.track(served, 'error', i % 10 === 1);
      flags.track(served, 'latency_ms', 100 + i);
    }
    expect(metrics.variants('inference_model')).toEqual(['haiku', 'sonnet']);
    expect(metrics.variants('system_prompt_version')).toEqual([]);
    const [haiku, sonnet] = metrics.summarize('inference_model');
    expect(haiku!.metrics.find((m) => m.metric === 'error')!.mean.estimate).toBe(0);
    const sonnetErrors = sonnet!.metrics.find((m) => m.metric === 'error')!;
    expect(sonnetErrors).toMatchObject({ kind: 'rate', n: 50, better: 'lower' });
    expect(sonnetErrors.mean.estimate).toBeCloseTo(0.2, 10);
    const latency = sonnet!.metrics.find((m) => m.metric === 'latency_ms')!;
    expect(latency.kind).toBe('value');
    expect(latency.p50!.estimate).toBe(150);
    expect(latency.mean.low).toBeLessThan(150);
  });
});

describe('jsonlExporter', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per outcome, with only the context attributes asked for', () => {
    dir = mkdtempSync(join(tmpdir(), 'modelflags-jsonl-'));
    const file = join(dir, 'metrics.jsonl');
    const flags = createFlags({ source: staticSource(REGISTRY), clock: () => 42 });
    const exporter = jsonlExporter(file, { contextAttributes: ['user_segment'] });
    exporter.attach(flags);
    const served = flags.record({ targetingKey: 'secret-user', user_segment: 'beta' });
    flags.track(served, 'tokens', 120);
    expect(readFileSync(file, 'utf8')).toBe('');
    exporter.close();
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      {
        at: 42,
        metric: 'tokens',
        value: 120,
        variants: { inference_model: 'sonnet', system_prompt_version: 'v4' },
        context: { user_segment: 'beta' },
      },
    ]);
  });
});
