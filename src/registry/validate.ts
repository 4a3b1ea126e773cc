/**
 * Parsing and validating `flags.json` into the model, with every problem reported at its file,
 * line and column, all at once.
 */
import {
  JsonSyntaxError,
  parseJsonLazily,
  parseJsonWithPositions,
  pointerOf,
  type LocatedJson,
  type SourcePosition,
} from './json.js';
import {
  type AttributeTest,
  CONDITION_OPERATORS,
  type ConditionOperator,
  DEFAULT_BUCKET_BY,
  DIMENSIONS,
  type Dimension,
  FLAG_KEY_PATTERN,
  type FlagDefinition,
  type FlagValue,
  type FlagValueType,
  READER_RETURNS,
  ROLLOUT_PERCENTAGE,
  type Registry,
  type RegistryReader,
  type RolloutPromotion,
  type RolloutSchedule,
  type RolloutState,
  type RolloutStep,
  ROLLOUT_PROMOTIONS,
  ROLLOUT_STATES,
  type RuleDefinition,
  type SplitEntry,
  isScalar,
} from './model.js';
import { exponentialSteps, linearSteps, MAX_ROLLOUT_STEPS, parseDuration } from './rollout.js';
import { parseSemver } from './semver.js';
import { didYouMean } from './suggest.js';

const KEY_ARGUMENT_PATTERN = /^\d+(\.[A-Za-z_$][\w$]*)+$/;

export interface RegistryIssue {
  file: string;
  line: number;
  column: number;
  /** JSON pointer of the offending value. */
  pointer: string;
  flag: string | undefined;
  message: string;
}

export class RegistryError extends Error {
  constructor(readonly issues: readonly RegistryIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'RegistryError';
  }
}

export function formatIssue(issue: RegistryIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const FLAG_FIELDS = [
  'flag',
  'description',
  'dimension',
  'owner',
  'cleanup_by',
  'variants',
  'default',
  'enabled',
  'bucket_by',
  'rules',
] as const;
const TOP_LEVEL_FIELDS = ['$schema', 'flags', 'readers'] as const;
const MAX_TOTAL_WEIGHT = 2147483647;

/** Parses and validates a registry document; every problem in the file is reported at once. */
export interface ParseRegistryOptions {
  /**
   * Report repeated JSON keys (default true). The runtime turns this off for reload speed and
   * reads the document as `JSON.parse` would; `modelflags check` and the lint rules keep it on.
   */
  strict?: boolean;
}

export function parseRegistry(
  text: string,
  file = 'flags.json',
  options: ParseRegistryOptions = {},
): { registry: Registry | undefined; issues: RegistryIssue[] } {
  let json: LocatedJson;
  try {
    json = options.strict === false ? parseJsonLazily(text) : parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = error.position;
      return {
        registry: undefined,
        issues: [{ file, line, column, pointer: '', flag: undefined, message: `invalid JSON: ${error.message}` }],
      };
    }
    throw error;
  }
  const issues: RegistryIssue[] = [];
  const report = (pointer: string, flag: string | undefined, message: string, atKey = false): void => {
    const pos: SourcePosition | undefined =
      (atKey ? json.keyPositionOf(pointer) : undefined) ?? json.positionOf(pointer) ?? nearestPosition(json, pointer);
    issues.push({ file, line: pos?.line ?? 1, column: pos?.column ?? 1, pointer, flag, message });
  };

  const root = json.value;
  const flags: FlagDefinition[] = [];
  if (!isPlainObject(root)) {
    report(
      '',
      undefined,
      'the registry must be a JSON object with a "flags" array: { "flags": [ { "flag": "...", "default": ... } ] }',
    );
    return { registry: undefined, issues };
  }
  for (const key of Object.keys(root)) {
    if (!(TOP_LEVEL_FIELDS as readonly string[]).includes(key)) {
      report(
        pointerOf([key]),
        undefined,
        `unknown top-level field "${key}"${didYouMean(key, TOP_LEVEL_FIELDS)}; the registry has "$schema", "flags" and "readers"`,
        true,
      );
    }
  }
  if (root['$schema'] !== undefined && typeof root['$schema'] !== 'string') {
    report('/$schema', undefined, '"$schema" must be a string (a path or URL to flags.schema.json)');
  }
  const readers = validateReaders(root['readers'], report);
  const rawFlags = root['flags'];
  if (!Array.isArray(rawFlags)) {
    report(rawFlags === undefined ? '' : '/flags', undefined, '"flags" must be an array of flag objects');
    return { registry: undefined, issues };
  }
  const seen = new Map<string, number>();
  rawFlags.forEach((raw, index) => {
    const pointer = `/flags/${index}`;
    const flag = validateFlag(raw, pointer, report);
    // Duplicates are checked on the raw key, so they are reported even when the entries have other problems.
    const key = isPlainObject(raw) && typeof raw['flag'] === 'string' ? raw['flag'] : undefined;
    if (key === undefined) return;
    const previous = seen.get(key);
    if (previous !== undefined) {
      report(
        `${pointer}/flag`,
        key,
        `${key}: duplicate flag key; it is already defined at flags[${previous}]. Keys must be unique`,
      );
      return;
    }
    seen.set(key, index);
    if (flag) flags.push(flag);
  });
  if (issues.length > 0) return { registry: undefined, issues };
  return { registry: { file, flags, byKey: new Map(flags.map((f) => [f.key, f])), readers, json }, issues };
}

/** What is wrong with a list of readers given outside a registry (the ESLint settings), one message per problem. */
export function readerProblems(raw: unknown): string[] {
  const problems: string[] = [];
  validateReaders(raw, (_pointer, _flag, message) => problems.push(message));
  return problems;
}

const READER_FIELDS = ['callee', 'keyArgument', 'defaultArgument', 'contextArgument', 'returns'] as const;
const READER_EXAMPLE = '{ "callee": "featureFlagProvider.evaluatedFeatureFlag", "keyArgument": 0 }';

function validateReaders(raw: unknown, report: Report): RegistryReader[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    report(
      '/readers',
      undefined,
      `"readers" must be an array of in-house flag readers, for example [${READER_EXAMPLE}]`,
    );
    return [];
  }
  const readers: RegistryReader[] = [];
  raw.forEach((entry, index) => {
    const pointer = `/readers/${index}`;
    if (!isPlainObject(entry)) {
      report(pointer, undefined, `readers[${index}] must be an object like ${READER_EXAMPLE}`);
      return;
    }
    let ok = true;
    const problem = (field: string, message: string, atKey = false): void => {
      ok = false;
      report(
        field === '' ? pointer : `${pointer}/${escapePointer(field)}`,
        undefined,
        `readers[${index}]: ${message}`,
        atKey,
      );
    };
    for (const field of Object.keys(entry)) {
      if (!(READER_FIELDS as readonly string[]).includes(field))
        problem(field, `unknown field "${field}"${didYouMean(field, READER_FIELDS)}`, true);
    }
    const { callee, keyArgument, defaultArgument, contextArgument, returns } = entry;
    if (typeof callee !== 'string' || !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(callee)) {
      problem(
        callee === undefined ? '' : 'callee',
        '"callee" must be the dotted name the code calls, for example "featureFlagProvider.evaluatedFeatureFlag"',
      );
    }
    const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (!isIndex(keyArgument) && !(typeof keyArgument === 'string' && KEY_ARGUMENT_PATTERN.test(keyArgument))) {
      problem(
        keyArgument === undefined ? '' : 'keyArgument',
        '"keyArgument" must be the index of the key argument (0) or a path into an object argument ("0.key")',
      );
    }
    for (const [field, value] of [
      ['defaultArgument', defaultArgument],
      ['contextArgument', contextArgument],
    ] as const) {
      if (value !== undefined && !isIndex(value)) problem(field, `"${field}" must be an argument index (0, 1, ...)`);
    }
    if (returns !== undefined && !(READER_RETURNS as readonly unknown[]).includes(returns)) {
      problem('returns', `"returns" must be one of ${READER_RETURNS.map((r) => `"${r}"`).join(', ')}`);
    }
    if (!ok) return;
    readers.push({
      callee: callee as string,
      keyArgument: keyArgument as number | string,
      ...(defaultArgument === undefined ? {} : { defaultArgument: defaultArgument as number }),
      ...(contextArgument === undefined ? {} : { contextArgument: contextArgument as number }),
      ...(returns === undefined ? {} : { returns: returns as RegistryReader['returns'] & string }),
    });
  });
  return readers;
}

/** Like {@link parseRegistry} but throws a {@link RegistryError} listing every problem. */
export function parseRegistryOrThrow(text: string, file = 'flags.json'): Registry {
  const { registry, issues } = parseRegistry(text, file);
  if (!registry) throw new RegistryError(issues);
  return registry;
}

type Report = (pointer: string, flag: string | undefined, message: string, atKey?: boolean) => void;

interface ServedValue {
  value: FlagValue;
  pointer: string;
  /** How the message introduces the value: `"default" is`, `rule 2 serves`, `rule 2 splits to`. */
  what: string;
  /** Split variants are object keys, so the report points at the key. */
  atKey: boolean;
}

function validateFlag(raw: unknown, pointer: string, report: Report): FlagDefinition | undefined {
  if (!isPlainObject(raw)) {
    report(pointer, undefined, 'each entry of "flags" must be an object with at least "flag" and "default"');
    return undefined;
  }
  let problems = 0;
  const r: Report = (p, f, m, k) => {
    problems++;
    report(p, f, m, k);
  };
  const keyRaw = raw['flag'];
  let key = typeof keyRaw === 'string' ? keyRaw : '<unnamed flag>';
  if (keyRaw === undefined)
    r(pointer, undefined, `${key}: missing required field "flag" (the flag key, for example "inference_model")`);
  else if (typeof keyRaw !== 'string' || !FLAG_KEY_PATTERN.test(keyRaw)) {
    r(
      `${pointer}/flag`,
      undefined,
      `flag key ${JSON.stringify(keyRaw)} is invalid: use letters, digits, "_", "." and "-", starting with a letter or digit (for example "inference_model", "ai-model-upgrade" or "IS_V2_ENABLED")`,
    );
    if (typeof keyRaw !== 'string') key = '<unnamed flag>';
  }
  for (const field of Object.keys(raw)) {
    if (!(FLAG_FIELDS as readonly string[]).includes(field)) {
      r(
        `${pointer}/${escapePointer(field)}`,
        key,
        `${key}: unknown field "${field}"${didYouMean(field, FLAG_FIELDS)}`,
        true,
      );
    }
  }
  const optionalString = (field: string): string | undefined => {
    const v = raw[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      r(`${pointer}/${field}`, key, `${key}: "${field}" must be a string`);
      return undefined;
    }
    return v;
  };
  const description = optionalString('description');
  const owner = optionalString('owner');

  let dimension: Dimension | undefined;
  if (raw['dimension'] !== undefined) {
    const d = raw['dimension'];
    if (typeof d === 'string' && (DIMENSIONS as readonly string[]).includes(d)) dimension = d as Dimension;
    else
      r(
        `${pointer}/dimension`,
        key,
        `${key}: "dimension" must be one of ${DIMENSIONS.map((x) => `"${x}"`).join(', ')}${typeof d === 'string' ? didYouMean(d, DIMENSIONS) : ''}`,
      );
  }

  let cleanupBy: string | undefined;
  if (raw['cleanup_by'] !== undefined) {
    const c = raw['cleanup_by'];
    if (typeof c === 'string' && isValidDate(c)) cleanupBy = c;
    else
      r(
        `${pointer}/cleanup_by`,
        key,
        `${key}: "cleanup_by" must be a real calendar date written YYYY-MM-DD (UTC), for example "2027-03-31"; got ${JSON.stringify(c)}`,
      );
  }

  let enabled = true;
  if (raw['enabled'] !== undefined) {
    if (typeof raw['enabled'] === 'boolean') enabled = raw['enabled'];
    else
      r(
        `${pointer}/enabled`,
        key,
        `${key}: "enabled" must be true or false (false is the kill switch: everyone gets "default")`,
      );
  }

  let bucketBy = DEFAULT_BUCKET_BY;
  if (raw['bucket_by'] !== undefined) {
    const b = raw['bucket_by'];
    if (typeof b === 'string' && isUsableAttributeName(b)) bucketBy = b;
    else
      r(
        `${pointer}/bucket_by`,
        key,
        `${key}: "bucket_by" must name a context attribute, for example "targetingKey", "organization_id" or "conversation_id"`,
      );
  }

  // The type of the flag is the type of its default; everything else must agree with it.
  const def = raw['default'];
  let type: FlagValueType | undefined;
  if (def === undefined) {
    r(
      pointer,
      key,
      `${key}: missing required field "default" (served when no rule matches, when the flag is disabled and on any error)`,
    );
  } else if (isScalar(def)) {
    type = typeof def as FlagValueType;
  } else {
    r(`${pointer}/default`, key, describeBadValue(key, '"default"', def));
  }

  const values: { value: FlagValue; pointer: string; what: string }[] = [];
  const checkValue = (v: unknown, p: string, what: string): FlagValue | undefined => {
    if (!isScalar(v)) {
      r(p, key, describeBadValue(key, what, v));
      return undefined;
    }
    if (type !== undefined && typeof v !== type) {
      r(
        p,
        key,
        `${key}: ${what} is ${describe(v)}, but the flag's default is a ${type}; a flag serves one type of value`,
      );
      return undefined;
    }
    values.push({ value: v, pointer: p, what });
    return v;
  };

  let declared: FlagValue[] | undefined;
  if (raw['variants'] !== undefined) {
    const vs = raw['variants'];
    if (!Array.isArray(vs) || vs.length === 0) {
      r(`${pointer}/variants`, key, `${key}: "variants" must be a non-empty array of every value the flag may serve`);
    } else {
      declared = [];
      vs.forEach((v, i) => {
        const ok = checkValue(v, `${pointer}/variants/${i}`, `variant ${i + 1}`);
        if (ok === undefined) return;
        if (declared!.includes(ok))
          r(`${pointer}/variants/${i}`, key, `${key}: variant ${JSON.stringify(ok)} is listed twice`);
        else declared!.push(ok);
      });
    }
  }

  // Every value the flag serves, collected even from rules with other problems, so a misspelt
  // variant is reported alongside them rather than after the user fixes those.
  const served: ServedValue[] = [];
  if (isScalar(def) && type !== undefined)
    served.push({ value: def, pointer: `${pointer}/default`, what: '"default" is', atKey: false });
  const rules: RuleDefinition[] = [];
  const rawRules = raw['rules'];
  if (rawRules !== undefined && !Array.isArray(rawRules)) {
    r(`${pointer}/rules`, key, `${key}: "rules" must be an array of { "condition": {...}, "value": ... } objects`);
  } else if (Array.isArray(rawRules)) {
    rawRules.forEach((rawRule, index) => {
      const rule = validateRule(rawRule, `${pointer}/rules/${index}`, index, key, type, served, r);
      if (rule) rules.push(rule);
    });
  }

  // Variants declared or inferred, then every served value must be among them.
  const variants: FlagValue[] = declared ?? [];
  // Variants are named by their value in flagd and in most SDKs, and a name cannot be empty.
  const listed = Array.isArray(raw['variants'])
    ? raw['variants'].map((v: unknown, i) => ({ value: v, pointer: `${pointer}/variants/${i}` }))
    : [];
  const empty = [...(declared ? [] : served), ...listed].find((s) => s.value === '');
  if (empty)
    r(empty.pointer, key, `${key}: a variant cannot be the empty string; give that choice a name, for example "none"`);
  if (declared) {
    for (const s of served) {
      if (!variants.includes(s.value)) {
        const list = variants.map((v) => JSON.stringify(v)).join(', ');
        const hint =
          typeof s.value === 'string'
            ? didYouMean(
                s.value,
                variants.filter((v): v is string => typeof v === 'string'),
              )
            : '';
        r(
          s.pointer,
          key,
          `${key}: ${s.what} ${JSON.stringify(s.value)}, which is not a variant${hint}; variants are ${list}`,
          s.atKey,
        );
      }
    }
  } else {
    for (const s of served) if (!variants.includes(s.value)) variants.push(s.value);
  }

  if (problems > 0 || type === undefined || !isScalar(def)) return undefined;
  return {
    key,
    description,
    dimension,
    owner,
    cleanupBy,
    type,
    variants,
    variantsDeclared: declared !== undefined,
    defaultValue: def,
    enabled,
    bucketBy,
    rules,
    pointer,
  };
}

function validateRule(
  raw: unknown,
  pointer: string,
  index: number,
  key: string,
  type: FlagValueType | undefined,
  served: ServedValue[],
  r: Report,
): RuleDefinition | undefined {
  const label = `${key}: rule ${index + 1}`;
  if (!isPlainObject(raw)) {
    r(pointer, key, `${label} must be an object with "condition" and one of "value", "split" or "rollout"`);
    return undefined;
  }
  let ok = true;
  const fail: Report = (p, f, m, k) => {
    ok = false;
    r(p, f, m, k);
  };
  for (const field of Object.keys(raw)) {
    if (!(RULE_FIELDS as readonly string[]).includes(field)) {
      fail(
        `${pointer}/${escapePointer(field)}`,
        key,
        `${label} has unknown field "${field}"${didYouMean(field, RULE_FIELDS)}; a rule has "condition" and one of "value", "split" or "rollout"`,
        true,
      );
    }
  }
  const cond = raw['condition'];
  const tests: AttributeTest[] = [];
  let rolloutPercentage: number | undefined;
  if (cond === undefined) {
    fail(pointer, key, `${label} is missing "condition" (use {} to match everyone)`);
  } else if (!isPlainObject(cond)) {
    fail(
      `${pointer}/condition`,
      key,
      `${label}: "condition" must be an object of attribute tests, for example { "user_segment": "internal" }`,
    );
  } else {
    for (const [attribute, test] of Object.entries(cond)) {
      const tp = `${pointer}/condition/${escapePointer(attribute)}`;
      if (attribute === ROLLOUT_PERCENTAGE) {
        if (!isPercent(test)) {
          fail(
            tp,
            key,
            `${label}: "rollout_percentage" must be a number from 0 to 100 with at most two decimals; got ${JSON.stringify(test)}`,
          );
        } else rolloutPercentage = test;
        continue;
      }
      if (!isUsableAttributeName(attribute)) {
        fail(
          tp,
          key,
          `${label}: ${JSON.stringify(attribute)} cannot be used as a context attribute name (an empty segment or a built-in object property); rename the attribute`,
          true,
        );
        continue;
      }
      const parsed = parseAttributeTest(attribute, test, tp, label, key, fail);
      if (parsed) tests.push(...parsed);
    }
  }
  const hasValue = raw['value'] !== undefined;
  const hasSplit = raw['split'] !== undefined;
  const hasRollout = raw['rollout'] !== undefined;
  let value: FlagValue | undefined;
  let split: SplitEntry[] | undefined;
  let rollout: RolloutSchedule | undefined;
  if (Number(hasValue) + Number(hasSplit) + Number(hasRollout) !== 1) {
    fail(
      pointer,
      key,
      `${label} must have exactly one of "value" (serve one variant), "split" (variant → weight, for an A/B test) or "rollout" (a progressive rollout schedule)`,
    );
  } else if (hasRollout) {
    if (rolloutPercentage !== undefined)
      fail(
        `${pointer}/condition/${ROLLOUT_PERCENTAGE}`,
        key,
        `${label}: a rollout rule's share comes from its steps; remove "rollout_percentage" from its condition`,
        true,
      );
    rollout = validateRollout(raw['rollout'], `${pointer}/rollout`, index, label, key, type, served, fail);
  } else if (hasValue) {
    const v = raw['value'];
    if (!isScalar(v)) fail(`${pointer}/value`, key, describeBadValue(key, `rule ${index + 1} "value"`, v));
    else if (type !== undefined && typeof v !== type)
      fail(
        `${pointer}/value`,
        key,
        `${label} serves ${describe(v)}, but the flag's default is a ${type}; a flag serves one type of value`,
      );
    else {
      value = v;
      served.push({ value: v, pointer: `${pointer}/value`, what: `rule ${index + 1} serves`, atKey: false });
    }
  } else {
    const s = raw['split'];
    if (!isPlainObject(s) || Object.keys(s).length === 0) {
      fail(
        `${pointer}/split`,
        key,
        `${label}: "split" must be an object of variant → integer weight, for example { "v3": 50, "v4": 50 }`,
      );
    } else {
      split = [];
      let total = 0;
      for (const [name, weight] of Object.entries(s)) {
        const wp = `${pointer}/split/${escapePointer(name)}`;
        const variant = splitKeyToValue(name, type);
        if (variant !== undefined)
          served.push({ value: variant, pointer: wp, what: `rule ${index + 1} splits to`, atKey: true });
        if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) {
          fail(
            wp,
            key,
            `${label}: the weight of ${JSON.stringify(name)} must be a non-negative integer; got ${JSON.stringify(weight)}`,
          );
          continue;
        }
        if (variant === undefined) {
          fail(wp, key, `${label}: split key ${JSON.stringify(name)} is not a ${type ?? 'valid'} value`, true);
          continue;
        }
        total += weight;
        split.push({ variant, weight });
      }
      if (ok && total === 0)
        fail(
          `${pointer}/split`,
          key,
          `${label}: the split weights add up to 0; give at least one variant a positive weight`,
        );
      if (total > MAX_TOTAL_WEIGHT)
        fail(`${pointer}/split`, key, `${label}: the split weights add up to more than ${MAX_TOTAL_WEIGHT}`);
    }
  }
  if (!ok) return undefined;
  return { index, tests, rolloutPercentage, value, split, rollout };
}

const RULE_FIELDS = ['condition', 'value', 'split', 'rollout'] as const;
const STEP_FIELDS = ['percent', 'hold'] as const;
const ROLLOUT_FIELDS = [
  'variant',
  'start',
  'steps',
  'linear',
  'exponential',
  'promote',
  'state',
  'current_step',
] as const;

function validateRollout(
  raw: unknown,
  pointer: string,
  index: number,
  label: string,
  key: string,
  type: FlagValueType | undefined,
  served: ServedValue[],
  fail: Report,
): RolloutSchedule | undefined {
  const example =
    '{ "variant": ..., "start": "2026-12-10T09:00:00Z", "steps": [{ "percent": 5, "hold": "2h" }, { "percent": 100 }] }';
  if (!isPlainObject(raw)) {
    fail(pointer, key, `${label}: "rollout" must be an object, for example ${example}`);
    return undefined;
  }
  let ok = true;
  const bad: Report = (p, f, m, k) => {
    ok = false;
    fail(p, f, m, k);
  };
  for (const field of Object.keys(raw))
    if (!(ROLLOUT_FIELDS as readonly string[]).includes(field))
      bad(
        `${pointer}/${escapePointer(field)}`,
        key,
        `${label}: the rollout has unknown field "${field}"${didYouMean(field, ROLLOUT_FIELDS)}`,
        true,
      );

  const variant = raw['variant'];
  if (variant === undefined) bad(pointer, key, `${label}: the rollout is missing "variant" (the value it rolls out)`);
  else if (!isScalar(variant))
    bad(`${pointer}/variant`, key, describeBadValue(key, `rule ${index + 1} rollout "variant"`, variant));
  else if (type !== undefined && typeof variant !== type)
    bad(
      `${pointer}/variant`,
      key,
      `${label} rolls out ${describe(variant)}, but the flag's default is a ${type}; a flag serves one type of value`,
    );
  else
    served.push({ value: variant, pointer: `${pointer}/variant`, what: `rule ${index + 1} rolls out`, atKey: false });

  const startMs = parseTimestamp(raw['start']);
  if (startMs === undefined)
    bad(
      raw['start'] === undefined ? pointer : `${pointer}/start`,
      key,
      `${label}: the rollout needs "start", an ISO date-time with a time zone, for example "2026-12-10T09:00:00Z"; got ${describe(raw['start'])}`,
    );

  const shapes = (['steps', 'linear', 'exponential'] as const).filter((f) => raw[f] !== undefined);
  let steps: RolloutStep[] | undefined;
  if (shapes.length !== 1) {
    bad(
      pointer,
      key,
      `${label}: the rollout needs exactly one of "steps" (a list of { "percent", "hold" }), "linear" ({ "percent": 20, "every": "6m" }) or "exponential" ({ "percent": 1, "every": "1h", "factor": 2 })`,
    );
  } else if (shapes[0] === 'steps') {
    steps = validateSteps(raw['steps'], `${pointer}/steps`, label, key, bad);
  } else {
    steps = validateShorthand(shapes[0]!, raw[shapes[0]!], `${pointer}/${shapes[0]}`, label, key, bad);
  }

  const promote = raw['promote'] ?? 'on-schedule';
  if (!(ROLLOUT_PROMOTIONS as readonly unknown[]).includes(promote))
    bad(
      `${pointer}/promote`,
      key,
      `${label}: the rollout's "promote" must be ${ROLLOUT_PROMOTIONS.map((p) => `"${p}"`).join(' or ')}; got ${describe(promote)}`,
    );
  const state = raw['state'] ?? 'active';
  if (!(ROLLOUT_STATES as readonly unknown[]).includes(state))
    bad(
      `${pointer}/state`,
      key,
      `${label}: the rollout's "state" must be ${ROLLOUT_STATES.map((p) => `"${p}"`).join(', ')}; got ${describe(state)}`,
    );

  let current: RolloutSchedule['current'];
  const rawCurrent = raw['current_step'];
  if (rawCurrent !== undefined) {
    const cp = `${pointer}/current_step`;
    const stepNumber = isPlainObject(rawCurrent) ? rawCurrent['step'] : undefined;
    const sinceMs = isPlainObject(rawCurrent) ? parseTimestamp(rawCurrent['since']) : undefined;
    if (
      !isPlainObject(rawCurrent) ||
      Object.keys(rawCurrent).some((f) => f !== 'step' && f !== 'since') ||
      typeof stepNumber !== 'number' ||
      !Number.isInteger(stepNumber) ||
      stepNumber < 1 ||
      sinceMs === undefined
    )
      bad(
        cp,
        key,
        `${label}: the rollout's "current_step" must be { "step": <1-based step number>, "since": "<ISO date-time>" } (written by \`modelflags rollout\` and the guardrail)`,
      );
    else if (steps !== undefined && stepNumber > steps.length)
      bad(
        `${cp}/step`,
        key,
        `${label}: "current_step" is step ${stepNumber}, but the rollout has ${steps.length} steps`,
      );
    else current = { step: stepNumber - 1, sinceMs };
  }
  if (state === 'paused' && rawCurrent === undefined)
    bad(
      `${pointer}/state`,
      key,
      `${label}: a paused rollout names the step it holds in "current_step"; run \`modelflags rollout pause ${key}\`, which writes both`,
    );

  if (!ok || steps === undefined || startMs === undefined || !isScalar(variant)) return undefined;
  return {
    variant,
    startMs,
    steps,
    state: state as RolloutState,
    promote: promote as RolloutPromotion,
    current,
  };
}

function validateSteps(
  raw: unknown,
  pointer: string,
  label: string,
  key: string,
  bad: Report,
): RolloutStep[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    bad(pointer, key, `${label}: the rollout's "steps" must be a non-empty list of { "percent": 5, "hold": "2h" }`);
    return undefined;
  }
  if (raw.length > MAX_ROLLOUT_STEPS) {
    bad(pointer, key, `${label}: the rollout has ${raw.length} steps; at most ${MAX_ROLLOUT_STEPS}`);
    return undefined;
  }
  const steps: RolloutStep[] = [];
  let ok = true;
  // The largest valid percent so far, which every later step must exceed; kept apart from `steps`,
  // which stops growing at the first problem, so each message names the step it compares with.
  let previous: { number: number; percent: number } | undefined;
  raw.forEach((step: unknown, i) => {
    const sp = `${pointer}/${i}`;
    const last = i === raw.length - 1;
    if (!isPlainObject(step)) {
      ok = false;
      bad(sp, key, `${label}: rollout step ${i + 1} must be an object { "percent": 5, "hold": "2h" }`);
      return;
    }
    for (const field of Object.keys(step))
      if (!(STEP_FIELDS as readonly string[]).includes(field)) {
        ok = false;
        bad(
          `${sp}/${escapePointer(field)}`,
          key,
          `${label}: rollout step ${i + 1} has unknown field "${field}"${didYouMean(field, STEP_FIELDS)}; a step has "percent" and "hold"`,
          true,
        );
      }
    const percent = step['percent'];
    if (!isPercent(percent) || percent === 0) {
      ok = false;
      bad(
        `${sp}/percent`,
        key,
        `${label}: rollout step ${i + 1}'s "percent" must be a number above 0 and at most 100, with at most two decimals; got ${describe(percent)}`,
      );
    } else {
      if (previous !== undefined && percent <= previous.percent) {
        ok = false;
        bad(
          `${sp}/percent`,
          key,
          `${label}: rollout step ${i + 1} (${percent}%) must serve more than step ${previous.number} (${previous.percent}%): each step only adds users`,
        );
      } else previous = { number: i + 1, percent };
    }
    const holdMs = step['hold'] === undefined ? undefined : parseDuration(step['hold']);
    if (step['hold'] !== undefined && holdMs === undefined) {
      ok = false;
      bad(
        `${sp}/hold`,
        key,
        `${label}: rollout step ${i + 1}'s "hold" must be a duration such as "30s", "6m", "2h" or "1d"; got ${describe(step['hold'])}`,
      );
    } else if (holdMs === undefined && !last) {
      ok = false;
      bad(sp, key, `${label}: rollout step ${i + 1} needs "hold", how long it lasts before step ${i + 2}`);
    }
    if (ok) steps.push({ percent: percent as number, holdMs: last ? undefined : holdMs });
  });
  return ok ? steps : undefined;
}

function validateShorthand(
  shape: 'linear' | 'exponential',
  raw: unknown,
  pointer: string,
  label: string,
  key: string,
  bad: Report,
): RolloutStep[] | undefined {
  const fields = shape === 'linear' ? ['percent', 'every'] : ['percent', 'every', 'factor'];
  const example =
    shape === 'linear' ? '{ "percent": 20, "every": "6m" }' : '{ "percent": 1, "every": "1h", "factor": 2 }';
  if (!isPlainObject(raw)) {
    bad(pointer, key, `${label}: "${shape}" must be ${example}`);
    return undefined;
  }
  const unknown = Object.keys(raw).filter((f) => !fields.includes(f));
  for (const field of unknown)
    bad(
      `${pointer}/${escapePointer(field)}`,
      key,
      `${label}: "${shape}" has unknown field "${field}"${didYouMean(field, fields)}; it is ${example}`,
      true,
    );
  if (unknown.length > 0) return undefined;
  const percent = raw['percent'];
  const everyMs = parseDuration(raw['every']);
  const factor = raw['factor'] ?? 2;
  let ok = true;
  if (!isPercent(percent) || percent === 0) {
    ok = false;
    bad(
      `${pointer}/percent`,
      key,
      `${label}: "${shape}.percent" must be a number above 0 and at most 100, with at most two decimals`,
    );
  }
  if (everyMs === undefined) {
    ok = false;
    bad(
      `${pointer}/every`,
      key,
      `${label}: "${shape}.every" must be a duration such as "6m" or "1h"; got ${describe(raw['every'])}`,
    );
  }
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 1) {
    ok = false;
    bad(`${pointer}/factor`, key, `${label}: "exponential.factor" must be a number above 1 (default 2)`);
  }
  if (!ok) return undefined;
  const steps =
    shape === 'linear'
      ? linearSteps(percent as number, everyMs!)
      : exponentialSteps(percent as number, everyMs!, factor as number);
  if (steps.length > MAX_ROLLOUT_STEPS) {
    bad(
      pointer,
      key,
      `${label}: "${shape}" expands to more than ${MAX_ROLLOUT_STEPS} steps; raise "percent"${shape === 'exponential' ? ' or "factor"' : ''}, or list the steps in "steps"`,
    );
    return undefined;
  }
  return steps;
}

function isPercent(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100 && hasAtMostTwoDecimals(v);
}

/** An ISO 8601 date-time with a time zone (`Z` or an offset); a bare date or local time is ambiguous across a fleet. */
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v !== 'string' || !TIMESTAMP_PATTERN.test(v) || !isValidDate(v.slice(0, 10))) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

function parseAttributeTest(
  attribute: string,
  test: unknown,
  pointer: string,
  label: string,
  key: string,
  fail: Report,
): AttributeTest[] | undefined {
  if (isScalar(test)) return [{ attribute, op: 'eq', operand: test }];
  if (Array.isArray(test)) {
    const list = checkList(test, pointer, `${label}: the list for "${attribute}"`, key, fail);
    return list ? [{ attribute, op: 'in', operand: list }] : undefined;
  }
  if (isPlainObject(test)) {
    const ops = Object.entries(test);
    if (ops.length === 0) {
      fail(
        pointer,
        key,
        `${label}: the test for "${attribute}" is an empty object; write { "op": operand }, for example { "gte": 3 }`,
      );
      return undefined;
    }
    const out: AttributeTest[] = [];
    for (const [op, operand] of ops) {
      const op_pointer = `${pointer}/${escapePointer(op)}`;
      if (!(CONDITION_OPERATORS as readonly string[]).includes(op)) {
        fail(
          op_pointer,
          key,
          `${label}: unknown operator "${op}" for "${attribute}"${didYouMean(op, CONDITION_OPERATORS)}; operators are ${CONDITION_OPERATORS.join(', ')} (regular expressions are not supported in targeting)`,
          true,
        );
        continue;
      }
      const typed = op as ConditionOperator;
      if (typed === 'in' || typed === 'not_in') {
        if (!Array.isArray(operand)) {
          fail(op_pointer, key, `${label}: "${op}" takes an array of values`);
          continue;
        }
        const list = checkList(operand, op_pointer, `${label}: the list for "${attribute}"`, key, fail);
        if (list) out.push({ attribute, op: typed, operand: list });
      } else if (typed === 'eq' || typed === 'neq') {
        if (!isScalar(operand)) fail(op_pointer, key, `${label}: "${op}" takes a string, number or boolean`);
        else out.push({ attribute, op: typed, operand });
      } else if (typed === 'gt' || typed === 'gte' || typed === 'lt' || typed === 'lte') {
        if (typeof operand !== 'number' || !Number.isFinite(operand))
          fail(op_pointer, key, `${label}: "${op}" takes a number`);
        else out.push({ attribute, op: typed, operand });
      } else if (typed === 'starts_with' || typed === 'ends_with') {
        if (typeof operand !== 'string') fail(op_pointer, key, `${label}: "${op}" takes a string`);
        else out.push({ attribute, op: typed, operand });
      } else {
        if (typeof operand !== 'string' || parseSemver(operand) === undefined) {
          fail(
            op_pointer,
            key,
            `${label}: "${op}" takes a semantic version such as "2.4.0"; got ${JSON.stringify(operand)}`,
          );
        } else out.push({ attribute, op: typed, operand });
      }
    }
    return out.length === ops.length ? out : undefined;
  }
  fail(
    pointer,
    key,
    `${label}: the test for "${attribute}" must be a value, a list of values or { "op": operand }; got ${describe(test)}`,
  );
  return undefined;
}

function checkList(list: unknown[], pointer: string, what: string, key: string, fail: Report): FlagValue[] | undefined {
  if (list.length === 0) {
    fail(pointer, key, `${what} is empty, so the rule can never match`);
    return undefined;
  }
  let ok = true;
  list.forEach((v, i) => {
    if (!isScalar(v)) {
      ok = false;
      fail(`${pointer}/${i}`, key, `${what} may hold only strings, numbers and booleans; got ${describe(v)}`);
    }
  });
  return ok ? (list as FlagValue[]) : undefined;
}

function splitKeyToValue(name: string, type: FlagValueType | undefined): FlagValue | undefined {
  if (type === 'number') {
    const n = Number(name);
    return name.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  if (type === 'boolean') return name === 'true' ? true : name === 'false' ? false : undefined;
  return name;
}

function describeBadValue(key: string, what: string, v: unknown): string {
  if (isPlainObject(v)) {
    const fields = Object.keys(v).slice(0, 4).join(', ');
    return `${key}: ${what} is an object (${fields}); object values are not allowed. Split it into one flag per dimension (for example "inference_model" for the model and "system_prompt_version" for the prompt): a flag that bundles model and prompt makes it impossible to tell which change moved quality`;
  }
  return `${key}: ${what} must be a string, number or boolean; got ${describe(v)}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify would show as "null".
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a number too large for a double (write it within ±1.7e308)';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function nearestPosition(json: LocatedJson, pointer: string): SourcePosition | undefined {
  let p = pointer;
  while (p.length > 0) {
    p = p.slice(0, p.lastIndexOf('/'));
    const pos = json.positionOf(p);
    if (pos) return pos;
  }
  return json.positionOf('');
}

function escapePointer(segment: string): string {
  return segment.includes('~') || segment.includes('/') ? segment.replaceAll('~', '~0').replaceAll('/', '~1') : segment;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Attribute names are read straight off untrusted context objects, so names that resolve to
 * `Object.prototype` members would read inherited functions rather than data. A dotted name is a
 * path into nested objects (as in flagd), so every segment is checked.
 */
function isUsableAttributeName(name: string): boolean {
  if (!name.includes('.')) return isUsableSegment(name);
  return name.split('.').every(isUsableSegment);
}

function isUsableSegment(segment: string): boolean {
  return segment.length > 0 && !(segment in Object.prototype) && segment !== '__proto__';
}

function hasAtMostTwoDecimals(n: number): boolean {
  const scaled = n * 100;
  return Math.abs(scaled - Math.round(scaled)) < 1e-7;
}

export function isValidDate(s: string): boolean {
  const m = DATE_PATTERN.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
