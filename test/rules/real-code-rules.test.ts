/**
 * The rules on shapes from public repositories (issue 11): readers declared once in flags.json,
 * observable readers subscribed at module load, keys as SDKs write them, NestJS OpenFeature
 * context, constant namespaces. Registry validation of `readers` is tested here too.
 */
import { describe, expect, it } from 'vitest';
import noDynamicFlagKey from '../../rules/no-dynamic-flag-key.js';
import noUnknownFlag from '../../rules/no-unknown-flag.js';
import readPerRequest from '../../rules/read-per-request.js';
import requireContext from '../../rules/require-context.js';
import { parseRegistry } from '../../src/registry/validate.js';
import { ruleTester, TODAY } from './support.js';

const registry = {
  flags: [
    { flag: 'IS_NEW_ROUTER_ENABLED', default: false, rules: [{ condition: { user_segment: 'beta' }, value: true }] },
    {
      flag: 'cody.autoedit-model',
      default: 'small',
      rules: [{ condition: { rollout_percentage: 20 }, value: 'large' }],
    },
  ],
  readers: [
    { callee: 'featureFlagProvider.evaluatedFeatureFlag', keyArgument: 0, returns: 'observable' },
    { callee: 'GetFeatureFlagCommand.create', keyArgument: '0.key' },
  ],
};
const settings = {
  modelflags: { registryFile: '/project/flags.json', registryText: JSON.stringify(registry), today: TODAY },
};

ruleTester(settings).run('no-unknown-flag with readers from flags.json', noUnknownFlag, {
  valid: [
    {
      name: 'upper-case and dotted keys are registry keys',
      code: `export const a = () => featureFlagProvider.evaluatedFeatureFlag('IS_NEW_ROUTER_ENABLED');\nexport const b = () => featureFlagProvider.evaluatedFeatureFlag('cody.autoedit-model');`,
    },
  ],
  invalid: [
    {
      name: 'a reader declared in the registry, not in the ESLint settings',
      code: `export const a = () => featureFlagProvider.evaluatedFeatureFlag('IS_NEW_ROUTER_ENABLE');`,
      errors: [
        {
          messageId: 'unknownFlagDidYouMean',
          data: { key: 'IS_NEW_ROUTER_ENABLE', file: 'flags.json', suggestion: 'IS_NEW_ROUTER_ENABLED' },
          suggestions: [
            {
              messageId: 'replaceKey',
              data: { suggestion: 'IS_NEW_ROUTER_ENABLED' },
              output: `export const a = () => featureFlagProvider.evaluatedFeatureFlag('IS_NEW_ROUTER_ENABLED');`,
            },
          ],
        },
      ],
    },
    {
      name: 'a key inside an object argument',
      code: `export const run = (bus) => bus.execute(GetFeatureFlagCommand.create({ key: 'cody.autoedit-modle' }));`,
      errors: [
        {
          messageId: 'unknownFlagDidYouMean',
          data: { key: 'cody.autoedit-modle', file: 'flags.json', suggestion: 'cody.autoedit-model' },
          suggestions: [
            {
              messageId: 'replaceKey',
              data: { suggestion: 'cody.autoedit-model' },
              output: `export const run = (bus) => bus.execute(GetFeatureFlagCommand.create({ key: 'cody.autoedit-model' }));`,
            },
          ],
        },
      ],
    },
  ],
});

ruleTester(settings).run('read-per-request with an observable reader', readPerRequest, {
  valid: [
    {
      name: 'subscribed at module load',
      code: `featureFlagProvider.evaluatedFeatureFlag('IS_NEW_ROUTER_ENABLED').subscribe((on) => { enabled = on; });\nlet enabled = false;`,
    },
    {
      name: 'combined at module load',
      code: `import { combineLatest } from 'rxjs';\nexport const both = combineLatest([featureFlagProvider.evaluatedFeatureFlag('IS_NEW_ROUTER_ENABLED'), other$]);`,
    },
    {
      name: 'a class-static stream',
      code: `export class Router { static readonly enabled$ = featureFlagProvider.evaluatedFeatureFlag('IS_NEW_ROUTER_ENABLED').pipe(map(Boolean)); }`,
    },
  ],
  invalid: [
    {
      name: 'one value of the stream taken at module load',
      code: `import { firstValueFrom } from 'rxjs';\nexport const enabled = await firstValueFrom(featureFlagProvider.evaluatedFeatureFlag('IS_NEW_ROUTER_ENABLED'));`,
      errors: [{ messageId: 'moduleLoad' }],
    },
  ],
});

ruleTester(settings).run('require-context with the NestJS OpenFeature SDK', requireContext, {
  valid: [
    {
      name: 'the NestJS module builds the context per request',
      code: `import { OpenFeature } from '@openfeature/nestjs-sdk';\nconst client = OpenFeature.getClient();\nexport const on = () => client.getBooleanValue('IS_NEW_ROUTER_ENABLED', false);`,
    },
  ],
  invalid: [
    {
      name: 'the server SDK without a context',
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\nexport const on = () => client.getBooleanValue('IS_NEW_ROUTER_ENABLED', false);`,
      errors: [{ messageId: 'missingContext' }],
    },
  ],
});

ruleTester(settings).run('no-dynamic-flag-key on constant namespaces', noDynamicFlagKey, {
  valid: [
    {
      name: 'a nested `as const` namespace',
      code: `import { init } from '@launchdarkly/node-server-sdk';\nconst ld = init('k');\nconst Settings = { Experimental: { Router: 'IS_NEW_ROUTER_ENABLED' } } as const;\nexport const on = (c) => ld.variation(Settings.Experimental.Router, c, false);`,
    },
    {
      name: 'an unannotated parameter of a method written in an object literal (its type comes from the declared interface)',
      code: `export const api: WebviewApi = { evaluatedFeatureFlag: (flag) => featureFlagProvider.evaluatedFeatureFlag(flag) };`,
    },
    {
      name: 'an OpenFeature provider evaluating the flag its caller names',
      code: `import type { Provider } from '@openfeature/server-sdk';
import { init } from '@launchdarkly/node-server-sdk';
export class LdProvider implements Provider {
  client = init('k');
  async resolveBooleanEvaluation(flagKey: string, def: boolean, ctx) { return this.evaluate(flagKey, def, ctx); }
  private async evaluate(flagKey: string, def: boolean, ctx) { return this.client.variationDetail(flagKey, ctx, def); }
}`,
    },
  ],
  invalid: [
    {
      name: 'an unannotated parameter of a plain function',
      code: `export const read = (flag) => featureFlagProvider.evaluatedFeatureFlag(flag);`,
      errors: [{ messageId: 'dynamicKey' }],
    },
    {
      name: 'a class that is not an OpenFeature provider',
      code: `import { init } from '@launchdarkly/node-server-sdk';
export class Flags {
  client = init('k');
  read(flagKey: string, ctx) { return this.client.variationDetail(flagKey, ctx, false); }
}`,
      errors: [{ messageId: 'dynamicKey' }],
    },
    {
      name: 'a key from the request',
      code: `import { init } from '@launchdarkly/node-server-sdk';\nconst ld = init('k');\nexport const on = (req, c) => ld.variation(req.query.flag, c, false);`,
      errors: [{ messageId: 'dynamicKey' }],
    },
  ],
});

describe('registry readers and keys', () => {
  it('accepts keys as SDKs write them and exposes the readers', () => {
    const { registry: parsed, issues } = parseRegistry(JSON.stringify(registry, null, 2));
    expect(issues).toEqual([]);
    expect(parsed?.readers).toEqual([
      { callee: 'featureFlagProvider.evaluatedFeatureFlag', keyArgument: 0, returns: 'observable' },
      { callee: 'GetFeatureFlagCommand.create', keyArgument: '0.key' },
    ]);
  });

  it('reports a bad reader at its line and column, saying what to write', () => {
    const text = `{
  "flags": [],
  "readers": [
    { "callee": "flags.read", "keyArgument": "key" },
    { "callee": "x", "keyArgument": 0, "returns": "stream", "kind": 1 }
  ]
}`;
    const { registry, issues } = parseRegistry(text, 'flags.json');
    expect(registry).toBeUndefined();
    expect(issues.map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      '4:46 readers[0]: "keyArgument" must be the index of the key argument (0) or a path into an object argument ("0.key")',
      '5:61 readers[1]: unknown field "kind"',
      '5:51 readers[1]: "returns" must be one of "value", "promise", "observable"',
    ]);
  });

  it('still refuses keys that cannot be keys', () => {
    const { issues } = parseRegistry(JSON.stringify({ flags: [{ flag: '-bad key', default: 1 }] }));
    expect(issues[0]?.message).toMatch(/flag key "-bad key" is invalid/);
  });
});
