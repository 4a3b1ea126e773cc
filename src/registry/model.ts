/**
 * The registry's model: what a flag, a rule and a reader are once `flags.json` is validated. The
 * evaluator, the rules, the codemod and the CLI all read these types.
 */
import type { LocatedJson } from './json.js';

export type FlagValue = string | number | boolean;
export type FlagValueType = 'string' | 'number' | 'boolean';

export const DIMENSIONS = ['model', 'prompt', 'retrieval', 'format', 'parameter', 'other'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const CONDITION_OPERATORS = [
  'in',
  'not_in',
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'starts_with',
  'ends_with',
  'semver_gte',
  'semver_lt',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export const ROLLOUT_PERCENTAGE = 'rollout_percentage';
export const DEFAULT_BUCKET_BY = 'targetingKey';

/** One attribute test of a condition; all tests of a condition must hold. */
export interface AttributeTest {
  attribute: string;
  op: ConditionOperator;
  /** An array for `in` / `not_in`, a scalar otherwise. */
  operand: FlagValue | readonly FlagValue[];
}

export interface SplitEntry {
  variant: FlagValue;
  weight: number;
}

export interface RuleDefinition {
  /** 0-based position in the flag's `rules`. */
  index: number;
  tests: readonly AttributeTest[];
  /** Percentage (0–100, two decimals) of bucketing values for which the condition holds. */
  rolloutPercentage: number | undefined;
  /**
   * As validated, exactly one of `value`, `split` and `rollout` is set. In a flag made live by
   * `liveDefinition` (registry/rollout.ts), a rollout rule also has `value` (the rollout's variant)
   * and `rolloutPercentage` (the live step's percent): it evaluates as a percentage rule.
   */
  value: FlagValue | undefined;
  split: readonly SplitEntry[] | undefined;
  rollout: RolloutSchedule | undefined;
}

export const ROLLOUT_STATES = ['active', 'paused', 'aborted'] as const;
/** `aborted`: the rollout serves nobody (the flag's other rules keep serving); `paused`: it holds its step. */
export type RolloutState = (typeof ROLLOUT_STATES)[number];
export const ROLLOUT_PROMOTIONS = ['on-schedule', 'when-healthy'] as const;
/** `when-healthy`: a step advances only when its hold has passed and a guardrail saw no regression. */
export type RolloutPromotion = (typeof ROLLOUT_PROMOTIONS)[number];

export interface RolloutStep {
  /** Share of the rule's bucketing values served the variant (0–100, two decimals; rises step by step). */
  percent: number;
  /** How long the step lasts before the next begins; undefined for the last step. */
  holdMs: number | undefined;
}

/** A progressive rollout: the rule serves `variant` to a share of users that grows step by step. */
export interface RolloutSchedule {
  variant: FlagValue;
  /** Milliseconds since the epoch at which the first step begins. */
  startMs: number;
  /** Steps as written, or expanded from the `linear` / `exponential` shorthand. */
  steps: readonly RolloutStep[];
  state: RolloutState;
  promote: RolloutPromotion;
  /**
   * The step the rollout was put at, and since when (written by a promotion, a pause or a resume):
   * the schedule continues from there instead of from `start`.
   */
  current: { step: number; sinceMs: number } | undefined;
}

export interface FlagDefinition {
  key: string;
  description: string | undefined;
  dimension: Dimension | undefined;
  owner: string | undefined;
  /** `YYYY-MM-DD`, UTC; undefined when absent or invalid. */
  cleanupBy: string | undefined;
  type: FlagValueType;
  variants: readonly FlagValue[];
  /** False when `variants` was inferred from `default` and the rules. */
  variantsDeclared: boolean;
  defaultValue: FlagValue;
  enabled: boolean;
  bucketBy: string;
  rules: readonly RuleDefinition[];
  /** JSON pointer of the flag object in its document, for error positions. */
  pointer: string;
}

export interface Registry {
  /** Path or label of the document, used in messages. */
  file: string;
  flags: readonly FlagDefinition[];
  byKey: ReadonlyMap<string, FlagDefinition>;
  /** In-house flag readers declared once for the lint rules, `modelflags audit` and `remove-flag`. */
  readers: readonly RegistryReader[];
  /** The parsed document with positions, for tools that report at a JSON value. */
  json: LocatedJson;
}

/**
 * An in-house flag reader: `callee` is matched against the end of the written callee
 * (`featureFlagProvider.evaluatedFeatureFlag`); `keyArgument` is an argument index or a path into
 * an object argument (`"0.key"` for `GetFeatureFlagCommand.create({ key })`).
 */
export interface RegistryReader {
  callee: string;
  keyArgument: number | string;
  defaultArgument?: number;
  contextArgument?: number;
  /** `observable`: a stream that stays current, so subscribing to it once is fine. Default `value`. */
  returns?: 'value' | 'promise' | 'observable';
}

export const READER_RETURNS = ['value', 'promise', 'observable'] as const;

export const FLAG_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isScalar(v: unknown): v is FlagValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Whether the rule's outcome depends on hashing the bucketing attribute (a percentage, a split or a rollout). */
export function isBucketedRule(rule: RuleDefinition): boolean {
  return rule.rolloutPercentage !== undefined || rule.split !== undefined || rule.rollout !== undefined;
}

/** Percentage scaled to the integer weight that bucketing compares against (two decimals). */
export function rolloutThreshold(percentage: number): number {
  return Math.round(percentage * 100);
}
export const ROLLOUT_TOTAL_WEIGHT = 10000;
