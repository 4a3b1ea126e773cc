import rule from '../../rules/separate-dimensions.js';
import { ruleTester } from './support.js';

const of = `import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\n`;
const mf = `import { createFlags } from 'modelflags';\nconst flags = createFlags({ source });\n`;

ruleTester().run('separate-dimensions', rule, {
  valid: [
    {
      name: 'model flag to model:, prompt flag to system:',
      code: `${mf}export async function f(c, openai) {\n  const model = flags.get('inference_model', c);\n  const prompt = flags.get('system_prompt_version', c);\n  return openai.chat.completions.create({ model, messages: [{ role: 'system', content: PROMPTS[prompt] }] });\n}`,
    },
    {
      name: 'Vercel AI SDK provider call',
      code: `import { anthropic } from '@ai-sdk/anthropic';\n${mf}export const f = (c) => generateText({ model: anthropic(flags.get('inference_model', c)), prompt: 'hi' });`,
    },
    {
      name: 'branching on a model flag without touching the prompt',
      code: `${mf}export function f(c) { const m = flags.get('inference_model', c); if (m === 'claude-opus-4-6') { log('expensive'); } return m; }`,
    },
    {
      name: 'AI Config outside strict',
      code: `import { initAi } from '@launchdarkly/server-sdk-ai';\nconst ai = initAi(ld);\nexport const f = async (c) => ai.completionConfig('chat', c, {});`,
    },
    {
      name: 'prompt flag picking a prompt template',
      code: `${mf}export const f = (c) => ({ system: TEMPLATES[flags.get('system_prompt_version', c)] });`,
    },
  ],
  invalid: [
    {
      name: 'a JSON flag from another SDK carrying model and messages',
      code: `${of}export async function f(c, openai) {\n  const cfg = await client.getObjectValue('chat_config', {}, c);\n  return openai.chat.completions.create({ model: cfg.model, messages: cfg.messages });\n}`,
      errors: [
        {
          messageId: 'bothDimensions',
          line: 4,
          data: {
            flag: '`chat_config`',
            modelVia: '`model:`',
            modelLine: '5',
            promptVia: '`messages:`',
            promptLine: '5',
          },
        },
      ],
    },
    {
      name: 'destructured bundle with Anthropic system:',
      code: `${of}export async function f(c, anthropic) {\n  const { model, system } = await client.getObjectValue('assistant', {}, c);\n  return anthropic.messages.create({ model, system, messages: [] });\n}`,
      errors: [{ messageId: 'bothDimensions' }],
    },
    {
      name: 'picking the prompt by branching on the model flag',
      code: `${mf}export function f(c) {\n  const model = flags.get('inference_model', c);\n  let systemPrompt = BASE;\n  if (model === 'claude-opus-4-6') { systemPrompt = LONG_PROMPT; }\n  return { model, system: systemPrompt };\n}`,
      errors: [{ messageId: 'promptBranch', line: 6 }],
    },
    {
      name: 'a model flag used as a prompt key',
      code: `${mf}export const f = (c) => ({ system: PROMPTS[flags.get('inference_model', c)] });`,
      errors: [
        {
          messageId: 'dimensionMismatch',
          data: { flag: '`inference_model`', declared: 'model', used: 'prompt', via: 'a prompt lookup (`PROMPTS[…]`)' },
        },
      ],
    },
    {
      name: 'a prompt flag sent as the model (Bedrock modelId)',
      code: `${mf}export const f = (c) => new ConverseCommand({ modelId: flags.get('system_prompt_version', c) });`,
      errors: [
        {
          messageId: 'dimensionMismatch',
          data: { flag: '`system_prompt_version`', declared: 'prompt', used: 'model', via: '`modelId:`' },
        },
      ],
    },
    {
      name: 'AI Config in strict',
      options: [{ reportAiConfigs: true }],
      code: `import { initAi } from '@launchdarkly/server-sdk-ai';\nconst ai = initAi(ld);\nexport const f = async (c) => ai.completionConfig('chat', c, {});`,
      errors: [{ messageId: 'aiConfig', data: { flag: '`chat`' } }],
    },
  ],
});
