import rule from '../../rules/read-per-request.js';
import { ruleTester } from './support.js';

const setup = `import { createFlags, fileSource } from 'modelflags';
const flags = createFlags({ source: fileSource('flags.json') });
`;

ruleTester().run('read-per-request', rule, {
  valid: [
    {
      name: 'read inside a request handler',
      code: `${setup}export function handle(ctx) { return flags.get('inference_model', ctx); }`,
    },
    {
      name: 'read in an express route callback',
      code: `${setup}app.post('/chat', (req, res) => res.json(flags.get('inference_model', req.ctx)));`,
    },
    {
      name: 'flag key constant at module scope',
      code: `${setup}const MODEL_FLAG = 'inference_model';\nexport const handle = (ctx) => flags.get(MODEL_FLAG, ctx);`,
    },
    {
      name: 'a change listener keeping the latest value',
      code: `${setup}let current;\nflags.on('change', () => { current = flags.get('inference_model', {}); });\nexport const m = () => current;`,
    },
    {
      name: 'a Vercel flag definition at module scope',
      code: `import { flag } from 'flags/next';\nexport const model = flag({ key: 'inference_model', decide: () => 'claude-3-haiku' });`,
    },
    { name: 'commented-out code', code: `${setup}// const MODEL = flags.get('inference_model', {});\nexport {};` },
    {
      name: 'a field set in the constructor of a class created per request',
      code: `${setup}class Chat { constructor(ctx) { this.model = flags.get('inference_model', ctx); } }\nexport const handle = (ctx) => new Chat(ctx);`,
    },
    {
      name: 'a local variable inside the handler',
      code: `${setup}export function handle(ctx) { let m; m = flags.get('inference_model', ctx); return m; }`,
    },
    { name: 'a Map lookup at module scope', code: `const m = new Map();\nexport const x = m.get('inference_model');` },
  ],
  invalid: [
    {
      name: 'top-level const, naming the function that uses it',
      code: `${setup}const MODEL = flags.get('inference_model', {});\nexport async function handleChat(req) { return callModel(MODEL, req); }`,
      errors: [
        {
          messageId: 'moduleLoad',
          line: 3,
          data: {
            flag: '`inference_model`',
            where: 'at the top level of the module',
            instead: "Read it inside `handleChat()`, where `MODEL` is used, passing that request's evaluation context.",
          },
        },
      ],
    },
    {
      name: 'top-level await with OpenFeature',
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\nexport const MODEL = await client.getStringValue('inference_model', 'claude-3-haiku');`,
      errors: [
        {
          messageId: 'moduleLoad',
          data: {
            flag: '`inference_model`',
            where: 'in a top-level await, which runs once when the module loads',
            instead:
              "Read it inside the function that handles each request, passing that request's evaluation context.",
          },
        },
      ],
    },
    {
      name: 'module-level IIFE',
      code: `${setup}const config = (() => ({ model: flags.get('inference_model', {}) }))();\nexport default config;`,
      errors: [
        {
          messageId: 'moduleLoad',
          data: {
            flag: '`inference_model`',
            where: 'in a function that is called immediately at module load',
            instead:
              "Read it inside the function that handles each request, passing that request's evaluation context.",
          },
        },
      ],
    },
    {
      name: 'class static block and static field',
      code: `${setup}class A { static model = flags.get('inference_model', {}); static { this.prompt = flags.get('system_prompt_version', {}); } }\nexport default A;`,
      errors: [
        {
          messageId: 'moduleLoad',
          data: {
            flag: '`inference_model`',
            where: 'in a static field initialiser, which runs once when the module loads',
            instead:
              "Read it inside the function that handles each request, passing that request's evaluation context.",
          },
        },
        {
          messageId: 'moduleLoad',
          data: {
            flag: '`system_prompt_version`',
            where: 'in a class static block, which runs once when the module loads',
            instead:
              "Read it inside the function that handles each request, passing that request's evaluation context.",
          },
        },
      ],
    },
    {
      name: 'object literal built at module scope',
      code: `${setup}export const settings = { model: flags.get('inference_model', {}) };`,
      errors: [
        {
          messageId: 'moduleLoad',
          data: {
            flag: '`inference_model`',
            where: 'in an object built once when the module loads',
            instead:
              "Read it inside the function that handles each request, passing that request's evaluation context.",
          },
        },
      ],
    },
    {
      name: 'a module let assigned inside a function',
      code: `${setup}let cachedModel;\nexport function handle(ctx) { if (!cachedModel) cachedModel = flags.get('inference_model', ctx); return cachedModel; }`,
      errors: [
        {
          messageId: 'stored',
          data: {
            flag: '`inference_model`',
            fn: '`handle()`',
            target: 'cachedModel',
            instead: 'Use the value of this read directly in the request instead of keeping it in `cachedModel`.',
          },
        },
      ],
    },
    {
      name: 'a memo Map at module scope, through a local const',
      code: `${setup}const memo = new Map();\nexport function handle(ctx) { const m = flags.get('inference_model', ctx); memo.set(ctx.user, m); return m; }`,
      errors: [
        {
          messageId: 'stored',
          data: {
            flag: '`inference_model`',
            fn: '`handle()`',
            target: 'memo',
            instead: 'Use the value of this read directly in the request instead of keeping it in `memo`.',
          },
        },
      ],
    },
    {
      name: 'a constructor of a singleton created at module scope',
      code: `${setup}class ChatService { constructor() { this.model = flags.get('inference_model', {}); } }\nexport const service = new ChatService();`,
      errors: [{ messageId: 'singleton', data: { flag: '`inference_model`', cls: 'ChatService', line: '4' } }],
    },
    {
      name: 'a read wrapped in once()',
      code: `import once from 'lodash/once';\n${setup}export const getModel = once(() => flags.get('inference_model', {}));`,
      errors: [{ messageId: 'memoised' }],
    },
    {
      name: 'LaunchDarkly variation at the top level of a .js file',
      filename: 'server.js',
      code: `import * as ld from '@launchdarkly/node-server-sdk';\nconst client = ld.init('sdk-key');\nconst MODEL = await client.variation('inference_model', { key: 'boot' }, 'claude-3-haiku');\nexport default MODEL;`,
      errors: [{ messageId: 'moduleLoad', line: 3 }],
    },
  ],
});
