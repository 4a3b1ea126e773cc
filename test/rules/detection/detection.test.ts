import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { camelCase, findFlagReads, type DetectionOptions, type FlagRead } from '../../../rules/detection/detection.js';
import { parseForDetection } from '../../../rules/detection/parse.js';

const registryKeys = new Set(['inference_model', 'system_prompt_version', 'retrieval_top_k']);

function reads(code: string, file = 'file.ts', options: Partial<DetectionOptions> = {}): FlagRead[] {
  const { ast, scopeManager } = parseForDetection(code, file);
  return findFlagReads(ast, scopeManager, { registryKeys, ...options });
}

/** The parts of a read a test can compare, with nodes replaced by their source text. */
function summary(code: string, file = 'file.ts', options: Partial<DetectionOptions> = {}) {
  const text = (node: { range: [number, number] } | undefined) => (node ? code.slice(node.range[0], node.range[1]) : undefined);
  return reads(code, file, options).map((r) => ({
    sdk: r.sdk,
    method: r.method,
    key: r.key,
    keyKind: r.keyKind,
    default: text(r.defaultNode),
    context: text(r.contextNode),
    value: text(r.valueNode),
    valueKind: r.valueKind,
  }));
}

describe('modelflags runtime', () => {
  it('recognises get and detail on a createFlags result', () => {
    const code = `
      import { createFlags, fileSource } from 'modelflags';
      const flags = createFlags({ source: fileSource('flags.json') });
      export function handle(ctx) {
        const model = flags.get('inference_model', ctx);
        const prompt = flags.detail('system_prompt_version', ctx).value;
        return [model, prompt];
      }`;
    expect(summary(code)).toEqual([
      { sdk: 'modelflags', method: 'get', key: 'inference_model', keyKind: 'literal', default: undefined, context: 'ctx', value: "flags.get('inference_model', ctx)", valueKind: 'value' },
      {
        sdk: 'modelflags',
        method: 'detail',
        key: 'system_prompt_version',
        keyKind: 'literal',
        default: undefined,
        context: 'ctx',
        value: "flags.detail('system_prompt_version', ctx).value",
        valueKind: 'details',
      },
    ]);
  });

  it('follows a client exported from a local module by its name or by a registry key', () => {
    const code = `
      import { flags } from './flags.js';
      import { cfg } from '../config.js';
      export const a = (ctx) => flags.get('inferense_model', ctx);
      export const b = (ctx) => cfg.get('inference_model', ctx);
      export const c = (ctx) => cfg.get('port');`;
    expect(summary(code).map((r) => [r.method, r.key])).toEqual([
      ['get', 'inferense_model'],
      ['get', 'inference_model'],
    ]);
  });

  it('does not take Map lookups, shadowed names or log strings for reads', () => {
    const code = `
      import { flags } from './flags.js';
      const cache = new Map();
      export function f(ctx) {
        cache.get('inference_model');
        console.log('inference_model changed');
        const flags2 = flags;
        {
          const flags = new Map();
          flags.get('system_prompt_version');
        }
        return 'inference_model';
      }`;
    expect(summary(code)).toEqual([]);
  });

  it('treats const bindings, as-const objects and string enums as constant keys', () => {
    const code = `
      import { createFlags } from 'modelflags';
      import { KEYS } from './keys.js';
      const flags = createFlags({ source });
      const MODEL = 'inference_model';
      const FLAGS = { prompt: 'system_prompt_version' } as const;
      enum Flag { TopK = 'retrieval_top_k' }
      export function f(ctx, name: string) {
        flags.get(MODEL, ctx);
        flags.get(FLAGS.prompt, ctx);
        flags.get(Flag.TopK, ctx);
        flags.get(KEYS.model, ctx);
        flags.get(name, ctx);
        flags.get(\`model_\${name}\`, ctx);
        flags.get(\`\${MODEL}\`, ctx);
      }`;
    expect(summary(code).map((r) => [r.key, r.keyKind])).toEqual([
      ['inference_model', 'constant'],
      ['system_prompt_version', 'constant'],
      ['retrieval_top_k', 'constant'],
      [undefined, 'constant'],
      [undefined, 'dynamic'],
      [undefined, 'dynamic'],
      ['inference_model', 'constant'],
    ]);
  });

  it('treats a parameter typed narrower than string as a constant key', () => {
    const code = `
      import { createFlags } from 'modelflags';
      const flags = createFlags({ source });
      export const read = (key: FlagKey, ctx) => flags.get(key, ctx);
      export const loose = (key: string, ctx) => flags.get(key, ctx);`;
    expect(summary(code).map((r) => r.keyKind)).toEqual(['constant', 'dynamic']);
  });
});

describe('OpenFeature', () => {
  it('recognises values and details through OpenFeature.getClient()', () => {
    const code = `
      import { OpenFeature } from '@openfeature/server-sdk';
      const client = OpenFeature.getClient();
      export async function f(ctx) {
        const model = await client.getStringValue('inference_model', 'claude-3-haiku', ctx);
        const detail = (await client.getStringDetails('system_prompt_version', 'v3', ctx)).value;
        client.getNumberValue('retrieval_top_k', 5).then((k) => k);
      }`;
    expect(summary(code)).toEqual([
      { sdk: 'openfeature', method: 'getStringValue', key: 'inference_model', keyKind: 'literal', default: "'claude-3-haiku'", context: 'ctx', value: "await client.getStringValue('inference_model', 'claude-3-haiku', ctx)", valueKind: 'value' },
      { sdk: 'openfeature', method: 'getStringDetails', key: 'system_prompt_version', keyKind: 'literal', default: "'v3'", context: 'ctx', value: "(await client.getStringDetails('system_prompt_version', 'v3', ctx)).value", valueKind: 'details' },
      { sdk: 'openfeature', method: 'getNumberValue', key: 'retrieval_top_k', keyKind: 'literal', default: '5', context: undefined, value: undefined, valueKind: 'value' },
    ]);
  });

  it('follows a typed parameter and an injected class field', () => {
    const code = `
      import type { Client } from '@openfeature/server-sdk';
      export async function f(client: Client) { return client.getBooleanValue('new_model', false); }
      export class Service {
        constructor(private readonly flags: Client) {}
        run() { return this.flags.getStringValue('inference_model', 'x'); }
      }`;
    expect(summary(code).map((r) => [r.sdk, r.key])).toEqual([
      ['openfeature', 'new_model'],
      ['openfeature', 'inference_model'],
    ]);
  });

  it('reads React hooks and the synchronous web client without a context argument', () => {
    const code = `
      import { useStringFlagValue, OpenFeature } from '@openfeature/react-sdk';
      export function Chat() {
        const model = useStringFlagValue('inference_model', 'claude-3-haiku');
        const v = OpenFeature.getClient().getStringValue('system_prompt_version', 'v3');
        return <div>{model}{v}</div>;
      }`;
    const found = reads(code, 'chat.tsx');
    expect(found.map((r) => [r.method, r.key, r.contextExpected])).toEqual([
      ['useStringFlagValue', 'inference_model', false],
      ['getStringValue', 'system_prompt_version', false],
    ]);
    expect(found[1]!.valueNode?.type).toBe('CallExpression');
  });

  it('follows CommonJS require in .js files', () => {
    const code = `
      const { OpenFeature } = require('@openfeature/server-sdk');
      const client = OpenFeature.getClient();
      module.exports = async (ctx) => client.getStringValue('inference_model', 'a', ctx);`;
    expect(summary(code, 'handler.js').map((r) => r.key)).toEqual(['inference_model']);
  });
});

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
    expect(summary(code).map((r) => [r.method, r.key, r.valueKind])).toEqual([['completionConfig', 'chat_config', 'bundle']]);
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

describe('GrowthBook, Unleash, PostHog', () => {
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
      ['getFeatureValue', 'inference_model', "'claude-3-haiku'", undefined, 'value', "gb.getFeatureValue('inference_model', 'claude-3-haiku')"],
      ['isOn', 'new_prompt', undefined, undefined, 'enabled', "gb.isOn('new_prompt')"],
      ['getFeatureValue', 'inference_model', "'claude-3-haiku'", 'user', 'value', "client.getFeatureValue('inference_model', 'claude-3-haiku', user)"],
      ['evalFeature', 'retrieval_top_k', undefined, undefined, 'details', "gb.evalFeature('retrieval_top_k').value"],
    ]);
  });

  it('recognises Unleash clients and module functions', () => {
    const code = `
      import { initialize, isEnabled } from 'unleash-client';
      const unleash = initialize({ url: 'x', appName: 'y' });
      export function f(ctx) {
        unleash.isEnabled('new_model', ctx);
        isEnabled('other_toggle');
        return unleash.getVariant('inference_model', ctx).name;
      }`;
    expect(summary(code).map((r) => [r.method, r.key, r.context, r.valueKind, r.value])).toEqual([
      ['isEnabled', 'new_model', 'ctx', 'enabled', "unleash.isEnabled('new_model', ctx)"],
      ['isEnabled', 'other_toggle', undefined, 'enabled', "isEnabled('other_toggle')"],
      ['getVariant', 'inference_model', 'ctx', 'details', "unleash.getVariant('inference_model', ctx).name"],
    ]);
  });

  it('recognises PostHog node and browser clients', () => {
    const node = `
      import { PostHog } from 'posthog-node';
      const ph = new PostHog('key');
      export async function f(id) { return await ph.getFeatureFlag('inference_model', id); }`;
    expect(summary(node).map((r) => [r.key, r.context, r.value])).toEqual([['inference_model', 'id', "await ph.getFeatureFlag('inference_model', id)"]]);
    const browser = `
      import posthog from 'posthog-js';
      export const m = () => posthog.getFeatureFlag('inference_model');`;
    expect(reads(browser).map((r) => [r.key, r.contextExpected])).toEqual([['inference_model', false]]);
  });
});

describe('Vercel flags, AppConfig and custom readers', () => {
  it('reports flag({ key }) as a definition and calling it as a read', () => {
    const code = `
      import { flag } from 'flags/next';
      export const model = flag({ key: 'inference_model', defaultValue: 'claude-3-haiku', decide: () => 'x' });
      export async function page() { return await model(); }`;
    expect(summary(code).map((r) => [r.method, r.key, r.valueKind, r.default])).toEqual([
      ['flag', 'inference_model', 'definition', "'claude-3-haiku'"],
      ['flag', 'inference_model', 'value', undefined],
    ]);
  });

  it('recognises the AppConfig SDK command and the agent endpoint', () => {
    const code = `
      import { AppConfigDataClient, GetLatestConfigurationCommand } from '@aws-sdk/client-appconfigdata';
      export async function f(token, name) {
        await new AppConfigDataClient({}).send(new GetLatestConfigurationCommand({ ConfigurationToken: token }));
        await fetch('http://localhost:2772/applications/chat/environments/prod/configurations/flags?flag=inference_model&flag=system_prompt_version');
        await fetch(\`http://localhost:2772/applications/chat/environments/prod/configurations/flags?flag=\${name}\`);
        await fetch('https://example.com/?flag=inference_model');
      }`;
    expect(summary(code).map((r) => [r.method, r.key, r.keyKind, r.valueKind])).toEqual([
      ['GetLatestConfigurationCommand', undefined, 'none', 'bundle'],
      ['agent', 'inference_model', 'literal', 'details'],
      ['agent', 'system_prompt_version', 'literal', 'details'],
      ['agent', undefined, 'dynamic', 'details'],
    ]);
  });

  it('recognises readers declared in settings by the end of the callee', () => {
    const code = `
      export class Api {
        async run(user) {
          return await this.featureFlagProvider.evaluatedFeatureFlag('inference_model', user, 'claude-3-haiku');
        }
      }`;
    const readers = [{ callee: 'featureFlagProvider.evaluatedFeatureFlag', keyArgument: 0, contextArgument: 1, defaultArgument: 2 }];
    expect(summary(code, 'api.ts', { readers }).map((r) => [r.sdk, r.method, r.key, r.context, r.default, r.value?.startsWith('await')])).toEqual([
      ['custom', 'evaluatedFeatureFlag', 'inference_model', 'user', "'claude-3-haiku'", true],
    ]);
  });
});

describe('the text pre-filter', () => {
  it('skips files that mention no SDK, reader or registry key, and keeps those that do', () => {
    const plain = `const cache = new Map(); export const get = (k) => cache.get(k);`;
    const { ast, scopeManager } = parseForDetection(plain, 'a.ts');
    expect(findFlagReads(ast, scopeManager, { registryKeys, text: plain })).toEqual([]);
    const withKey = `import { c } from './c.js'; export const m = (x) => c.get('retrieval_top_k', x);`;
    const parsed = parseForDetection(withKey, 'b.ts');
    expect(findFlagReads(parsed.ast, parsed.scopeManager, { registryKeys, text: withKey }).map((r) => r.key)).toEqual(['retrieval_top_k']);
  });
});

describe('camelCase', () => {
  it('matches LaunchDarkly React key conversion', () => {
    expect(camelCase('inference_model')).toBe('inferenceModel');
    expect(camelCase('system-prompt.v2')).toBe('systemPromptV2');
  });
});

describe('robustness', () => {
  it('treats method names that are Object.prototype members as ordinary names', () => {
    const code = `
      import { GrowthBook } from '@growthbook/growthbook';
      import { flags } from './flags.js';
      export function f(gb: GrowthBook, x) {
        gb.constructor('inference_model');
        flags.toString('inference_model');
        x.__proto__('inference_model');
        return gb.hasOwnProperty('inference_model');
      }`;
    expect(summary(code)).toEqual([]);
  });

  it('never throws on arbitrary call shapes built from SDK fragments', () => {
    const fragment = fc.constantFrom(
      'flags.get',
      'client.getStringValue',
      'ld.variation',
      'useFlags()',
      'gb.isOn',
      'fetch',
      'new GetLatestConfigurationCommand',
      'flag',
      'this.x.y',
    );
    const argument = fc.constantFrom("'inference_model'", 'k', '`a${b}`', '...xs', '{}', 'ctx', 'undefined', "'http://localhost:2772/applications/a?flag=x'");
    fc.assert(
      fc.property(fc.array(fc.tuple(fragment, fc.array(argument, { maxLength: 4 })), { maxLength: 6 }), (calls) => {
        const code = [
          "import { createFlags } from 'modelflags';",
          "import * as ld from '@launchdarkly/node-server-sdk';",
          "import { useFlags } from 'launchdarkly-react-client-sdk';",
          "import { GetLatestConfigurationCommand } from '@aws-sdk/client-appconfigdata';",
          "import { flag } from 'flags/next';",
          'const flags = createFlags({});',
          ...calls.map(([f, args]) => `${f}(${args.join(', ')});`),
        ].join('\n');
        expect(() => reads(code)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});
