import rule from '../../rules/no-dynamic-flag-key.js';
import { ruleTester } from './support.js';

const mf = `import { createFlags } from 'modelflags';\nconst flags = createFlags({ source });\n`;

ruleTester().run('no-dynamic-flag-key', rule, {
  valid: [
    { name: 'literal', code: `${mf}export const f = (c) => flags.get('inference_model', c);` },
    { name: 'const', code: `${mf}const K = 'inference_model';\nexport const f = (c) => flags.get(K, c);` },
    {
      name: 'as const object',
      code: `${mf}const FLAGS = { model: 'inference_model' } as const;\nexport const f = (c) => flags.get(FLAGS.model, c);`,
    },
    {
      name: 'string enum',
      code: `${mf}enum Flag { Model = 'inference_model' }\nexport const f = (c) => flags.get(Flag.Model, c);`,
    },
    {
      name: 'imported constant',
      code: `${mf}import { MODEL } from './keys.js';\nexport const f = (c) => flags.get(MODEL, c);`,
    },
    {
      name: 'parameter typed with a key union',
      code: `${mf}export const f = (k: 'inference_model' | 'system_prompt_version', c) => flags.get(k, c);`,
    },
    {
      name: 'template of constants',
      code: `${mf}const P = 'inference';\nexport const f = (c) => flags.get(\`\${P}_model\`, c);`,
    },
  ],
  invalid: [
    {
      name: 'untyped parameter',
      code: `${mf}export const f = (key, c) => flags.get(key, c);`,
      errors: [{ messageId: 'dynamicKey', data: { text: 'key' } }],
    },
    {
      name: 'template with a runtime part',
      code: `${mf}export const f = (tier: string, c) => flags.get(\`model_\${tier}\`, c);`,
      errors: [{ messageId: 'dynamicKey', data: { text: '`model_${tier}`' } }],
    },
    {
      name: 'concatenation with OpenFeature',
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nexport const f = (t, c) => OpenFeature.getClient().getStringValue('model_' + t, 'x', c);`,
      errors: [{ messageId: 'dynamicKey' }],
    },
    {
      name: 'a let that is reassigned',
      code: `${mf}let k = 'inference_model';\nk = process.env.K;\nexport const f = (c) => flags.get(k, c);`,
      errors: [{ messageId: 'dynamicKey' }],
    },
    {
      name: 'computed useFlags member',
      filename: 'a.jsx',
      code: `import { useFlags } from 'launchdarkly-react-client-sdk';\nexport const A = ({ name }) => <p>{useFlags()[name]}</p>;`,
      errors: [{ messageId: 'dynamicKey' }],
    },
  ],
});
