import rule from '../../rules/no-unknown-flag.js';
import { NO_REGISTRY, ruleTester } from './support.js';

const mf = `import { createFlags } from 'modelflags';\nconst flags = createFlags({ source });\n`;

ruleTester().run('no-unknown-flag', rule, {
  valid: [
    { name: 'registry key', code: `${mf}export const m = (c) => flags.get('inference_model', c);` },
    {
      name: 'a string equal to an unknown key in a log message',
      code: `${mf}console.log('inferense_model is not a read');`,
    },
    {
      name: 'Map.get with a non-flag key',
      code: `const cache = new Map();\nexport const m = () => cache.get('inferense_model');`,
    },
    {
      name: 'LaunchDarkly React camelCased key',
      filename: 'app.tsx',
      code: `import { useFlags } from 'launchdarkly-react-client-sdk';\nexport function A() { const { inferenceModel } = useFlags(); return <p>{inferenceModel}</p>; }`,
    },
    {
      name: 'imported constant key (not resolvable without types)',
      code: `${mf}import { KEY } from './keys.js';\nexport const m = (c) => flags.get(KEY, c);`,
    },
  ],
  invalid: [
    {
      name: 'typo with a suggestion',
      code: `${mf}export const m = (c) => flags.get('inferense_model', c);`,
      errors: [
        {
          messageId: 'unknownFlagDidYouMean',
          data: { key: 'inferense_model', file: 'flags.json', suggestion: 'inference_model' },
          suggestions: [
            {
              messageId: 'replaceKey',
              data: { suggestion: 'inference_model' },
              output: `${mf}export const m = (c) => flags.get('inference_model', c);`,
            },
          ],
        },
      ],
    },
    {
      name: 'unknown key held in a const, through OpenFeature',
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nconst KEY = 'chat_model';\nexport const m = (c) => OpenFeature.getClient().getStringValue(KEY, 'x', c);`,
      errors: [{ messageId: 'unknownFlag', data: { key: 'chat_model', file: 'flags.json' } }],
    },
    {
      name: 'enum member through GrowthBook',
      code: `import { GrowthBook } from '@growthbook/growthbook';\nenum F { Model = 'inference_modle' }\nexport const m = (gb: GrowthBook) => gb.getFeatureValue(F.Model, 'x');`,
      errors: [{ messageId: 'unknownFlagDidYouMean' }],
    },
    {
      name: 'LaunchDarkly React camelCase typo',
      filename: 'app.jsx',
      code: `import { useFlags } from 'launchdarkly-react-client-sdk';\nexport function A() { return <p>{useFlags().inferenceModle}</p>; }`,
      errors: [
        {
          messageId: 'unknownFlagDidYouMean',
          data: { key: 'inferenceModle', file: 'flags.json', suggestion: 'inferenceModel' },
        },
      ],
    },
    {
      name: 'Unleash, PostHog and the AppConfig agent URL',
      code: `import { initialize } from 'unleash-client';\nimport { PostHog } from 'posthog-node';\nconst u = initialize({});\nconst ph = new PostHog('k');\nexport async function f(c, id) {\n  u.isEnabled('new_thing', c);\n  await ph.getFeatureFlag('other_thing', id);\n  await fetch('http://localhost:2772/applications/a/environments/e/configurations/p?flag=third_thing');\n}`,
      errors: [
        { messageId: 'unknownFlag', data: { key: 'new_thing', file: 'flags.json' } },
        { messageId: 'unknownFlag', data: { key: 'other_thing', file: 'flags.json' } },
        { messageId: 'unknownFlag', data: { key: 'third_thing', file: 'flags.json' } },
      ],
    },
    {
      name: 'a custom reader from settings',
      settings: {
        modelflags: {
          registryText: JSON.stringify({ flags: [{ flag: 'inference_model', default: 'a' }] }),
          readers: [{ callee: 'featureFlagProvider.evaluatedFeatureFlag', keyArgument: 0 }],
        },
      },
      code: `export class S { async run() { return this.featureFlagProvider.evaluatedFeatureFlag('inference_modl'); } }`,
      errors: [
        {
          messageId: 'unknownFlagDidYouMean',
          data: { key: 'inference_modl', file: 'flags.json', suggestion: 'inference_model' },
          suggestions: [
            {
              messageId: 'replaceKey',
              data: { suggestion: 'inference_model' },
              output: `export class S { async run() { return this.featureFlagProvider.evaluatedFeatureFlag('inference_model'); } }`,
            },
          ],
        },
      ],
    },
  ],
});

ruleTester(NO_REGISTRY).run('no-unknown-flag without a registry', rule, {
  valid: [{ name: 'a file without reads says nothing', code: 'export const x = 1;' }],
  invalid: [
    {
      name: 'reports once per file how to configure it',
      code: `${mf}export const a = (c) => flags.get('x', c);\nexport const b = (c) => flags.get('y', c);`,
      errors: [{ messageId: 'noRegistry', line: 3 }],
    },
  ],
});
