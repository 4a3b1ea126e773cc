import { describe, expect, it } from 'vitest';
import { reads, summary } from '../reads.js';

describe('LaunchDarkly', () => {
  it('recognises server variations with context and default positions', () => {
    const code = `
      import * as ld from '@launchdarkly/node-server-sdk';
      const client = ld.init(process.env.LD_KEY);
      export async function f(context) {
        const a = await client.variation('inference_model', context, 'claude-3-haiku');
        const b = await client.stringVariation('system_prompt_version', context, 'v3');
        const c = (await client.variationDetail('retrieval_top_k', context, 5)).value;
      }`;
    expect(summary(code).map((r) => [r.method, r.key, r.context, r.default, r.valueKind])).toEqual([
      ['variation', 'inference_model', 'context', "'claude-3-haiku'", 'value'],
      ['stringVariation', 'system_prompt_version', 'context', "'v3'", 'value'],
      ['variationDetail', 'retrieval_top_k', 'context', '5', 'details'],
    ]);
  });

  it('recognises AI Configs as bundles', () => {
    const code = `
      import { init } from '@launchdarkly/node-server-sdk';
      import { initAi } from '@launchdarkly/server-sdk-ai';
      const ai = initAi(init('key'));
      export async function f(ctx) { return ai.completionConfig('chat_config', ctx, { enabled: false }); }`;
    expect(summary(code).map((r) => [r.method, r.key, r.valueKind])).toEqual([
      ['completionConfig', 'chat_config', 'bundle'],
    ]);
  });

  it('reads useFlags() members by their camelCased registry key', () => {
    const code = `
      import { useFlags } from 'launchdarkly-react-client-sdk';
      export function A() { const { inferenceModel, other = 'x' } = useFlags(); return inferenceModel + other; }
      export function B() { return useFlags().systemPromptVersion; }
      export function C() { const flags = useFlags(); return flags.retrievalTopK; }`;
    const found = reads(code, 'a.jsx');
    expect(found.map((r) => [r.key, r.keyKind, r.valueBinding?.name])).toEqual([
      ['inference_model', 'literal', 'inferenceModel'],
      ['other', 'literal', 'other'],
      ['system_prompt_version', 'literal', undefined],
      ['retrieval_top_k', 'literal', undefined],
    ]);
  });

  it('takes a re-exported client imported from a local module as a read only with a registry key', () => {
    const code = `
      import { ldClient } from './ld.js';
      import * as ld from 'launchdarkly-node-server-sdk';
      export const f = (ctx) => ldClient.variation('inference_model', ctx, 'a');
      export const g = (ctx) => ldClient.boolVariation('some_other_flag', ctx, false);
      export const h = (ctx) => ldClient.variation('not_a_flag', ctx, false);`;
    expect(summary(code).map((r) => r.key)).toEqual(['inference_model', 'some_other_flag', 'not_a_flag']);
  });
});
