/**
 * Generators shared by the runtime tests: valid registries (as raw documents, so they go through
 * the same parser users' files do), evaluation contexts, and hostile contexts.
 *
 * Every attribute has a fixed kind, so a generated context never feeds a numeric operator a
 * string or a boolean: that is one of the documented, deliberate differences from flagd (which
 * coerces), not something conformance should be about.
 */
import fc from 'fast-check';

export type Scalar = string | number | boolean;
export type Kind = 'string' | 'number' | 'version' | 'mixed';

const ATTRIBUTES: Readonly<Record<string, Kind>> = {
  user_segment: 'string',
  customer_id: 'string',
  country: 'string',
  email: 'string',
  seats: 'number',
  score: 'number',
  app_version: 'version',
  tier: 'mixed',
  beta: 'mixed',
  // Bucketing attributes; they may also appear in string tests.
  targetingKey: 'string',
  org_id: 'string',
  conversation_id: 'string',
};
const ATTRIBUTE_NAMES = Object.keys(ATTRIBUTES);
const CUSTOM_BUCKET_ATTRIBUTES = ['org_id', 'conversation_id', 'customer_id'] as const;

const STRING_POOL = [
  'internal',
  'beta',
  'external',
  'acme',
  'globex',
  'initech',
  'US',
  'DE',
  'free',
  'pro',
  'a',
  'ab',
  'abc',
  'x@acme.com',
  '',
];
const NUMBER_POOL = [-5, 0, 1, 2, 3, 10, 99.5, 100, 1e6];
/** Versions both sides parse: strict semver, a leading "v", and flagd's short forms "1" / "1.2". */
const VERSION_POOL = [
  '1.0.0',
  '1.2.3',
  '2.0.0',
  '2.0.0-beta.1',
  '2.0.0-rc.1',
  '2.0.0-rc.10',
  '2.0.0-rc.9',
  '10.1.0',
  '1.2',
  '1',
  'v1.2.3',
  'V2.0',
  '0.9.9',
  '2.0.0+build.5',
  '1.2.3-alpha',
  '1.2.3-alpha.1',
];
/** Values neither side reads as a version. Whitespace-padded and "vv" forms are left out: see the report. */
const NOT_VERSIONS = ['not-a-version', '1.2.3.4', '', 'latest', '1.2.3-01', '01.2.3', '1.2.3-', 'v'];

const stringValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...STRING_POOL) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const numberValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_POOL) },
  { weight: 2, arbitrary: fc.integer({ min: -20, max: 120 }) },
  {
    weight: 1,
    arbitrary: fc
      .double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true })
      .filter((n) => !Object.is(n, -0)),
  },
);
const versionString = fc.constantFrom(...VERSION_POOL);
const scalarOf = (kind: Kind): fc.Arbitrary<Scalar> => {
  switch (kind) {
    case 'string':
      return stringValue;
    case 'number':
      return numberValue;
    case 'version':
      return versionString;
    case 'mixed':
      return fc.oneof(stringValue, numberValue, fc.boolean());
  }
};

type AttributeTestJson = Scalar | Scalar[] | Record<string, Scalar | Scalar[]>;

const OPERATORS_BY_KIND: Readonly<Record<Kind, readonly string[]>> = {
  string: ['in', 'not_in', 'eq', 'neq', 'starts_with', 'ends_with'],
  number: ['in', 'not_in', 'eq', 'neq', 'gt', 'gte', 'lt', 'lte'],
  version: ['in', 'not_in', 'eq', 'neq', 'semver_gte', 'semver_lt'],
  mixed: ['in', 'not_in', 'eq', 'neq'],
};

function operandFor(op: string, kind: Kind): fc.Arbitrary<Scalar | Scalar[]> {
  switch (op) {
    case 'in':
    case 'not_in':
      return fc.array(scalarOf(kind), { minLength: 1, maxLength: 10 });
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return numberValue;
    case 'starts_with':
    case 'ends_with':
      return fc.oneof(fc.constantFrom('a', 'ac', 'in', 'al', 'e', '.com', ''), fc.string({ maxLength: 3 }));
    case 'semver_gte':
    case 'semver_lt':
      return versionString;
    default:
      return scalarOf(kind);
  }
}

function attributeTest(attribute: string): fc.Arbitrary<AttributeTestJson> {
  const kind = ATTRIBUTES[attribute]!;
  const ops = OPERATORS_BY_KIND[kind];
  const operatorObject = fc
    .uniqueArray(fc.constantFrom(...ops), { minLength: 1, maxLength: 2 })
    .chain((chosen) => fc.tuple(...chosen.map((op) => operandFor(op, kind).map((operand) => [op, operand] as const))))
    .map((entries) => Object.fromEntries(entries) as Record<string, Scalar | Scalar[]>);
  return fc.oneof(
    { weight: 2, arbitrary: scalarOf(kind) },
    { weight: 1, arbitrary: fc.array(scalarOf(kind), { minLength: 1, maxLength: 5 }) },
    { weight: 3, arbitrary: operatorObject },
  );
}

/** A percentage with zero, one or two decimals, written as JSON writes it. */
const percentage = fc.oneof(
  fc.integer({ min: 0, max: 100 }),
  fc.integer({ min: 0, max: 1000 }).map((n) => n / 10),
  fc.integer({ min: 0, max: 10000 }).map((n) => n / 100),
);

const condition = fc
  .record(
    {
      tests: fc
        .uniqueArray(fc.constantFrom(...ATTRIBUTE_NAMES), { maxLength: 3 })
        .chain((attrs) => fc.tuple(...attrs.map((a) => attributeTest(a).map((t) => [a, t] as const)))),
      rollout: fc.option(percentage, { freq: 3 }),
    },
    { requiredKeys: ['tests', 'rollout'] },
  )
  .map(({ tests, rollout }) => {
    const c: Record<string, unknown> = Object.fromEntries(tests);
    if (rollout !== null) c['rollout_percentage'] = rollout;
    return c;
  });

const weight = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
);

function rule(variants: readonly Scalar[]): fc.Arbitrary<Record<string, unknown>> {
  const value = fc.constantFrom(...variants).map((v) => ({ value: v }));
  const maxSplit = Math.min(5, variants.length);
  const split = fc
    .shuffledSubarray([...variants], { minLength: Math.min(2, maxSplit), maxLength: maxSplit })
    .chain((chosen) => fc.tuple(...chosen.map(() => weight)).map((ws) => ({ chosen, ws })))
    .filter(({ ws }) => ws.some((w) => w > 0))
    .map(({ chosen, ws }) => ({ split: Object.fromEntries(chosen.map((v, i) => [String(v), ws[i]!])) }));
  return fc
    .tuple(condition, fc.oneof({ weight: 3, arbitrary: value }, { weight: 2, arbitrary: split }))
    .map(([c, outcome]) => ({ condition: c, ...outcome }));
}

/**
 * Variant values. Empty strings and -0 are left out: flagd cannot name an empty variant (its
 * default variant "" reads as "no default"), and -0 and 0 share the variant name "0".
 */
const stringVariants = fc.uniqueArray(
  fc.oneof(
    fc.constantFrom(
      'claude-3-haiku',
      'claude-sonnet-4-6',
      'claude-opus-4-6',
      'v3',
      'v4',
      'control',
      'treatment',
      'true',
      '1',
    ),
    fc.string({ minLength: 1, maxLength: 6 }),
  ),
  { minLength: 1, maxLength: 6 },
);
const numberVariants = fc.uniqueArray(
  fc.oneof(fc.integer({ min: -1000, max: 4096 }), fc.constantFrom(0.5, 0.7, 1.25, 1e21, -3.5)),
  { minLength: 1, maxLength: 6, selector: (n) => String(n) },
);
const booleanVariants = fc.constantFrom<Scalar[]>([true, false], [false, true], [true], [false]);

const flagKey = fc.oneof(
  fc.constantFrom('inference_model', 'system_prompt_version', 'retrieval_top_k', 'kill.me', 'a'),
  fc.stringMatching(/^[a-z][a-z0-9_.-]{0,12}$/),
);

export interface GeneratedFlag {
  flag: string;
  variants?: Scalar[];
  default: Scalar;
  enabled?: boolean;
  bucket_by?: string;
  rules?: Record<string, unknown>[];
}

function flagWithKey(key: string): fc.Arbitrary<GeneratedFlag> {
  return fc
    .oneof(stringVariants, numberVariants, booleanVariants)
    .chain((variants) =>
      fc.record({
        variants: fc.constant(variants),
        declare: fc.boolean(),
        default: fc.constantFrom(...variants),
        enabled: fc.option(fc.boolean(), { freq: 2 }).map((e) => (e === null ? undefined : e)),
        bucketBy: fc.option(fc.constantFrom<string>('targetingKey', ...CUSTOM_BUCKET_ATTRIBUTES), { freq: 2 }),
        rules: fc.option(fc.array(rule(variants), { maxLength: 5 }), { freq: 6 }),
      }),
    )
    .map(({ variants, declare, default: def, enabled, bucketBy, rules }) => {
      const flag: GeneratedFlag = { flag: key, default: def };
      // With no declared list, variants are inferred from default and rules; that must not
      // change what is served.
      if (declare) flag.variants = variants;
      if (enabled !== undefined) flag.enabled = enabled;
      if (bucketBy !== null) flag.bucket_by = bucketBy;
      if (rules !== null) flag.rules = rules;
      return flag;
    });
}

/** A valid registry document (a plain object, ready for JSON.stringify). */
export const registryDocument: fc.Arbitrary<{ flags: GeneratedFlag[] }> = fc
  .uniqueArray(flagKey, { minLength: 1, maxLength: 4 })
  .chain((keys) => fc.tuple(...keys.map(flagWithKey)))
  .map((flags) => ({ flags }));

/** Values served by a generated flag: declared, or inferred from default and rules. */
export function servedValues(flag: GeneratedFlag): Scalar[] {
  if (flag.variants) return flag.variants;
  const out: Scalar[] = [flag.default];
  for (const r of flag.rules ?? []) {
    if ('value' in r) out.push(r['value'] as Scalar);
    else
      for (const k of Object.keys(r['split'] as object))
        out.push(typeof flag.default === 'number' ? Number(k) : typeof flag.default === 'boolean' ? k === 'true' : k);
  }
  return out;
}

const bucketingValue = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 24 }) },
  { weight: 3, arbitrary: fc.nat(1_000_000).map((n) => `user-${n}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('') },
);

/**
 * A context over the attribute vocabulary: each attribute present or missing, of its kind.
 * Bucketing attributes are ASCII strings (JS flagd-core hashes UTF-16 code units; for ASCII that
 * is the same bytes as UTF-8).
 */
export const context: fc.Arbitrary<Record<string, Scalar>> = fc
  .record(
    Object.fromEntries(
      ATTRIBUTE_NAMES.map((a) => {
        const kind = ATTRIBUTES[a]!;
        const bucketing = a === 'targetingKey' || (CUSTOM_BUCKET_ATTRIBUTES as readonly string[]).includes(a);
        let value: fc.Arbitrary<Scalar> = bucketing
          ? fc.oneof(bucketingValue, stringValue.filter(isAscii))
          : scalarOf(kind);
        if (kind === 'version')
          value = fc.oneof(
            versionString,
            fc.constantFrom(...NOT_VERSIONS),
            fc.constantFrom(1, 2, 1.2, 10, 0.5),
            fc.boolean(),
          );
        if (kind === 'string' && !bucketing)
          value = fc.oneof(
            { weight: 4, arbitrary: stringValue },
            { weight: 1, arbitrary: fc.oneof(numberValue, fc.boolean()) },
          );
        return [a, fc.option(value, { freq: 4, nil: undefined })];
      }),
    ),
  )
  .map((ctx) => {
    const out: Record<string, Scalar> = {};
    for (const [k, v] of Object.entries(ctx)) if (v !== undefined) out[k] = v as Scalar;
    return out;
  });

const HUGE = 'u'.repeat(2_000_000);

/** Keys a context may carry: the registry's attributes and the names attackers like. */
const hostileKey = fc.constantFrom(
  ...Object.keys(ATTRIBUTES),
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'rollout_percentage',
);

/** Anything that can sit where a string is expected. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    maxDepth: 2,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: true,
    withSparseArray: true,
    withBoxedValues: true,
  }),
  fc.constantFrom(
    HUGE,
    `${HUGE}x`,
    NaN,
    Infinity,
    -Infinity,
    -0,
    null,
    undefined,
    Symbol('s'),
    () => 'fn',
    1n << 70n,
    new String('internal'),
    ['internal'],
    { toString: () => 'internal' },
  ),
);

export type HostileContext = { ctx: unknown; throws: boolean; describe: string };

/**
 * An untrusted context: attributes of any type under hostile names, assembled in shapes that defeat
 * naive property reads (getters, proxies, prototypes). `throws` says whether reading it can throw.
 */
export const hostileContext: fc.Arbitrary<HostileContext> = fc
  .tuple(
    fc.array(fc.tuple(hostileKey, anyValue), { maxLength: 8 }),
    fc.constantFrom(
      'plain',
      'null-prototype',
      'json-proto',
      'getters',
      'throwing-getters',
      'proxy',
      'throwing-proxy',
      'frozen',
      'array',
      'primitive',
      'inherited',
    ),
    context,
  )
  .map(([entries, shape, base]): HostileContext => {
    const withBase = (target: Record<string, unknown>): Record<string, unknown> => {
      for (const [k, v] of Object.entries(base)) target[k] = v;
      for (const [k, v] of entries)
        Object.defineProperty(target, k, { value: v, enumerable: true, configurable: true, writable: true });
      return target;
    };
    switch (shape) {
      case 'plain':
        return { ctx: withBase({}), throws: false, describe: shape };
      case 'null-prototype':
        return { ctx: withBase(Object.create(null) as Record<string, unknown>), throws: false, describe: shape };
      case 'json-proto':
        // JSON.parse makes "__proto__" an own data property instead of setting the prototype.
        return {
          ctx: JSON.parse(
            `{"__proto__": {"user_segment": "internal", "targetingKey": "proto"}, "constructor": {"prototype": {"x": 1}}, "targetingKey": "k"}`,
          ),
          throws: false,
          describe: shape,
        };
      case 'getters': {
        const o: Record<string, unknown> = {};
        for (const [k, v] of [...Object.entries(base), ...entries])
          Object.defineProperty(o, k, { get: () => v, enumerable: true, configurable: true });
        return { ctx: o, throws: false, describe: shape };
      }
      case 'throwing-getters': {
        const o = withBase({});
        for (const k of Object.keys(ATTRIBUTES))
          Object.defineProperty(o, k, {
            get: () => {
              throw new Error(`getter ${k}`);
            },
            enumerable: true,
            configurable: true,
          });
        return { ctx: o, throws: true, describe: shape };
      }
      case 'proxy':
        return { ctx: new Proxy(withBase({}), {}), throws: false, describe: shape };
      case 'throwing-proxy':
        return {
          ctx: new Proxy(
            {},
            {
              get() {
                throw new TypeError('proxy get');
              },
              has() {
                throw new TypeError('proxy has');
              },
              ownKeys() {
                throw new TypeError('proxy ownKeys');
              },
              getOwnPropertyDescriptor() {
                throw new TypeError('proxy descriptor');
              },
            },
          ),
          throws: true,
          describe: shape,
        };
      case 'frozen':
        return { ctx: Object.freeze(withBase({})), throws: false, describe: shape };
      case 'array':
        return { ctx: Object.assign([], base), throws: false, describe: shape };
      case 'primitive':
        return { ctx: entries.length > 0 ? entries[0]![1] : null, throws: false, describe: shape };
      default: {
        // Attributes found on the prototype chain, as with class instances.
        const proto = withBase({});
        return { ctx: Object.create(proto) as unknown, throws: false, describe: shape };
      }
    }
  });

function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}
