import { describe, expect, it } from 'vitest';
import { summary } from '../reads.js';

describe('GrowthBook', () => {
  it('recognises GrowthBook instances and the multi-user client', () => {
    const code = `
      import { GrowthBook, GrowthBookClient } from '@growthbook/growthbook';
      const client = new GrowthBookClient({});
      export function f(attributes, user) {
        const gb = new GrowthBook({ attributes });
        gb.getFeatureValue('inference_model', 'claude-3-haiku');
        gb.isOn('new_prompt');
        client.getFeatureValue('inference_model', 'claude-3-haiku', user);
        gb.evalFeature('retrieval_top_k').value;
      }`;
    expect(summary(code).map((r) => [r.method, r.key, r.default, r.context, r.valueKind, r.value])).toEqual([
      [
        'getFeatureValue',
        'inference_model',
        "'claude-3-haiku'",
        undefined,
        'value',
        "gb.getFeatureValue('inference_model', 'claude-3-haiku')",
      ],
      ['isOn', 'new_prompt', undefined, undefined, 'enabled', "gb.isOn('new_prompt')"],
      [
        'getFeatureValue',
        'inference_model',
        "'claude-3-haiku'",
        'user',
        'value',
        "client.getFeatureValue('inference_model', 'claude-3-haiku', user)",
      ],
      ['evalFeature', 'retrieval_top_k', undefined, undefined, 'details', "gb.evalFeature('retrieval_top_k').value"],
    ]);
  });
});
