import rule from '../../rules/require-context.js';
import { ruleTester, TODAY } from './support.js';

const mf = `import { createFlags } from 'modelflags';\nconst flags = createFlags({ source });\n`;

ruleTester().run('require-context', rule, {
  valid: [
    {
      name: 'context passed',
      code: `${mf}export const f = (req) => flags.get('inference_model', { targetingKey: req.user.id });`,
    },
    { name: 'untargeted flag without context', code: `${mf}export const f = () => flags.get('retrieval_top_k');` },
    {
      name: 'browser SDK without a context argument',
      code: `import { OpenFeature } from '@openfeature/web-sdk';\nexport const f = () => OpenFeature.getClient().getStringValue('inference_model', 'claude-3-haiku');`,
    },
    {
      name: 'GrowthBook instance carries attributes',
      code: `import { GrowthBook } from '@growthbook/growthbook';\nexport const f = (a) => new GrowthBook({ attributes: a }).getFeatureValue('inference_model', 'claude-3-haiku');`,
    },
    {
      name: 'OpenFeature transaction context set in this file',
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\nexport const f = (req) => OpenFeature.runWithTransactionContext({ targetingKey: req.id }, () => client.getStringValue('inference_model', 'claude-3-haiku'));`,
    },
  ],
  invalid: [
    {
      name: 'runtime read without context',
      code: `${mf}export const f = () => flags.get('inference_model');`,
      errors: [
        {
          messageId: 'missingContext',
          data: {
            flag: 'inference_model',
            targeting: '3 rules on customer_id, user_segment, targetingKey',
            default: '"claude-3-haiku"',
            attributes: 'customer_id: …, user_segment: …, targetingKey: …',
          },
        },
      ],
    },
    {
      name: 'empty object context with OpenFeature',
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nexport const f = () => OpenFeature.getClient().getStringValue('system_prompt_version', 'v3', {});`,
      errors: [
        {
          messageId: 'emptyContext',
          data: {
            flag: 'system_prompt_version',
            targeting: '1 rule on user_segment, targetingKey',
            default: '"v3"',
            attributes: '"user_segment", "targetingKey"',
          },
        },
      ],
    },
    {
      name: 'PostHog node without distinct id, Unleash without context',
      code: `import { PostHog } from 'posthog-node';\nimport { initialize } from 'unleash-client';\nconst ph = new PostHog('k');\nconst u = initialize({});\nexport async function f() { await ph.getFeatureFlag('inference_model'); return u.getVariant('system_prompt_version'); }`,
      errors: [{ messageId: 'missingContext' }, { messageId: 'missingContext' }],
    },
  ],
});

const rolloutRegistry = JSON.stringify({
  flags: [
    {
      flag: 'canary_model',
      bucket_by: 'org_id',
      default: 'small',
      variants: ['small', 'large'],
      rules: [
        {
          condition: { plan: 'pro' },
          rollout: { variant: 'large', start: '2026-05-01T09:00:00Z', linear: { percent: 25, every: '1d' } },
        },
      ],
    },
  ],
});

ruleTester({
  modelflags: { registryFile: '/project/flags.json', registryText: rolloutRegistry, today: TODAY },
}).run('require-context (rollouts)', rule, {
  valid: [{ code: `${mf}export const f = (req) => flags.get('canary_model', { org_id: req.org, plan: req.plan });` }],
  invalid: [
    {
      name: "a rollout rule needs its condition's attributes and the bucketing attribute, as a percentage rule",
      code: `${mf}export const f = () => flags.get('canary_model');`,
      errors: [
        {
          messageId: 'missingContext',
          data: {
            flag: 'canary_model',
            targeting: '1 rule on plan, org_id',
            default: '"small"',
            attributes: 'plan: …, org_id: …',
          },
        },
      ],
    },
  ],
});
