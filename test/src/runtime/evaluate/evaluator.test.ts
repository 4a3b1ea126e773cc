import { describe, expect, it } from 'vitest';
import {
  createFlags,
  staticSource,
  type FlagSource,
  type FlagsErrorEvent,
  type SourceSink,
} from '../../../../src/index.js';
import { bucketOf, murmur3 } from '../../../../src/runtime/evaluate/murmur.js';

type Doc = { flags: Record<string, unknown>[] };

function flagsFor(...flags: Record<string, unknown>[]) {
  return createFlags({ source: staticSource({ flags }) });
}

/** A source the test pushes documents into, as a file or HTTP source would. */
function manualSource(initial: Doc): FlagSource & { push(doc: Doc | string): void } {
  let sink: SourceSink | undefined;
  return {
    description: 'manual',
    readSync: () => ({ text: JSON.stringify(initial), origin: 'manual' }),
    watch(s) {
      sink = s;
      return () => {
        sink = undefined;
      };
    },
    push(doc) {
      sink?.document({ text: typeof doc === 'string' ? doc : JSON.stringify(doc), origin: 'manual' });
    },
  };
}

describe('murmur3 and bucketing', () => {
  it('matches published MurmurHash3 x86_32 (seed 0) vectors', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
  });

  it('computes floor(hash * weight / 2^32) exactly where doubles would round', () => {
    const cases: [number, number][] = [
      [0xffffffff, 2147483647],
      [0x80000000, 3],
      [0xfffffffe, 10000],
      [1, 2147483647],
      [0x9e3779b9, 1000003],
    ];
    for (const [hash, weight] of cases) {
      expect(bucketOf(hash, weight)).toBe(Number((BigInt(hash) * BigInt(weight)) >> 32n));
    }
  });
});

describe('evaluation', () => {
  const model = {
    flag: 'inference_model',
    variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
    default: 'claude-3-haiku',
    rules: [
      { condition: { customer_id: ['acme', 'globex'] }, value: 'claude-3-haiku' },
      { condition: { user_segment: 'internal' }, value: 'claude-opus-4-6' },
      { condition: { rollout_percentage: 10 }, value: 'claude-sonnet-4-6' },
    ],
  };

  it('serves the first matching rule: a customer pin wins over the segment rule', () => {
    const flags = flagsFor(model);
    expect(
      flags.detail('inference_model', { targetingKey: 'u', customer_id: 'acme', user_segment: 'internal' }),
    ).toMatchObject({
      value: 'claude-3-haiku',
      reason: 'TARGETING_MATCH',
      ruleIndex: 0,
    });
    expect(flags.detail('inference_model', { targetingKey: 'u', user_segment: 'internal' })).toMatchObject({
      value: 'claude-opus-4-6',
      variant: 'claude-opus-4-6',
      reason: 'TARGETING_MATCH',
      ruleIndex: 1,
    });
  });

  it('rolls out to about the given share of users, with reason SPLIT, and the default to the rest', () => {
    const flags = flagsFor(model);
    let inRollout = 0;
    for (let i = 0; i < 20000; i++) {
      const d = flags.detail('inference_model', { targetingKey: `user-${i}` });
      if (d.value === 'claude-sonnet-4-6') {
        inRollout++;
        expect(d).toMatchObject({ reason: 'SPLIT', ruleIndex: 2 });
      } else expect(d).toMatchObject({ value: 'claude-3-haiku', reason: 'DEFAULT', ruleIndex: undefined });
    }
    // 10% of 20,000 with a binomial standard deviation of ~42.
    expect(inRollout).toBeGreaterThan(1800);
    expect(inRollout).toBeLessThan(2200);
  });

  it('does not match a percentage rule for a context without the bucketing attribute', () => {
    const flags = flagsFor({
      ...model,
      rules: [
        { condition: { rollout_percentage: 100 }, value: 'claude-sonnet-4-6' },
        { condition: {}, value: 'claude-opus-4-6' },
      ],
    });
    expect(flags.get('inference_model', {})).toBe('claude-opus-4-6');
    expect(flags.get('inference_model', { targetingKey: '' })).toBe('claude-opus-4-6');
    expect(flags.get('inference_model', { targetingKey: 'u1' })).toBe('claude-sonnet-4-6');
  });

  it('buckets by the configured attribute, so a whole organisation gets one model', () => {
    const flags = flagsFor({
      ...model,
      bucket_by: 'org_id',
      rules: [{ condition: { rollout_percentage: 50 }, value: 'claude-sonnet-4-6' }],
    });
    for (let org = 0; org < 50; org++) {
      const values = new Set(
        Array.from({ length: 20 }, (_, u) =>
          flags.get('inference_model', { targetingKey: `u${u}`, org_id: `org-${org}` }),
        ),
      );
      expect(values.size).toBe(1);
    }
  });

  it('splits A/B by weight and is sticky per user', () => {
    const flags = flagsFor({
      flag: 'system_prompt_version',
      default: 'v3',
      variants: ['v3', 'v4', 'v5'],
      rules: [{ condition: {}, split: { v3: 50, v4: 30, v5: 20 } }],
    });
    const counts = { v3: 0, v4: 0, v5: 0 };
    for (let i = 0; i < 30000; i++) {
      const ctx = { targetingKey: `k${i}` };
      const v = flags.get('system_prompt_version', ctx) as keyof typeof counts;
      counts[v]++;
      if (i % 1000 === 0) expect(flags.get('system_prompt_version', ctx)).toBe(v);
    }
    expect(counts.v3 / 30000).toBeCloseTo(0.5, 1);
    expect(counts.v4 / 30000).toBeCloseTo(0.3, 1);
    expect(counts.v5 / 30000).toBeCloseTo(0.2, 1);
  });

  it('goes on to the next rule when a split has no bucketing value', () => {
    const flags = flagsFor({
      flag: 'f',
      default: 'a',
      variants: ['a', 'b', 'c'],
      rules: [
        { condition: {}, split: { b: 1 } },
        { condition: {}, value: 'c' },
      ],
    });
    expect(flags.get('f', {})).toBe('c');
    expect(flags.get('f', { targetingKey: 'x' })).toBe('b');
  });

  it('serves the default to everyone when the kill switch is off', () => {
    const flags = flagsFor({ ...model, enabled: false });
    expect(flags.detail('inference_model', { targetingKey: 'u', user_segment: 'internal' })).toMatchObject({
      value: 'claude-3-haiku',
      reason: 'DISABLED',
      ruleIndex: undefined,
      errorCode: undefined,
    });
  });

  it('reports STATIC for a flag without rules', () => {
    expect(flagsFor({ flag: 'top_k', default: 8 }).detail('top_k', {})).toMatchObject({
      value: 8,
      variant: '8',
      reason: 'STATIC',
    });
  });

  it.each([
    [{ plan: 'pro' }, { plan: 'pro' }, true],
    [{ plan: 'pro' }, { plan: 'free' }, false],
    [{ plan: ['pro', 'team'] }, { plan: 'team' }, true],
    [{ plan: { in: ['pro'] } }, {}, false],
    [{ plan: { not_in: ['free'] } }, { plan: 'pro' }, true],
    [{ plan: { not_in: ['free'] } }, {}, false],
    [{ plan: { neq: 'free' } }, { plan: 'pro' }, true],
    [{ plan: { neq: 'free' } }, {}, false],
    [{ plan: { neq: 'free' } }, { plan: { nested: true } }, false],
    [{ seats: { gt: 10 } }, { seats: 11 }, true],
    [{ seats: { gt: 10 } }, { seats: 10 }, false],
    [{ seats: { gte: 10, lt: 20 } }, { seats: 10 }, true],
    [{ seats: { gte: 10, lt: 20 } }, { seats: 20 }, false],
    [{ seats: { lte: 5 } }, { seats: '3' }, false],
    [{ email: { ends_with: '@acme.com' } }, { email: 'a@acme.com' }, true],
    [{ email: { starts_with: 'admin' } }, { email: 'user@admin' }, false],
    [{ app_version: { semver_gte: '2.4.0' } }, { app_version: 'v2.10.1' }, true],
    [{ app_version: { semver_gte: '2.4.0' } }, { app_version: '2.4.0-rc.1' }, false],
    [{ app_version: { semver_lt: '2.4.0' } }, { app_version: '2.4.0-rc.1' }, true],
    [{ app_version: { semver_lt: '2.4.0' } }, { app_version: 'not a version' }, false],
    [{ beta: true }, { beta: true }, true],
    [{ beta: true }, { beta: 'true' }, false],
    [{}, {}, true],
  ])('condition %j on %j matches: %s', (condition, context, matches) => {
    const flags = flagsFor({ flag: 'f', default: 'off', variants: ['off', 'on'], rules: [{ condition, value: 'on' }] });
    expect(flags.get('f', context as Record<string, unknown>)).toBe(matches ? 'on' : 'off');
  });
});

describe('never throws', () => {
  it('returns the default and reports an error when reading the context throws', () => {
    const flags = flagsFor({
      flag: 'f',
      default: 'a',
      variants: ['a', 'b'],
      rules: [{ condition: { plan: 'pro' }, value: 'b' }],
    });
    const errors: FlagsErrorEvent[] = [];
    flags.on('error', (e) => errors.push(e));
    const hostile = {
      get plan(): string {
        throw new Error('boom');
      },
    };
    expect(flags.get('f', hostile)).toBe('a');
    expect(flags.detail('f', hostile)).toMatchObject({ value: 'a', reason: 'ERROR', errorCode: 'INVALID_CONTEXT' });
    expect(errors.map((e) => [e.code, e.flag])).toEqual([
      ['INVALID_CONTEXT', 'f'],
      ['INVALID_CONTEXT', 'f'],
    ]);
  });

  it('reports an unknown flag as FLAG_NOT_FOUND and returns undefined', () => {
    const flags = flagsFor({ flag: 'f', default: 'a' });
    const errors: FlagsErrorEvent[] = [];
    flags.on('error', (e) => errors.push(e));
    expect(flags.get('missing' as 'f')).toBeUndefined();
    expect(flags.detail('missing' as 'f')).toMatchObject({
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      value: undefined,
    });
    expect(errors[0]).toMatchObject({ code: 'FLAG_NOT_FOUND', flag: 'missing' });
  });

  it('treats non-object contexts as empty', () => {
    const flags = flagsFor({ flag: 'f', default: 'a', variants: ['a', 'b'], rules: [{ condition: {}, value: 'b' }] });
    for (const ctx of [null, undefined, 42, 'str']) expect(flags.get('f', ctx as never)).toBe('b');
  });

  it('refuses to start on an invalid registry, naming the problem', () => {
    expect(() => createFlags({ source: staticSource('{"flags": [{"flag": "f"}]}', 'flags.json') })).toThrow(
      /flags\.json:1:\d+: f: missing required field "default"/,
    );
  });
});

describe('events and reloads', () => {
  const base: Doc = {
    flags: [
      { flag: 'a', default: 'x', variants: ['x', 'y'] },
      { flag: 'b', default: 1, variants: [1, 2] },
      { flag: 'c', default: true, description: 'docs only change' },
    ],
  };

  it('names exactly the flags whose evaluation changed', () => {
    const source = manualSource(base);
    const flags = createFlags({ source });
    const changes: string[][] = [];
    flags.on('change', (e) => changes.push(e.flagsChanged));
    const next = structuredClone(base);
    next.flags[1]!['default'] = 2;
    next.flags[2]!['description'] = 'edited';
    next.flags.push({ flag: 'd', default: 'new' });
    source.push(next);
    expect(changes).toEqual([['b', 'd']]);
    expect(flags.get('b')).toBe(2);
    source.push({ flags: next.flags.filter((f) => f['flag'] !== 'a') });
    expect(changes[1]).toEqual(['a']);
  });

  it('keeps serving the last good registry when a reload is invalid', () => {
    const source = manualSource(base);
    const flags = createFlags({ source });
    const errors: FlagsErrorEvent[] = [];
    flags.on('error', (e) => errors.push(e));
    source.push('{"flags": [');
    source.push({ flags: [{ flag: 'a', default: 'z', variants: ['x', 'y'] }] });
    expect(flags.get('a')).toBe('x');
    expect(errors.map((e) => e.code)).toEqual(['PARSE_ERROR', 'PARSE_ERROR']);
    expect(errors[1]!.issues[0]!.message).toContain('"default" is "z", which is not a variant');
    expect(errors[1]!.message).toContain('still serving the last good registry');
  });

  it('rejects a reload that breaks the variants the code was compiled against', () => {
    const source = manualSource(base);
    const flags = createFlags({ source, contract: { a: ['x', 'y'], b: [1, 2] } });
    const errors: FlagsErrorEvent[] = [];
    flags.on('error', (e) => errors.push(e));
    source.push({ flags: [{ flag: 'a', default: 'x', variants: ['x', 'y', 'w'] }, base.flags[1]!] });
    source.push({ flags: [base.flags[0]!] });
    expect(errors.map((e) => e.issues[0]!.message)).toEqual([
      expect.stringContaining('a: variant "w" is not among the variants the running code was compiled against'),
      expect.stringContaining('b: the flag was removed, but the running code was compiled against it'),
    ]);
    // Narrowing the variants is safe for the types, so it is accepted.
    source.push({ flags: [{ flag: 'a', default: 'x', variants: ['x'] }, base.flags[1]!] });
    expect(errors).toHaveLength(2);
    expect(flags.registry()!.byKey.get('a')!.variants).toEqual(['x']);
  });

  it('emits OpenTelemetry feature-flag attributes per evaluation when asked', () => {
    const flags = flagsFor({
      flag: 'f',
      default: 'a',
      variants: ['a', 'b'],
      rules: [{ condition: { plan: 'pro' }, value: 'b' }],
    });
    const events: unknown[] = [];
    flags.on('evaluation', (e) => events.push(e));
    flags.get('f', { targetingKey: 'user-1', plan: 'pro' });
    expect(events).toEqual([
      {
        'feature_flag.key': 'f',
        'feature_flag.provider.name': 'modelflags',
        'feature_flag.result.value': 'b',
        'feature_flag.result.variant': 'b',
        'feature_flag.result.reason': 'targeting_match',
        'feature_flag.context.id': 'user-1',
      },
    ]);
  });

  it('returns the right value when an evaluation listener itself reads flags', () => {
    const flags = flagsFor(
      { flag: 'f', default: 'a', variants: ['a', 'b'], rules: [{ condition: {}, value: 'b' }] },
      { flag: 'g', default: 'x' },
      { flag: 'h', default: 'y' },
    );
    flags.on('evaluation', (e) => {
      if (e['feature_flag.key'] === 'f') flags.get('g');
    });
    flags.on('error', () => flags.get('h'));
    expect(flags.get('f', { targetingKey: 'u' })).toBe('b');
    expect(flags.detail('f', { targetingKey: 'u' })).toMatchObject({
      value: 'b',
      reason: 'TARGETING_MATCH',
      ruleIndex: 0,
    });
    expect(flags.detail('nope' as 'f')).toMatchObject({
      value: undefined,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });

  it('kills a flag in memory until the next reload', () => {
    const source = manualSource(base);
    const flags = createFlags({ source });
    const next = structuredClone(base);
    next.flags[0]!['rules'] = [{ condition: {}, value: 'y' }];
    source.push(next);
    expect(flags.get('a')).toBe('y');
    expect(flags.kill('a', 'guardrail')).toBe(true);
    expect(flags.detail('a')).toMatchObject({ value: 'x', reason: 'DISABLED' });
    expect(flags.kill('a')).toBe(false);
  });
});
