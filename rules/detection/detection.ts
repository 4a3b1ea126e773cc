/**
 * Flag-read detection shared by the ESLint rules, `modelflags audit` and the `remove-flag` codemod.
 *
 * Reads are recognised by where the reading function or client came from (an import of a known
 * SDK, followed through variables, destructuring, `require`, class fields and typed parameters),
 * not by method names alone: `map.get('x')` and a string equal to a flag key in a log message are
 * not reads. Where the origin cannot be seen (a client imported from a local module), a key
 * argument that is a registry key is taken as strong evidence.
 */
import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/types';
import { DefinitionType, type ScopeManager } from '@typescript-eslint/scope-manager';
import type { RegistryReader } from 'modelflags/registry';
import { forEachNode } from './traverse.js';

export type SdkId =
  | 'modelflags'
  | 'openfeature'
  | 'launchdarkly'
  | 'growthbook'
  | 'unleash'
  | 'posthog'
  | 'vercel'
  | 'appconfig'
  | 'custom';

/** An in-house flag reader, declared in the registry's `readers` or in the ESLint settings. */
export type CustomReader = RegistryReader;

export interface DetectionOptions {
  registryKeys: ReadonlySet<string>;
  readers?: readonly CustomReader[];
  /**
   * The file's text. When given, files that mention no SDK, no reader and no registry key are
   * skipped without walking the tree, which keeps the rules cheap on ordinary files.
   */
  text?: string;
  /**
   * The file's call and `new` expressions, when the caller has them already (ESLint's own
   * traversal), so detection does not walk the tree again. Called only when the text pre-filter
   * lets the file through.
   */
  calls?: () => Iterable<TSESTree.CallExpression | TSESTree.NewExpression | TSESTree.JSXOpeningElement>;
  /** The file's path, so imports from the same project can be followed through {@link project}. */
  file?: string;
  project?: ProjectView;
}

/**
 * The rest of the project as detection sees it (implemented over the file system in
 * `project.ts`): imports from local modules and workspace packages are followed one file at a
 * time, so a key kept in another package's enum, or a Vercel flag defined in `flags.ts`, is seen.
 */
export interface ProjectView {
  /** The file an import specifier names, or undefined for external packages and unresolvable ones. */
  resolve(fromFile: string, specifier: string): string | undefined;
  /** The file's text, without parsing it (a cheap look before following an import into it). */
  read(file: string): string | undefined;
  parse(file: string): { ast: TSESTree.Program; scopeManager: ScopeManager; text: string } | undefined;
}

/** A module that re-exports others (`export * from './flags'`), through which an export may come. */
const RE_EXPORTS = /export\s*(?:\*|\{[^}]*\})\s*from/;

/** A file that could export a flag client, an SDK function or a Vercel flag. */
const MENTIONS_SDK = /['"](?:flags(?:\/[a-z]+)?|@vercel\/flags[^'"]*|@openfeature\/[^'"]+|launchdarkly[^'"]*|@launchdarkly\/[^'"]+|@growthbook\/[^'"]+|unleash-client|unleash-proxy-client|@unleash\/[^'"]+|posthog-(?:node|js)[^'"]*|modelflags)['"]/;

export type KeyKind = 'literal' | 'constant' | 'dynamic' | 'none';
export type ValueKind = 'value' | 'enabled' | 'details' | 'definition' | 'bundle';

export interface FlagRead {
  sdk: SdkId;
  method: string;
  /** The reading call (or `new GetLatestConfigurationCommand(...)`, `fetch(url)`, `useFlags()`). */
  call: TSESTree.Node;
  key: string | undefined;
  keyNode: TSESTree.Node | undefined;
  keyKind: KeyKind;
  defaultNode: TSESTree.Node | undefined;
  contextNode: TSESTree.Node | undefined;
  /** False when the SDK takes the evaluation context elsewhere (a browser SDK, a GrowthBook instance). */
  contextExpected: boolean;
  /** Smallest expression that evaluates to the flag value; see the module contract. */
  valueNode: TSESTree.Expression | undefined;
  valueKind: ValueKind;
  /** The identifier the value is bound to directly (`const model = <value>`, `const { fooBar } = useFlags()`). */
  valueBinding: TSESTree.Identifier | undefined;
  /** Set when the reader returns a stream that stays current (a reader declared with `returns: 'observable'`). */
  observable?: true;
}

type OpenFeatureFlavor = 'openfeature-server' | 'openfeature-web';
type ClientFlavor =
  | 'modelflags'
  | OpenFeatureFlavor
  | 'ld-server'
  | 'ld-client'
  | 'ld-ai'
  | 'growthbook'
  | 'growthbook-client'
  | 'unleash-server'
  | 'unleash-client'
  | 'posthog-node'
  | 'posthog-js';

/** Where a value comes from, as far as detection can tell. */
type Origin =
  /** Reached from an import: `path` are the property names read off the binding (`[]` = namespace). */
  | { kind: 'module'; source: string; path: readonly string[] }
  | { kind: 'client'; flavor: ClientFlavor }
  /** A Vercel `flag({ key })` definition: calling it reads the flag. */
  | { kind: 'vercel-flag'; key: string | undefined; keyNode: TSESTree.Node | undefined; keyKind: KeyKind }
  /** A value that is certainly not a flag client (a `new Map()`, a literal, ...). */
  | { kind: 'other' };

interface MethodSpec {
  key: number;
  default?: number;
  context?: number;
  valueKind: ValueKind;
  async: boolean;
  /** Member of the details object that holds the value, when it is not `value`. */
  valueMember?: string;
}

const sync = (key: number, valueKind: ValueKind, rest: Partial<MethodSpec> = {}): MethodSpec => ({ key, valueKind, async: false, ...rest });
const promised = (key: number, valueKind: ValueKind, rest: Partial<MethodSpec> = {}): MethodSpec => ({ key, valueKind, async: true, ...rest });

function openFeatureMethods(isAsync: boolean): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  for (const type of ['String', 'Number', 'Boolean', 'Object']) {
    // The web SDK evaluates against a global context, so its methods take (key, default, options).
    const context = isAsync ? { context: 2 } : {};
    out[`get${type}Value`] = { key: 0, default: 1, ...context, valueKind: 'value', async: isAsync };
    out[`get${type}Details`] = { key: 0, default: 1, ...context, valueKind: 'details', async: isAsync };
  }
  return out;
}

function launchDarklyMethods(server: boolean): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  // Server SDKs: (key, context, default) returning promises; client SDKs: (key, default), synchronous.
  const args = server ? { context: 1, default: 2 } : { default: 1 };
  for (const prefix of ['', 'bool', 'number', 'string', 'json']) {
    const name = prefix === '' ? 'variation' : `${prefix}Variation`;
    out[name] = { key: 0, ...args, valueKind: 'value', async: server };
    out[`${name}Detail`] = { key: 0, ...args, valueKind: 'details', async: server };
  }
  return out;
}

const METHODS: Record<ClientFlavor, Record<string, MethodSpec>> = {
  modelflags: {
    get: sync(0, 'value', { context: 1 }),
    detail: sync(0, 'details', { context: 1 }),
  },
  'openfeature-server': openFeatureMethods(true),
  'openfeature-web': openFeatureMethods(false),
  'ld-server': launchDarklyMethods(true),
  'ld-client': launchDarklyMethods(false),
  // Every keyed read of @launchdarkly/server-sdk-ai 0.16 (`modelConfig` from before 0.5); `createChat`
  // and `createJudge` evaluate the AI Config and wrap it in a provider client.
  'ld-ai': Object.fromEntries(
    ['config', 'completionConfig', 'modelConfig', 'agentConfig', 'agent', 'judgeConfig', 'createChat', 'initChat', 'createJudge'].map((m) => [
      m,
      promised(0, 'bundle', { context: 1, default: 2 }),
    ]),
  ),
  growthbook: {
    getFeatureValue: sync(0, 'value', { default: 1 }),
    isOn: sync(0, 'enabled'),
    isOff: sync(0, 'enabled'),
    evalFeature: sync(0, 'details'),
    feature: sync(0, 'details'),
  },
  'growthbook-client': {
    getFeatureValue: sync(0, 'value', { default: 1, context: 2 }),
    isOn: sync(0, 'enabled', { context: 1 }),
    isOff: sync(0, 'enabled', { context: 1 }),
    evalFeature: sync(0, 'details', { context: 1 }),
  },
  'unleash-server': {
    isEnabled: sync(0, 'enabled', { context: 1 }),
    getVariant: sync(0, 'details', { context: 1, valueMember: 'name' }),
  },
  'unleash-client': {
    isEnabled: sync(0, 'enabled'),
    getVariant: sync(0, 'details', { valueMember: 'name' }),
  },
  'posthog-node': {
    getFeatureFlag: promised(0, 'value', { context: 1 }),
    isFeatureEnabled: promised(0, 'enabled', { context: 1 }),
    getFeatureFlagPayload: promised(0, 'details', { context: 1 }),
  },
  'posthog-js': {
    getFeatureFlag: sync(0, 'value'),
    isFeatureEnabled: sync(0, 'enabled'),
    getFeatureFlagPayload: sync(0, 'details'),
  },
};

const FLAVOR_SDK: Record<ClientFlavor, SdkId> = {
  modelflags: 'modelflags',
  'openfeature-server': 'openfeature',
  'openfeature-web': 'openfeature',
  'ld-server': 'launchdarkly',
  'ld-client': 'launchdarkly',
  'ld-ai': 'launchdarkly',
  growthbook: 'growthbook',
  'growthbook-client': 'growthbook',
  'unleash-server': 'unleash',
  'unleash-client': 'unleash',
  'posthog-node': 'posthog',
  'posthog-js': 'posthog',
};

type PackageKind =
  | 'modelflags'
  | OpenFeatureFlavor
  | 'ld-server'
  | 'ld-client'
  | 'ld-react'
  | 'ld-ai'
  | 'growthbook'
  | 'unleash-server'
  | 'unleash-client'
  | 'posthog-node'
  | 'posthog-js'
  | 'vercel'
  | 'appconfig';

function packageKind(source: string): PackageKind | undefined {
  if (source === 'modelflags') return 'modelflags';
  if (/^@openfeature\/(server-sdk|js-sdk|nestjs-sdk)$/.test(source)) return 'openfeature-server';
  if (/^@openfeature\/(web-sdk|react-sdk|angular-sdk|core)$/.test(source)) return 'openfeature-web';
  if (source === '@launchdarkly/server-sdk-ai') return 'ld-ai';
  if (source === 'launchdarkly-react-client-sdk' || source === '@launchdarkly/react-universal-sdk') return 'ld-react';
  if (/^(@launchdarkly\/[a-z-]*server-sdk|launchdarkly-node-server-sdk)$/.test(source)) return 'ld-server';
  if (/^(@launchdarkly\/(js-client-sdk|react-native-client-sdk)|launchdarkly-js-client-sdk)$/.test(source)) return 'ld-client';
  if (/^@growthbook\/growthbook(-react)?$/.test(source)) return 'growthbook';
  if (source === 'unleash-client') return 'unleash-server';
  if (/^(unleash-proxy-client|@unleash\/proxy-client-react|@unleash\/nextjs)$/.test(source)) return 'unleash-client';
  if (source === 'posthog-node') return 'posthog-node';
  if (source === 'posthog-js' || source === 'posthog-js/react') return 'posthog-js';
  if (/^(@vercel\/flags|flags)(\/(next|sveltekit|react))?$/.test(source)) return 'vercel';
  if (source === '@aws-sdk/client-appconfigdata') return 'appconfig';
  return undefined;
}

const isRelative = (source: string): boolean => source.startsWith('.') || source.startsWith('/');

/** Functions (and constructors) exported by SDK packages that produce a client. */
function clientFromFactory(kind: PackageKind | 'relative', name: string, isNew: boolean): ClientFlavor | undefined {
  switch (kind) {
    case 'modelflags':
    case 'relative':
      return name === 'createFlags' && !isNew ? 'modelflags' : undefined;
    case 'openfeature-server':
    case 'openfeature-web':
      return name === 'getClient' || name === 'useOpenFeatureClient' ? kind : undefined;
    case 'ld-server':
      return name === 'init' ? 'ld-server' : undefined;
    case 'ld-client':
      return name === 'initialize' || name === 'createClient' ? 'ld-client' : undefined;
    case 'ld-react':
      return name === 'useLDClient' ? 'ld-client' : undefined;
    case 'ld-ai':
      return name === 'initAi' ? 'ld-ai' : undefined;
    case 'growthbook':
      if (name === 'GrowthBook' && isNew) return 'growthbook';
      if (name === 'GrowthBookClient' && isNew) return 'growthbook-client';
      return name === 'useGrowthBook' ? 'growthbook' : undefined;
    case 'unleash-server':
      return name === 'initialize' || name === 'startUnleash' || (name === 'Unleash' && isNew) ? 'unleash-server' : undefined;
    case 'unleash-client':
      return (name === 'UnleashClient' && isNew) || name === 'useUnleashClient' ? 'unleash-client' : undefined;
    case 'posthog-node':
      return name === 'PostHog' && isNew ? 'posthog-node' : undefined;
    case 'posthog-js':
      return name === 'usePostHog' ? 'posthog-js' : undefined;
    default:
      return undefined;
  }
}

/** Type names that mark a typed parameter or field as a client. */
function clientFromTypeName(kind: PackageKind | 'relative', name: string): ClientFlavor | undefined {
  switch (kind) {
    case 'modelflags':
    case 'relative':
      return name === 'Flags' ? 'modelflags' : undefined;
    case 'openfeature-server':
    case 'openfeature-web':
      return name === 'Client' || name === 'OpenFeatureClient' ? kind : undefined;
    case 'ld-server':
      return name === 'LDClient' ? 'ld-server' : undefined;
    case 'ld-client':
    case 'ld-react':
      return name === 'LDClient' ? 'ld-client' : undefined;
    case 'ld-ai':
      return name === 'LDAIClient' ? 'ld-ai' : undefined;
    case 'growthbook':
      return name === 'GrowthBook' ? 'growthbook' : name === 'GrowthBookClient' ? 'growthbook-client' : undefined;
    case 'unleash-server':
      return name === 'Unleash' ? 'unleash-server' : undefined;
    case 'unleash-client':
      return name === 'UnleashClient' ? 'unleash-client' : undefined;
    case 'posthog-node':
      return name === 'PostHog' ? 'posthog-node' : undefined;
    case 'posthog-js':
      return name === 'PostHog' ? 'posthog-js' : undefined;
    default:
      return undefined;
  }
}

/** Functions exported by SDK packages that read a flag themselves (hooks, module-level helpers). */
function moduleReader(kind: PackageKind, name: string): { sdk: SdkId; spec: MethodSpec } | undefined {
  switch (kind) {
    case 'openfeature-web': {
      const m = /^use(String|Number|Boolean|Object)Flag(Value|Details)$/.exec(name);
      if (m) return { sdk: 'openfeature', spec: sync(0, m[2] === 'Value' ? 'value' : 'details', { default: 1 }) };
      if (name === 'useFlag' || name === 'useSuspenseFlag') return { sdk: 'openfeature', spec: sync(0, 'details', { default: 1 }) };
      return undefined;
    }
    case 'growthbook':
      if (name === 'useFeatureValue') return { sdk: 'growthbook', spec: sync(0, 'value', { default: 1 }) };
      if (name === 'useFeatureIsOn') return { sdk: 'growthbook', spec: sync(0, 'enabled') };
      if (name === 'useFeature') return { sdk: 'growthbook', spec: sync(0, 'details') };
      return undefined;
    case 'unleash-server':
      if (name === 'isEnabled') return { sdk: 'unleash', spec: sync(0, 'enabled', { context: 1 }) };
      if (name === 'getVariant') return { sdk: 'unleash', spec: sync(0, 'details', { context: 1, valueMember: 'name' }) };
      return undefined;
    case 'unleash-client':
      if (name === 'useFlag') return { sdk: 'unleash', spec: sync(0, 'enabled') };
      if (name === 'useVariant') return { sdk: 'unleash', spec: sync(0, 'details', { valueMember: 'name' }) };
      return undefined;
    case 'posthog-js':
      if (name === 'useFeatureFlagVariantKey') return { sdk: 'posthog', spec: sync(0, 'value') };
      if (name === 'useFeatureFlagEnabled') return { sdk: 'posthog', spec: sync(0, 'enabled') };
      if (name === 'useFeatureFlagPayload') return { sdk: 'posthog', spec: sync(0, 'details') };
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Method names specific enough to one SDK that, in a file importing that SDK, a call on a client
 * whose origin cannot be traced (a field injected elsewhere) is still a read.
 */
const DISTINCTIVE_METHODS: Record<string, ClientFlavor> = {
  ...Object.fromEntries(Object.keys(METHODS['openfeature-server']).map((m) => [m, 'openfeature-server' as const])),
  ...Object.fromEntries(Object.keys(METHODS['ld-server']).filter((m) => m !== 'variation').map((m) => [m, 'ld-server' as const])),
  getFeatureValue: 'growthbook',
  evalFeature: 'growthbook',
  getFeatureFlag: 'posthog-node',
  isFeatureEnabled: 'posthog-node',
  getFeatureFlagPayload: 'posthog-node',
  completionConfig: 'ld-ai',
  modelConfig: 'ld-ai',
  agentConfig: 'ld-ai',
  judgeConfig: 'ld-ai',
  initChat: 'ld-ai',
  createJudge: 'ld-ai',
};

/** Method names that are reads only with more evidence: an SDK import plus an untraceable client, or a registry key. */
const AMBIGUOUS_METHODS: Record<string, ClientFlavor> = {
  get: 'modelflags',
  detail: 'modelflags',
  variation: 'ld-server',
  isOn: 'growthbook',
  isEnabled: 'unleash-server',
  getVariant: 'unleash-server',
  isOff: 'growthbook',
  config: 'ld-ai',
  agent: 'ld-ai',
  createChat: 'ld-ai',
};

const FLAVOR_PACKAGES: Record<ClientFlavor, readonly PackageKind[]> = {
  modelflags: ['modelflags'],
  'openfeature-server': ['openfeature-server', 'openfeature-web'],
  'openfeature-web': ['openfeature-web', 'openfeature-server'],
  'ld-server': ['ld-server', 'ld-client', 'ld-react'],
  'ld-client': ['ld-client', 'ld-react'],
  'ld-ai': ['ld-ai'],
  growthbook: ['growthbook'],
  'growthbook-client': ['growthbook'],
  'unleash-server': ['unleash-server', 'unleash-client'],
  'unleash-client': ['unleash-client'],
  'posthog-node': ['posthog-node', 'posthog-js'],
  'posthog-js': ['posthog-js'],
};

/** Every package kind; the `satisfies` makes adding a kind without listing it here a type error. */
const PACKAGE_KINDS = Object.keys({
  modelflags: true,
  'openfeature-server': true,
  'openfeature-web': true,
  'ld-server': true,
  'ld-client': true,
  'ld-react': true,
  'ld-ai': true,
  growthbook: true,
  'unleash-server': true,
  'unleash-client': true,
  'posthog-node': true,
  'posthog-js': true,
  vercel: true,
  appconfig: true,
} satisfies Record<PackageKind, true>) as PackageKind[];

const readMethodNames = new Map<string, boolean>();

/** Whether `x.<name>(...)` can be a read for some receiver: a client method, an untraced-client method or a module reader. */
function isReadMethodName(name: string): boolean {
  let known = readMethodNames.get(name);
  if (known === undefined) {
    known =
      name === 'useFlags' ||
      name === 'flag' ||
      Object.hasOwn(DISTINCTIVE_METHODS, name) ||
      Object.hasOwn(AMBIGUOUS_METHODS, name) ||
      Object.values(METHODS).some((methods) => Object.hasOwn(methods, name)) ||
      PACKAGE_KINDS.some((kind) => moduleReader(kind, name) !== undefined);
    if (readMethodNames.size > 10_000) readMethodNames.clear();
    readMethodNames.set(name, known);
  }
  return known;
}

/** Table lookup by a name taken from user code, which may be `constructor` or `__proto__`. */
function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

const APPCONFIG_AGENT_URL = /(?:localhost|127\.0\.0\.1):2772\/applications\//;

/**
 * Pre-filter for {@link DetectionOptions.text}: a file can only contain a read if it mentions one of
 * these (SDK package names are matched loosely: `flag` covers `createFlags`, `flags/next`, `useFlags`).
 */
export const TRIGGER = /flag|openfeature|launchdarkly|growthbook|unleash|posthog|appconfig|:2772|Variation|getFeatureValue|isOn|evalFeature/i;

interface CachedReads {
  /** The options the reads were found with: a copy of the keys, since callers may reuse and change their set. */
  keys: string[];
  readers: readonly CustomReader[];
  reads: FlagRead[];
}

const readCache = new WeakMap<TSESTree.Program, CachedReads>();

const optionsKeyOf = (keys: Iterable<string>, readers: readonly CustomReader[]): string => JSON.stringify([[...keys].sort(), readers]);

/**
 * Every flag read in a file, in source order. Results are memoised per tree and options; most
 * trees are analysed once, so the options are only compared when a tree comes back.
 */
export function findFlagReads(ast: TSESTree.Program, scopeManager: ScopeManager, options: DetectionOptions): FlagRead[] {
  const readers = options.readers ?? [];
  const cached = readCache.get(ast);
  if (cached && optionsKeyOf(cached.keys, cached.readers) === optionsKeyOf(options.registryKeys, readers)) return cached.reads;
  const reads = mightContainReads(options) ? new Detector(ast, scopeManager, options).run() : [];
  readCache.set(ast, { keys: [...options.registryKeys], readers: JSON.parse(JSON.stringify(readers)) as CustomReader[], reads });
  return reads;
}

const prefilters = new Map<string, RegExp>();

/**
 * One case-insensitive pass over the text for everything a read needs: {@link TRIGGER}, the
 * registry keys (also camelCased) and the custom readers' method names. Ignoring case only lets
 * more files through to detection, which decides. Compiled once per key set and reader list.
 */
export function mightContainReads(options: DetectionOptions): boolean {
  const { text } = options;
  if (text === undefined) return true;
  const readers = (options.readers ?? []).map((reader) => reader.callee.slice(reader.callee.lastIndexOf('.') + 1));
  const keys = [...options.registryKeys];
  const signature = `${readers.join('\u0000')}\u0001${keys.join('\u0000')}`;
  let prefilter = prefilters.get(signature);
  if (!prefilter) {
    const words = [...readers, ...keys, ...keys.map(camelCase)];
    // An empty word is in every text.
    const escape = (w: string): string => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (prefilters.size > 16) prefilters.clear();
    prefilter = words.includes('') ? /(?:)/ : new RegExp([TRIGGER.source, ...words.map(escape)].join('|'), 'i');
    prefilters.set(signature, prefilter);
  }
  return prefilter.test(text);
}

/** How LaunchDarkly's React SDK names flags: `inference-model` / `inference_model` → `inferenceModel`. */
export function camelCase(key: string): string {
  return key.replace(/[-_.]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Strips TypeScript-only wrappers (`as`, `!`, `satisfies`, `<T>x`) and optional chains. */
export function unwrapExpression(node: TSESTree.Node): TSESTree.Node {
  let n = node;
  for (;;) {
    if (
      n.type === AST_NODE_TYPES.TSAsExpression ||
      n.type === AST_NODE_TYPES.TSNonNullExpression ||
      n.type === AST_NODE_TYPES.TSSatisfiesExpression ||
      n.type === AST_NODE_TYPES.TSTypeAssertion ||
      n.type === AST_NODE_TYPES.ChainExpression
    ) {
      n = n.expression;
    } else return n;
  }
}

/** The node's parent, skipping the wrappers {@link unwrapExpression} removes. */
export function outerParent(node: TSESTree.Node): { node: TSESTree.Node; parent: TSESTree.Node | undefined } {
  let n = node;
  let p = n.parent;
  while (
    p &&
    (p.type === AST_NODE_TYPES.TSAsExpression ||
      p.type === AST_NODE_TYPES.TSNonNullExpression ||
      p.type === AST_NODE_TYPES.TSSatisfiesExpression ||
      p.type === AST_NODE_TYPES.TSTypeAssertion ||
      p.type === AST_NODE_TYPES.ChainExpression)
  ) {
    n = p;
    p = p.parent;
  }
  return { node: n, parent: p };
}

export function memberName(node: TSESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === AST_NODE_TYPES.Identifier) return node.property.name;
  const property = unwrapExpression(node.property);
  if (property.type === AST_NODE_TYPES.Literal && typeof property.value === 'string') return property.value;
  return undefined;
}

type Variable = ScopeManager['scopes'][number]['variables'][number];

const variableMaps = new WeakMap<ScopeManager, ReadonlyMap<TSESTree.Node, Variable>>();

/**
 * Identifier → the variable it references or declares (a class name declared both around and
 * inside the class maps to the outer binding, the one other code uses). Built once per scope
 * analysis, so detection and the rules walk the scopes once between them.
 */
export function variablesOf(scopeManager: ScopeManager): ReadonlyMap<TSESTree.Node, Variable> {
  let map = variableMaps.get(scopeManager) as Map<TSESTree.Node, Variable> | undefined;
  if (map) return map;
  map = new Map();
  for (const scope of scopeManager.scopes) {
    for (const ref of scope.references) if (ref.resolved) map.set(ref.identifier, ref.resolved);
    for (const variable of scope.variables) for (const id of variable.identifiers) if (!map.has(id)) map.set(id, variable);
  }
  variableMaps.set(scopeManager, map);
  return map;
}

class Detector {
  private readonly variables: ReadonlyMap<TSESTree.Node, Variable>;
  private readonly origins = new Map<TSESTree.Node, Origin | undefined>();
  private readonly resolving = new Set<TSESTree.Node>();
  private readonly importedPackages = new Set<PackageKind>();
  private readonly reads: FlagRead[] = [];
  /** The file's text, when known, for the cheap checks made before following an import into it. */
  readonly text: string;

  constructor(
    private readonly ast: TSESTree.Program,
    scopeManager: ScopeManager,
    private readonly options: DetectionOptions,
  ) {
    this.variables = variablesOf(scopeManager);
    this.text = options.text ?? '';
  }

  run(): FlagRead[] {
    for (const statement of this.ast.body) {
      if (statement.type === AST_NODE_TYPES.ImportDeclaration && typeof statement.source.value === 'string') {
        const kind = packageKind(statement.source.value);
        if (kind) this.importedPackages.add(kind);
      }
    }
    const visit = (node: TSESTree.Node): void => {
      if (node.type === AST_NODE_TYPES.CallExpression) this.visitCall(node);
      else if (node.type === AST_NODE_TYPES.NewExpression) this.visitNew(node);
      else if (node.type === AST_NODE_TYPES.JSXOpeningElement) this.visitElement(node);
    };
    if (this.options.calls) {
      for (const node of this.options.calls()) visit(node);
    } else {
      forEachNode(this.ast, visit);
    }
    this.reads.sort((a, b) => a.call.range[0] - b.call.range[0] || (a.keyNode?.range[0] ?? 0) - (b.keyNode?.range[0] ?? 0));
    return this.reads;
  }

  private visitCall(call: TSESTree.CallExpression): void {
    const callee = unwrapExpression(call.callee);
    if (this.visitCustomReader(call, callee)) return;
    if (this.visitAgentUrl(call)) return;

    if (callee.type === AST_NODE_TYPES.MemberExpression) {
      const method = memberName(callee);
      // Most calls (`items.push`, `res.json`) cannot be reads whatever their receiver is; tracing it is the expensive part.
      if (method === undefined || !isReadMethodName(method)) return;
      const receiver = this.originOf(callee.object);
      if (receiver?.kind === 'client') {
        const spec = own(METHODS[receiver.flavor], method);
        if (spec) this.addRead(FLAVOR_SDK[receiver.flavor], method, call, spec);
        return;
      }
      if (receiver?.kind === 'module' && packageKind(receiver.source)) {
        this.visitModuleFunction(call, receiver.source, [...receiver.path, method]);
        return;
      }
      if (receiver?.kind === 'other' || receiver?.kind === 'vercel-flag') return;
      this.visitUntracedMethod(call, callee, method);
      return;
    }
    const origin = this.originOf(callee);
    if (origin?.kind === 'module') this.visitModuleFunction(call, origin.source, origin.path);
    else if (origin?.kind === 'vercel-flag') {
      this.reads.push({
        sdk: 'vercel',
        method: 'flag',
        call,
        key: origin.key,
        keyNode: origin.keyNode,
        keyKind: origin.keyKind,
        defaultNode: undefined,
        contextNode: undefined,
        contextExpected: false,
        ...this.valueOf(call, promised(0, 'value')),
      });
    }
  }

  /**
   * `<IfFeatureEnabled feature="x">` (GrowthBook React) and in-house components declared as
   * readers with a props path (`{ "callee": "IfFeatureOn", "keyArgument": "0.feature" }`): React
   * calls a component with its props as the first argument, so the path reads the same.
   */
  private visitElement(element: TSESTree.JSXOpeningElement): void {
    const name = element.name.type === AST_NODE_TYPES.JSXIdentifier ? element.name.name : undefined;
    if (name === undefined || !/^[A-Z]/.test(name)) return;
    let prop: string | undefined;
    let sdk: SdkId = 'custom';
    const reader = this.options.readers?.find((r) => r.callee === name && /^0\.[^.]+$/.test(String(r.keyArgument)));
    if (reader) prop = String(reader.keyArgument).slice(2);
    else {
      const variable = this.variables.get(element.name);
      const def = variable?.defs[0];
      const source = def?.type === DefinitionType.ImportBinding && def.parent?.type === AST_NODE_TYPES.ImportDeclaration ? String(def.parent.source.value) : undefined;
      const imported = def?.node.type === AST_NODE_TYPES.ImportSpecifier && def.node.imported.type === AST_NODE_TYPES.Identifier ? def.node.imported.name : undefined;
      if (source === undefined || packageKind(source) !== 'growthbook' || (imported !== 'IfFeatureEnabled' && imported !== 'FeatureString')) return;
      prop = 'feature';
      sdk = 'growthbook';
    }
    const attribute = element.attributes.find((a): a is TSESTree.JSXAttribute => a.type === AST_NODE_TYPES.JSXAttribute && a.name.type === AST_NODE_TYPES.JSXIdentifier && a.name.name === prop);
    const value = attribute?.value;
    const keyNode = value?.type === AST_NODE_TYPES.JSXExpressionContainer ? (value.expression.type === AST_NODE_TYPES.JSXEmptyExpression ? undefined : value.expression) : (value ?? undefined);
    const resolved = keyNode ? this.resolveKey(keyNode) : { key: undefined, kind: 'none' as const };
    this.reads.push({
      sdk,
      method: name,
      call: element,
      key: resolved.key,
      keyNode,
      keyKind: keyNode?.type === AST_NODE_TYPES.Literal ? 'literal' : resolved.kind,
      defaultNode: undefined,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueKind: 'enabled',
      valueBinding: undefined,
    });
  }

  private visitModuleFunction(call: TSESTree.CallExpression, source: string, rawPath: readonly string[]): void {
    const kind = packageKind(source);
    const path = rawPath[0] === 'default' ? rawPath.slice(1) : rawPath;
    const name = path[path.length - 1];
    if (!kind || name === undefined || path.length > 2) return;
    if (kind === 'ld-react' && name === 'useFlags' && path.length === 1) {
      this.visitUseFlags(call);
      return;
    }
    if (kind === 'vercel' && isVercelFlagFunction(name) && path.length === 1) {
      this.visitVercelDefinition(call);
      return;
    }
    const reader = path.length === 1 ? moduleReader(kind, name) : undefined;
    if (reader) this.addRead(reader.sdk, name, call, reader.spec);
  }

  private visitNew(node: TSESTree.NewExpression): void {
    const origin = this.originOf(node.callee);
    if (origin?.kind !== 'module' || packageKind(origin.source) !== 'appconfig') return;
    const name = origin.path[origin.path.length - 1];
    if (name !== 'GetLatestConfigurationCommand') return;
    this.reads.push({
      sdk: 'appconfig',
      method: name,
      call: node,
      key: undefined,
      keyNode: undefined,
      keyKind: 'none',
      defaultNode: undefined,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueKind: 'bundle',
      valueBinding: undefined,
    });
  }

  /** A client whose origin is out of sight: decide by method name, SDK imports and registry keys. */
  private visitUntracedMethod(call: TSESTree.CallExpression, callee: TSESTree.MemberExpression, method: string): void {
    const distinctive = own(DISTINCTIVE_METHODS, method);
    const ambiguous = own(AMBIGUOUS_METHODS, method);
    const flavor = distinctive ?? ambiguous;
    if (!flavor) return;
    const keyArg = call.arguments[0];
    if (!keyArg || keyArg.type === AST_NODE_TYPES.SpreadElement) return;
    const key = this.resolveKey(keyArg);
    // `headers.get('host')`, `cookies.get(name)`: a registry key read off a web API is a coincidence of names.
    const isRegistryKey = key.key !== undefined && this.options.registryKeys.has(key.key) && !isWebApiReceiver(callee.object);
    const importsSdk = FLAVOR_PACKAGES[flavor].some((p) => this.importedPackages.has(p));
    let evidence = isRegistryKey || (distinctive !== undefined && importsSdk);
    if (!evidence && ambiguous === 'modelflags') evidence = this.looksLikeLocalFlagsClient(callee.object);
    else if (!evidence && ambiguous !== undefined) evidence = importsSdk && !this.isLocalValue(callee.object);
    if (!evidence) return;
    const refined = this.refineFlavor(flavor);
    const spec = own(METHODS[refined], method) ?? own(METHODS[flavor], method);
    if (spec) this.addRead(FLAVOR_SDK[refined], method, call, spec);
  }

  /** With a browser SDK imported but not a server one, an untraced client is the browser flavour. */
  private refineFlavor(flavor: ClientFlavor): ClientFlavor {
    const has = (k: PackageKind): boolean => this.importedPackages.has(k);
    if (flavor === 'openfeature-server' && has('openfeature-web') && !has('openfeature-server')) return 'openfeature-web';
    if (flavor === 'ld-server' && (has('ld-client') || has('ld-react')) && !has('ld-server')) return 'ld-client';
    if (flavor === 'posthog-node' && has('posthog-js') && !has('posthog-node')) return 'posthog-js';
    if (flavor === 'unleash-server' && has('unleash-client') && !has('unleash-server')) return 'unleash-client';
    return flavor;
  }

  /** `flags.get(...)` where `flags` is imported from a local module (the usual runtime set-up). */
  private looksLikeLocalFlagsClient(receiver: TSESTree.Node): boolean {
    const node = unwrapExpression(receiver);
    if (node.type !== AST_NODE_TYPES.Identifier || !/flag/i.test(node.name)) return false;
    const def = this.variables.get(node)?.defs[0];
    return def?.type === DefinitionType.ImportBinding && def.parent?.type === AST_NODE_TYPES.ImportDeclaration && isRelative(String(def.parent.source.value));
  }

  /** A receiver declared in this file with a visible initialiser, so its origin was knowable and is not an SDK. */
  private isLocalValue(receiver: TSESTree.Node): boolean {
    const node = unwrapExpression(receiver);
    if (node.type !== AST_NODE_TYPES.Identifier) return false;
    const def = this.variables.get(node)?.defs[0];
    return def?.type === DefinitionType.Variable && def.node.type === AST_NODE_TYPES.VariableDeclarator && def.node.init !== null;
  }

  private visitCustomReader(call: TSESTree.CallExpression, callee: TSESTree.Node): boolean {
    const readers = this.options.readers;
    if (!readers || readers.length === 0) return false;
    const chain = calleeChain(callee);
    if (chain === undefined) return false;
    const reader = readers.find((r) => chain === r.callee || chain.endsWith(`.${r.callee}`));
    if (!reader) return false;
    // `keyArgument: "0.key"`: the key is a property of an object argument.
    const [index, ...path] = String(reader.keyArgument).split('.');
    const spec: MethodSpec = {
      key: Number(index),
      valueKind: 'value',
      // Without a declared `returns`, an awaited call is taken as returning a promise.
      async: reader.returns === 'promise' || (reader.returns === undefined && outerParent(call).parent?.type === AST_NODE_TYPES.AwaitExpression),
      ...(reader.defaultArgument === undefined ? {} : { default: reader.defaultArgument }),
      ...(reader.contextArgument === undefined ? {} : { context: reader.contextArgument }),
    };
    let keyNode: TSESTree.Node | undefined = call.arguments[spec.key];
    for (const name of path) {
      const object: TSESTree.Node | undefined = keyNode && unwrapExpression(keyNode);
      keyNode = object?.type === AST_NODE_TYPES.ObjectExpression ? findProperty(object, name)?.value : undefined;
    }
    const read = this.addRead('custom', chain.slice(chain.lastIndexOf('.') + 1), call, spec, path.length > 0 ? { keyNode } : undefined);
    if (reader.returns === 'observable') {
      read.observable = true;
      // A stream is not the value: what the code does with it is up to the stream's operators.
      read.valueNode = undefined;
      read.valueBinding = undefined;
    }
    return true;
  }

  /** `fetch('http://localhost:2772/applications/app/environments/env/configurations/profile?flag=key')`. */
  private visitAgentUrl(call: TSESTree.CallExpression): boolean {
    const first = call.arguments[0];
    if (!first) return false;
    const arg = unwrapExpression(first);
    let url: string;
    const holes: string[] = [];
    if (arg.type === AST_NODE_TYPES.Literal && typeof arg.value === 'string') url = arg.value;
    else if (arg.type === AST_NODE_TYPES.TemplateLiteral) {
      url = arg.quasis.map((q) => q.value.cooked ?? q.value.raw).join('\u0000');
      holes.push(...arg.expressions.map(() => '\u0000'));
    } else return false;
    if (!APPCONFIG_AGENT_URL.test(url)) return false;
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1).split('#')[0]! : '';
    const flagParams = query.split('&').filter((p) => p.startsWith('flag='));
    const base = {
      sdk: 'appconfig' as const,
      method: 'agent',
      call,
      keyNode: arg,
      defaultNode: undefined,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueBinding: undefined,
    };
    if (flagParams.length === 0) {
      this.reads.push({ ...base, key: undefined, keyKind: 'none', valueKind: 'bundle' });
      return true;
    }
    for (const param of flagParams) {
      const raw = param.slice('flag='.length);
      if (raw.includes('\u0000')) this.reads.push({ ...base, key: undefined, keyKind: 'dynamic', valueKind: 'details' });
      else this.reads.push({ ...base, key: safeDecode(raw), keyKind: 'literal', valueKind: 'details' });
    }
    return true;
  }

  /** LaunchDarkly React: `useFlags().fooBar`, `const { fooBar } = useFlags()`, `const f = useFlags(); f.fooBar`. */
  private visitUseFlags(call: TSESTree.CallExpression): void {
    const { node: outer, parent } = outerParent(call);
    const fromMember = (member: TSESTree.MemberExpression): void => {
      const name = memberName(member);
      if (name === undefined) {
        // `flags[FLAG_KEY]`, `flags[key]` with `key: FeatureKey`: a constant key is as good as a written one.
        const resolved = this.resolveKey(member.property);
        this.pushUseFlagsRead(call, member.property, resolved.key, resolved.kind === 'dynamic' ? 'dynamic' : 'constant', member, bindingOf(member));
        return;
      }
      this.pushUseFlagsRead(call, member.property, name, 'literal', member, bindingOf(member));
    };
    const fromPattern = (pattern: TSESTree.ObjectPattern): void => {
      for (const property of pattern.properties) {
        if (property.type !== AST_NODE_TYPES.Property) continue;
        const name = !property.computed && property.key.type === AST_NODE_TYPES.Identifier ? property.key.name : staticString(property.key);
        const value = property.value.type === AST_NODE_TYPES.AssignmentPattern ? property.value.left : property.value;
        const binding = value.type === AST_NODE_TYPES.Identifier ? value : undefined;
        const defaultNode = property.value.type === AST_NODE_TYPES.AssignmentPattern ? property.value.right : undefined;
        this.pushUseFlagsRead(call, property.key, name, name === undefined ? 'dynamic' : 'literal', undefined, binding, defaultNode);
      }
    };
    if (parent?.type === AST_NODE_TYPES.MemberExpression && parent.object === outer) fromMember(parent);
    else if (parent?.type === AST_NODE_TYPES.VariableDeclarator && parent.init === outer) {
      if (parent.id.type === AST_NODE_TYPES.ObjectPattern) fromPattern(parent.id);
      else if (parent.id.type === AST_NODE_TYPES.Identifier) {
        const variable = this.variables.get(parent.id);
        for (const ref of variable?.references ?? []) {
          const { parent: refParent, node: refOuter } = outerParent(ref.identifier as TSESTree.Node);
          if (refParent?.type === AST_NODE_TYPES.MemberExpression && refParent.object === refOuter) fromMember(refParent);
        }
      }
    }
  }

  private pushUseFlagsRead(
    call: TSESTree.CallExpression,
    keyNode: TSESTree.Node,
    written: string | undefined,
    keyKind: KeyKind,
    valueNode: TSESTree.Expression | undefined,
    valueBinding: TSESTree.Identifier | undefined,
    defaultNode?: TSESTree.Node,
  ): void {
    let key = written;
    if (written !== undefined && !this.options.registryKeys.has(written)) {
      for (const registryKey of this.options.registryKeys) if (camelCase(registryKey) === written) key = registryKey;
    }
    this.reads.push({
      sdk: 'launchdarkly',
      method: 'useFlags',
      call,
      key,
      keyNode,
      keyKind,
      defaultNode,
      contextNode: undefined,
      contextExpected: false,
      valueNode,
      valueKind: 'value',
      valueBinding,
    });
  }

  private visitVercelDefinition(call: TSESTree.CallExpression): void {
    const def = this.vercelDefinition(call);
    if (!def) return;
    this.reads.push({
      sdk: 'vercel',
      method: 'flag',
      call,
      key: def.key,
      keyNode: def.keyNode,
      keyKind: def.keyKind,
      defaultNode: def.defaultNode,
      contextNode: undefined,
      contextExpected: false,
      valueNode: undefined,
      valueKind: 'definition',
      valueBinding: undefined,
    });
  }

  private vercelDefinition(
    call: TSESTree.CallExpression,
  ): { key: string | undefined; keyNode: TSESTree.Node | undefined; keyKind: KeyKind; defaultNode: TSESTree.Node | undefined } | undefined {
    const first = call.arguments[0];
    const config = first && unwrapExpression(first);
    if (!config || config.type !== AST_NODE_TYPES.ObjectExpression) return undefined;
    const keyProperty = findProperty(config, 'key');
    const defaultProperty = findProperty(config, 'defaultValue');
    const resolved = keyProperty ? this.resolveKey(keyProperty.value) : { key: undefined, kind: 'none' as const };
    return { key: resolved.key, keyNode: keyProperty?.value, keyKind: resolved.kind, defaultNode: defaultProperty?.value };
  }

  /** `override.keyNode`: the key sits elsewhere than the spec's argument (inside an object argument). */
  private addRead(sdk: SdkId, method: string, call: TSESTree.CallExpression, spec: MethodSpec, override?: { keyNode: TSESTree.Node | undefined }): FlagRead {
    const arg = (index: number | undefined): TSESTree.Node | undefined => {
      if (index === undefined) return undefined;
      const a = call.arguments[index];
      return a && a.type !== AST_NODE_TYPES.SpreadElement ? a : undefined;
    };
    const keyNode = override ? override.keyNode : arg(spec.key);
    const resolved = keyNode ? this.resolveKey(keyNode) : { key: undefined, kind: 'none' as const };
    const read: FlagRead = {
      sdk,
      method,
      call,
      key: resolved.key,
      keyNode,
      keyKind: resolved.kind,
      defaultNode: arg(spec.default),
      contextNode: arg(spec.context),
      contextExpected: spec.context !== undefined,
      ...this.valueOf(call, spec),
    };
    this.reads.push(read);
    return read;
  }

  private valueOf(call: TSESTree.CallExpression, spec: MethodSpec): { valueNode: TSESTree.Expression | undefined; valueKind: ValueKind; valueBinding: TSESTree.Identifier | undefined } {
    let container: TSESTree.Expression | undefined = call;
    if (spec.async) {
      const { node, parent } = outerParent(call);
      container = parent?.type === AST_NODE_TYPES.AwaitExpression && parent.argument === node ? parent : undefined;
    }
    let valueNode: TSESTree.Expression | undefined = container;
    if (container && spec.valueKind === 'details') {
      const { node, parent } = outerParent(container);
      const wanted = spec.valueMember ?? 'value';
      valueNode = parent?.type === AST_NODE_TYPES.MemberExpression && parent.object === node && memberName(parent) === wanted ? parent : undefined;
    }
    if (spec.valueKind === 'definition') valueNode = undefined;
    return { valueNode, valueKind: spec.valueKind, valueBinding: valueNode ? bindingOf(valueNode) : undefined };
  }

  /** What a flag key argument is: a literal, a constant the linter can resolve, or computed at run time. */
  resolveKey(node: TSESTree.Node, depth = 0): { key: string | undefined; kind: KeyKind } {
    const n = unwrapExpression(node);
    const dynamic = { key: undefined, kind: 'dynamic' as const };
    if (depth > 8) return dynamic;
    if (n.type === AST_NODE_TYPES.Literal) return typeof n.value === 'string' ? { key: n.value, kind: depth === 0 ? 'literal' : 'constant' } : dynamic;
    if (n.type === AST_NODE_TYPES.TemplateLiteral) {
      if (n.expressions.length === 0) return { key: n.quasis[0]?.value.cooked ?? '', kind: depth === 0 ? 'literal' : 'constant' };
      let out = '';
      for (let i = 0; i < n.quasis.length; i++) {
        out += n.quasis[i]!.value.cooked ?? '';
        const expression = n.expressions[i];
        if (expression) {
          const part = this.resolveKey(expression, depth + 1);
          if (part.key === undefined) return part.kind === 'constant' ? { key: undefined, kind: 'constant' } : dynamic;
          out += part.key;
        }
      }
      return { key: out, kind: 'constant' };
    }
    if (n.type === AST_NODE_TYPES.BinaryExpression && n.operator === '+') {
      const left = this.resolveKey(n.left, depth + 1);
      const right = this.resolveKey(n.right, depth + 1);
      if (left.key !== undefined && right.key !== undefined) return { key: left.key + right.key, kind: 'constant' };
      return left.kind === 'constant' && right.kind === 'constant' ? { key: undefined, kind: 'constant' } : dynamic;
    }
    if (n.type === AST_NODE_TYPES.Identifier) {
      const variable = this.variables.get(n);
      const def = variable?.defs[0];
      if (!variable || !def) return dynamic;
      if (def.type === DefinitionType.ImportBinding) {
        const target = this.importedValue(def, depth);
        const inner = target?.owner.resolveKey(target.node, depth + 1);
        return { key: inner?.kind === 'dynamic' ? undefined : inner?.key, kind: 'constant' };
      }
      if (def.type === DefinitionType.Variable && def.node.type === AST_NODE_TYPES.VariableDeclarator && def.node.id === def.name && def.node.init) {
        const writes = variable.references.filter((r) => r.isWrite()).length;
        if (def.parent?.type === AST_NODE_TYPES.VariableDeclaration && (def.parent.kind === 'const' || writes <= 1)) {
          const inner = this.resolveKey(def.node.init, depth + 1);
          return inner.kind === 'dynamic' ? dynamic : { key: inner.key, kind: 'constant' };
        }
      }
      if (def.type === DefinitionType.Parameter && isNarrowKeyType(typeAnnotationOf(def.name))) return { key: undefined, kind: 'constant' };
      if (def.type === DefinitionType.Parameter && isContextuallyTypedParameter(def.node, def.name)) return { key: undefined, kind: 'constant' };
      // An OpenFeature provider evaluates whichever flag its caller names: its key is the caller's.
      if (def.type === DefinitionType.Parameter && this.isInOpenFeatureProvider(def.node)) return { key: undefined, kind: 'constant' };
      if (this.iteratesConstants(def, depth)) return { key: undefined, kind: 'constant' };
      return dynamic;
    }
    if (n.type === AST_NODE_TYPES.ConditionalExpression) {
      const [a, b] = [this.resolveKey(n.consequent, depth + 1), this.resolveKey(n.alternate, depth + 1)];
      if (a.kind === 'dynamic' || b.kind === 'dynamic') return dynamic;
      return { key: a.key !== undefined && a.key === b.key ? a.key : undefined, kind: 'constant' };
    }
    if (n.type === AST_NODE_TYPES.MemberExpression) {
      if (isNarrowKeyType(this.parameterMemberType(n))) return { key: undefined, kind: 'constant' };
      if (this.isConstantElementMember(n, depth)) return { key: undefined, kind: 'constant' };
      const member = this.memberOfConstant(n, depth);
      if (member === undefined) return n.computed && this.isConstantTable(n.object, depth) ? { key: undefined, kind: 'constant' } : dynamic;
      if (member === IMPORTED) return { key: undefined, kind: 'constant' };
      const inner = member.owner.resolveKey(member.node, depth + 1);
      return inner.kind === 'dynamic' ? dynamic : { key: inner.key, kind: 'constant' };
    }
    return dynamic;
  }

  /**
   * What `a.b.c` (or `a[K]` with a constant `K`) is when `a` is a constant namespace: an `as const`
   * or frozen object, an enum, a class's static fields, a TypeScript namespace, nested to any
   * depth. {@link IMPORTED} when the namespace comes from another module (constant, value unseen);
   * undefined when the member is not a constant.
   */
  private memberOfConstant(member: TSESTree.MemberExpression, depth: number): Owned | typeof IMPORTED | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    const container = this.constantContainer(member.object, depth + 1);
    if (container === undefined) return undefined;
    let name = memberName(member);
    if (name === undefined && member.computed) {
      const property = this.resolveKey(member.property, depth + 1);
      if (property.kind === 'dynamic') return undefined;
      name = property.key;
    }
    if (container === IMPORTED) return IMPORTED;
    if (name === undefined) return undefined;
    const found = memberOfContainer(container.node, name);
    return found ? { owner: container.owner, node: found } : undefined;
  }

  /** The constant namespace an expression names, if it names one. */
  private constantContainer(node: TSESTree.Node, depth: number): { owner: Detector; node: ConstantContainer } | typeof IMPORTED | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    let n = unwrapExpression(node);
    if (n.type === AST_NODE_TYPES.CallExpression && isObjectFreeze(n.callee) && n.arguments[0]) n = unwrapExpression(n.arguments[0]);
    switch (n.type) {
      case AST_NODE_TYPES.ObjectExpression:
      case AST_NODE_TYPES.TSEnumDeclaration:
      case AST_NODE_TYPES.ClassDeclaration:
      case AST_NODE_TYPES.ClassExpression:
      case AST_NODE_TYPES.TSModuleDeclaration:
        return { owner: this, node: n };
      case AST_NODE_TYPES.MemberExpression: {
        const member = this.memberOfConstant(n, depth + 1);
        return member === undefined || member === IMPORTED ? member : member.owner.constantContainer(member.node, depth + 1);
      }
      case AST_NODE_TYPES.Identifier: {
        const variable = this.variables.get(n);
        const def = variable?.defs[0];
        if (!variable || !def) return undefined;
        if (def.type === DefinitionType.ImportBinding) {
          const target = this.importedValue(def, depth);
          return (target && target.owner.constantContainer(target.node, depth + 1)) ?? IMPORTED;
        }
        if (def.type === DefinitionType.TSEnumName || def.type === DefinitionType.ClassName || def.type === DefinitionType.TSModuleName) {
          return this.constantContainer(def.node as TSESTree.Node, depth + 1);
        }
        if (
          def.type === DefinitionType.Variable &&
          def.node.type === AST_NODE_TYPES.VariableDeclarator &&
          def.node.id === def.name &&
          def.node.init &&
          def.parent?.type === AST_NODE_TYPES.VariableDeclaration &&
          def.parent.kind === 'const'
        ) {
          return this.constantContainer(def.node.init, depth + 1);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * A loop variable or callback parameter that takes each element of a constant collection:
   * `for (const flag of Object.values(FLAGS))`, `FLAGS_USED.map((flag) => read(flag))`. The key is
   * one of a fixed, visible set, not computed.
   */
  private iteratesConstants(def: Variable['defs'][number], depth: number): boolean {
    const collection = this.iteratedCollection(def);
    return collection !== undefined && this.isConstantCollection(collection, depth + 1);
  }

  private isConstantCollection(node: TSESTree.Node, depth: number): boolean {
    if (depth > MAX_NAMESPACE_DEPTH) return false;
    const n = unwrapExpression(node);
    if (n.type === AST_NODE_TYPES.ArrayExpression) {
      return n.elements.every((e) => e !== null && e.type !== AST_NODE_TYPES.SpreadElement && this.resolveKey(e, depth + 1).kind !== 'dynamic');
    }
    if (n.type === AST_NODE_TYPES.CallExpression && n.arguments[0]) {
      const callee = unwrapExpression(n.callee);
      // `Object.values(FLAGS)`, `Object.keys(FLAGS)`
      if (callee.type === AST_NODE_TYPES.MemberExpression && callee.object.type === AST_NODE_TYPES.Identifier && callee.object.name === 'Object' && ['values', 'keys'].includes(memberName(callee) ?? '')) {
        return this.constantContainer(n.arguments[0], depth + 1) !== undefined;
      }
      return false;
    }
    if (n.type === AST_NODE_TYPES.Identifier) {
      const def = this.variables.get(n)?.defs[0];
      if (def?.type === DefinitionType.ImportBinding) return true;
      if (def?.type === DefinitionType.Parameter && isNarrowKeyArrayType(typeAnnotationOf(def.name))) return true;
      return (
        def?.type === DefinitionType.Variable &&
        def.node.type === AST_NODE_TYPES.VariableDeclarator &&
        def.node.id === def.name &&
        def.node.init !== null &&
        def.parent?.type === AST_NODE_TYPES.VariableDeclaration &&
        def.parent.kind === 'const' &&
        this.isConstantCollection(def.node.init, depth + 1)
      );
    }
    if (n.type === AST_NODE_TYPES.MemberExpression) {
      if (isNarrowKeyArrayType(this.parameterMemberType(n))) return true;
      const member = this.memberOfConstant(n, depth + 1);
      return member === IMPORTED || (member !== undefined && member.owner.isConstantCollection(member.node, depth + 1));
    }
    return false;
  }

  /**
   * What an import from a file of this project is bound to there: the exported initialiser or
   * declaration, with the detector of its file. Undefined for packages outside the project.
   */
  private importedValue(def: Variable['defs'][number], depth: number, mentions?: RegExp): Owned | undefined {
    const { file, project } = this.options;
    const declaration = def.parent;
    if (!file || !project || depth > MAX_NAMESPACE_DEPTH || declaration?.type !== AST_NODE_TYPES.ImportDeclaration || typeof declaration.source.value !== 'string') return undefined;
    const spec = def.node;
    const name =
      spec.type === AST_NODE_TYPES.ImportSpecifier ? (spec.imported.type === AST_NODE_TYPES.Identifier ? spec.imported.name : String(spec.imported.value)) : spec.type === AST_NODE_TYPES.ImportDefaultSpecifier ? 'default' : undefined;
    if (name === undefined) return undefined;
    return this.exportFrom(declaration.source.value, name, depth + 1, mentions);
  }

  /** `mentions`: follow only into files whose text matches it (or that re-export), so most imports are never parsed. */
  private exportFrom(specifier: string, name: string, depth: number, mentions?: RegExp): Owned | undefined {
    const { file, project } = this.options;
    if (!file || !project || depth > MAX_NAMESPACE_DEPTH || packageKind(specifier)) return undefined;
    const target = project.resolve(file, specifier);
    if (!target) return undefined;
    if (mentions) {
      const text = project.read(target);
      if (text === undefined || !(mentions.test(text) || RE_EXPORTS.test(text))) return undefined;
    }
    return this.detectorFor(target)?.exported(name, depth + 1, mentions);
  }

  private detectorFor(file: string): Detector | undefined {
    const parsed = this.options.project!.parse(file);
    if (!parsed) return undefined;
    let detector = fileDetectors.get(parsed.ast);
    if (!detector) {
      detector = new Detector(parsed.ast, parsed.scopeManager, { registryKeys: this.options.registryKeys, file, project: this.options.project!, text: parsed.text });
      fileDetectors.set(parsed.ast, detector);
    }
    return detector;
  }

  /** The value this module exports as `name`: `export const`, `export enum`, `export { a as name }`, re-exports. */
  exported(name: string, depth: number, mentions?: RegExp): Owned | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    const local = (id: string): Owned | undefined => {
      const variable = this.moduleVariable(id);
      const def = variable?.defs[0];
      if (!def) return undefined;
      if (def.type === DefinitionType.ImportBinding) return this.importedValue(def, depth + 1, mentions);
      if (def.type === DefinitionType.Variable && def.node.type === AST_NODE_TYPES.VariableDeclarator && def.node.id === def.name && def.node.init) return { owner: this, node: def.node.init };
      if (def.type === DefinitionType.TSEnumName || def.type === DefinitionType.ClassName || def.type === DefinitionType.TSModuleName) return { owner: this, node: def.node as TSESTree.Node };
      return undefined;
    };
    for (const statement of this.ast.body) {
      if (statement.type === AST_NODE_TYPES.ExportNamedDeclaration) {
        const declaration = statement.declaration;
        if (declaration?.type === AST_NODE_TYPES.VariableDeclaration) {
          for (const d of declaration.declarations) if (d.id.type === AST_NODE_TYPES.Identifier && d.id.name === name && d.init) return { owner: this, node: d.init };
        } else if (declaration && 'id' in declaration && declaration.id?.type === AST_NODE_TYPES.Identifier && declaration.id.name === name) {
          return { owner: this, node: declaration };
        }
        for (const specifier of statement.specifiers) {
          const exportedName = specifier.exported.type === AST_NODE_TYPES.Identifier ? specifier.exported.name : String(specifier.exported.value);
          if (exportedName !== name) continue;
          const localName = specifier.local.type === AST_NODE_TYPES.Identifier ? specifier.local.name : String(specifier.local.value);
          if (statement.source && typeof statement.source.value === 'string') return this.exportFrom(statement.source.value, localName, depth + 1, mentions);
          return local(localName);
        }
      } else if (statement.type === AST_NODE_TYPES.ExportDefaultDeclaration && name === 'default') {
        const declaration = statement.declaration;
        return declaration.type === AST_NODE_TYPES.Identifier ? local(declaration.name) : { owner: this, node: declaration };
      }
    }
    for (const statement of this.ast.body) {
      if (statement.type === AST_NODE_TYPES.ExportAllDeclaration && statement.exported === null && typeof statement.source.value === 'string') {
        const found = this.exportFrom(statement.source.value, name, depth + 1, mentions);
        if (found) return found;
      }
    }
    return undefined;
  }

  private moduleVariable(name: string): Variable | undefined {
    for (const variable of this.variables.values()) {
      if (variable.name === name && variable.scope.type === 'module') return variable;
    }
    return undefined;
  }

  /**
   * `media.feature` in `SOCIAL_MEDIA.map((media) => ...)` (or a `for...of`) where the array is a
   * constant list of object literals whose `feature` is a constant key in every element.
   */
  private isConstantElementMember(member: TSESTree.MemberExpression, depth: number): boolean {
    const object = unwrapExpression(member.object);
    const name = memberName(member);
    if (object.type !== AST_NODE_TYPES.Identifier || name === undefined) return false;
    const def = this.variables.get(object)?.defs[0];
    const collection = def && this.iteratedCollection(def);
    if (!collection) return false;
    const list = this.constantArray(collection, depth + 1);
    return (
      list !== undefined &&
      list.node.elements.length > 0 &&
      list.node.elements.every((e) => {
        const element = e && unwrapExpression(e);
        const value = element?.type === AST_NODE_TYPES.ObjectExpression ? findProperty(element, name)?.value : undefined;
        return value !== undefined && list.owner.resolveKey(value, depth + 1).kind !== 'dynamic';
      })
    );
  }

  /** The array literal a constant (here or exported by a project file) is bound to. */
  private constantArray(node: TSESTree.Node, depth: number): { owner: Detector; node: TSESTree.ArrayExpression } | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    const n = unwrapExpression(node);
    if (n.type === AST_NODE_TYPES.ArrayExpression) return { owner: this, node: n };
    if (n.type !== AST_NODE_TYPES.Identifier) return undefined;
    const def = this.variables.get(n)?.defs[0];
    if (def?.type === DefinitionType.ImportBinding) {
      const target = this.importedValue(def, depth);
      return target?.owner.constantArray(target.node, depth + 1);
    }
    if (def?.type === DefinitionType.Variable && def.node.type === AST_NODE_TYPES.VariableDeclarator && def.node.init && def.parent?.type === AST_NODE_TYPES.VariableDeclaration && def.parent.kind === 'const') {
      return this.constantArray(def.node.init, depth + 1);
    }
    return undefined;
  }

  /** The collection a loop variable or an element callback's parameter walks through. */
  private iteratedCollection(def: Variable['defs'][number]): TSESTree.Node | undefined {
    if (def.type === DefinitionType.Variable) {
      const loop = def.parent?.parent;
      return loop?.type === AST_NODE_TYPES.ForOfStatement && loop.left === def.parent && def.node.id === def.name ? loop.right : undefined;
    }
    if (def.type !== DefinitionType.Parameter || !isFunctionNode(def.node) || def.node.params[0] !== def.name) return undefined;
    const { node, parent } = outerParent(def.node);
    if (parent?.type !== AST_NODE_TYPES.CallExpression || parent.arguments[0] !== node) return undefined;
    const callee = unwrapExpression(parent.callee);
    return callee.type === AST_NODE_TYPES.MemberExpression && ELEMENT_CALLBACKS.has(memberName(callee) ?? '') ? callee.object : undefined;
  }

  /** `FLOW_FLAGS[flowId]`: a lookup, by any index, in a constant table whose every value is a constant key. */
  private isConstantTable(node: TSESTree.Node, depth: number): boolean {
    const container = this.constantContainer(node, depth + 1);
    if (container === IMPORTED) return true;
    const table = container?.node;
    const constant = (value: TSESTree.Node | undefined): boolean => value !== undefined && container!.owner.resolveKey(value, depth + 1).kind !== 'dynamic';
    // `FeatureFlag[name as keyof typeof FeatureFlag]`: one of a string enum's values.
    if (table?.type === AST_NODE_TYPES.TSEnumDeclaration) return (table.body?.members ?? []).every((m) => constant(m.initializer));
    return table?.type === AST_NODE_TYPES.ObjectExpression && table.properties.every((p) => p.type === AST_NODE_TYPES.Property && constant(p.value));
  }

  /** A method of a class declared `implements Provider` with `Provider` from an OpenFeature package. */
  private isInOpenFeatureProvider(fn: TSESTree.Node): boolean {
    let n: TSESTree.Node | undefined = fn.parent;
    while (n && n.type !== AST_NODE_TYPES.ClassDeclaration && n.type !== AST_NODE_TYPES.ClassExpression) n = n.parent;
    return (n?.implements ?? []).some((clause) => {
      const name = clause.expression;
      if (name.type !== AST_NODE_TYPES.Identifier) return false;
      const origin = this.identifierOrigin(name, 0);
      return origin?.kind === 'module' && /^@openfeature\//.test(origin.source) && /Provider$/.test(lastOf(origin.path) ?? '');
    });
  }

  /** `props.feature` where the parameter is declared `props: { feature: FeatureKey }`: the member's declared type. */
  private parameterMemberType(member: TSESTree.MemberExpression): TSESTree.TSTypeAnnotation | undefined {
    const object = unwrapExpression(member.object);
    const name = memberName(member);
    if (object.type !== AST_NODE_TYPES.Identifier || name === undefined) return undefined;
    const def = this.variables.get(object)?.defs[0];
    if (def?.type !== DefinitionType.Parameter) return undefined;
    const type = typeAnnotationOf(def.name)?.typeAnnotation;
    if (type?.type !== AST_NODE_TYPES.TSTypeLiteral) return undefined;
    for (const m of type.members) {
      if (m.type === AST_NODE_TYPES.TSPropertySignature && !m.computed && m.key.type === AST_NODE_TYPES.Identifier && m.key.name === name) return m.typeAnnotation;
    }
    return undefined;
  }

  private originOf(node: TSESTree.Node, depth = 0): Origin | undefined {
    if (this.origins.has(node)) return this.origins.get(node);
    if (depth > 12 || this.resolving.has(node)) return undefined;
    this.resolving.add(node);
    const origin = this.computeOrigin(node, depth);
    this.resolving.delete(node);
    this.origins.set(node, origin);
    return origin;
  }

  private computeOrigin(node: TSESTree.Node, depth: number): Origin | undefined {
    const n = unwrapExpression(node);
    switch (n.type) {
      case AST_NODE_TYPES.Identifier:
        return this.identifierOrigin(n, depth);
      case AST_NODE_TYPES.AwaitExpression:
        return this.originOf(n.argument, depth + 1);
      case AST_NODE_TYPES.MemberExpression: {
        const name = memberName(n);
        if (name === undefined) return undefined;
        const object = unwrapExpression(n.object);
        if (object.type === AST_NODE_TYPES.ThisExpression) return this.thisMemberOrigin(n, name, depth);
        const base = this.originOf(object, depth + 1);
        if (base?.kind === 'module') return { kind: 'module', source: base.source, path: [...base.path, name] };
        return undefined;
      }
      case AST_NODE_TYPES.CallExpression: {
        const callee = unwrapExpression(n.callee);
        if (callee.type === AST_NODE_TYPES.Identifier && callee.name === 'require' && !this.variables.has(callee)) {
          const source = n.arguments[0];
          return source?.type === AST_NODE_TYPES.Literal && typeof source.value === 'string' ? { kind: 'module', source: source.value, path: [] } : undefined;
        }
        if (callee.type === AST_NODE_TYPES.MemberExpression) {
          const method = memberName(callee);
          const receiver = this.originOf(callee.object, depth + 1);
          if (receiver?.kind === 'client' && receiver.flavor === 'growthbook-client' && method === 'createScopedInstance') return { kind: 'client', flavor: 'growthbook' };
          // `init(key).waitForInitialization()` and similar return the client itself.
          if (receiver?.kind === 'client' && (method === 'waitForInitialization' || method === 'waitUntilReady' || method === 'init')) return receiver;
        }
        const fn = this.originOf(callee, depth + 1);
        if (fn?.kind === 'module' && packageKind(fn.source)) return this.factoryResult(fn, false) ?? (packageKind(fn.source) === 'vercel' && isVercelFlagFunction(lastOf(fn.path)) ? this.vercelOrigin(n) : undefined);
        return (fn?.kind === 'module' ? this.factoryResult(fn, false) : undefined) ?? this.returnedClient(callee, depth + 1);
      }
      case AST_NODE_TYPES.ConditionalExpression: {
        // `key ? new PostHog(key) : undefined`
        const branches = [n.consequent, n.alternate].map((b) => (isNothing(b) ? undefined : this.originOf(b, depth + 1)));
        const client = branches.find((o) => o?.kind === 'client');
        return client && branches.every((o, i) => o === client || isNothing([n.consequent, n.alternate][i]!)) ? client : undefined;
      }
      case AST_NODE_TYPES.NewExpression: {
        const fn = this.originOf(n.callee, depth + 1);
        if (fn?.kind === 'module') return this.factoryResult(fn, true) ?? { kind: 'other' };
        return { kind: 'other' };
      }
      case AST_NODE_TYPES.ObjectExpression:
      case AST_NODE_TYPES.ArrayExpression:
      case AST_NODE_TYPES.Literal:
      case AST_NODE_TYPES.TemplateLiteral:
        return { kind: 'other' };
      default:
        return undefined;
    }
  }

  /** `getClient()` where `getClient` (here or in a project file) returns a client: `() => client`, `function () { return client; }`. */
  private returnedClient(callee: TSESTree.Node, depth: number): Origin | undefined {
    const id = unwrapExpression(callee);
    if (id.type !== AST_NODE_TYPES.Identifier || depth > 12) return undefined;
    const def = this.variables.get(id)?.defs[0];
    let fn: Owned | undefined;
    if (def?.type === DefinitionType.FunctionName) fn = { owner: this, node: def.node as TSESTree.Node };
    else if (def?.type === DefinitionType.Variable && def.node.type === AST_NODE_TYPES.VariableDeclarator && def.node.init) fn = { owner: this, node: def.node.init };
    else if (def?.type === DefinitionType.ImportBinding && this.options.project && !packageKind(String(def.parent?.type === AST_NODE_TYPES.ImportDeclaration ? def.parent.source.value : ''))) {
      fn = this.importedValue(def, depth);
    }
    if (!fn || !isFunctionNode(fn.node)) return undefined;
    const body = fn.node.body;
    let returned: TSESTree.Node | undefined;
    if (body.type !== AST_NODE_TYPES.BlockStatement) returned = body;
    else {
      const returns = body.body.filter((st): st is TSESTree.ReturnStatement => st.type === AST_NODE_TYPES.ReturnStatement);
      if (returns.length === 1) returned = returns[0]!.argument ?? undefined;
    }
    const origin = returned && fn.owner.originOf(returned, depth + 1);
    return origin?.kind === 'client' ? origin : undefined;
  }

  private vercelOrigin(call: TSESTree.CallExpression): Origin | undefined {
    const def = this.vercelDefinition(call);
    return def ? { kind: 'vercel-flag', key: def.key, keyNode: def.keyNode, keyKind: def.keyKind } : undefined;
  }

  private factoryResult(fn: { source: string; path: readonly string[] }, isNew: boolean): Origin | undefined {
    const kind = isRelative(fn.source) ? 'relative' : packageKind(fn.source);
    if (!kind) return undefined;
    const path = fn.path[0] === 'default' ? fn.path.slice(1) : fn.path;
    const name = lastOf(path);
    if (name === undefined || path.length > 2) return undefined;
    // OpenFeature's client comes from the `OpenFeature` singleton: `OpenFeature.getClient()`.
    if (path.length === 2 && !(path[0] === 'OpenFeature' && name === 'getClient')) return undefined;
    const flavor = clientFromFactory(kind, name, isNew);
    return flavor ? { kind: 'client', flavor } : undefined;
  }

  private identifierOrigin(id: TSESTree.Identifier, depth: number): Origin | undefined {
    const variable = this.variables.get(id);
    const def = variable?.defs[0];
    if (!variable || !def) return undefined;
    if (def.type === DefinitionType.ImportBinding) {
      const declaration = def.parent;
      if (declaration?.type !== AST_NODE_TYPES.ImportDeclaration || typeof declaration.source.value !== 'string') return undefined;
      const source = declaration.source.value;
      const spec = def.node;
      if (spec.type === AST_NODE_TYPES.ImportNamespaceSpecifier) return { kind: 'module', source, path: [] };
      if (spec.type === AST_NODE_TYPES.ImportDefaultSpecifier) {
        // posthog-js exports its ready client as the default export.
        if (packageKind(source) === 'posthog-js' && source === 'posthog-js') return { kind: 'client', flavor: 'posthog-js' };
        return { kind: 'module', source, path: ['default'] };
      }
      if (spec.type === AST_NODE_TYPES.ImportSpecifier) {
        const imported = spec.imported.type === AST_NODE_TYPES.Identifier ? spec.imported.name : String(spec.imported.value);
        return this.projectOrigin(def, depth) ?? { kind: 'module', source, path: [imported] };
      }
      return undefined;
    }
    if (def.type === DefinitionType.Variable && def.node.type === AST_NODE_TYPES.VariableDeclarator) {
      const declarator = def.node;
      const writes = variable.references.filter((r) => r.isWrite() && !r.init).length;
      if (writes > 0) return undefined;
      if (!declarator.init) return undefined;
      if (declarator.id === def.name) return this.originOf(declarator.init, depth + 1);
      // `const { OpenFeature } = require('@openfeature/server-sdk')`, `const { flags } = await import(...)`.
      if (declarator.id.type === AST_NODE_TYPES.ObjectPattern) {
        const base = this.originOf(declarator.init, depth + 1);
        const property = declarator.id.properties.find(
          (p): p is TSESTree.Property => p.type === AST_NODE_TYPES.Property && (p.value === def.name || (p.value.type === AST_NODE_TYPES.AssignmentPattern && p.value.left === def.name)),
        );
        const name = property && !property.computed && property.key.type === AST_NODE_TYPES.Identifier ? property.key.name : undefined;
        if (base?.kind === 'module' && name !== undefined) return { kind: 'module', source: base.source, path: [...base.path, name] };
      }
      return undefined;
    }
    if (def.type === DefinitionType.Parameter) return this.typedOrigin(typeAnnotationOf(def.name));
    return undefined;
  }

  /**
   * An import from a file of this project that exports a flag client, an SDK function under another
   * name (`export const useFeatureOn = useFeatureIsOn`) or a Vercel flag (`export const f = flag({...})`).
   */
  private projectOrigin(def: Variable['defs'][number], depth: number): Origin | undefined {
    const declaration = def.parent;
    if (!this.options.project || declaration?.type !== AST_NODE_TYPES.ImportDeclaration || packageKind(String(declaration.source.value))) return undefined;
    const target = this.importedValue(def, depth, MENTIONS_SDK);
    if (!target || !MENTIONS_SDK.test(target.owner.text)) return undefined;
    const origin = target.owner.originOf(target.node, depth + 1);
    if (origin?.kind === 'client' || origin?.kind === 'vercel-flag') return origin;
    if (origin?.kind === 'module' && packageKind(origin.source)) return origin;
    return undefined;
  }

  /** `this.client` in a class: a field initialiser, a typed field or parameter property, or a constructor assignment. */
  private thisMemberOrigin(member: TSESTree.MemberExpression, name: string, depth: number): Origin | undefined {
    let n: TSESTree.Node | undefined = member.parent;
    while (n && n.type !== AST_NODE_TYPES.ClassBody) n = n.parent;
    if (!n) return undefined;
    for (const element of n.body) {
      if (element.type === AST_NODE_TYPES.PropertyDefinition && !element.computed && element.key.type === AST_NODE_TYPES.Identifier && element.key.name === name) {
        if (element.value) return this.originOf(element.value, depth + 1);
        return this.typedOrigin(element.typeAnnotation);
      }
      if (element.type === AST_NODE_TYPES.MethodDefinition && element.kind === 'constructor') {
        for (const param of element.value.params) {
          if (param.type === AST_NODE_TYPES.TSParameterProperty && param.parameter.type === AST_NODE_TYPES.Identifier && param.parameter.name === name) {
            return this.typedOrigin(param.parameter.typeAnnotation);
          }
        }
        for (const statement of element.value.body?.body ?? []) {
          if (statement.type !== AST_NODE_TYPES.ExpressionStatement || statement.expression.type !== AST_NODE_TYPES.AssignmentExpression) continue;
          const { left, right } = statement.expression;
          if (left.type === AST_NODE_TYPES.MemberExpression && left.object.type === AST_NODE_TYPES.ThisExpression && memberName(left) === name) {
            return this.originOf(right, depth + 1);
          }
        }
      }
    }
    return undefined;
  }

  private typedOrigin(annotation: TSESTree.TSTypeAnnotation | undefined): Origin | undefined {
    const type = annotation?.typeAnnotation;
    if (type?.type !== AST_NODE_TYPES.TSTypeReference) return undefined;
    let typeName: TSESTree.EntityName = type.typeName;
    const path: string[] = [];
    while (typeName.type === AST_NODE_TYPES.TSQualifiedName) {
      path.unshift(typeName.right.name);
      typeName = typeName.left;
    }
    if (typeName.type !== AST_NODE_TYPES.Identifier) return undefined;
    const base = this.identifierOrigin(typeName, 0);
    if (base?.kind !== 'module') return undefined;
    const kind = isRelative(base.source) ? 'relative' : packageKind(base.source);
    const name = lastOf([...base.path, ...path]);
    if (!kind || name === undefined) return undefined;
    const flavor = clientFromTypeName(kind, name);
    return flavor ? { kind: 'client', flavor } : undefined;
  }
}

/** A namespace of constants: an object literal, an enum, a class (its static fields) or a TypeScript namespace. */
type ConstantContainer = TSESTree.ObjectExpression | TSESTree.TSEnumDeclaration | TSESTree.ClassDeclaration | TSESTree.ClassExpression | TSESTree.TSModuleDeclaration;

/** A node and the detector of the file it is in (constants and flag definitions can live in other files). */
interface Owned {
  owner: Detector;
  node: TSESTree.Node;
}

/** Detectors of files read through {@link ProjectView}, kept with their trees. */
const fileDetectors = new WeakMap<TSESTree.Program, Detector>();

function memberOfContainer(container: ConstantContainer, name: string): TSESTree.Node | undefined {
  switch (container.type) {
    case AST_NODE_TYPES.ObjectExpression:
      return findProperty(container, name)?.value;
    case AST_NODE_TYPES.TSEnumDeclaration:
      return container.body?.members.find((m) => (m.id.type === AST_NODE_TYPES.Identifier ? m.id.name : m.id.value) === name)?.initializer;
    case AST_NODE_TYPES.ClassDeclaration:
    case AST_NODE_TYPES.ClassExpression:
      return (
        container.body.body.find(
          (e): e is TSESTree.PropertyDefinition => e.type === AST_NODE_TYPES.PropertyDefinition && e.static && !e.computed && e.key.type === AST_NODE_TYPES.Identifier && e.key.name === name,
        )?.value ?? undefined
      );
    case AST_NODE_TYPES.TSModuleDeclaration:
      return namespaceMember(container, name);
  }
}

/**
 * How far a constant is followed through namespaces and files (`config.unleash.flags.x.name` in
 * another package takes a dozen steps); deeper is taken as not constant.
 */
const MAX_NAMESPACE_DEPTH = 40;

/** A member of a namespace imported from another module: a constant whose value is not in this file. */
const IMPORTED = Symbol('imported');

/** Array methods whose callback's first parameter is each element in turn. */
const ELEMENT_CALLBACKS = new Set(['map', 'forEach', 'filter', 'flatMap', 'some', 'every', 'find', 'findIndex']);

/** Receivers of standard `get` methods (Fetch, URL, Map-like stores) that are never a flag client. */
const WEB_API_RECEIVERS = /^(headers|cookies|searchParams|params|query|formData|map|cache|storage|localStorage|sessionStorage|env)$/i;

function isWebApiReceiver(receiver: TSESTree.Node): boolean {
  const n = unwrapExpression(receiver);
  const name = n.type === AST_NODE_TYPES.Identifier ? n.name : n.type === AST_NODE_TYPES.MemberExpression ? memberName(n) : undefined;
  return name !== undefined && WEB_API_RECEIVERS.test(name);
}

/**
 * An unannotated parameter of a function written as an object literal's property
 * (`{ evaluatedFeatureFlag: (flag) => reader(flag) }`) takes its type from the object's declared
 * type, which only the type-checked config can see; it is not evidence of a computed key.
 */
function isContextuallyTypedParameter(fn: TSESTree.Node, name: TSESTree.Node): boolean {
  if (!isFunctionNode(fn) || typeAnnotationOf(name) !== undefined || !fn.params.includes(name as TSESTree.Parameter)) return false;
  const { node, parent } = outerParent(fn);
  return parent?.type === AST_NODE_TYPES.Property && parent.value === node && parent.parent?.type === AST_NODE_TYPES.ObjectExpression;
}

/** `flag`, and its name before flags 3 (`unstable_flag`). */
function isVercelFlagFunction(name: string | undefined): boolean {
  return name === 'flag' || name === 'unstable_flag';
}

function isNothing(node: TSESTree.Node): boolean {
  const n = unwrapExpression(node);
  return (n.type === AST_NODE_TYPES.Identifier && n.name === 'undefined') || (n.type === AST_NODE_TYPES.Literal && n.value === null);
}

function isFunctionNode(node: TSESTree.Node): node is TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression | TSESTree.FunctionDeclaration {
  return node.type === AST_NODE_TYPES.ArrowFunctionExpression || node.type === AST_NODE_TYPES.FunctionExpression || node.type === AST_NODE_TYPES.FunctionDeclaration;
}

/** `namespace Settings { export const X = ...; export namespace Inner {...} }`: the initialiser or declaration named `name`. */
function namespaceMember(namespace: TSESTree.TSModuleDeclaration, name: string): TSESTree.Node | undefined {
  const body = namespace.body;
  if (body?.type !== AST_NODE_TYPES.TSModuleBlock) return undefined;
  for (const statement of body.body) {
    const declaration = statement.type === AST_NODE_TYPES.ExportNamedDeclaration ? statement.declaration : undefined;
    if (!declaration) continue;
    if (declaration.type === AST_NODE_TYPES.VariableDeclaration && declaration.kind === 'const') {
      for (const d of declaration.declarations) if (d.id.type === AST_NODE_TYPES.Identifier && d.id.name === name && d.init) return d.init;
    } else if (
      (declaration.type === AST_NODE_TYPES.TSEnumDeclaration || declaration.type === AST_NODE_TYPES.ClassDeclaration || declaration.type === AST_NODE_TYPES.TSModuleDeclaration) &&
      declaration.id?.type === AST_NODE_TYPES.Identifier &&
      declaration.id.name === name
    ) {
      return declaration;
    }
  }
  return undefined;
}

function lastOf<T>(list: readonly T[]): T | undefined {
  return list[list.length - 1];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function staticString(node: TSESTree.Node): string | undefined {
  const n = unwrapExpression(node);
  if (n.type === AST_NODE_TYPES.Literal && typeof n.value === 'string') return n.value;
  if (n.type === AST_NODE_TYPES.TemplateLiteral && n.expressions.length === 0) return n.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

export function findProperty(object: TSESTree.ObjectExpression, name: string): TSESTree.Property | undefined {
  for (const property of object.properties) {
    if (property.type !== AST_NODE_TYPES.Property) continue;
    const key = !property.computed && property.key.type === AST_NODE_TYPES.Identifier ? property.key.name : staticString(property.key);
    if (key === name) return property;
  }
  return undefined;
}

function isObjectFreeze(callee: TSESTree.Node): boolean {
  return (
    callee.type === AST_NODE_TYPES.MemberExpression &&
    callee.object.type === AST_NODE_TYPES.Identifier &&
    callee.object.name === 'Object' &&
    memberName(callee) === 'freeze'
  );
}

/** `this.a.b.c` / `a.b.c` as a dotted string; undefined for computed or call-based callees. */
function calleeChain(node: TSESTree.Node): string | undefined {
  const n = unwrapExpression(node);
  if (n.type === AST_NODE_TYPES.Identifier) return n.name;
  if (n.type === AST_NODE_TYPES.ThisExpression) return 'this';
  if (n.type === AST_NODE_TYPES.MemberExpression) {
    const name = memberName(n);
    const object = calleeChain(n.object);
    return name === undefined || object === undefined ? undefined : `${object}.${name}`;
  }
  return undefined;
}

function typeAnnotationOf(node: TSESTree.Node): TSESTree.TSTypeAnnotation | undefined {
  if (node.type === AST_NODE_TYPES.Identifier) return node.typeAnnotation;
  return undefined;
}

/**
 * A parameter typed as something narrower than `string` (a literal union, `keyof Flags`, a
 * generated `FlagKey` alias) holds one of a known set of keys; the type checker, not the
 * linter, guarantees which.
 */
function isNarrowKeyType(annotation: TSESTree.TSTypeAnnotation | undefined): boolean {
  return annotation !== undefined && isNarrowKeyTypeNode(annotation.typeAnnotation);
}

function isNarrowKeyTypeNode(type: TSESTree.TypeNode): boolean {
  switch (type.type) {
    case AST_NODE_TYPES.TSLiteralType:
    case AST_NODE_TYPES.TSTypeOperator:
    case AST_NODE_TYPES.TSIndexedAccessType:
      return true;
    case AST_NODE_TYPES.TSUnionType:
      return type.types.every((t) => t.type === AST_NODE_TYPES.TSLiteralType || t.type === AST_NODE_TYPES.TSTypeReference);
    case AST_NODE_TYPES.TSTypeReference:
      return true;
    default:
      return false;
  }
}

/** `FeatureKey[]`, `readonly FeatureKey[]`, `Array<FeatureKey>`: a list of keys from a known set. */
function isNarrowKeyArrayType(annotation: TSESTree.TSTypeAnnotation | undefined): boolean {
  let type = annotation?.typeAnnotation;
  if (type?.type === AST_NODE_TYPES.TSTypeOperator && type.operator === 'readonly') type = type.typeAnnotation;
  if (type?.type === AST_NODE_TYPES.TSArrayType) return isNarrowKeyTypeNode(type.elementType);
  if (type?.type === AST_NODE_TYPES.TSTypeReference && type.typeName.type === AST_NODE_TYPES.Identifier && /^(Readonly)?Array$/.test(type.typeName.name)) {
    const element = type.typeArguments?.params[0];
    return element !== undefined && isNarrowKeyTypeNode(element);
  }
  return false;
}

/** `const model = <value>` → `model`. */
export function bindingOf(value: TSESTree.Node): TSESTree.Identifier | undefined {
  const { node, parent } = outerParent(value);
  if (parent?.type === AST_NODE_TYPES.VariableDeclarator && parent.init === node && parent.id.type === AST_NODE_TYPES.Identifier) return parent.id;
  return undefined;
}
