/**
 * Detection on shapes found in public repositories (issue 11): keys kept in nested constant
 * namespaces, in other workspace packages and in constant tables; LaunchDarkly React lookups by a
 * constant; keys inside object arguments and JSX props; Vercel flags called from other files;
 * clients returned by functions of other modules; the LaunchDarkly AI SDK's read methods. The code
 * is written for these tests after the patterns seen, not copied.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFlagReads } from '../../rules/detection/detector.js';
import type { DetectionOptions } from '../../rules/detection/types.js';
import { diskProject } from '../../rules/detection/project.js';
import { parseForDetection } from '../../rules/detection/parse.js';

const registryKeys = new Set(['router-model', 'IS_NEW_ROUTER_ENABLED', 'smart.routing', 'ai-chat-config', 'show-beta']);

function reads(code: string, file = 'file.ts', options: Partial<DetectionOptions> = {}) {
  const { ast, scopeManager } = parseForDetection(code, file);
  return findFlagReads(ast, scopeManager, { registryKeys, ...options }).map((r) => ({
    sdk: r.sdk,
    method: r.method,
    key: r.key,
    keyKind: r.keyKind,
  }));
}

describe('keys in nested constant namespaces', () => {
  it('resolves members of `as const` objects, class static fields and namespaces, to any depth', () => {
    const code = `
      import { OpenFeature } from '@openfeature/server-sdk';
      const client = OpenFeature.getClient();
      const Settings = { Experimental: { RouterModel: 'router-model' }, Flags: { Legacy: { Enabled: 'IS_NEW_ROUTER_ENABLED' } } } as const;
      class Keys { static readonly Routing = 'smart.routing'; }
      namespace Ai { export namespace Chat { export const Config = 'ai-chat-config'; } }
      export async function handle(ctx) {
        await client.getStringValue(Settings.Experimental.RouterModel, 'a', ctx);
        await client.getBooleanValue(Settings.Flags.Legacy.Enabled, false, ctx);
        await client.getBooleanValue(Keys.Routing, false, ctx);
        await client.getStringValue(Ai.Chat.Config, 'a', ctx);
      }`;
    expect(reads(code).map((r) => [r.key, r.keyKind])).toEqual([
      ['router-model', 'constant'],
      ['IS_NEW_ROUTER_ENABLED', 'constant'],
      ['smart.routing', 'constant'],
      ['ai-chat-config', 'constant'],
    ]);
  });

  it('takes keys drawn from a constant set as constants: loops over constant lists, table lookups, enum indexing, typed props', () => {
    const code = `
      import { init } from '@launchdarkly/node-server-sdk';
      const client = init('sdk');
      const FLAGS = { A: 'router-model', B: 'show-beta' } as const;
      const USED = [FLAGS.A, FLAGS.B];
      const BY_FLOW: Record<string, string> = { chat: 'router-model', docs: 'show-beta' };
      enum Flag { Router = 'router-model', Beta = 'show-beta' }
      export async function all(ctx, flow: string, name: string, props: { feature: keyof typeof FLAGS; outOf: Flag[] }) {
        for (const flag of Object.values(FLAGS)) await client.variation(flag, ctx, false);
        USED.map((flag) => client.variation(flag, ctx, false));
        await client.variation(BY_FLOW[flow], ctx, false);
        await client.variation(Flag[name as keyof typeof Flag], ctx, false);
        await client.variation(props.feature, ctx, false);
        props.outOf.some((f) => client.variation(f, ctx, false));
      }`;
    expect(reads(code).map((r) => r.keyKind)).toEqual([
      'constant',
      'constant',
      'constant',
      'constant',
      'constant',
      'constant',
    ]);
  });

  it('takes a property of each element of a constant list of objects, and either arm of a conditional, as constants', () => {
    const code = `
      import { useGrowthBook } from '@growthbook/growthbook-react';
      const SOCIAL = [{ name: 'x', feature: 'show-beta', featureMobile: 'router-model' }, { name: 'y', feature: 'smart.routing', featureMobile: 'show-beta' }];
      export function Links({ isMobile }) {
        const gb = useGrowthBook();
        return SOCIAL.map((media) => gb.isOn(!isMobile ? media.feature : media.featureMobile));
      }`;
    expect(reads(code, 'links.tsx').map((r) => r.keyKind)).toEqual(['constant']);
  });

  it('does not take a registry key read off headers, cookies or search parameters as a flag read', () => {
    const code = `
      export const decide = ({ headers, cookies }, url: URL) => [headers.get('host'), cookies.get('show-beta'), url.searchParams.get('show-beta'), flags.get('show-beta')];`;
    expect(reads(code, 'flags.ts', { registryKeys: new Set(['host', 'show-beta']) }).map((r) => r.method)).toEqual([
      'get',
    ]);
  });

  it('still calls a key computed from run-time data dynamic', () => {
    const code = `
      import { init } from '@launchdarkly/node-server-sdk';
      const client = init('sdk');
      const TABLE = { a: 'router-model', b: process.env.FLAG };
      export async function f(ctx, req, props: { feature: string }) {
        await client.variation(req.query.flag, ctx, false);
        await client.variation(TABLE[req.flow], ctx, false);
        await client.variation(props.feature, ctx, false);
        for (const flag of req.flags) await client.variation(flag, ctx, false);
      }`;
    expect(reads(code).map((r) => r.keyKind)).toEqual(['dynamic', 'dynamic', 'dynamic', 'dynamic']);
  });
});

describe('LaunchDarkly React lookups by a constant', () => {
  it('reads useFlags()[KEY] and flags[key] with a constant or a key-typed parameter', () => {
    const code = `
      import { useFlags } from 'launchdarkly-react-client-sdk';
      const KEY = 'show-beta';
      type Feature = 'show-beta' | 'router-model';
      export function useBeta() { return useFlags()[KEY]; }
      export function useFeature(key: Feature) { const flags = useFlags(); return flags && flags[key]; }
      export function useAny(key: string) { return useFlags()[key]; }`;
    expect(reads(code, 'hooks.tsx').map((r) => [r.key, r.keyKind])).toEqual([
      ['show-beta', 'constant'],
      [undefined, 'constant'],
      [undefined, 'dynamic'],
    ]);
  });
});

describe('readers with keys inside an object argument or a JSX prop', () => {
  const readers = [
    { callee: 'GetFeatureFlagCommand.create', keyArgument: '0.key' },
    { callee: 'IfFeatureOn', keyArgument: '0.feature' },
  ];

  it('takes the key from `keyArgument: "0.key"`', () => {
    const code = `
      import { GetFeatureFlagCommand } from './commands';
      const FLAG = 'router-model';
      export const run = (bus) => bus.execute(GetFeatureFlagCommand.create({ key: FLAG, userId: 'u' }));`;
    expect(reads(code, 'file.ts', { readers })).toEqual([
      { sdk: 'custom', method: 'create', key: 'router-model', keyKind: 'constant' },
    ]);
  });

  it('reads flag components: a declared component with its props path, and GrowthBook IfFeatureEnabled', () => {
    const code = `
      import { IfFeatureEnabled } from '@growthbook/growthbook-react';
      import { IfFeatureOn } from './flags';
      export const Page = () => (
        <>
          <IfFeatureOn feature="show-beta"><p /></IfFeatureOn>
          <IfFeatureEnabled feature="smart.routing"><p /></IfFeatureEnabled>
          <Other feature="router-model" />
        </>
      );`;
    expect(reads(code, 'page.tsx', { readers })).toEqual([
      { sdk: 'custom', method: 'IfFeatureOn', key: 'show-beta', keyKind: 'literal' },
      { sdk: 'growthbook', method: 'IfFeatureEnabled', key: 'smart.routing', keyKind: 'literal' },
    ]);
  });
});

describe('LaunchDarkly AI SDK and loosely typed clients', () => {
  it('recognises every keyed read of @launchdarkly/server-sdk-ai', () => {
    const code = `
      import { initAi } from '@launchdarkly/server-sdk-ai';
      const ai = initAi(ldClient);
      export async function handle(ctx) {
        await ai.completionConfig('ai-chat-config', ctx, { enabled: false });
        await ai.agentConfig('ai-chat-config', ctx, { enabled: false });
        await ai.agent('ai-chat-config', ctx);
        await ai.judgeConfig('ai-chat-config', ctx);
        await ai.createChat('ai-chat-config', ctx);
        await ai.createJudge('ai-chat-config', ctx);
      }`;
    expect(reads(code).map((r) => r.method)).toEqual([
      'completionConfig',
      'agentConfig',
      'agent',
      'judgeConfig',
      'createChat',
      'createJudge',
    ]);
  });

  it('recognises `config` on a client from another module when the key is a registry key', () => {
    const code = `
      import { getAIClient } from '../ld/ai-client.js';
      export async function chat(ctx) {
        const aiClient = getAIClient();
        const configKey = 'ai-chat-config';
        return aiClient.config(configKey, ctx, {}, {});
      }`;
    expect(reads(code)).toEqual([
      { sdk: 'launchdarkly', method: 'config', key: 'ai-chat-config', keyKind: 'constant' },
    ]);
  });
});

describe('across files and workspace packages (real files on disk)', () => {
  const root = mkdtempSync(join(tmpdir(), 'modelflags-real-code-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): string => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    return full;
  };
  const readsOfFile = (file: string, text: string, options: Partial<DetectionOptions> = {}) =>
    reads(text, file, { file, project: diskProject, text, ...options });

  it('resolves an enum exported by another package of a pnpm workspace', () => {
    write('mono/pnpm-workspace.yaml', "packages:\n  - 'packages/*'\n");
    write('mono/package.json', '{ "name": "mono", "private": true }');
    write(
      'mono/packages/shared/package.json',
      '{ "name": "@acme/shared", "main": "dist/index.js", "types": "dist/index.d.ts" }',
    );
    write('mono/packages/shared/src/index.ts', "export * from './flags';\n");
    write(
      'mono/packages/shared/src/flags.ts',
      "export enum FeatureFlag { RouterModel = 'router-model', Beta = 'show-beta' }\n",
    );
    const text = `
      import { FeatureFlag } from '@acme/shared';
      export const beta = () => featureFlagProvider.evaluatedFeatureFlag(FeatureFlag.Beta);`;
    const file = write('mono/packages/app/src/beta.ts', text);
    expect(
      readsOfFile(file, text, {
        readers: [{ callee: 'featureFlagProvider.evaluatedFeatureFlag', keyArgument: 0, returns: 'observable' }],
      }),
    ).toEqual([{ sdk: 'custom', method: 'evaluatedFeatureFlag', key: 'show-beta', keyKind: 'constant' }]);
  });

  it('resolves a constant config object imported through an npm workspace and a tsconfig path', () => {
    write('npm/package.json', '{ "name": "npm-mono", "workspaces": ["apps/*", "libs/config"] }');
    write('npm/libs/config/package.json', '{ "name": "@corp/config", "exports": { ".": "./src/index.ts" } }');
    write(
      'npm/libs/config/src/index.ts',
      "export default { unleash: { flags: { importDisabled: { name: 'IS_NEW_ROUTER_ENABLED', fallback: true } } } };\n",
    );
    write(
      'npm/apps/api/tsconfig.json',
      '{ // comments are allowed\n "compilerOptions": { "baseUrl": ".", "paths": { "~/*": ["./src/*"] }, }, }',
    );
    write('npm/apps/api/src/keys.ts', "export const Keys = { Beta: 'show-beta' } as const;\n");
    const text = `
      import { initialize } from 'unleash-client';
      import config from '@corp/config';
      import { Keys } from '~/keys';
      const unleash = initialize({ url: 'u', appName: 'a' });
      export const disabled = () => unleash.isEnabled(config.unleash.flags.importDisabled.name);
      export const beta = (ctx) => unleash.isEnabled(Keys.Beta, ctx);`;
    const file = write('npm/apps/api/src/handler.ts', text);
    expect(readsOfFile(file, text).map((r) => r.key)).toEqual(['IS_NEW_ROUTER_ENABLED', 'show-beta']);
  });

  it('reads a Vercel flag called from another file, in Promise.all and in an object of values', () => {
    write('vercel/tsconfig.json', '{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }');
    write(
      'vercel/src/flags.ts',
      "import { flag } from 'flags/next';\nexport const premiumModelFlag = flag({ key: 'router-model', decide: () => false });\nexport const betaFlag = flag<boolean>({ key: 'show-beta', decide: () => true });\n",
    );
    const text = `
      import { premiumModelFlag, betaFlag } from '@/flags';
      export default async function Page() {
        const model = await premiumModelFlag();
        const [beta] = await Promise.all([betaFlag()]);
        const flagValues = { beta: await betaFlag() };
        return [model, beta, flagValues];
      }`;
    const file = write('vercel/src/app/page.tsx', text);
    expect(readsOfFile(file, text).map((r) => [r.sdk, r.key])).toEqual([
      ['vercel', 'router-model'],
      ['vercel', 'show-beta'],
      ['vercel', 'show-beta'],
    ]);
  });

  it('follows a function of another module that returns an SDK client', () => {
    write(
      'posthog/src/client.ts',
      "import { PostHog } from 'posthog-node';\nconst client = process.env.KEY ? new PostHog(process.env.KEY) : undefined;\nexport const getClient = () => client;\n",
    );
    const text = `
      import { getClient } from './client';
      type Flag = 'show-beta' | 'router-model';
      export const isOn = async (flag: Flag) => getClient()?.isFeatureEnabled(flag, 'backend');`;
    const file = write('posthog/src/flags.ts', text);
    expect(readsOfFile(file, text)).toEqual([
      { sdk: 'posthog', method: 'isFeatureEnabled', key: undefined, keyKind: 'constant' },
    ]);
  });
});
