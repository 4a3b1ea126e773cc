/** Shared set-up for the rule tests: RuleTester wired to vitest and a registry fixture. */
import { RuleTester } from '@typescript-eslint/rule-tester';
import { afterAll, describe, it } from 'vitest';
import type { ModelflagsSettings } from '../../rules/support.js';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.describeSkip = describe.skip;
RuleTester.it = it;
RuleTester.itOnly = it.only;
RuleTester.itSkip = it.skip;

export const TODAY = '2026-06-01';

const REGISTRY = {
  flags: [
    {
      flag: 'inference_model',
      description: 'LLM that answers chat requests',
      dimension: 'model',
      owner: 'ml-platform',
      cleanup_by: '2026-09-30',
      variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
      default: 'claude-3-haiku',
      rules: [
        { condition: { customer_id: ['acme', 'globex'] }, value: 'claude-3-haiku' },
        { condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' },
        { condition: { rollout_percentage: 10 }, value: 'claude-sonnet-4-6' },
      ],
    },
    {
      flag: 'system_prompt_version',
      dimension: 'prompt',
      owner: 'ml-platform',
      cleanup_by: '2026-08-15',
      variants: ['v3', 'v4'],
      default: 'v3',
      rules: [{ condition: { user_segment: 'beta' }, split: { v3: 50, v4: 50 } }],
    },
    { flag: 'retrieval_top_k', dimension: 'retrieval', cleanup_by: '2026-07-01', variants: [5, 10, 20], default: 5 },
    {
      flag: 'legacy_model',
      dimension: 'model',
      cleanup_by: '2026-05-01',
      variants: ['gpt-4o', 'claude-sonnet-4-6'],
      default: 'gpt-4o',
      rules: [{ condition: {}, value: 'claude-sonnet-4-6' }],
    },
    { flag: 'expiring_prompt', dimension: 'prompt', cleanup_by: '2026-06-10', variants: ['a', 'b'], default: 'a' },
    { flag: 'bundled_config', dimension: 'model', cleanup_by: '2026-09-01', default: 'small' },
  ],
};

const REGISTRY_TEXT = JSON.stringify(REGISTRY, null, 2);

export const SETTINGS: { modelflags: ModelflagsSettings } = {
  modelflags: { registryFile: '/project/flags.json', registryText: REGISTRY_TEXT, today: TODAY },
};

export function ruleTester(settings: { modelflags: ModelflagsSettings } = SETTINGS): RuleTester {
  return new RuleTester({ settings: settings as unknown as Record<string, unknown> });
}

export const NO_REGISTRY: { modelflags: ModelflagsSettings } = { modelflags: {} };
