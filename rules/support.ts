/**
 * What every rule needs besides detection: the rule factory, the registry handed over in
 * `settings.modelflags`, the file's flag reads, key resolution through types when the
 * type-checked config is on, and UTC date arithmetic for the cleanup rules.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLintUtils, type TSESLint, type TSESTree } from '@typescript-eslint/utils';
import type { ScopeManager } from '@typescript-eslint/scope-manager';
import { describeErrno } from 'modelflags/io';
import {
  CLEANUP_HORIZON_DAYS,
  formatIssue,
  isValidDate,
  parseRegistry,
  readerProblems,
  type FlagDefinition,
  type FlagValue,
  type Registry,
  type RegistryIssue,
} from 'modelflags/registry';
import {
  diskProject,
  findFlagReads,
  forEachNode,
  variablesOf,
  type CustomReader,
  type FlagRead,
} from './detection/index.js';
import type { FollowCall, Resolve } from './flow.js';
import { typedFlowOf, type ParameterUses } from './typed-flow.js';

export interface ModelflagsDocs {
  description: string;
  /** Set when type information lets the rule see more (the `recommended-type-checked` config). */
  usesTypeInformation?: boolean;
}

const namedRule = ESLintUtils.RuleCreator<ModelflagsDocs>(
  (name) => `https://github.com/modelflags/modelflags/blob/main/docs/rules/${name}.md`,
);

/**
 * `RuleCreator`, except that options are merged with the defaults once per configuration rather
 * than once per file: typescript-eslint's wrapper `structuredClone`s the defaults on every
 * `create`, which costs more than most of these rules do on a file without flag reads. ESLint
 * hands each file a fresh options array holding the same configured objects, so the merge is
 * reused while those objects are the same. Rules never mutate their options.
 */
export function createRule<Options extends readonly unknown[], MessageIds extends string>(
  spec: Readonly<ESLintUtils.RuleWithMetaAndName<Options, MessageIds, ModelflagsDocs>>,
): ESLintUtils.RuleModule<MessageIds, Options, ModelflagsDocs> {
  const rule = namedRule(spec);
  const defaults = (spec.defaultOptions ?? []) as Options;
  let configured: readonly unknown[] | undefined;
  let merged: Options | undefined;
  return {
    ...rule,
    create(context) {
      rulesOn(context.sourceCode.ast).add(spec.name);
      ruleNames.set(context, spec.name);
      const options = context.options;
      const previous = configured;
      let current = merged;
      if (
        current === undefined ||
        previous === undefined ||
        options.length !== previous.length ||
        options.some((o, i) => o !== previous[i])
      ) {
        current = ESLintUtils.applyDefault<Options, Options>(defaults, options);
        merged = current;
        configured = options;
      }
      return spec.create(context, current);
    },
  };
}

/** What `settings.modelflags` may hold (docs/eslint.md). */
export interface ModelflagsSettings {
  /**
   * The registry file: a path relative to ESLint's working directory (`cwd`), an absolute path,
   * or a `file:` URL. Default `flags.json`.
   */
  registry?: string | URL;
  /** The registry's text itself, instead of a file (tests, generated configs); `registryFile` names it in messages. */
  registryText?: string;
  registryFile?: string;
  /** Fixed UTC date `YYYY-MM-DD` for the date rules, for reproducible builds. */
  today?: string;
  /** In-house flag readers, added to the registry's `readers`. */
  readers?: CustomReader[];
}

const DEFAULT_REGISTRY = 'flags.json';

const CONFIGURE_REGISTRY_HINT =
  "there is no flags.json in ESLint's working directory; name yours in eslint.config.js: `settings: { modelflags: { registry: 'path/to/flags.json' } }` (or run `npx modelflags init` to start one)";

type AnyContext = Readonly<TSESLint.RuleContext<string, readonly unknown[]>>;

interface CheckedSettings {
  settings: ModelflagsSettings;
  /** Settings that were ignored, and why; each is reported once per run. */
  problems: string[];
}

const checkedSettings = new WeakMap<object, CheckedSettings>();

/** `settings.modelflags`, without the values that are not valid (those are in `problems`). */
function checkSettings(context: AnyContext): CheckedSettings {
  const raw = (context.settings as Record<string, unknown> | undefined)?.['modelflags'];
  if (!raw || typeof raw !== 'object') return { settings: {}, problems: [] };
  const cached = checkedSettings.get(raw);
  if (cached) return cached;
  const settings = { ...(raw as ModelflagsSettings) };
  const problems: string[] = [];
  if (settings.today !== undefined && (typeof settings.today !== 'string' || !isValidDate(settings.today))) {
    problems.push(
      `settings.modelflags.today must be a UTC date written YYYY-MM-DD, for example "2026-01-31"; got ${JSON.stringify(settings.today)}, so today's date is used`,
    );
    delete settings.today;
  }
  if (settings.readers !== undefined) {
    const readerIssues = readerProblems(settings.readers);
    if (readerIssues.length > 0) {
      problems.push(`settings.modelflags.readers is ignored: ${readerIssues.join('; ')}`);
      delete settings.readers;
    }
  }
  const registry = settings.registry;
  if (registry !== undefined && typeof registry !== 'string' && !(registry instanceof URL)) {
    problems.push(`settings.modelflags.registry must be a path or a file URL; got ${JSON.stringify(registry)}`);
    delete settings.registry;
  }
  const checked = { settings, problems };
  checkedSettings.set(raw, checked);
  return checked;
}

function settingsOf(context: AnyContext): ModelflagsSettings {
  return checkSettings(context).settings;
}

/** The registry file the settings name, resolved against `cwd`. */
function registryPath(registry: string | URL | undefined, cwd: string): string {
  if (registry instanceof URL || registry?.startsWith('file:')) return fileURLToPath(registry);
  return resolve(cwd, registry ?? DEFAULT_REGISTRY);
}

/** A registry file as last read: what identifies that version on disk, and what came of it. */
interface LoadedRegistry {
  stamp: string;
  registry: Registry | undefined;
  /** Why it cannot be used (file:line:column: message); undefined when it can, or when the default file is absent. */
  problem: string | undefined;
}

/** mtime, size and inode: an edit in place, a rewrite and an atomic rename each change one of them. */
function stampOf(stats: Stats): string {
  return `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
}

const loadedRegistries = new Map<string, LoadedRegistry>();

/**
 * The registry file, read again only when its stat changes, so a long-lived ESLint (an editor,
 * `eslint --watch`-style tools) sees an edit on the next lint without restarting.
 */
function loadRegistryFile(file: string, named: boolean): LoadedRegistry {
  let stats: Stats | undefined;
  try {
    stats = statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    return {
      stamp: '',
      registry: undefined,
      problem: `${file}:1:1: cannot read the registry: ${describeErrno(error)}`,
    };
  }
  if (!stats) {
    const problem = named
      ? `${file}:1:1: cannot read the registry: no such file; fix settings.modelflags.registry in eslint.config.js`
      : undefined;
    return { stamp: '', registry: undefined, problem };
  }
  // A FIFO or a device would hang the lint, or never end.
  if (!stats.isFile())
    return { stamp: '', registry: undefined, problem: `${file}:1:1: cannot read the registry: not a regular file` };
  const stamp = stampOf(stats);
  const previous = loadedRegistries.get(file);
  if (previous?.stamp === stamp) return previous;
  let loaded: LoadedRegistry;
  try {
    const { registry, issues } = parseRegistry(readFileSync(file, 'utf8'), file);
    loaded = { stamp, registry, problem: registry ? undefined : summarizeIssues(issues) };
  } catch (error) {
    loaded = { stamp, registry: undefined, problem: `${file}:1:1: cannot read the registry: ${describeErrno(error)}` };
  }
  if (loadedRegistries.size > 16) loadedRegistries.clear();
  loadedRegistries.set(file, loaded);
  return loaded;
}

const ISSUES_SHOWN = 5;

function summarizeIssues(issues: readonly RegistryIssue[]): string {
  const shown = issues.slice(0, ISSUES_SHOWN).map(formatIssue);
  if (issues.length > ISSUES_SHOWN)
    shown.push(`… and ${issues.length - ISSUES_SHOWN} more (\`npx modelflags check\` lists them all)`);
  return shown.join('\n');
}

const inlineRegistries = new Map<string, Registry | undefined>();

function inlineRegistry(text: string, file: string | undefined): Registry | undefined {
  const cacheKey = `${file ?? ''}\u0000${text}`;
  if (!inlineRegistries.has(cacheKey)) {
    if (inlineRegistries.size > 16) inlineRegistries.clear();
    inlineRegistries.set(cacheKey, parseRegistry(text, file ?? DEFAULT_REGISTRY).registry);
  }
  return inlineRegistries.get(cacheKey);
}

/** The registry each linted file sees, so the file is stat'ed once however many rules ask. */
const registriesByFile = new WeakMap<object, LoadedRegistry>();

function loadedRegistryOf(context: AnyContext): LoadedRegistry {
  const ast = context.sourceCode.ast;
  const cached = registriesByFile.get(ast);
  if (cached) return cached;
  const settings = settingsOf(context);
  const loaded: LoadedRegistry =
    settings.registryText !== undefined
      ? { stamp: '', registry: inlineRegistry(settings.registryText, settings.registryFile), problem: undefined }
      : loadRegistryFile(registryPath(settings.registry, context.cwd), settings.registry !== undefined);
  registriesByFile.set(ast, loaded);
  return loaded;
}

/** The registry from settings, or undefined when there is none or it cannot be used. */
export function registryOf(context: AnyContext): Registry | undefined {
  return loadedRegistryOf(context).registry;
}

/**
 * The settings object every config puts in `settings.modelflags` (merged with the user's). ESLint's
 * `--cache` hashes each file's config as JSON, and this `toJSON` adds the registry's stamp, so an
 * edit of the registry invalidates cached results as a config edit would; ESLint's JSON of the
 * config is all it changes.
 */
export const CACHE_KEY_SETTINGS: object = Object.freeze({
  toJSON(this: Record<string, unknown>): Record<string, unknown> {
    const { toJSON: _toJSON, ...settings } = this;
    if (settings['registryText'] !== undefined) return settings;
    const registry = settings['registry'];
    let stamp = 'none';
    try {
      const file = registryPath(
        typeof registry === 'string' || registry instanceof URL ? registry : undefined,
        process.cwd(),
      );
      const stats = statSync(file, { throwIfNoEntry: false });
      if (stats) stamp = stampOf(stats);
    } catch {
      // An unusable registry is reported by the rules; the hash only has to differ from a usable one's.
      stamp = 'unreadable';
    }
    return { ...settings, registryStamp: stamp };
  },
});

export function isJsonDocument(context: AnyContext): boolean {
  return (context.sourceCode.ast as { type: string }).type === 'Document';
}

const fileReads = new WeakMap<object, { registry: Registry | undefined; reads: FlagRead[] }>();
const registryKeySets = new WeakMap<Registry, ReadonlySet<string>>();
const NO_KEYS: ReadonlySet<string> = new Set();

/** The registry's flag keys, one set per registry, so caches can tell registries apart by it. */
function registryKeysOf(registry: Registry | undefined): ReadonlySet<string> {
  if (!registry) return NO_KEYS;
  let keys = registryKeySets.get(registry);
  if (!keys) {
    keys = new Set(registry.byKey.keys());
    registryKeySets.set(registry, keys);
  }
  return keys;
}

const mergedReaders = new WeakMap<object, { registry: Registry | undefined; readers: readonly CustomReader[] }>();

/** The registry's `readers` followed by those the ESLint settings add, one list per settings object and registry. */
function readersOf(context: AnyContext, registry: Registry | undefined): readonly CustomReader[] {
  const settings = settingsOf(context);
  const cached = mergedReaders.get(settings);
  if (cached && cached.registry === registry) return cached.readers;
  const readers = [...(registry?.readers ?? []), ...(settings.readers ?? [])];
  mergedReaders.set(settings, { registry, readers });
  return readers;
}

/** The file's flag reads, computed once per file however many rules ask. */
export function readsOf(context: AnyContext, registry: Registry | undefined): FlagRead[] {
  const sourceCode = context.sourceCode;
  const cached = fileReads.get(sourceCode.ast);
  if (cached && cached.registry === registry) return cached.reads;
  const reads = findFlagReads(sourceCode.ast, sourceCode.scopeManager as ScopeManager, {
    registryKeys: registryKeysOf(registry),
    readers: readersOf(context, registry),
    text: sourceCode.text,
    ...(isAbsolute(context.filename) ? { file: context.filename, project: diskProject } : {}),
    calls: callsFromTraversal(sourceCode),
  });
  fileReads.set(sourceCode.ast, { registry, reads });
  return reads;
}

export interface FileFlow {
  /** The file's reads and, with type information, its calls of wrappers that return a flag value. */
  reads: FlagRead[];
  resolve: Resolve;
  /** With type information, how `sinkOf` follows a value into the functions it is passed to. */
  follow: FollowCall | undefined;
  /** With type information, the uses of a value inside the function a call passes it to. */
  parameterUses: ((call: TSESTree.CallExpression, index: number) => ParameterUses | undefined) | undefined;
}

/** {@link readsOf} and {@link resolverOf}, extended across functions and files when the config has type information. */
const fileFlows = new WeakMap<object, { registry: Registry | undefined; flow: FileFlow }>();

export function flowOf(context: AnyContext, registry: Registry | undefined): FileFlow {
  const cached = fileFlows.get(context.sourceCode.ast);
  if (cached && cached.registry === registry) return cached.flow;
  const flow = computeFlow(context, registry);
  fileFlows.set(context.sourceCode.ast, { registry, flow });
  return flow;
}

function computeFlow(context: AnyContext, registry: Registry | undefined): FileFlow {
  const reads = readsOf(context, registry);
  // Most files read no flag: without type information there is nothing to follow and no bindings to build.
  if (reads.length === 0 && !context.sourceCode.parserServices?.program)
    return { reads, resolve: () => undefined, follow: undefined, parameterUses: undefined };
  const resolve = resolverOf(context);
  const typed = typedFlowOf(context, reads, resolve, registryKeysOf(registry), readersOf(context, registry));
  if (!typed) return { reads, resolve, follow: undefined, parameterUses: undefined };
  const calls = callsFromTraversal(context.sourceCode)?.() ?? allCalls(context.sourceCode.ast);
  return {
    reads: [
      ...reads,
      ...typed.wrapperReads(
        calls.filter((c): c is TSESTree.CallExpression => c.type === 'CallExpression'),
        reads,
      ),
    ].sort((a, b) => a.call.range[0] - b.call.range[0]),
    resolve,
    follow: typed.follow,
    parameterUses: typed.parameterUses.bind(typed),
  };
}

/** The nodes detection looks at: calls, `new` and JSX elements (flag components). */
type CallLike = TSESTree.CallExpression | TSESTree.NewExpression | TSESTree.JSXOpeningElement;

function allCalls(ast: TSESTree.Program): CallLike[] {
  const calls: CallLike[] = [];
  forEachNode(ast, (node) => {
    if (node.type === 'CallExpression' || node.type === 'NewExpression' || node.type === 'JSXOpeningElement')
      calls.push(node);
  });
  return calls;
}

interface TraversalStep {
  kind: number;
  phase?: number;
  target: unknown;
}

/**
 * The file's calls, from the traversal ESLint computes (and caches) before any rule runs, which
 * is a flat list and so much cheaper to scan than walking the tree again. Undefined where the
 * source code offers no traversal (detection then walks the tree itself).
 */
function callsFromTraversal(sourceCode: AnyContext['sourceCode']): (() => CallLike[]) | undefined {
  const withSteps = sourceCode as unknown as { traverse?: () => Iterable<TraversalStep> };
  if (typeof withSteps.traverse !== 'function') return undefined;
  return () => {
    const calls: CallLike[] = [];
    // Kind 1 is a node visit, phase 1 its entry (ESLint's VisitNodeStep).
    for (const step of withSteps.traverse!()) {
      if (step.kind !== 1 || step.phase !== 1) continue;
      const node = step.target as TSESTree.Node;
      if (node.type === 'CallExpression' || node.type === 'NewExpression' || node.type === 'JSXOpeningElement')
        calls.push(node);
    }
    return calls;
  };
}

/**
 * The keys a read may name: the constant key, or, with type information, every member of a
 * string-literal (union) type the key expression has, so keys imported from another module or
 * passed through a typed wrapper are checked too.
 */
export function keysOfRead(context: AnyContext, read: FlagRead): string[] | undefined {
  if (read.key !== undefined) return [read.key];
  if (!read.keyNode || read.keyKind === 'none') return undefined;
  return literalTypesOf(context, read.keyNode);
}

function literalTypesOf(context: AnyContext, node: TSESTree.Node): string[] | undefined {
  const services = context.sourceCode.parserServices;
  if (!services?.program || !services.esTreeNodeToTSNodeMap) return undefined;
  const tsNode = services.esTreeNodeToTSNodeMap.get(node as never);
  if (!tsNode) return undefined;
  const type = services.program.getTypeChecker().getTypeAtLocation(tsNode);
  const parts = type.isUnion() ? type.types : [type];
  const out: string[] = [];
  for (const part of parts) {
    if (!part.isStringLiteral()) return undefined;
    out.push(part.value);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The registry and the file's flag reads (those `keep` accepts), for a rule that needs the registry.
 * Without one it returns undefined, and says why once per run (see {@link reportOncePerRun}): where
 * none is configured, at the first read it would have checked; where the configured one cannot be
 * used (missing, unreadable, invalid), at line 1. Settings that were ignored are reported the same way.
 */
export function registryAndReads(
  context: Readonly<TSESLint.RuleContext<'noRegistry' | string, readonly unknown[]>>,
  keep: (read: FlagRead) => boolean = () => true,
): { registry: Registry; reads: FlagRead[] } | undefined {
  for (const problem of checkSettings(context).problems) {
    reportOncePerRun(context, problem, `settings.modelflags in eslint.config.js has a problem: ${problem}`);
  }
  const { registry, problem } = loadedRegistryOf(context);
  if (registry) return { registry, reads: readsOf(context, registry).filter(keep) };
  if (problem !== undefined) {
    reportOncePerRun(
      context,
      problem,
      `the registry in the config cannot be used, so the rules that need it check nothing until it is fixed:\n${problem}`,
    );
    return undefined;
  }
  const first = readsOf(context, registry).find(keep);
  if (first) reportOncePerRun(context, CONFIGURE_REGISTRY_HINT, CONFIGURE_REGISTRY_HINT, first.call);
  return undefined;
}

export const NO_REGISTRY_MESSAGE = 'This rule needs the flag registry: {{hint}}.';

/**
 * The rules that need the registry, in the order in which they volunteer to report that it cannot
 * be used: the first is an error in every config, so a broken registry fails the run.
 */
const REGISTRY_PROBLEM_REPORTERS = [
  'no-unknown-flag',
  'no-unknown-variant',
  'consistent-default',
  'require-context',
  'no-expired-flag',
];

/** The modelflags rules enabled on a file, as their `create` runs (before any of them visits a node). */
const enabledRules = new WeakMap<object, Set<string>>();

/** Each rule context's rule, by its name in this plugin (whatever namespace the user gave the plugin). */
const ruleNames = new WeakMap<object, string>();

function rulesOn(ast: object): Set<string> {
  let names = enabledRules.get(ast);
  if (!names) enabledRules.set(ast, (names = new Set()));
  return names;
}

/** Configuration problem → the file it was reported on, in this process. */
const problemReportedOn = new Map<string, string>();

/**
 * Reports a configuration problem once per run rather than once per file and rule (or stopping
 * ESLint): in the first file linted, by one rule (the first of {@link REGISTRY_PROBLEM_REPORTERS}
 * enabled there), at `node` or line 1. The same file gets it again when linted again, so an editor
 * keeps showing it there; a worker thread or a new process reports it once more.
 */
function reportOncePerRun(
  context: Readonly<TSESLint.RuleContext<'noRegistry' | string, readonly unknown[]>>,
  problem: string,
  hint: string,
  node?: TSESTree.Node,
): void {
  const reportedOn = problemReportedOn.get(problem);
  if (reportedOn !== undefined && reportedOn !== context.filename) return;
  const enabled = rulesOn(context.sourceCode.ast);
  const reporter = REGISTRY_PROBLEM_REPORTERS.find((name) => enabled.has(name));
  if (reporter === undefined || ruleNames.get(context) !== reporter) return;
  if (problemReportedOn.size > 16) problemReportedOn.clear();
  problemReportedOn.set(problem, context.filename);
  if (node) context.report({ node, messageId: 'noRegistry', data: { hint } });
  else context.report({ loc: { line: 1, column: 0 }, messageId: 'noRegistry', data: { hint } });
}

// ---------------------------------------------------------------------------------------------
// Dates

export const DATE_OPTION_SCHEMA = {
  type: 'object',
  properties: {
    maxHorizonDays: {
      type: 'integer',
      minimum: 1,
      default: CLEANUP_HORIZON_DAYS,
      description: 'Longest allowed time from today to `cleanup_by`, in days.',
    },
    warnWithinDays: {
      type: 'integer',
      minimum: 0,
      default: 14,
      description: 'Days before `cleanup_by` from which the rule warns.',
    },
    today: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: 'Fixed UTC date (`YYYY-MM-DD`) for reproducible builds.',
    },
  },
  additionalProperties: false,
} as const;

export const DEFAULT_DATE_OPTIONS = { maxHorizonDays: CLEANUP_HORIZON_DAYS, warnWithinDays: 14 };

/** Today as `YYYY-MM-DD` in UTC: the rule option, else the config's `today`, else the clock. */
export function todayOf(context: AnyContext, optionToday: string | undefined): string {
  return optionToday ?? settingsOf(context).today ?? new Date().toISOString().slice(0, 10);
}

export function formatValue(v: FlagValue): string {
  return JSON.stringify(v);
}

export function formatVariants(flag: FlagDefinition): string {
  return flag.variants.map(formatValue).join(', ');
}

/** A scalar written as a literal (`'x'`, `3`, `-1`, `true`), or undefined. */
export function literalValue(node: TSESTree.Node | undefined): { value: FlagValue } | undefined {
  if (!node) return undefined;
  if (node.type === 'Literal') {
    const v = node.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { value: v };
    return undefined;
  }
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0)
    return { value: node.quasis[0]?.value.cooked ?? '' };
  if (
    node.type === 'UnaryExpression' &&
    node.operator === '-' &&
    node.argument.type === 'Literal' &&
    typeof node.argument.value === 'number'
  ) {
    return { value: -node.argument.value };
  }
  return undefined;
}

/** Source text for a value, in the quote style of the literal it replaces. */
export function valueSource(
  value: FlagValue,
  replacing: TSESTree.Node,
  sourceCode: Readonly<TSESLint.SourceCode>,
): string {
  if (typeof value !== 'string') return String(value);
  const original = sourceCode.getText(replacing);
  const quote = original.startsWith("'") ? "'" : original.startsWith('`') ? '`' : '"';
  const escaped = value.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

// ---------------------------------------------------------------------------------------------
// Scope lookups and value uses

const resolvers = new WeakMap<object, Resolve>();

/** Identifier → the variable it declares or references, for the flow helpers. */
export function resolverOf(context: AnyContext): Resolve {
  const scopeManager = context.sourceCode.scopeManager as ScopeManager | null;
  const key = context.sourceCode.ast;
  const cached = resolvers.get(key);
  if (cached) return cached;
  const map = scopeManager ? variablesOf(scopeManager) : undefined;
  const resolve: Resolve = (id) => map?.get(id);
  resolvers.set(key, resolve);
  return resolve;
}

/** Expressions that evaluate to the read's value: the value node and every read of the variable bound to it. */
export function valueUses(read: FlagRead, resolve: Resolve): TSESTree.Node[] {
  const uses: TSESTree.Node[] = [];
  if (read.valueNode) uses.push(read.valueNode);
  if (read.valueBinding) {
    const variable = resolve(read.valueBinding);
    const reassigned = variable?.references.some((r) => r.isWrite() && r.identifier !== read.valueBinding) ?? false;
    if (!reassigned) for (const ref of variable?.references ?? []) if (ref.isRead()) uses.push(ref.identifier);
  }
  return uses;
}
