/**
 * Export to a flagd flag-set document with the same semantics as the registry. Rules become one
 * JSON Logic `if` chain; percentages and splits become `fractional`, which hashes exactly as our
 * evaluator does, so every user lands in the same bucket in both. A rollout is its live step and
 * the steps its schedule takes from there, chosen by flagd's clock (`$flagd.timestamp`).
 */
import {
  DEFAULT_BUCKET_BY,
  rolloutThreshold,
  ROLLOUT_TOTAL_WEIGHT,
  type AttributeTest,
  type FlagDefinition,
  type FlagValue,
  type Registry,
  type RuleDefinition,
} from '../registry/model.js';
import { scheduledShares, type ExportOptions, type ScheduledShare } from './rollouts.js';

type JsonLogic = unknown;

export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, FlagValue>;
  defaultVariant: string;
  targeting?: JsonLogic;
  metadata?: Record<string, string | number | boolean>;
}

export interface FlagdDocument {
  $schema: string;
  flags: Record<string, FlagdFlag>;
}

/** Variant names in flagd are strings; ours are the values, so the name is the value as text. */
function variantName(value: FlagValue): string {
  return String(value);
}

/**
 * An empty object for keys that come from the registry. Without a prototype, a key such as
 * `__proto__` (a valid variant) is an own property that JSON.stringify writes, not a setter.
 */
function recordOf<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function exportToFlagd(registry: Registry, options: ExportOptions = {}): FlagdDocument {
  const now = options.now ?? Date.now();
  const flags = recordOf<FlagdFlag>();
  for (const def of registry.flags) flags[def.key] = exportFlag(def, now);
  return { $schema: 'https://flagd.dev/schema/v0/flags.json', flags };
}

function exportFlag(def: FlagDefinition, now: number): FlagdFlag {
  const variants = recordOf<FlagValue>();
  for (const v of def.variants) variants[variantName(v)] = v;
  const metadata: Record<string, string | number | boolean> = {};
  if (def.dimension) metadata['dimension'] = def.dimension;
  if (def.owner) metadata['owner'] = def.owner;
  if (def.cleanupBy) metadata['cleanup_by'] = def.cleanupBy;
  if (!def.enabled) metadata['kill_switch'] = true;
  const flag: FlagdFlag = { state: 'ENABLED', variants, defaultVariant: variantName(def.defaultValue) };
  // flagd's DISABLED state serves the *caller's* fallback, not the flag's default; our kill switch
  // serves `default`, so a killed flag is exported as enabled with no targeting.
  const rules = def.enabled ? def.rules.flatMap((rule) => exportRule(def, rule, now)) : [];
  if (rules.length > 0) flag.targeting = { if: rules };
  if (Object.keys(metadata).length > 0) flag.metadata = metadata;
  return flag;
}

/** The rule as a condition and an outcome of the `if` chain; nothing for a rollout that serves nobody from now on. */
function exportRule(def: FlagDefinition, rule: RuleDefinition, now: number): [JsonLogic, JsonLogic] | [] {
  const shares = rule.rollout === undefined ? undefined : scheduledShares(rule.rollout, now);
  if (shares?.every((s) => s.percent === 0)) return [];
  const clauses: JsonLogic[] = rule.tests.map(exportTest);
  // Percentages and splits do not match a context without a bucketing value (we go on to the next
  // rule), while flagd's fractional would hash the flag key alone or end evaluation with null, hence
  // the presence clause.
  if (rule.rolloutPercentage !== undefined || rule.split !== undefined || shares !== undefined)
    clauses.push({ var: def.bucketBy });
  if (rule.rolloutPercentage !== undefined) clauses.push({ '===': [share(def, rule.rolloutPercentage), 'in'] });
  if (shares !== undefined) clauses.push({ '===': [scheduledShare(def, shares), 'in'] });
  let outcome: JsonLogic;
  if (rule.value !== undefined || rule.rollout !== undefined) {
    outcome = variantName(rule.value ?? rule.rollout!.variant);
  } else {
    outcome = fractional(
      def.bucketBy,
      (rule.split ?? []).map((s) => [variantName(s.variant), s.weight]),
    );
  }
  const condition = clauses.length === 0 ? true : clauses.length === 1 ? clauses[0] : { and: clauses };
  return [condition, outcome];
}

/** `"in"` for `percent`% of bucketing values, `"out"` for the rest: `rollout_percentage`'s buckets. */
function share(def: FlagDefinition, percent: number): JsonLogic {
  const inWeight = rolloutThreshold(percent);
  return fractional(def.bucketBy, [
    ['in', inWeight],
    ['out', ROLLOUT_TOTAL_WEIGHT - inWeight],
  ]);
}

/**
 * The share of the step live at flagd's clock. `$flagd.timestamp` is whole seconds, so a step
 * that begins within a second begins at the next whole second in flagd.
 */
function scheduledShare(def: FlagDefinition, shares: readonly ScheduledShare[]): JsonLogic {
  const ofStep = (percent: number): JsonLogic => (percent === 0 ? 'out' : share(def, percent));
  if (shares.length === 1) return ofStep(shares[0]!.percent);
  const chain: JsonLogic[] = [];
  for (const { percent, until } of shares) {
    if (until === undefined) chain.push(ofStep(percent));
    else chain.push({ '<': [{ var: '$flagd.timestamp' }, Math.ceil(until / 1000)] }, ofStep(percent));
  }
  return { if: chain };
}

function fractional(bucketBy: string, buckets: [string, number][]): JsonLogic {
  if (bucketBy === DEFAULT_BUCKET_BY) return { fractional: buckets };
  return { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: bucketBy }] }, ...buckets] };
}

function exportTest(test: AttributeTest): JsonLogic {
  const attr = { var: test.attribute };
  // JSON Logic reads a missing attribute as null and then coerces; a presence check keeps
  // negations and comparisons from matching requests that lack the attribute, as ours do.
  const present = { '!==': [attr, null] };
  switch (test.op) {
    case 'eq':
      return { '===': [attr, test.operand] };
    case 'neq':
      return { and: [present, { '!==': [attr, test.operand] }] };
    case 'in':
      return { in: [attr, test.operand] };
    case 'not_in':
      return { and: [present, { '!': { in: [attr, test.operand] } }] };
    case 'gt':
      return { and: [present, { '>': [attr, test.operand] }] };
    case 'gte':
      return { and: [present, { '>=': [attr, test.operand] }] };
    case 'lt':
      return { and: [present, { '<': [attr, test.operand] }] };
    case 'lte':
      return { and: [present, { '<=': [attr, test.operand] }] };
    case 'starts_with':
      return { starts_with: [attr, test.operand] };
    case 'ends_with':
      return { ends_with: [attr, test.operand] };
    case 'semver_gte':
      return { sem_ver: [attr, '>=', test.operand] };
    case 'semver_lt':
      return { sem_ver: [attr, '<', test.operand] };
  }
}
