import rule from '../../rules/no-unknown-variant.js';
import { ruleTester, TODAY } from './support.js';

const mf = `import { createFlags } from 'modelflags';\nconst flags = createFlags({ source });\n`;

ruleTester().run('no-unknown-variant', rule, {
  valid: [
    {
      name: 'declared variant compared',
      code: `${mf}export const f = (c) => flags.get('inference_model', c) === 'claude-opus-4-6';`,
    },
    {
      name: 'switch over declared variants',
      code: `${mf}export function f(c) { switch (flags.get('system_prompt_version', c)) { case 'v3': return 1; case 'v4': return 2; } }`,
    },
    {
      name: 'numbers for a number flag',
      code: `${mf}export function f(c) { const k = flags.get('retrieval_top_k', c); return k === 10 || k === 20; }`,
    },
    {
      name: 'comparison with a value that is not a literal',
      code: `${mf}export const f = (c, m) => flags.get('inference_model', c) === m;`,
    },
    {
      name: "an unknown flag is not this rule's report",
      code: `${mf}export const f = (c) => flags.get('nope', c) === 'x';`,
    },
  ],
  invalid: [
    {
      name: 'comparison through a const binding, with a suggestion',
      code: `${mf}export function f(c) { const model = flags.get('inference_model', c); return model === 'claude-opus-4-5'; }`,
      errors: [
        {
          messageId: 'unknownVariantDidYouMean',
          data: {
            value: '"claude-opus-4-5"',
            how: 'compared with',
            flag: 'inference_model',
            variants: '"claude-3-haiku", "claude-sonnet-4-6", "claude-opus-4-6"',
            suggestion: '"claude-opus-4-6"',
          },
          suggestions: [
            {
              messageId: 'replaceVariant',
              data: { suggestion: '"claude-opus-4-6"' },
              output: `${mf}export function f(c) { const model = flags.get('inference_model', c); return model === 'claude-opus-4-6'; }`,
            },
          ],
        },
      ],
    },
    {
      name: 'switch case, ?? fallback, includes and the SDK default',
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\nexport async function f(c) {\n  const v = await client.getStringValue('system_prompt_version', 'draft', c);\n  switch (v) { case 'legacy': break; }\n  const w = v ?? 'baseline';\n  return ['v3', 'experimental'].includes(v) ? w : null;\n}`,
      errors: [
        {
          messageId: 'unknownVariant',
          line: 4,
          data: { value: '"draft"', how: 'the fallback for', flag: 'system_prompt_version', variants: '"v3", "v4"' },
        },
        {
          messageId: 'unknownVariant',
          line: 5,
          data: {
            value: '"legacy"',
            how: 'a `case` of a switch on',
            flag: 'system_prompt_version',
            variants: '"v3", "v4"',
          },
        },
        {
          messageId: 'unknownVariant',
          line: 6,
          data: { value: '"baseline"', how: 'the fallback for', flag: 'system_prompt_version', variants: '"v3", "v4"' },
        },
        {
          messageId: 'unknownVariant',
          line: 7,
          data: {
            value: '"experimental"',
            how: 'compared with',
            flag: 'system_prompt_version',
            variants: '"v3", "v4"',
          },
        },
      ],
    },
    {
      name: 'a string where the flag serves numbers',
      code: `${mf}export const f = (c) => flags.get('retrieval_top_k', c) === '10';`,
      errors: [
        {
          messageId: 'unknownVariant',
          data: { value: '"10"', how: 'compared with', flag: 'retrieval_top_k', variants: '5, 10, 20' },
        },
      ],
    },
    {
      name: 'detail(...).value and a LaunchDarkly detail',
      code: `import * as ld from '@launchdarkly/node-server-sdk';\n${mf}const client = ld.init('k');\nexport async function f(c) {\n  if (flags.detail('inference_model', c).value === 'gpt-5') return 1;\n  return (await client.variationDetail('system_prompt_version', c, 'v3')).value !== 'legacy';\n}`,
      errors: [
        { messageId: 'unknownVariant', line: 6 },
        { messageId: 'unknownVariant', line: 7 },
      ],
    },
  ],
});

// Without "variants", a flag's variants are its default and what its rules serve, a rollout's variant included.
const inferred = JSON.stringify({
  flags: [
    {
      flag: 'canary_model',
      default: 'small',
      rules: [
        { condition: {}, rollout: { variant: 'large', start: '2026-05-01T09:00:00Z', steps: [{ percent: 100 }] } },
      ],
    },
  ],
});

ruleTester({ modelflags: { registryFile: '/project/flags.json', registryText: inferred, today: TODAY } }).run(
  'no-unknown-variant (rollouts)',
  rule,
  {
    valid: [{ code: `${mf}export const f = (c) => flags.get('canary_model', c) === 'large';` }],
    invalid: [
      {
        code: `${mf}export const f = (c) => flags.get('canary_model', c) === 'larger';`,
        errors: [
          {
            messageId: 'unknownVariantDidYouMean',
            data: {
              value: '"larger"',
              how: 'compared with',
              flag: 'canary_model',
              variants: '"small", "large"',
              suggestion: '"large"',
            },
            suggestions: [
              {
                messageId: 'replaceVariant',
                data: { suggestion: '"large"' },
                output: `${mf}export const f = (c) => flags.get('canary_model', c) === 'large';`,
              },
            ],
          },
        ],
      },
    ],
  },
);
