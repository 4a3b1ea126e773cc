import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus, type EventDetails } from '@openfeature/server-sdk';
import { ModelFlagsProvider } from '../../../src/runtime/openfeature.js';
import { createFlags } from '../../../src/runtime/flags.js';
import type { TrackEvent } from '../../../src/runtime/metrics/definitions.js';
import { fileSource } from '../../../src/runtime/sources/file.js';
import { staticSource } from '../../../src/runtime/sources/static.js';
import { type FlagSource } from '../../../src/runtime/sources/source.js';

const registry = {
  flags: [
    {
      flag: 'inference_model',
      dimension: 'model',
      owner: 'ml-platform',
      cleanup_by: '2027-03-31',
      variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
      default: 'claude-3-haiku',
      rules: [
        { condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' },
        { condition: { rollout_percentage: 10 }, value: 'claude-sonnet-4-6' },
      ],
    },
    {
      flag: 'system_prompt_version',
      dimension: 'prompt',
      default: 'v3',
      rules: [{ condition: {}, split: { v3: 50, v4: 50 } }],
    },
    { flag: 'retrieval_top_k', dimension: 'retrieval', default: 5, variants: [5, 10] },
    { flag: 'streaming', dimension: 'other', default: false, variants: [true, false], enabled: false },
  ],
};

const scratch = mkdtempSync(join(tmpdir(), 'modelflags-of-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(async () => {
  await OpenFeature.close();
});

function writeAtomic(path: string, document: object): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(document));
  renameSync(`${path}.tmp`, path);
}

function nextEvent(event: ProviderEvents): Promise<EventDetails> {
  return new Promise((resolve) => {
    const handler = (details?: EventDetails) => {
      OpenFeature.removeHandler(event, handler);
      resolve(details!);
    };
    OpenFeature.addHandler(event, handler);
  });
}

describe('ModelFlagsProvider through the OpenFeature server SDK', () => {
  it('resolves values with variant, reason and flag metadata', async () => {
    await OpenFeature.setProviderAndWait(new ModelFlagsProvider({ source: staticSource(registry) }));
    const client = OpenFeature.getClient();

    const internal = await client.getStringDetails('inference_model', 'fallback', {
      targetingKey: 'u1',
      user_segment: 'internal',
    });
    expect(internal).toMatchObject({
      flagKey: 'inference_model',
      value: 'claude-opus-4-6',
      variant: 'claude-opus-4-6',
      reason: 'TARGETING_MATCH',
      flagMetadata: { dimension: 'model', owner: 'ml-platform', cleanup_by: '2027-03-31', rule_index: 0 },
    });
    expect(internal.errorCode).toBeUndefined();

    // Without a targeting key no percentage rule matches, so the default is served.
    const anonymous = await client.getStringDetails('inference_model', 'fallback', {});
    expect(anonymous).toMatchObject({ value: 'claude-3-haiku', reason: 'DEFAULT' });

    const split = await client.getStringDetails('system_prompt_version', 'v0', { targetingKey: 'user-42' });
    expect(split.reason).toBe('SPLIT');
    expect(['v3', 'v4']).toContain(split.value);

    expect(await client.getNumberDetails('retrieval_top_k', 1)).toMatchObject({
      value: 5,
      variant: '5',
      reason: 'STATIC',
    });
    expect(await client.getBooleanDetails('streaming', true)).toMatchObject({ value: false, reason: 'DISABLED' });
  });

  it('serves the same value as the evaluator for every context', async () => {
    const flags = createFlags({ source: staticSource(registry) });
    await OpenFeature.setProviderAndWait(new ModelFlagsProvider({ flags }));
    const client = OpenFeature.getClient();
    for (let i = 0; i < 200; i++) {
      const context = { targetingKey: `user-${i}`, user_segment: i % 7 === 0 ? 'internal' : 'external' };
      expect(await client.getStringValue('inference_model', 'fallback', context)).toBe(
        flags.get('inference_model', context),
      );
      expect(await client.getStringValue('system_prompt_version', 'v0', context)).toBe(
        flags.get('system_prompt_version', context),
      );
    }
  });

  it('reports TYPE_MISMATCH, FLAG_NOT_FOUND and the caller default on errors', async () => {
    await OpenFeature.setProviderAndWait(new ModelFlagsProvider({ source: staticSource(registry) }));
    const client = OpenFeature.getClient();

    const mismatch = await client.getBooleanDetails('inference_model', true, { targetingKey: 'u1' });
    expect(mismatch).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(mismatch.errorMessage).toMatch(/serves string values.*getStringValue/);

    const numberAsString = await client.getStringDetails('retrieval_top_k', 'x');
    expect(numberAsString).toMatchObject({ value: 'x', errorCode: ErrorCode.TYPE_MISMATCH });

    const object = await client.getObjectDetails('inference_model', { model: 'x' });
    expect(object).toMatchObject({ value: { model: 'x' }, errorCode: ErrorCode.TYPE_MISMATCH });

    const missing = await client.getStringDetails('inference_modle', 'fallback');
    expect(missing).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(missing.errorMessage).toMatch(/not in the registry/);
  });

  it('emits PROVIDER_CONFIGURATION_CHANGED with flagsChanged on reload, and stays on the last good registry when a reload is invalid', async () => {
    const path = join(scratch, 'reload.json');
    writeAtomic(path, registry);
    await OpenFeature.setProviderAndWait(new ModelFlagsProvider({ source: fileSource(path, { pollIntervalMs: 20 }) }));
    const client = OpenFeature.getClient();
    expect(await client.getNumberValue('retrieval_top_k', 1)).toBe(5);

    const changed = nextEvent(ProviderEvents.ConfigurationChanged);
    const edited = structuredClone(registry);
    edited.flags[2]!.default = 10;
    writeAtomic(path, edited);
    expect((await changed).flagsChanged).toEqual(['retrieval_top_k']);
    expect(await client.getNumberValue('retrieval_top_k', 1)).toBe(10);

    const stale = nextEvent(ProviderEvents.Stale);
    writeFileSync(path, '{ "flags": [ { "flag": "retrieval_top_k" ');
    expect((await stale).message).toMatch(/rejected .*reload\.json.*last good/s);
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getNumberDetails('retrieval_top_k', 1)).toMatchObject({ value: 10, reason: 'STATIC' });

    const ready = nextEvent(ProviderEvents.Ready);
    const recovered = nextEvent(ProviderEvents.ConfigurationChanged);
    writeAtomic(path, registry);
    await ready;
    expect((await recovered).flagsChanged).toEqual(['retrieval_top_k']);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getNumberValue('retrieval_top_k', 1)).toBe(5);
  });

  it('emits PROVIDER_CONFIGURATION_CHANGED when a flag is killed in memory', async () => {
    const flags = createFlags({ source: staticSource(registry) });
    await OpenFeature.setProviderAndWait(new ModelFlagsProvider({ flags }));
    const client = OpenFeature.getClient();
    const changed = nextEvent(ProviderEvents.ConfigurationChanged);
    flags.kill('inference_model', 'guardrail');
    expect((await changed).flagsChanged).toEqual(['inference_model']);
    expect(await client.getStringDetails('inference_model', 'x', { user_segment: 'internal' })).toMatchObject({
      value: 'claude-3-haiku',
      reason: 'DISABLED',
    });
  });

  it('fails initialisation, then becomes ready, when the first document arrives late', async () => {
    let deliver: ((text: string) => void) | undefined;
    const late: FlagSource = {
      description: 'late source',
      read: () => Promise.reject(new Error('connection refused')),
      watch(sink) {
        deliver = (text) => sink.document({ text, origin: 'late source' });
        return () => undefined;
      },
    };
    const provider = new ModelFlagsProvider({ source: late });
    await expect(OpenFeature.setProviderAndWait(provider)).rejects.toThrow(/no registry could be loaded/);
    const client = OpenFeature.getClient();
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);

    const ready = nextEvent(ProviderEvents.Ready);
    deliver!(JSON.stringify(registry));
    await ready;
    expect(await client.getNumberValue('retrieval_top_k', 1)).toBe(5);
  });

  it('records track() events through the flags client metrics, against the variants the context is served', async () => {
    const flags = createFlags({ source: staticSource(registry) });
    const tracked: TrackEvent[] = [];
    flags.on('track', (event) => tracked.push(event));
    await OpenFeature.setProviderAndWait(new ModelFlagsProvider({ flags }));
    const client = OpenFeature.getClient();
    client.track('latency_ms', { targetingKey: 'u1', user_segment: 'internal' }, { value: 412 });
    client.track('task_completed', { targetingKey: 'u2' });
    expect(
      tracked.map(({ metric, value, variants }) => ({ metric, value, model: variants['inference_model'] })),
    ).toEqual([
      { metric: 'latency_ms', value: 412, model: 'claude-opus-4-6' },
      { metric: 'task_completed', value: 1, model: flags.get('inference_model', { targetingKey: 'u2' }) },
    ]);
  });
});
