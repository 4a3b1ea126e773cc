import rule from '../../rules/consistent-default.js';
import { ruleTester } from './support.js';

const of = `import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\n`;

ruleTester().run('consistent-default', rule, {
  valid: [
    {
      name: 'matching default',
      code: `${of}export const f = (c) => client.getStringValue('inference_model', 'claude-3-haiku', c);`,
    },
    {
      name: 'matching number default',
      code: `${of}export const f = (c) => client.getNumberValue('retrieval_top_k', 5, c);`,
    },
    {
      name: 'non-literal default',
      code: `${of}export const f = (c, d) => client.getStringValue('inference_model', d, c);`,
    },
    {
      name: 'fallback that is not a variant is left to no-unknown-variant',
      code: `${of}export const f = (c) => client.getStringValue('inference_model', 'gpt-4', c);`,
    },
    { name: 'unknown flag', code: `${of}export const f = (c) => client.getStringValue('nope', 'x', c);` },
  ],
  invalid: [
    {
      name: 'OpenFeature fallback differs',
      code: `${of}export const f = (c) => client.getStringValue('inference_model', 'claude-opus-4-6', c);`,
      errors: [
        {
          messageId: 'inconsistentDefault',
          data: { value: '"claude-opus-4-6"', expected: '"claude-3-haiku"', flag: 'inference_model' },
          suggestions: [
            {
              messageId: 'useRegistryDefault',
              data: { expected: '"claude-3-haiku"' },
              output: `${of}export const f = (c) => client.getStringValue('inference_model', 'claude-3-haiku', c);`,
            },
          ],
        },
      ],
    },
    {
      name: 'LaunchDarkly default in third position, GrowthBook in second',
      code: `import * as ld from '@launchdarkly/node-server-sdk';\nimport { GrowthBook } from '@growthbook/growthbook';\nconst client = ld.init('k');\nexport async function f(c) {\n  await client.variation('system_prompt_version', c, "v4");\n  return new GrowthBook({}).getFeatureValue('retrieval_top_k', 20);\n}`,
      errors: [
        {
          messageId: 'inconsistentDefault',
          line: 5,
          suggestions: [
            {
              messageId: 'useRegistryDefault',
              data: { expected: '"v3"' },
              output: `import * as ld from '@launchdarkly/node-server-sdk';\nimport { GrowthBook } from '@growthbook/growthbook';\nconst client = ld.init('k');\nexport async function f(c) {\n  await client.variation('system_prompt_version', c, "v3");\n  return new GrowthBook({}).getFeatureValue('retrieval_top_k', 20);\n}`,
            },
          ],
        },
        {
          messageId: 'inconsistentDefault',
          line: 6,
          suggestions: [
            {
              messageId: 'useRegistryDefault',
              data: { expected: '5' },
              output: `import * as ld from '@launchdarkly/node-server-sdk';\nimport { GrowthBook } from '@growthbook/growthbook';\nconst client = ld.init('k');\nexport async function f(c) {\n  await client.variation('system_prompt_version', c, "v4");\n  return new GrowthBook({}).getFeatureValue('retrieval_top_k', 5);\n}`,
            },
          ],
        },
      ],
    },
    {
      name: 'Vercel flag definition defaultValue',
      code: `import { flag } from 'flags/next';\nexport const m = flag({ key: 'inference_model', defaultValue: 'claude-sonnet-4-6', decide: () => 'claude-3-haiku' });`,
      errors: [
        {
          messageId: 'inconsistentDefault',
          suggestions: [
            {
              messageId: 'useRegistryDefault',
              data: { expected: '"claude-3-haiku"' },
              output: `import { flag } from 'flags/next';\nexport const m = flag({ key: 'inference_model', defaultValue: 'claude-3-haiku', decide: () => 'claude-3-haiku' });`,
            },
          ],
        },
      ],
    },
  ],
});
