/**
 * Export to LaunchDarkly flag JSON, as its server SDKs load it from a file data source. Targeting
 * rules keep their meaning exactly; percentages and splits keep their shares, but LaunchDarkly
 * hashes (SHA-1 of key, salt and bucketing value) where we use flagd's MurmurHash3, so individual
 * users may land in a different bucket. The flag data carries no schedule, so a rollout is its live
 * step at the moment of export (`rollouts.ts`).
 */
import { ExportError } from './appconfig.js';
import {
  DEFAULT_BUCKET_BY,
  rolloutThreshold,
  ROLLOUT_TOTAL_WEIGHT,
  type AttributeTest,
  type FlagDefinition,
  type FlagValue,
  type Registry,
} from '../registry/model.js';
import { type RegistryIssue } from '../registry/validate.js';
import { liveFlag, type ExportOptions } from './rollouts.js';

export const LAUNCHDARKLY_BUCKETING_NOTE =
  'LaunchDarkly buckets users with its own hash, so percentage rollouts and splits keep their shares but individual users may move between buckets; exact targeting rules serve the same values.';

export interface LaunchDarklyClause {
  contextKind: 'user';
  attribute: string;
  op: string;
  values: FlagValue[];
  negate: boolean;
}

export interface LaunchDarklyRollout {
  contextKind: 'user';
  variations: { variation: number; weight: number }[];
  bucketBy?: string;
}

export type LaunchDarklyOutcome = { variation: number } | { rollout: LaunchDarklyRollout };

export type LaunchDarklyRule = { id: string; clauses: LaunchDarklyClause[]; trackEvents: false } & LaunchDarklyOutcome;

export interface LaunchDarklyFlag {
  key: string;
  version: number;
  on: boolean;
  variations: FlagValue[];
  offVariation: number;
  fallthrough: LaunchDarklyOutcome;
  rules: LaunchDarklyRule[];
  targets: [];
  contextTargets: [];
  prerequisites: [];
  salt: string;
  trackEvents: false;
  trackEventsFallthrough: false;
  deleted: false;
}

export interface LaunchDarklyDocument {
  flags: Record<string, LaunchDarklyFlag>;
}

/** LaunchDarkly rollout weights are in thousandths of a percent. */
const LD_TOTAL_WEIGHT = 100_000;

/**
 * One of our rules can stop evaluation for only some users (a `rollout_percentage` outside the
 * bucket goes on to the next rule); a LaunchDarkly rule always decides once its clauses match. Each
 * decisive rule is therefore emitted once per combination of the earlier partial rules whose
 * conditions may also hold, most specific first; beyond this many rules the export refuses.
 */
const MAX_RULES_PER_FLAG = 500;

/** A piecewise-constant function of the bucket, as [end of range in 0..1, value] in order. */
type Buckets = [number, FlagValue][];

/** A rule that decides only for bucket values below `upTo`; the rest go on to the next rule. */
interface Partial {
  alternatives: LaunchDarklyClause[][];
  upTo: number;
  buckets: Buckets;
}

export function exportToLaunchDarkly(registry: Registry, options: ExportOptions = {}): LaunchDarklyDocument {
  const now = options.now ?? Date.now();
  const issues: RegistryIssue[] = [];
  const flags: Record<string, LaunchDarklyFlag> = {};
  for (const def of registry.flags) {
    try {
      flags[def.key] = exportFlag(liveFlag(def, now));
    } catch (error) {
      if (!(error instanceof TooManyRules)) throw error;
      const pos = registry.json.positionOf(`${def.pointer}/rules`) ??
        registry.json.positionOf(def.pointer) ?? { line: 1, column: 1 };
      issues.push({
        file: registry.file,
        line: pos.line,
        column: pos.column,
        pointer: `${def.pointer}/rules`,
        flag: def.key,
        message: `${def.key}: ${error.message}`,
      });
    }
  }
  if (issues.length > 0) throw new ExportError('LaunchDarkly', issues);
  return { flags };
}

class TooManyRules extends Error {}

function exportFlag(def: FlagDefinition): LaunchDarklyFlag {
  const variations = [...def.variants];
  const index = (v: FlagValue): number => variations.indexOf(v);
  const bucketBy = def.bucketBy === DEFAULT_BUCKET_BY ? undefined : attributeRef(def.bucketBy);
  const outcome = (buckets: Buckets): LaunchDarklyOutcome => {
    const merged = mergeBuckets(buckets);
    if (merged.length === 1) return { variation: index(merged[0]![1]) };
    const rollout: LaunchDarklyRollout = { contextKind: 'user', variations: [] };
    let start = 0;
    for (const [end, value] of merged) {
      const endWeight = Math.round(end * LD_TOTAL_WEIGHT);
      if (endWeight > start) rollout.variations.push({ variation: index(value), weight: endWeight - start });
      start = Math.max(start, endWeight);
    }
    if (bucketBy !== undefined) rollout.bucketBy = bucketBy;
    return { rollout };
  };
  // The context key is our targetingKey and always present; any other bucketing attribute must be.
  const bucketGuard: LaunchDarklyClause[] = bucketBy === undefined ? [] : [clause(def.bucketBy, 'startsWith', [''])];

  const rules: LaunchDarklyRule[] = [];
  const partials: Partial[] = [];
  let fallthrough: Buckets = [[1, def.defaultValue]];
  const decide = (alternatives: LaunchDarklyClause[][], buckets: Buckets): void => {
    for (const subset of subsetsMostSpecificFirst(partials)) {
      for (const clauses of product([...subset.map((p) => p.alternatives), alternatives])) {
        if (clauses.length === 0) {
          fallthrough = compose(subset, buckets);
          return;
        }
        rules.push({
          id: `rule-${rules.length + 1}`,
          clauses,
          trackEvents: false,
          ...outcome(compose(subset, buckets)),
        });
        if (rules.length > MAX_RULES_PER_FLAG) {
          throw new TooManyRules(
            `LaunchDarkly rules cannot fall through to the next rule, so each rule after a "rollout_percentage" or "rollout" rule is repeated per combination of those rules; this flag needs more than ${MAX_RULES_PER_FLAG}. Move percentage and rollout rules last or merge them`,
          );
        }
      }
    }
  };

  if (def.enabled) {
    let unconditional = false;
    for (const rule of def.rules) {
      let alternatives: LaunchDarklyClause[][] = [[]];
      for (const test of rule.tests) alternatives = product([alternatives, clausesFor(test)]);
      let buckets: Buckets;
      if (rule.split !== undefined) {
        const total = rule.split.reduce((sum, e) => sum + e.weight, 0);
        let cumulative = 0;
        buckets = rule.split.map((e) => {
          cumulative += e.weight;
          return [cumulative / total, e.variant];
        });
        alternatives = alternatives.map((a) => [...a, ...bucketGuard]);
      } else buckets = [[1, rule.value!]];
      if (rule.rolloutPercentage !== undefined) {
        // Users outside the percentage go on to the next rule; inside it, the rule's buckets decide.
        const upTo = rolloutThreshold(rule.rolloutPercentage) / ROLLOUT_TOTAL_WEIGHT;
        const clipped: Buckets = [];
        for (const [end, value] of buckets) {
          clipped.push([Math.min(end, upTo), value]);
          if (end >= upTo) break;
        }
        partials.push({
          alternatives: rule.split === undefined ? alternatives.map((a) => [...a, ...bucketGuard]) : alternatives,
          upTo,
          buckets: clipped,
        });
        continue;
      }
      decide(alternatives, buckets);
      if (alternatives.some((a) => a.length === 0)) {
        unconditional = true;
        break;
      }
    }
    if (!unconditional) decide([[]], [[1, def.defaultValue]]);
  }

  return {
    key: def.key,
    version: 1,
    on: def.enabled,
    variations,
    offVariation: index(def.defaultValue),
    fallthrough: outcome(fallthrough),
    rules,
    targets: [],
    contextTargets: [],
    prerequisites: [],
    salt: def.key,
    trackEvents: false,
    trackEventsFallthrough: false,
    deleted: false,
  };
}

/** Each registry test as alternatives (any one may hold) of clause lists (all must hold). */
function clausesFor(test: AttributeTest): LaunchDarklyClause[][] {
  const a = test.attribute;
  const list = (v: AttributeTest['operand']): FlagValue[] =>
    Array.isArray(v) ? [...(v as readonly FlagValue[])] : [v as FlagValue];
  switch (test.op) {
    case 'eq':
    case 'in':
      return [[clause(a, 'in', list(test.operand))]];
    // LaunchDarkly never matches a clause on a missing attribute, negated or not: as ours.
    case 'neq':
    case 'not_in':
      return [[clause(a, 'in', list(test.operand), true)]];
    case 'gt':
      return [[clause(a, 'greaterThan', list(test.operand))]];
    case 'gte':
      return [[clause(a, 'greaterThanOrEqual', list(test.operand))]];
    case 'lt':
      return [[clause(a, 'lessThan', list(test.operand))]];
    case 'lte':
      return [[clause(a, 'lessThanOrEqual', list(test.operand))]];
    case 'starts_with':
      return [[clause(a, 'startsWith', list(test.operand))]];
    case 'ends_with':
      return [[clause(a, 'endsWith', list(test.operand))]];
    // LaunchDarkly reads versions without a leading "v".
    case 'semver_lt':
      return [[clause(a, 'semVerLessThan', [stripV(test.operand as string)])]];
    case 'semver_gte':
      return [
        [clause(a, 'semVerEqual', [stripV(test.operand as string)])],
        [clause(a, 'semVerGreaterThan', [stripV(test.operand as string)])],
      ];
  }
}

function clause(attribute: string, op: string, values: FlagValue[], negate = false): LaunchDarklyClause {
  return { contextKind: 'user', attribute: attributeRef(attribute), op, values, negate };
}

/** Our targetingKey is the LaunchDarkly context key; a name starting with "/" must be escaped as a reference. */
function attributeRef(name: string): string {
  if (name === DEFAULT_BUCKET_BY) return 'key';
  return name.startsWith('/') ? `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}` : name;
}

function stripV(version: string): string {
  return /^[vV]/.test(version) ? version.slice(1) : version;
}

/** Earlier partial rules (first in order win their bucket range), then the deciding buckets. */
function compose(partials: readonly Partial[], decided: Buckets): Buckets {
  const out: Buckets = [];
  let covered = 0;
  for (const p of partials) {
    if (p.upTo <= covered) continue;
    for (const [end, value] of p.buckets) if (end > covered) out.push([end, value]);
    covered = p.upTo;
  }
  for (const [end, value] of decided) if (end > covered) out.push([end, value]);
  return out;
}

function mergeBuckets(buckets: Buckets): Buckets {
  const out: Buckets = [];
  for (const [end, value] of buckets) {
    const last = out[out.length - 1];
    if (last && last[1] === value) last[0] = end;
    else out.push([end, value]);
  }
  return out;
}

function subsetsMostSpecificFirst<T>(items: readonly T[]): T[][] {
  const subsets: T[][] = [];
  for (let mask = 0; mask < 1 << items.length; mask++) subsets.push(items.filter((_, i) => (mask & (1 << i)) !== 0));
  return subsets.sort((a, b) => b.length - a.length);
}

function product<T>(lists: readonly (readonly T[][])[]): T[][] {
  let out: T[][] = [[]];
  for (const alternatives of lists) out = out.flatMap((prefix) => alternatives.map((a) => [...prefix, ...a]));
  return out;
}
