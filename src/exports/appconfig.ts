/**
 * Export to an AWS AppConfig feature flag configuration (`AWS.AppConfig.FeatureFlags`, version 1).
 * Each registry flag becomes an AppConfig flag with one attribute, `value`, holding the variant;
 * rules become ordered multi-variant `_variants`, percentages and splits become `split` rules. AppConfig
 * rules cannot read the clock, so a rollout is its live step at the moment of export (`rollouts.ts`).
 */
import { formatIssue, type RegistryIssue } from '../registry/validate.js';
import {
  rolloutThreshold,
  type AttributeTest,
  type FlagDefinition,
  type FlagValue,
  type Registry,
} from '../registry/model.js';
import { liveFlag, type ExportOptions } from './rollouts.js';

export interface AppConfigVariant {
  name: string;
  enabled: boolean;
  rule?: string;
  attributeValues: { value: FlagValue };
}

export interface AppConfigFlagDefinition {
  name: string;
  description?: string;
  _deprecation?: { status: 'planned'; date: string };
  attributes: { value: { description: string; constraints: Record<string, unknown> } };
}

export type AppConfigFlagValue =
  { enabled: boolean; value: FlagValue } | { enabled: boolean; _variants: AppConfigVariant[] };

export interface AppConfigFeatureFlags {
  version: '1';
  flags: Record<string, AppConfigFlagDefinition>;
  values: Record<string, AppConfigFlagValue>;
}

/** The published limits of the `AWS.AppConfig.FeatureFlags` type. */
const APPCONFIG_LIMITS = {
  keyPattern: /^[a-z][a-zA-Z\d_-]{0,63}$/,
  nameLength: 64,
  descriptionLength: 1024,
  stringValueLength: 1024,
  variantsPerFlag: 32,
  ruleLength: 16384,
  enumLength: 100,
} as const;

/** Context keys this export writes into rules as `$key`. */
const CONTEXT_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class ExportError extends Error {
  constructor(
    readonly target: string,
    readonly issues: readonly RegistryIssue[],
  ) {
    super(`cannot export to ${target}:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ExportError';
  }
}

export function exportToAppConfig(registry: Registry, options: ExportOptions = {}): AppConfigFeatureFlags {
  const now = options.now ?? Date.now();
  const issues: RegistryIssue[] = [];
  const report = (def: FlagDefinition, pointer: string, message: string): void => {
    const pos = registry.json.positionOf(pointer) ?? registry.json.positionOf(def.pointer) ?? { line: 1, column: 1 };
    issues.push({
      file: registry.file,
      line: pos.line,
      column: pos.column,
      pointer,
      flag: def.key,
      message: `${def.key}: ${message}`,
    });
  };
  const flags: Record<string, AppConfigFlagDefinition> = {};
  const values: Record<string, AppConfigFlagValue> = {};
  for (const def of registry.flags) {
    if (!APPCONFIG_LIMITS.keyPattern.test(def.key)) {
      report(
        def,
        `${def.pointer}/flag`,
        'AppConfig flag keys are a lower-case letter followed by up to 63 letters, digits, "_" or "-"; rename the flag (no "." and at most 64 characters) to export it',
      );
      continue;
    }
    for (const [i, v] of def.variants.entries()) {
      if (typeof v === 'string' && [...v].length > APPCONFIG_LIMITS.stringValueLength) {
        report(
          def,
          `${def.pointer}/variants/${i}`,
          `variant ${i + 1} is longer than the ${APPCONFIG_LIMITS.stringValueLength} characters an AppConfig attribute value may hold`,
        );
      }
    }
    flags[def.key] = definitionOf(def);
    const value = valueOf(liveFlag(def, now), (pointer, message) => report(def, pointer, message));
    if (value) values[def.key] = value;
  }
  if (issues.length > 0) throw new ExportError('AppConfig', issues);
  return { version: '1', flags, values };
}

function definitionOf(def: FlagDefinition): AppConfigFlagDefinition {
  const constraints: Record<string, unknown> = { type: def.type, required: true };
  if (def.type === 'string' && def.variants.length <= APPCONFIG_LIMITS.enumLength)
    constraints['enum'] = [...def.variants];
  const flag: AppConfigFlagDefinition = {
    name: def.key,
    attributes: {
      value: { description: 'The variant served: read this attribute, not "enabled" (modelflags)', constraints },
    },
  };
  if (def.description !== undefined) flag.description = truncate(def.description, APPCONFIG_LIMITS.descriptionLength);
  if (def.cleanupBy !== undefined) flag._deprecation = { status: 'planned', date: def.cleanupBy };
  return flag;
}

/**
 * `enabled` is always true: a disabled AppConfig flag returns no attributes, while a disabled
 * registry flag (the kill switch) serves its `default`, so the kill switch drops the variants.
 */
function valueOf(
  def: FlagDefinition,
  report: (pointer: string, message: string) => void,
): AppConfigFlagValue | undefined {
  let defaultValue = def.defaultValue;
  const variants: AppConfigVariant[] = [];
  let ok = true;
  if (def.enabled) {
    for (const rule of def.rules) {
      const rulePointer = `${def.pointer}/rules/${rule.index}`;
      const clauses: string[] = [];
      for (const test of rule.tests) {
        const pointer = `${rulePointer}/condition/${test.attribute.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        const expression = testExpression(test);
        if (typeof expression === 'string') clauses.push(expression);
        else {
          report(pointer, `rule ${rule.index + 1}: ${expression.error}`);
          ok = false;
        }
      }
      const bucketed = rule.rolloutPercentage !== undefined || rule.split !== undefined;
      if (bucketed && !CONTEXT_KEY_PATTERN.test(def.bucketBy)) {
        report(
          `${def.pointer}/bucket_by`,
          `"bucket_by" ${JSON.stringify(def.bucketBy)} cannot be written as an AppConfig context key; use letters, digits and "_"`,
        );
        ok = false;
      }
      const split = (pct: number): string =>
        `(split pct::${pct} by::$${def.bucketBy} seed::${JSON.stringify(def.key)})`;
      // Like ours, an AppConfig split needs the bucketing value; without one the rule must not match.
      if (bucketed) clauses.push(`(exists key::${JSON.stringify(def.bucketBy)})`);
      if (rule.rolloutPercentage !== undefined) clauses.push(split(rolloutThreshold(rule.rolloutPercentage) / 100));
      if (rule.value !== undefined) {
        if (clauses.length === 0) {
          // A rule that matches everyone decides every request: it is the default, and later rules never run.
          defaultValue = rule.value;
          break;
        }
        variants.push({
          name: variantName(`rule ${rule.index + 1}: `, rule.value),
          enabled: true,
          rule: and(clauses),
          attributeValues: { value: rule.value },
        });
        continue;
      }
      // Splits of one flag share the seed, so cumulative percentages carve one hash into disjoint ranges.
      const entries = rule.split ?? [];
      const total = entries.reduce((sum, e) => sum + e.weight, 0);
      let cumulative = 0;
      entries.forEach((entry, k) => {
        cumulative += entry.weight;
        if (entry.weight === 0) return;
        const pct = cumulative === total ? 100 : Math.round((cumulative * 10000) / total) / 100;
        variants.push({
          name: variantName(`rule ${rule.index + 1} split ${k + 1}: `, entry.variant),
          enabled: true,
          rule: and([...clauses, split(pct)]),
          attributeValues: { value: entry.variant },
        });
      });
    }
  }
  if (!ok) return undefined;
  if (variants.length === 0) return { enabled: true, value: defaultValue };
  variants.push({
    name: variantName('default: ', defaultValue),
    enabled: true,
    attributeValues: { value: defaultValue },
  });
  if (variants.length > APPCONFIG_LIMITS.variantsPerFlag) {
    report(
      `${def.pointer}/rules`,
      `the rules need ${variants.length} AppConfig variants (one per rule and split entry, plus the default); AppConfig allows ${APPCONFIG_LIMITS.variantsPerFlag}`,
    );
    return undefined;
  }
  for (const v of variants) {
    if (v.rule !== undefined && v.rule.length > APPCONFIG_LIMITS.ruleLength) {
      report(
        `${def.pointer}/rules`,
        `variant "${v.name}" has a rule of ${v.rule.length} characters; AppConfig allows ${APPCONFIG_LIMITS.ruleLength}`,
      );
      return undefined;
    }
  }
  return { enabled: true, _variants: variants };
}

function testExpression(test: AttributeTest): string | { error: string } {
  if (!CONTEXT_KEY_PATTERN.test(test.attribute)) {
    return {
      error: `context attribute ${JSON.stringify(test.attribute)} cannot be written as an AppConfig context key; use letters, digits and "_"`,
    };
  }
  const attr = `$${test.attribute}`;
  const exists = `(exists key::${JSON.stringify(test.attribute)})`;
  const literal = (v: unknown): string => JSON.stringify(v);
  switch (test.op) {
    case 'eq':
      return `(eq ${attr} ${literal(test.operand)})`;
    // A negated test must not match a request that lacks the attribute, as in the registry.
    case 'neq':
      return `(and ${exists} (not (eq ${attr} ${literal(test.operand)})))`;
    case 'in':
      return `(in ${attr} ${literal(test.operand)})`;
    case 'not_in':
      return `(and ${exists} (not (in ${attr} ${literal(test.operand)})))`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return `(${test.op} ${attr} ${literal(test.operand)})`;
    case 'starts_with':
      return `(begins_with ${attr} ${literal(test.operand)})`;
    case 'ends_with':
      return `(ends_with ${attr} ${literal(test.operand)})`;
    case 'semver_gte':
    case 'semver_lt':
      return {
        error: `"${test.op}" on "${test.attribute}" has no AppConfig equivalent (its rules compare numbers and strings, not versions); target a numeric build attribute instead, or export to flagd`,
      };
  }
}

/** AppConfig's `and` takes two operands. */
function and(clauses: readonly string[]): string {
  if (clauses.length === 1) return clauses[0]!;
  return `(and ${clauses[0]!} ${and(clauses.slice(1))})`;
}

function variantName(prefix: string, value: FlagValue): string {
  return truncate(`${prefix}${String(value)}`.replace(/[\r\n]+/g, ' '), APPCONFIG_LIMITS.nameLength);
}

function truncate(text: string, length: number): string {
  const chars = [...text];
  return chars.length <= length ? text : `${chars.slice(0, length - 1).join('')}…`;
}
