import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlags, type Flags } from '../../src/flags.js';
import { createGuardrail, lookLevel, setEnabledFalse, type GuardrailTrip } from '../../src/guardrail.js';
import { fileSource, staticSource } from '../../src/sources.js';

const REGISTRY_TEXT = `{
  "flags": [
    {
      "flag": "inference_model",
      "owner": "ml-platform",
      "variants": ["haiku", "sonnet"],
      "default": "haiku",
      "rules": [ { "condition": { "user_segment": "beta" }, "value": "sonnet" } ]
    },
    { "flag": "retrieval_top_k", "default": 4, "enabled": true, "variants": [4, 8] }
  ]
}
`;

/** Sends `n` requests from one segment with the given error pattern. */
function traffic(flags: Flags, n: number, segment: 'beta' | 'ga', failing: (i: number) => boolean): void {
  for (let i = 0; i < n; i++) {
    const served = flags.record({ targetingKey: `${segment}-${i}`, user_segment: segment });
    flags.track(served, 'error', failing(i));
  }
}

describe('lookLevel', () => {
  it('spends at most alpha over any number of looks', () => {
    let spent = 0;
    for (let k = 1; k <= 1_000_000; k++) spent += lookLevel(0.05, 4, k) * 4;
    expect(spent).toBeLessThan(0.05);
    expect(spent).toBeGreaterThan(0.0499);
  });
});

describe('createGuardrail', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelflags-guardrail-'));
    file = join(dir, 'flags.json');
    writeFileSync(file, REGISTRY_TEXT);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a flag or control that is not in the registry, saying what exists', () => {
    const flags = createFlags({ source: staticSource(REGISTRY_TEXT) });
    expect(() => createGuardrail({ flags, flag: 'inference_modle' })).toThrow(/flag "inference_modle" is not in the registry/);
    expect(() => createGuardrail({ flags, flag: 'inference_model', control: 'opus' })).toThrow(/control "opus" is not a variant of inference_model \(haiku, sonnet\)/);
  });

  it('kills a failing variant in memory, with the evidence, and writes enabled: false back', async () => {
    const flags = createFlags({ source: fileSource(file, { pollIntervalMs: 20 }) });
    const guardrail = createGuardrail({ flags, flag: 'inference_model', checks: [{ metric: 'error', threshold: 0.01 }], writeBack: file });
    const trips: GuardrailTrip[] = [];
    guardrail.on('trip', (t) => trips.push(t));
    traffic(flags, 400, 'ga', (i) => i % 100 === 0);
    traffic(flags, 199, 'beta', (i) => i % 5 === 0);
    expect(guardrail.state).toBe('watching'); // not before the minimum sample size
    traffic(flags, 1, 'beta', () => true);
    expect(guardrail.state).toBe('tripped');
    expect(flags.get('inference_model', { targetingKey: 'b', user_segment: 'beta' })).toBe('haiku');

    expect(trips).toHaveLength(1);
    const trip = trips[0]!;
    expect(trip).toMatchObject({ flag: 'inference_model', variant: 'sonnet', control: 'haiku', metric: 'error', look: 1, wroteBack: file });
    expect(trip.variantSummary.n).toBe(200);
    expect(trip.controlSummary.n).toBe(400);
    expect(trip.variantSummary.mean.estimate).toBeCloseTo(0.205, 10);
    expect(trip.result.test).toBe('two-proportion');
    expect(trip.reason).toMatch(/^guardrail: inference_model=sonnet error rate 20\.50% vs 1\.00% on haiku, worse by more than the 1\.00% allowed \(two-proportion \d+\.\d+, p=.* < .*, n=200\/400\)$/);

    // Only the enabled member was added; every other byte is as it was.
    const written = readFileSync(file, 'utf8');
    expect(written).toBe(REGISTRY_TEXT.replace('"flag": "inference_model",', '"flag": "inference_model",\n      "enabled": false,'));
    flags.close();
    guardrail.close();
  });

  it('watches again from empty windows once the file turns the flag off and on again', async () => {
    const flags = createFlags({ source: fileSource(file, { pollIntervalMs: 20 }) });
    const guardrail = createGuardrail({ flags, flag: 'inference_model', checks: [{ metric: 'error', threshold: 0.01 }] });
    traffic(flags, 400, 'ga', () => false);
    traffic(flags, 200, 'beta', (i) => i % 2 === 0);
    expect(guardrail.state).toBe('tripped');
    expect(guardrail.looks()).toEqual({ 'sonnet/error': 1 });
    const reload = (text: string): Promise<void> => {
      const reloaded = new Promise<void>((resolve) => {
        const off = flags.on('change', (e) => {
          if (e.origin !== file) return;
          off();
          resolve();
        });
      });
      writeFileSync(file, text);
      return reloaded;
    };
    // Someone sets the kill switch in the file, fixes the model, then turns the flag back on.
    await reload(REGISTRY_TEXT.replace('"flag": "inference_model",', '"flag": "inference_model", "enabled": false,'));
    expect(guardrail.state).toBe('tripped');
    await reload(REGISTRY_TEXT.replace('"flag": "inference_model",', '"flag": "inference_model", "enabled": true,'));
    expect(guardrail.state).toBe('watching');
    expect(guardrail.looks()).toEqual({});
    expect(flags.get('inference_model', { targetingKey: 'b', user_segment: 'beta' })).toBe('sonnet');
    flags.close();
    guardrail.close();
  });
});

describe('setEnabledFalse', () => {
  it('replaces an existing enabled value in place', () => {
    const text = '{"flags":[{"flag":"a","default":1},{"flag":"b", "enabled" :  true ,"default":2}]}';
    expect(setEnabledFalse(text, 'b')).toBe('{"flags":[{"flag":"a","default":1},{"flag":"b", "enabled" :  false ,"default":2}]}');
  });

  it('adds the member inline to a one-line flag object', () => {
    expect(setEnabledFalse('{ "flags": [ { "flag": "a", "default": 1 } ] }', 'a')).toBe('{ "flags": [ { "flag": "a", "enabled": false, "default": 1 } ] }');
  });

  it('names the file when the flag is gone', () => {
    expect(() => setEnabledFalse('{"flags":[]}', 'a', 'conf/flags.json')).toThrow('conf/flags.json: no flag "a" to disable');
  });
});
