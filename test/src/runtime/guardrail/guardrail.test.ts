import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlags, type Flags } from '../../../../src/runtime/flags.js';
import { createGuardrail, type GuardrailTrip } from '../../../../src/runtime/guardrail/guardrail.js';
import { setEnabledFalse } from '../../../../src/registry/edit.js';
import { fileSource } from '../../../../src/runtime/sources/file.js';
import { staticSource } from '../../../../src/runtime/sources/static.js';

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

/**
 * Sends `n` rounds of requests, each `ga` request from a general user and, every `betaEvery`
 * rounds, one from a beta user (served the variant), with the given error patterns.
 */
function traffic(
  flags: Flags,
  n: number,
  betaEvery: number,
  gaFails: (i: number) => boolean,
  betaFails: (i: number) => boolean,
): void {
  for (let i = 0; i < n; i++) {
    flags.track(flags.record({ targetingKey: `ga-${i}`, user_segment: 'ga' }), 'error', gaFails(i));
    if (i % betaEvery === 0)
      flags.track(flags.record({ targetingKey: `beta-${i}`, user_segment: 'beta' }), 'error', betaFails(i / betaEvery));
  }
}

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
    expect(() => createGuardrail({ flags, flag: 'inference_modle' })).toThrow(
      /flag "inference_modle" is not in the registry/,
    );
    expect(() => createGuardrail({ flags, flag: 'inference_model', control: 'opus' })).toThrow(
      /control "opus" is not a variant of inference_model \(haiku, sonnet\)/,
    );
  });

  it('kills a failing variant in memory, with the evidence, and writes enabled: false back', async () => {
    const flags = createFlags({ source: fileSource(file, { pollIntervalMs: 20 }) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
      writeBack: file,
    });
    const trips: GuardrailTrip[] = [];
    guardrail.on('trip', (t) => trips.push(t));
    // The variant fails every other request against 1% on the control: no sample floor, it is
    // rolled back as soon as the evidence is there, within tens of its requests.
    traffic(
      flags,
      1000,
      4,
      (i) => i % 100 === 0,
      (i) => i % 2 === 0,
    );
    expect(guardrail.state).toBe('tripped');
    expect(flags.get('inference_model', { targetingKey: 'b', user_segment: 'beta' })).toBe('haiku');

    expect(trips).toHaveLength(1);
    const trip = trips[0]!;
    expect(trip).toMatchObject({
      flag: 'inference_model',
      variant: 'sonnet',
      control: 'haiku',
      metric: 'error',
      action: 'kill',
      threshold: 20,
      wroteBack: file,
    });
    expect(trip.evidence.eValue).toBeGreaterThanOrEqual(20);
    expect(trip.evidence.component).toBe('rate');
    expect(trip.variantSummary.n).toBeLessThan(40);
    expect(trip.variantSummary.mean.estimate).toBeGreaterThan(0.3);
    expect(trip.reason).toMatch(
      /^guardrail: inference_model=sonnet error rate \d+\.\d\d% vs \d+\.\d\d% on haiku, worse by more than the 1\.00% allowed \(e-value \S+ >= 20\.0 after \d+ compared samples, n=\d+\/\d+\)$/,
    );

    // Only the enabled member was added; every other byte is as it was.
    const written = readFileSync(file, 'utf8');
    expect(written).toBe(
      REGISTRY_TEXT.replace('"flag": "inference_model",', '"flag": "inference_model",\n      "enabled": false,'),
    );
    flags.close();
    guardrail.close();
  });

  it('does not roll back a variant as good as the control, however long it watches', () => {
    const flags = createFlags({ source: staticSource(REGISTRY_TEXT) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
    });
    traffic(
      flags,
      20_000,
      4,
      (i) => i % 100 === 0,
      (i) => i % 100 === 0,
    );
    expect(guardrail.state).toBe('watching');
    expect(guardrail.eValues()['sonnet/error']).toBeLessThan(1);
    guardrail.close();
  });

  it('refuses a threshold that is not a margin', () => {
    const flags = createFlags({ source: staticSource(REGISTRY_TEXT) });
    expect(() =>
      createGuardrail({ flags, flag: 'inference_model', checks: [{ metric: 'error', threshold: -0.01 }] }),
    ).toThrow(/the threshold of check "error" must be a finite number >= 0 \(got -0\.01\)/);
  });

  it('watches again from empty windows once the file turns the flag off and on again', async () => {
    const flags = createFlags({ source: fileSource(file, { pollIntervalMs: 20 }) });
    const guardrail = createGuardrail({
      flags,
      flag: 'inference_model',
      action: 'kill',
      checks: [{ metric: 'error', threshold: 0.01 }],
    });
    traffic(
      flags,
      1000,
      4,
      () => false,
      (i) => i % 2 === 0,
    );
    expect(guardrail.state).toBe('tripped');
    expect(guardrail.eValues()['sonnet/error']).toBeGreaterThanOrEqual(20);
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
    expect(guardrail.eValues()).toEqual({});
    expect(flags.get('inference_model', { targetingKey: 'b', user_segment: 'beta' })).toBe('sonnet');
    flags.close();
    guardrail.close();
  });
});

describe('setEnabledFalse', () => {
  it('replaces an existing enabled value in place', () => {
    const text = '{"flags":[{"flag":"a","default":1},{"flag":"b", "enabled" :  true ,"default":2}]}';
    expect(setEnabledFalse(text, 'b')).toBe(
      '{"flags":[{"flag":"a","default":1},{"flag":"b", "enabled" :  false ,"default":2}]}',
    );
  });

  it('adds the member inline to a one-line flag object', () => {
    expect(setEnabledFalse('{ "flags": [ { "flag": "a", "default": 1 } ] }', 'a')).toBe(
      '{ "flags": [ { "flag": "a", "enabled": false, "default": 1 } ] }',
    );
  });

  it('names the file when the flag is gone', () => {
    expect(() => setEnabledFalse('{"flags":[]}', 'a', 'conf/flags.json')).toThrow(
      'conf/flags.json: no flag "a" to disable',
    );
  });
});
