/**
 * Export to a flagd flag-set document with the same semantics as the registry. Rules become one
 * JSON Logic `if` chain; percentages and splits become `fractional`, which hashes exactly as our
 * evaluator does, so every user lands in the same bucket in both.
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

export function exportToFlagd(registry: Registry): FlagdDocument {
  const flags = recordOf<FlagdFlag>();
  for (const def of registry.flags) flags[def.key] = exportFlag(def);
  return { $schema: 'https://flagd.dev/schema/v0/flags.json', flags };
}

function exportFlag(def: FlagDefinition): FlagdFlag {
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
  if (def.enabled && def.rules.length > 0) flag.targeting = { if: def.rules.flatMap((rule) => exportRule(def, rule)) };
  if (Object.keys(metadata).length > 0) flag.metadata = metadata;
  return flag;
}

function exportRule(def: FlagDefinition, rule: RuleDefinition): [JsonLogic, JsonLogic] {
  const clauses: JsonLogic[] = rule.tests.map(exportTest);
  // Percentages and splits do not match a context without a bucketing value (we go on to the next
  // rule), while flagd's fractional would hash the flag key alone or end evaluation with null, hence
  // the presence clause.
  if (rule.rolloutPercentage !== undefined || rule.split !== undefined) clauses.push({ var: def.bucketBy });
  if (rule.rolloutPercentage !== undefined) {
    const inWeight = rolloutThreshold(rule.rolloutPercentage);
    clauses.push({
      '===': [
        fractional(def.bucketBy, [
          ['in', inWeight],
          ['out', ROLLOUT_TOTAL_WEIGHT - inWeight],
        ]),
        'in',
      ],
    });
  }
  let outcome: JsonLogic;
  if (rule.value !== undefined) {
    outcome = variantName(rule.value);
  } else {
    outcome = fractional(
      def.bucketBy,
      (rule.split ?? []).map((s) => [variantName(s.variant), s.weight]),
    );
  }
  const condition = clauses.length === 0 ? true : clauses.length === 1 ? clauses[0] : { and: clauses };
  return [condition, outcome];
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
