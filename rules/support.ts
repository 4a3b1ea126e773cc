/**
 * What every rule needs besides detection: the rule factory, the registry handed over in
 * `settings.modelflags`, the file's flag reads, key resolution through types when the
 * type-checked config is on, and UTC date arithmetic for the cleanup rules.
 */
import { isAbsolute } from 'node:path';
import { ESLintUtils, type TSESLint, type TSESTree } from '@typescript-eslint/utils';
import type { ScopeManager } from '@typescript-eslint/scope-manager';
import { parseRegistry, type FlagDefinition, type FlagValue, type Registry } from '../src/registry.js';
import { findFlagReads, forEachNode, variablesOf, type CustomReader, type FlagRead } from './detection.js';
import type { FollowCall, Resolve } from './flow.js';
import { diskProject } from './project.js';
import { typedFlowOf, type ParameterUses } from './typed-flow.js';

export interface ModelflagsDocs {
  description: string;
  /** Set when type information lets the rule see more (the `recommended-type-checked` config). */
  usesTypeInformation?: boolean;
}

const namedRule = ESLintUtils.RuleCreator<ModelflagsDocs>((name) => `https://github.com/modelflags/modelflags/blob/main/docs/rules/${name}.md`);

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
      const options = context.options;
      const previous = configured;
      let current = merged;
      if (current === undefined || previous === undefined || options.length !== previous.length || options.some((o, i) => o !== previous[i])) {
        current = ESLintUtils.applyDefault<Options, Options>(defaults, options);
        merged = current;
        configured = options;
      }
      return spec.create(context, current);
    },
  };
}

/** The JSON-serialisable data a config puts in `settings.modelflags`. */
export interface ModelflagsSettings {
  registryFile?: string;
  registryText?: string;
  /** Why the configured registry cannot be used (file:line:column: message), instead of `registryText`. */
  registryProblem?: string;
  today?: string;
  readers?: CustomReader[];
}

export const CONFIGURE_REGISTRY_HINT =
  "it is not configured; pass your registry to the config: `...modelflags.configs.recommended({ registry: new URL('./flags.json', import.meta.url) })` in eslint.config.js";

type AnyContext = Readonly<TSESLint.RuleContext<string, readonly unknown[]>>;

export function settingsOf(context: AnyContext): ModelflagsSettings {
  const raw = (context.settings as Record<string, unknown> | undefined)?.['modelflags'];
  return raw && typeof raw === 'object' ? (raw as ModelflagsSettings) : {};
}

const registries = new Map<string, Registry | undefined>();
const registriesBySettings = new WeakMap<object, Registry | undefined>();

/**
 * The registry from settings, rebuilt from its text (memoised by text, so editing flags.json in
 * an editor session takes effect on the next lint without restarting anything).
 */
export function registryOf(context: AnyContext): Registry | undefined {
  const settings = settingsOf(context);
  if (registriesBySettings.has(settings)) return registriesBySettings.get(settings);
  const { registryText, registryFile } = settings;
  if (registryText === undefined) return undefined;
  const cacheKey = `${registryFile ?? ''}\u0000${registryText}`;
  if (!registries.has(cacheKey)) {
    if (registries.size > 16) registries.clear();
    registries.set(cacheKey, parseRegistry(registryText, registryFile ?? 'flags.json').registry);
  }
  const registry = registries.get(cacheKey);
  registriesBySettings.set(settings, registry);
  return registry;
}

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
export function readersOf(context: AnyContext, registry: Registry | undefined): readonly CustomReader[] {
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
  if (reads.length === 0 && !context.sourceCode.parserServices?.program) return { reads, resolve: () => undefined, follow: undefined, parameterUses: undefined };
  const resolve = resolverOf(context);
  const typed = typedFlowOf(context, reads, resolve, registryKeysOf(registry), readersOf(context, registry));
  if (!typed) return { reads, resolve, follow: undefined, parameterUses: undefined };
  const calls = callsFromTraversal(context.sourceCode)?.() ?? allCalls(context.sourceCode.ast);
  return {
    reads: [...reads, ...typed.wrapperReads(calls.filter((c): c is TSESTree.CallExpression => c.type === 'CallExpression'), reads)].sort((a, b) => a.call.range[0] - b.call.range[0]),
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
    if (node.type === 'CallExpression' || node.type === 'NewExpression' || node.type === 'JSXOpeningElement') calls.push(node);
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
      if (node.type === 'CallExpression' || node.type === 'NewExpression' || node.type === 'JSXOpeningElement') calls.push(node);
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
 * Without one it returns undefined. Where none is configured, it reports how to configure one,
 * once per file and only where there is a read to check; where the configured one cannot be used
 * (missing, unreadable, invalid), it reports why once per run: see {@link reportRegistryProblem}.
 */
export function registryAndReads(
  context: Readonly<TSESLint.RuleContext<'noRegistry' | string, readonly unknown[]>>,
  keep: (read: FlagRead) => boolean = () => true,
): { registry: Registry; reads: FlagRead[] } | undefined {
  const registry = registryOf(context);
  if (registry) return { registry, reads: readsOf(context, registry).filter(keep) };
  const problem = settingsOf(context).registryProblem;
  if (problem !== undefined) {
    reportRegistryProblem(context, problem);
    return undefined;
  }
  const first = readsOf(context, registry).find(keep);
  if (first) context.report({ node: first.call, messageId: 'noRegistry', data: { hint: CONFIGURE_REGISTRY_HINT } });
  return undefined;
}

export const NO_REGISTRY_MESSAGE = 'This rule needs the flag registry: {{hint}}.';

/**
 * The rules that need the registry, in the order in which they volunteer to report that it cannot
 * be used: the first is an error in every config, so a broken registry fails the run.
 */
const REGISTRY_PROBLEM_REPORTERS = ['no-unknown-flag', 'no-unknown-variant', 'consistent-default', 'require-context', 'no-expired-flag'];

/** The modelflags rules enabled on a file, as their `create` runs (before any of them visits a node). */
const enabledRules = new WeakMap<object, Set<string>>();

function rulesOn(ast: object): Set<string> {
  let names = enabledRules.get(ast);
  if (!names) enabledRules.set(ast, (names = new Set()));
  return names;
}

/** Registry problem → the file it was reported on, in this process. */
const registryProblemReportedOn = new Map<string, string>();

/**
 * Reports that the configured registry cannot be used once per run, at line 1 of the first file
 * linted, by one rule (the first of {@link REGISTRY_PROBLEM_REPORTERS} enabled there), rather than
 * stopping ESLint. The same file gets it again when linted again, so an editor keeps showing it
 * there; a worker thread or a new process reports it once more.
 */
function reportRegistryProblem(context: Readonly<TSESLint.RuleContext<'noRegistry' | string, readonly unknown[]>>, problem: string): void {
  const reportedOn = registryProblemReportedOn.get(problem);
  if (reportedOn !== undefined && reportedOn !== context.filename) return;
  const enabled = rulesOn(context.sourceCode.ast);
  const reporter = REGISTRY_PROBLEM_REPORTERS.find((name) => enabled.has(name));
  if (reporter === undefined || !context.id.endsWith(`/${reporter}`)) return;
  if (registryProblemReportedOn.size > 16) registryProblemReportedOn.clear();
  registryProblemReportedOn.set(problem, context.filename);
  context.report({
    loc: { line: 1, column: 0 },
    messageId: 'noRegistry',
    data: { hint: `the registry in the config cannot be used, so the rules that need it check nothing until it is fixed:\n${problem}` },
  });
}

// ---------------------------------------------------------------------------------------------
// Dates

export interface DateOptions {
  maxHorizonDays: number;
  warnWithinDays: number;
  today: string | undefined;
}

export const DATE_OPTION_SCHEMA = {
  type: 'object',
  properties: {
    maxHorizonDays: { type: 'integer', minimum: 1, default: 180, description: 'Longest allowed time from today to `cleanup_by`, in days.' },
    warnWithinDays: { type: 'integer', minimum: 0, default: 14, description: 'Days before `cleanup_by` from which the rule warns.' },
    today: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Fixed UTC date (`YYYY-MM-DD`) for reproducible builds.' },
  },
  additionalProperties: false,
} as const;

export const DEFAULT_DATE_OPTIONS = { maxHorizonDays: 180, warnWithinDays: 14 };

/** Today as `YYYY-MM-DD` in UTC: the rule option, else the config's `today`, else the clock. */
export function todayOf(context: AnyContext, optionToday: string | undefined): string {
  return optionToday ?? settingsOf(context).today ?? new Date().toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`, UTC); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  const ms = (s: string): number => Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)));
  return Math.round((ms(to) - ms(from)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  const d = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))));
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Which variant `remove-flag` should keep

export interface KeepChoice {
  variant: FlagValue;
  why: string;
}

/**
 * The variant to keep when a flag is retired: the one served to everyone (a rule without
 * conditions at 100%), else the only value its rules serve, else the default, saying which.
 */
export function variantToKeep(flag: FlagDefinition): KeepChoice {
  if (!flag.enabled) return { variant: flag.defaultValue, why: 'the flag is switched off, so everyone already gets its default' };
  const servedBy = flag.rules.map((rule) => {
    if (rule.value !== undefined) return [rule.value];
    return (rule.split ?? []).filter((s) => s.weight > 0).map((s) => s.variant);
  });
  for (const rule of flag.rules) {
    const served = servedBy[rule.index] ?? [];
    const everyone = rule.tests.length === 0 && (rule.rolloutPercentage === undefined || rule.rolloutPercentage === 100);
    if (everyone && served.length === 1) return { variant: served[0]!, why: `rule ${rule.index + 1} serves it to everyone` };
  }
  const distinct = new Set(servedBy.flat());
  if (distinct.size === 1) {
    const only = [...distinct][0]!;
    return { variant: only, why: 'it is the only value the rules serve; confirm it won before removing the flag' };
  }
  return {
    variant: flag.defaultValue,
    why: 'it is the default; no variant is served to everyone, so confirm which variant won before removing the flag',
  };
}

export function removeFlagCommand(flag: string, variant: FlagValue): string {
  const v = String(variant);
  const shellSafe = /^[\w.:@/+-]+$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`;
  return `npx remove-flag ${flag} --keep ${shellSafe}`;
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
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return { value: node.quasis[0]?.value.cooked ?? '' };
  if (node.type === 'UnaryExpression' && node.operator === '-' && node.argument.type === 'Literal' && typeof node.argument.value === 'number') {
    return { value: -node.argument.value };
  }
  return undefined;
}

/** Source text for a value, in the quote style of the literal it replaces. */
export function valueSource(value: FlagValue, replacing: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>): string {
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
