/**
 * Compiles a validated registry into an immutable snapshot, and evaluates flags over it.
 * Everything that can be decided once (operator dispatch, list lookups, the murmur state of each
 * flag key) is decided at compile time; `resolve` reads the context and allocates nothing.
 *
 * Each flag is evaluated by a function generated from its rules on first use (conditions, values
 * and the rollout written out as code), so that V8 keeps type feedback per flag and inlines the
 * whole evaluation, hash included. Closures shared by all flags see every flag's attributes and
 * rule shapes at the same call sites, which stay polymorphic and are not inlined; a generated
 * evaluation runs about 1.4x faster (bench/evaluator/breakdown.ts). Where code generation is
 * disallowed (`--disallow-code-generation-from-strings`, a CSP), the closures evaluate the rules.
 */
import { bucketOf, murmurPrefix, murmurWithPrefix, type MurmurPrefix } from './murmur.js';
import { compareSemver, parseSemver } from '../../registry/semver.js';
import { liveDefinition } from '../../registry/rollout.js';
import {
  rolloutThreshold,
  ROLLOUT_TOTAL_WEIGHT,
  type AttributeTest,
  type FlagDefinition,
  type FlagValue,
  type Registry,
  type RuleDefinition,
} from '../../registry/model.js';

/** Evaluation context: attributes of the request (user, organisation, conversation, ...). */
export type EvaluationContext = Readonly<Record<string, unknown>>;

export type Reason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED' | 'ERROR';
export type ErrorCode =
  | 'FLAG_NOT_FOUND'
  | 'PARSE_ERROR'
  | 'TYPE_MISMATCH'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'PROVIDER_NOT_READY'
  | 'GENERAL';

/**
 * Bucketing values longer than this are treated as absent: hashing is linear in the value, and a
 * request must not be able to make evaluation slow by sending a megabyte-long user id.
 */
export const MAX_BUCKETING_VALUE_LENGTH = 4096;

type Matcher = (ctx: EvaluationContext) => boolean;

export interface CompiledRule {
  readonly index: number;
  /** True when the rule's outcome depends on hashing (a rollout percentage or a split). */
  readonly bucketed: boolean;
  readonly matches: Matcher;
  /** The variant served, or undefined when the rule is a split. */
  readonly value: FlagValue | undefined;
  readonly splitVariants: readonly FlagValue[];
  readonly splitCumulative: readonly number[];
  readonly splitTotal: number;
}

export interface CompiledFlag {
  readonly key: string;
  readonly definition: FlagDefinition;
  readonly defaultValue: FlagValue;
  readonly enabled: boolean;
  readonly bucketBy: string;
  /** Segments of a dotted `bucket_by`, read as a nested path. */
  readonly bucketPath: readonly string[] | undefined;
  readonly prefix: MurmurPrefix;
  readonly rules: readonly CompiledRule[];
  /**
   * Evaluates the rules (the kill switch is {@link resolve}'s): returns the deciding rule's index or
   * {@link DEFAULT_RULE} and leaves the value in {@link outcome}. Starts as a stub that puts the
   * generated (or interpreted) evaluation in its place on the first call.
   */
  evaluate: (ctx: EvaluationContext) => number;
}

export interface Snapshot {
  readonly registry: Registry;
  readonly flags: ReadonlyMap<string, CompiledFlag>;
}

/**
 * Compiles every flag of the registry. Flags that evaluate as they did in `previous` keep its
 * compiled rules and evaluation function, so a reload compiles only what changed and the flags it
 * did not touch keep their optimised code.
 */
export function compileRegistry(registry: Registry, previous?: Snapshot, options: CompileOptions = {}): Snapshot {
  const flags = new Map<string, CompiledFlag>();
  const now = options.now ?? Date.now();
  for (const written of registry.flags) {
    // Rollouts are compiled as the percentage rules they are at `now`; the client recompiles at each step.
    const def = liveDefinition(options.overrides?.get(written.key) ?? written, now);
    const before = previous?.flags.get(def.key);
    const flag =
      before !== undefined && sameEvaluation(before.definition, def)
        ? { ...before, definition: def, enabled: def.enabled }
        : compileFlag(def);
    flags.set(flag.key, flag);
  }
  return { registry, flags };
}

export interface CompileOptions {
  /** The moment rollout schedules are evaluated at (ms since the epoch; default now). */
  now?: number;
  /** Definitions changed in memory (a kill switch, a rolled-back variant) that replace the document's. */
  overrides?: ReadonlyMap<string, FlagDefinition>;
}

/**
 * Strings parsed from a document are slices of its text. V8 compares and hashes those by content
 * on every property read, Map lookup and `===`, while internalized strings (what literals in the
 * caller's code are) compare by pointer; evaluation was several times slower without this.
 */
function intern<T>(value: T): T {
  if (typeof value !== 'string') return value;
  let interned = internedStrings.get(value);
  if (interned === undefined) {
    // Most strings of a reloaded registry were in the previous one; the cache is bounded so a
    // long-running process that reloads ever-new documents does not grow without limit.
    if (internedStrings.size > 100_000) internedStrings.clear();
    interned = Object.keys({ [value]: 0 })[0]!;
    internedStrings.set(value, interned);
  }
  return interned as T;
}
const internedStrings = new Map<string, string>();

function compileFlag(def: FlagDefinition): CompiledFlag {
  const prefix = murmurPrefix(def.key);
  const bucketBy = intern(def.bucketBy);
  const rules = def.rules.map((rule) => compileRule(rule, bucketBy, prefix));
  const flag: CompiledFlag = {
    key: intern(def.key),
    definition: def,
    defaultValue: intern(def.defaultValue),
    enabled: def.enabled,
    bucketBy,
    bucketPath: pathOf(bucketBy),
    prefix,
    rules,
    // Generated lazily: a reload of a large registry should not pay for flags nobody evaluates.
    // `this`, not the object built here, because a kill copies the flag with this stub in it.
    evaluate(this: CompiledFlag, ctx) {
      const evaluate = (codeGeneration && generateEvaluator(this)) || ((c: EvaluationContext) => interpret(this, c));
      this.evaluate = evaluate;
      return evaluate(ctx);
    },
  };
  return flag;
}

function compileRule(rule: RuleDefinition, bucketBy: string, prefix: MurmurPrefix): CompiledRule {
  const matchers = rule.tests.map(compileTest);
  if (rule.rolloutPercentage !== undefined) matchers.push(compileRollout(rule.rolloutPercentage, bucketBy, prefix));
  const cumulative: number[] = [];
  let total = 0;
  for (const entry of rule.split ?? []) {
    total += entry.weight;
    cumulative.push(total);
  }
  return {
    index: rule.index,
    bucketed: rule.split !== undefined || rule.rolloutPercentage !== undefined,
    matches: allOf(matchers),
    value: intern(rule.value),
    splitVariants: (rule.split ?? []).map((s) => intern(s.variant)),
    splitCumulative: cumulative,
    splitTotal: total,
  };
}

/**
 * Whether the context passes a rule's attribute tests, its percentage aside: for `eval`, which
 * explains a percentage rule's bucket only where the rest of its condition holds.
 */
export function passesTests(rule: RuleDefinition, ctx: EvaluationContext): boolean {
  return allOf(rule.tests.map(compileTest))(ctx);
}

function allOf(matchers: Matcher[]): Matcher {
  switch (matchers.length) {
    case 0:
      return () => true;
    case 1:
      return matchers[0]!;
    case 2: {
      const [a, b] = matchers as [Matcher, Matcher];
      return (ctx) => a(ctx) && b(ctx);
    }
    default:
      return (ctx) => {
        for (let i = 0; i < matchers.length; i++) if (!matchers[i]!(ctx)) return false;
        return true;
      };
  }
}

function isScalarValue(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v));
}

/**
 * Reads a dotted attribute (`org.plan`) as a path into nested context objects, as flagd's `var`
 * does. Plain names skip this and read the property directly, the common and fast case.
 */
function readPath(ctx: EvaluationContext, path: readonly string[]): unknown {
  let node: unknown = ctx;
  for (let i = 0; i < path.length; i++) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[path[i]!];
  }
  return node;
}

function pathOf(attribute: string): readonly string[] | undefined {
  return attribute.includes('.') ? attribute.split('.').map(intern) : undefined;
}

/** Holds a nested attribute's value for a matcher compiled against a plain name; reused, so no allocation. */
const nestedValue: Record<string, unknown> = { value: undefined };

function compileTest(test: AttributeTest): Matcher {
  const path = pathOf(test.attribute);
  if (path !== undefined) {
    const onValue = compileTest({ ...test, attribute: 'value' });
    return (ctx) => {
      nestedValue['value'] = readPath(ctx, path);
      const matched = onValue(nestedValue);
      nestedValue['value'] = undefined;
      return matched;
    };
  }
  const a = intern(test.attribute);
  const operand = Array.isArray(test.operand) ? test.operand.map(intern) : intern(test.operand);
  switch (test.op) {
    case 'eq':
      return (ctx) => ctx[a] === operand;
    case 'neq':
      // A missing attribute matches no test, negated or not: "not internal" must not include
      // requests that never said who they are.
      return (ctx) => {
        const v = ctx[a];
        return v !== operand && isScalarValue(v);
      };
    case 'in': {
      const list = operand as readonly FlagValue[];
      if (list.length > 8) {
        const set = new Set<unknown>(list);
        return (ctx) => set.has(ctx[a]);
      }
      return (ctx) => list.includes(ctx[a] as FlagValue);
    }
    case 'not_in': {
      const set = new Set<unknown>(operand as readonly FlagValue[]);
      return (ctx) => {
        const v = ctx[a];
        return isScalarValue(v) && !set.has(v);
      };
    }
    case 'gt': {
      const n = operand as number;
      return (ctx) => {
        const v = ctx[a];
        return typeof v === 'number' && v > n;
      };
    }
    case 'gte': {
      const n = operand as number;
      return (ctx) => {
        const v = ctx[a];
        return typeof v === 'number' && v >= n;
      };
    }
    case 'lt': {
      const n = operand as number;
      return (ctx) => {
        const v = ctx[a];
        return typeof v === 'number' && v < n;
      };
    }
    case 'lte': {
      const n = operand as number;
      return (ctx) => {
        const v = ctx[a];
        return typeof v === 'number' && v <= n;
      };
    }
    case 'starts_with': {
      const s = operand as string;
      return (ctx) => {
        const v = ctx[a];
        return typeof v === 'string' && v.startsWith(s);
      };
    }
    case 'ends_with': {
      const s = operand as string;
      return (ctx) => {
        const v = ctx[a];
        return typeof v === 'string' && v.endsWith(s);
      };
    }
    case 'semver_gte':
    case 'semver_lt': {
      const target = parseSemver(operand as string)!;
      const wantAtLeast = test.op === 'semver_gte';
      return (ctx) => {
        const v = ctx[a];
        // flagd reads numbers as versions too ("2" is 2.0.0); only text and numbers can be versions.
        if (typeof v !== 'string' && typeof v !== 'number') return false;
        const parsed = parseSemver(String(v));
        if (parsed === undefined) return false;
        return wantAtLeast ? compareSemver(parsed, target) >= 0 : compareSemver(parsed, target) < 0;
      };
    }
  }
}

/**
 * The bucket (0 to totalWeight - 1) of the context's bucketing value under this flag, or -1 when the
 * context has no usable bucketing value (then percentage rules and splits do not match).
 */
export function bucketFor(
  ctx: EvaluationContext,
  bucketBy: string,
  bucketPath: readonly string[] | undefined,
  prefix: MurmurPrefix,
  totalWeight: number,
): number {
  const v = bucketPath === undefined ? ctx[bucketBy] : readPath(ctx, bucketPath);
  // Only text identifies a user, organisation or conversation; flagd would hash a number's
  // decimal form, but a numeric bucketing attribute is almost always a mistake (a count, a flag).
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_BUCKETING_VALUE_LENGTH) return -1;
  return bucketOf(murmurWithPrefix(prefix, v), totalWeight);
}

function compileRollout(percentage: number, bucketBy: string, prefix: MurmurPrefix): Matcher {
  const threshold = rolloutThreshold(percentage);
  const bucketPath = pathOf(bucketBy);
  return (ctx) => {
    const bucket = bucketFor(ctx, bucketBy, bucketPath, prefix, ROLLOUT_TOTAL_WEIGHT);
    return bucket >= 0 && bucket < threshold;
  };
}

/** The value chosen by the last evaluation; a module slot so that evaluating allocates no result object. */
export const outcome: { value: FlagValue } = { value: false };

export const DEFAULT_RULE = -1;
export const DISABLED_RULE = -2;

/**
 * Evaluates a flag, leaving the value in {@link outcome} and returning the index of the rule that
 * decided it, {@link DEFAULT_RULE} or {@link DISABLED_RULE}. May throw if the context's getters
 * throw; callers catch.
 */
export function resolve(flag: CompiledFlag, ctx: EvaluationContext): number {
  if (!flag.enabled) {
    outcome.value = flag.defaultValue;
    return DISABLED_RULE;
  }
  return flag.evaluate(ctx);
}

/**
 * The rules evaluated from their closures (the kill switch aside, as in `evaluate`): the reference
 * semantics the generated code follows, and the fallback where code cannot be generated.
 */
export function interpret(flag: CompiledFlag, ctx: EvaluationContext): number {
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!rule.matches(ctx)) continue;
    if (rule.value !== undefined) {
      outcome.value = rule.value;
      return i;
    }
    const bucket = bucketFor(ctx, flag.bucketBy, flag.bucketPath, flag.prefix, rule.splitTotal);
    if (bucket < 0) continue;
    const cumulative = rule.splitCumulative;
    for (let j = 0; j < cumulative.length; j++) {
      if (cumulative[j]! > bucket) {
        outcome.value = rule.splitVariants[j]!;
        return i;
      }
    }
  }
  outcome.value = flag.defaultValue;
  return DEFAULT_RULE;
}

/** Turned off for good once the host refuses to generate code from strings. */
let codeGeneration = true;

/**
 * Writes the flag's rules out as one JavaScript function with the same semantics as
 * {@link interpret}, reading each attribute as often and in the same order. Registry values enter
 * the code only as JSON literals (JSON is valid JavaScript, so no registry text can become code);
 * what has no literal form (sets, closures for semver and nested-path tests, the murmur prefix) is
 * passed in. Returns undefined when the host forbids `new Function`.
 */
function generateEvaluator(flag: CompiledFlag): ((ctx: EvaluationContext) => number) | undefined {
  const constants: unknown[] = [];
  const constant = (value: unknown): string => `K[${constants.push(value) - 1}]`;
  const literal = (value: FlagValue): string => JSON.stringify(value);
  const read = (attribute: string): string => `ctx[${literal(attribute)}]`;

  const testCode = (test: AttributeTest): string => {
    if (pathOf(test.attribute) !== undefined || test.op === 'semver_gte' || test.op === 'semver_lt')
      return `${constant(compileTest(test))}(ctx)`;
    const v = `(v = ${read(test.attribute)})`;
    switch (test.op) {
      case 'eq':
        return `${read(test.attribute)} === ${literal(test.operand as FlagValue)}`;
      case 'neq':
        return `(${v} !== ${literal(test.operand as FlagValue)} && isScalarValue(v))`;
      case 'in': {
        const list = test.operand as readonly FlagValue[];
        if (list.length === 0) return `(${v}, false)`;
        if (list.length > 8) return `${constant(new Set<unknown>(list))}.has(${read(test.attribute)})`;
        return `(${v} === ${list.map(literal).join(' || v === ')})`;
      }
      case 'not_in':
        return `(isScalarValue${v} && !${constant(new Set<unknown>(test.operand as readonly FlagValue[]))}.has(v))`;
      case 'gt':
        return `(typeof ${v} === "number" && v > ${literal(test.operand as number)})`;
      case 'gte':
        return `(typeof ${v} === "number" && v >= ${literal(test.operand as number)})`;
      case 'lt':
        return `(typeof ${v} === "number" && v < ${literal(test.operand as number)})`;
      case 'lte':
        return `(typeof ${v} === "number" && v <= ${literal(test.operand as number)})`;
      case 'starts_with':
        return `(typeof ${v} === "string" && v.startsWith(${literal(test.operand as string)}))`;
      case 'ends_with':
        return `(typeof ${v} === "string" && v.endsWith(${literal(test.operand as string)}))`;
    }
  };
  const body: string[] = [];
  flag.definition.rules.forEach((rule, i) => {
    const conditions = rule.tests.map(testCode);
    if (rule.rolloutPercentage !== undefined)
      conditions.push(
        `(b = bucket(ctx, ${ROLLOUT_TOTAL_WEIGHT})) >= 0 && b < ${rolloutThreshold(rule.rolloutPercentage)}`,
      );
    const when = conditions.length === 0 ? 'true' : conditions.join(' && ');
    if (rule.value !== undefined) {
      body.push(`if (${when}) { out.value = ${literal(rule.value)}; return ${i}; }`);
      return;
    }
    const compiled = flag.rules[i]!;
    const branches = compiled.splitCumulative.map(
      (upTo, j) => `if (b < ${upTo}) { out.value = ${literal(compiled.splitVariants[j]!)}; return ${i}; }`,
    );
    body.push(`if (${when}) { b = bucket(ctx, ${compiled.splitTotal}); if (b >= 0) { ${branches.join(' ')} } }`);
  });
  body.push(`out.value = ${literal(flag.defaultValue)}; return ${DEFAULT_RULE};`);

  const bucketRead =
    flag.bucketPath === undefined ? read(flag.bucketBy) : `readPath(ctx, ${constant(flag.bucketPath)})`;
  const source = `"use strict";
function bucket(ctx, totalWeight) {
  const v = ${bucketRead};
  if (typeof v !== "string" || v.length === 0 || v.length > ${MAX_BUCKETING_VALUE_LENGTH}) return -1;
  return bucketOf(murmurWithPrefix(prefix, v), totalWeight);
}
return function evaluate(ctx) {
  let v, b;
  ${body.join('\n  ')}
};`;
  let factory: (...args: unknown[]) => (ctx: EvaluationContext) => number;
  try {
    factory = new Function(
      'K',
      'out',
      'prefix',
      'murmurWithPrefix',
      'bucketOf',
      'readPath',
      'isScalarValue',
      source,
    ) as typeof factory;
  } catch (error) {
    // An EvalError is the host's policy, so stop trying; anything else would be a bug in the code
    // written above, and the interpreter still serves the flag correctly.
    if (error instanceof EvalError) codeGeneration = false;
    return undefined;
  }
  return factory(constants, outcome, flag.prefix, murmurWithPrefix, bucketOf, readPath, isScalarValue);
}

export function reasonFor(flag: CompiledFlag, ruleIndex: number): Reason {
  if (ruleIndex === DISABLED_RULE) return 'DISABLED';
  if (ruleIndex === DEFAULT_RULE) return flag.rules.length === 0 ? 'STATIC' : 'DEFAULT';
  return flag.rules[ruleIndex]!.bucketed ? 'SPLIT' : 'TARGETING_MATCH';
}

/**
 * Names of flags whose evaluation differs between two snapshots (added, removed or edited), for
 * `after` compiled with `before` as its previous snapshot: {@link compileRegistry} has already
 * compared the definitions and kept the compiled rules of every flag that evaluates alike, so a
 * flag whose rules are not the very same object changed.
 */
export function changedFlags(before: Snapshot | undefined, after: Snapshot): string[] {
  const changed: string[] = [];
  for (const [key, flag] of after.flags) {
    const previous = before?.flags.get(key);
    // `enabled` is compared on the compiled flags: a kill switch pulled in memory is a change too.
    if (previous === undefined || previous.enabled !== flag.enabled || previous.rules !== flag.rules) changed.push(key);
  }
  if (before) for (const key of before.flags.keys()) if (!after.flags.has(key)) changed.push(key);
  return changed;
}

/**
 * Whether two definitions evaluate alike: everything but the description, owner, dimension and
 * cleanup date. Compared field by field rather than through serialised copies, which made
 * reloading a large registry allocate megabytes.
 */
function sameEvaluation(a: FlagDefinition, b: FlagDefinition): boolean {
  if (a.type !== b.type || a.defaultValue !== b.defaultValue || a.enabled !== b.enabled || a.bucketBy !== b.bucketBy)
    return false;
  if (!sameList(a.variants, b.variants) || a.rules.length !== b.rules.length) return false;
  for (let i = 0; i < a.rules.length; i++) {
    const r = a.rules[i]!;
    const s = b.rules[i]!;
    if (r.value !== s.value || r.rolloutPercentage !== s.rolloutPercentage || r.tests.length !== s.tests.length)
      return false;
    for (let j = 0; j < r.tests.length; j++) {
      const t = r.tests[j]!;
      const u = s.tests[j]!;
      if (t.attribute !== u.attribute || t.op !== u.op) return false;
      if (Array.isArray(t.operand) || Array.isArray(u.operand)) {
        if (!Array.isArray(t.operand) || !Array.isArray(u.operand) || !sameList(t.operand, u.operand)) return false;
      } else if (t.operand !== u.operand) return false;
    }
    if ((r.split === undefined) !== (s.split === undefined)) return false;
    if (r.split && s.split) {
      if (r.split.length !== s.split.length) return false;
      for (let j = 0; j < r.split.length; j++)
        if (r.split[j]!.variant !== s.split[j]!.variant || r.split[j]!.weight !== s.split[j]!.weight) return false;
    }
  }
  return true;
}

function sameList(a: readonly FlagValue[], b: readonly FlagValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
