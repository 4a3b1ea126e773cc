/**
 * Conformance with flagd: our evaluation of a registry must equal `@openfeature/flagd-core`
 * evaluating our flagd export of it, value for value and variant for variant. Bucketing for
 * non-ASCII keys is checked against an independent MurmurHash3-over-UTF-8 oracle instead, because
 * JS flagd-core hashes UTF-16 code units while Go flagd (and we) hash UTF-8.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FlagdCore } from '@openfeature/flagd-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportToFlagd } from '../../../../src/exports/flagd.js';
import {
  bucketOf,
  createFlags,
  murmur3,
  parseRegistryOrThrow,
  staticSource,
  type EvaluationDetail,
  type Flags,
} from '../../../../src/index.js';
import { context as contextArb, registryDocument, type Scalar } from '../support/generators.js';
import { murmur3Bytes, murmur3Utf8, oracleBucket, oracleFractional } from '../support/murmur-oracle.js';
import { seededRandom as prng } from '../../../support/random.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/inference-service/flags.json', import.meta.url));

interface FlagdSide {
  core: FlagdCore;
  types: Map<string, 'string' | 'number' | 'boolean'>;
}

function flagdFor(registryText: string): FlagdSide {
  const registry = parseRegistryOrThrow(registryText);
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify(exportToFlagd(registry)));
  return { core, types: new Map(registry.flags.map((f) => [f.key, f.type])) };
}

/**
 * flagd has no SPLIT or DISABLED reason: a split is a TARGETING_MATCH there, and a killed flag
 * is exported without targeting, which flagd reports as STATIC.
 */
const FLAGD_REASON: Record<string, string> = {
  STATIC: 'STATIC',
  DEFAULT: 'DEFAULT',
  TARGETING_MATCH: 'TARGETING_MATCH',
  SPLIT: 'TARGETING_MATCH',
  DISABLED: 'STATIC',
};

interface Mismatch {
  flag: string;
  context: unknown;
  ours: unknown;
  flagd: unknown;
}

/** Compares one flag for one context; returns a description of the disagreement, if any. */
function compare(flags: Flags, side: FlagdSide, key: string, ctx: Record<string, unknown>): Mismatch | undefined {
  const type = side.types.get(key)!;
  // Fallbacks no registry serves, so a flagd fallback cannot pass for a real value.
  const resolved =
    type === 'string'
      ? side.core.resolveStringEvaluation(key, '\u0000fallback', ctx as never)
      : type === 'number'
        ? side.core.resolveNumberEvaluation(key, -1.0000001e-300, ctx as never)
        : side.core.resolveBooleanEvaluation(key, false, ctx as never);
  const value = flags.get(key, ctx);
  const detail: EvaluationDetail = flags.detail(key, ctx);
  const ok =
    resolved.errorCode === undefined &&
    detail.errorCode === undefined &&
    Object.is(value, resolved.value) &&
    Object.is(detail.value, resolved.value) &&
    detail.variant === resolved.variant &&
    FLAGD_REASON[detail.reason] === resolved.reason;
  if (ok) return undefined;
  return {
    flag: key,
    context: ctx,
    ours: { get: value, value: detail.value, variant: detail.variant, reason: detail.reason },
    flagd: { value: resolved.value, variant: resolved.variant, reason: resolved.reason, errorCode: resolved.errorCode },
  };
}

function exampleContexts(n: number, seed: number): Record<string, unknown>[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const asciiKey = (): string => {
    const len = 1 + Math.floor(rnd() * 30);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(rnd() * 128));
    return s;
  };
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const ctx: Record<string, unknown> = {};
    const r = rnd();
    if (r < 0.5) ctx['targetingKey'] = `user-${Math.floor(rnd() * 10_000_000)}`;
    else if (r < 0.9) ctx['targetingKey'] = asciiKey();
    else if (r < 0.93) ctx['targetingKey'] = '';
    // else: no targeting key at all
    if (rnd() < 0.8) ctx['user_segment'] = pick(['internal', 'beta', 'external', 'free', 'Internal', 'beta ', '']);
    if (rnd() < 0.6)
      ctx['customer_id'] = pick(['acme', 'globex', 'initech', 'umbrella', 'ACME', `c-${Math.floor(rnd() * 1000)}`]);
    if (rnd() < 0.05) ctx['user_segment'] = pick([1, true, false, 0]);
    out.push(ctx);
  }
  return out;
}

describe('conformance with @openfeature/flagd-core', () => {
  it('the example registry: 100,000 contexts, every flag, same value, variant and reason', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const flags = createFlags({ source: staticSource(text, EXAMPLE) });
    const side = flagdFor(text);
    const keys = [...side.types.keys()];
    expect(keys).toEqual(['inference_model', 'system_prompt_version']);

    const mismatches: Mismatch[] = [];
    const served = new Map<string, number>();
    for (const ctx of exampleContexts(100_000, 20260101)) {
      for (const key of keys) {
        const m = compare(flags, side, key, ctx);
        if (m && mismatches.length < 5) mismatches.push(m);
        const label = `${key}=${String(flags.get(key, ctx))}`;
        served.set(label, (served.get(label) ?? 0) + 1);
      }
    }
    expect(mismatches).toEqual([]);
    // Every branch of the example was exercised, so the agreement above is not vacuous.
    for (const label of [
      'inference_model=claude-3-haiku',
      'inference_model=claude-opus-4-6',
      'inference_model=claude-sonnet-4-6',
      'system_prompt_version=v3',
      'system_prompt_version=v4',
    ]) {
      expect(served.get(label) ?? 0).toBeGreaterThan(1000);
    }
  });

  it('200 random registries with random contexts agree with flagd-core', () => {
    let compared = 0;
    const reasons = new Set<string>();
    fc.assert(
      fc.property(registryDocument, fc.array(contextArb, { minLength: 40, maxLength: 40 }), (doc, contexts) => {
        const text = JSON.stringify(doc, null, 2);
        const flags = createFlags({ source: staticSource(text) });
        const side = flagdFor(text);
        for (const raw of contexts) {
          for (const flag of doc.flags) {
            const ctx = raw;
            const m = compare(flags, side, flag.flag, ctx);
            if (m)
              throw new Error(`disagreement with flagd-core:\n${JSON.stringify({ registry: doc, ...m }, null, 2)}`);
            reasons.add(flags.detail(flag.flag, ctx).reason);
            compared++;
          }
        }
      }),
      { numRuns: 200, seed: 0x5eed, endOnFailure: true },
    );
    expect(compared).toBeGreaterThanOrEqual(200 * 40);
    expect([...reasons].sort()).toEqual(['DEFAULT', 'DISABLED', 'SPLIT', 'STATIC', 'TARGETING_MATCH']);
  });
});

/** Strings mixing ASCII, 2- and 3-byte characters, astral characters and lone surrogates. */
const unicodeString = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x80, max: 0x7ff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x800, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
    fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\u00e9', '\u{1f916}', 'é'),
  ),
  maxLength: 40,
});

describe('dotted attributes are paths into nested context objects, as in flagd', () => {
  it('agrees with flagd-core on nested conditions and a nested bucket_by', () => {
    const text = JSON.stringify({
      flags: [
        {
          flag: 'inference_model',
          default: 'claude-3-haiku',
          variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
          bucket_by: 'org.id',
          rules: [
            { condition: { 'org.plan': ['enterprise'], 'user.tier': { gte: 3 } }, value: 'claude-opus-4-6' },
            { condition: { rollout_percentage: 40 }, value: 'claude-sonnet-4-6' },
          ],
        },
      ],
    });
    const flags = createFlags({ source: staticSource(text) });
    const side = flagdFor(text);
    const rnd = prng(7);
    const served = new Set<unknown>();
    for (let i = 0; i < 5000; i++) {
      const ctx: Record<string, unknown> = { targetingKey: `u${i}` };
      if (rnd() < 0.8)
        ctx['org'] =
          rnd() < 0.9
            ? { id: `org-${Math.floor(rnd() * 500)}`, plan: rnd() < 0.3 ? 'enterprise' : 'team' }
            : 'flat-string';
      if (rnd() < 0.7) ctx['user'] = { tier: Math.floor(rnd() * 5) };
      // A literal dotted key is not the nested path, in either implementation.
      if (rnd() < 0.1) ctx['org.plan'] = 'enterprise';
      const m = compare(flags, side, 'inference_model', ctx as Record<string, Scalar>);
      if (m) throw new Error(`disagreement with flagd-core:\n${JSON.stringify(m, null, 2)}`);
      served.add(flags.get('inference_model', ctx));
    }
    expect(served.size).toBe(3);
  });
});

describe('bucketing over UTF-8 against an independent oracle', () => {
  it('the oracle reproduces published MurmurHash3 x86_32 vectors', () => {
    const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(murmur3Bytes(bytes(''))).toBe(0);
    expect(murmur3Bytes(bytes('hello'))).toBe(0x248bfa47);
    expect(murmur3Bytes(bytes('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    expect(murmur3Bytes(new Uint8Array([0, 0, 0, 0]))).toBe(0x2362f9de);
    expect(murmur3Bytes(bytes(''), 1)).toBe(0x514e28b7);
  });

  it('murmur3 equals the oracle on random Unicode, lone surrogates included', () => {
    fc.assert(
      fc.property(unicodeString, (s) => {
        expect(murmur3(s)).toBe(murmur3Utf8(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('bucketOf equals floor(hash * W / 2^32) for every hash and weight', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: 2147483647 }), (hash, w) => {
        expect(bucketOf(hash, w)).toBe(oracleBucket(hash, w));
      }),
      { numRuns: 20000 },
    );
    // The edges, where a naive double product would round.
    for (const [hash, w] of [
      [0xffffffff, 2147483647],
      [0xffffffff, 1],
      [0, 2147483647],
      [0x80000000, 3],
      [0xfffffffe, 10000],
    ] as const) {
      expect(bucketOf(hash, w)).toBe(oracleBucket(hash, w));
    }
  });

  it('split assignment for non-ASCII keys (and custom bucket_by) follows the UTF-8 oracle', () => {
    const split: [string, number][] = [
      ['a', 17],
      ['b', 0],
      ['c', 50],
      ['d', 33],
    ];
    const doc = {
      flags: [
        {
          flag: 'ab.test',
          default: 'z',
          variants: ['a', 'b', 'c', 'd', 'z'],
          rules: [{ condition: {}, split: Object.fromEntries(split) }],
        },
        {
          flag: 'by_org',
          default: 'z',
          bucket_by: 'org',
          variants: ['a', 'b', 'c', 'd', 'z'],
          rules: [{ condition: {}, split: Object.fromEntries(split) }],
        },
        {
          flag: 'pct',
          default: 'out',
          variants: ['in', 'out'],
          rules: [{ condition: { rollout_percentage: 37.5 }, value: 'in' }],
        },
      ],
    };
    const flags = createFlags({ source: staticSource(doc) });
    fc.assert(
      fc.property(
        unicodeString.filter((s) => s.length > 0),
        (key) => {
          expect(flags.get('ab.test', { targetingKey: key })).toBe(oracleFractional('ab.test' + key, split));
          expect(flags.get('by_org', { org: key, targetingKey: 'ignored' })).toBe(
            oracleFractional('by_org' + key, split),
          );
          expect(flags.get('pct', { targetingKey: key })).toBe(
            oracleFractional('pct' + key, [
              ['in', 3750],
              ['out', 6250],
            ]),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('for ASCII keys, our buckets equal flagd-core’s (1,000-way split)', () => {
    const weights = Array.from({ length: 1000 }, (_, i) => [`v${i}`, 1] as const);
    const core = new FlagdCore();
    core.setConfigurations(
      JSON.stringify({
        flags: {
          thousand: {
            state: 'ENABLED',
            defaultVariant: 'v0',
            variants: Object.fromEntries(weights.map(([v]) => [v, v])),
            targeting: { fractional: weights.map(([v, w]) => [v, w]) },
          },
        },
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 64 }), (key) => {
        const theirs = core.resolveStringEvaluation('thousand', 'none', { targetingKey: key });
        expect(theirs.variant).toBe(`v${bucketOf(murmur3('thousand' + key), 1000)}`);
        expect(murmur3('thousand' + key)).toBe(murmur3Utf8('thousand' + key));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('raising a percentage never moves a user out of the rollout', () => {
  it('holds for every key, flag and pair of percentages', () => {
    const withPercentage = (key: string, p: number): Flags =>
      createFlags({
        source: staticSource({
          flags: [
            {
              flag: key,
              default: 'out',
              variants: ['in', 'out'],
              rules: [{ condition: { rollout_percentage: p }, value: 'in' }],
            },
          ],
        }),
      });
    const flagKeyArb = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/);
    const pct = fc.integer({ min: 0, max: 10000 }).map((n) => n / 100);
    fc.assert(
      fc.property(
        flagKeyArb,
        pct,
        pct,
        fc.array(
          unicodeString.filter((s) => s.length > 0),
          { minLength: 20, maxLength: 20 },
        ),
        (key, a, b, users) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const before = withPercentage(key, low);
          const after = withPercentage(key, high);
          for (const user of users) {
            if (before.get(key, { targetingKey: user }) === 'in')
              expect(after.get(key, { targetingKey: user })).toBe('in');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
