/**
 * Property tests for the runtime: evaluation over hostile contexts, split shares, the positioned
 * JSON parser and the registry parser on arbitrary input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonWithPositions } from '../../../../src/registry/json.js';
import { createFlags, parseRegistry, staticSource, type EvaluationContext, type Flags } from '../../../../src/index.js';
import {
  context as plainContext,
  hostileContext,
  registryDocument,
  servedValues,
  type GeneratedFlag,
} from '../support/generators.js';

const REASONS = new Set(['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'DISABLED', 'ERROR']);

/** Records every write a context receives; evaluation must read only. */
function recordingProxy(target: object, writes: string[]): object {
  return new Proxy(target, {
    set(t, k, v, r) {
      writes.push(`set ${String(k)}`);
      return Reflect.set(t, k, v, r);
    },
    defineProperty(t, k, d) {
      writes.push(`define ${String(k)}`);
      return Reflect.defineProperty(t, k, d);
    },
    deleteProperty(t, k) {
      writes.push(`delete ${String(k)}`);
      return Reflect.deleteProperty(t, k);
    },
    setPrototypeOf(t, p) {
      writes.push('setPrototypeOf');
      return Reflect.setPrototypeOf(t, p);
    },
    preventExtensions(t) {
      writes.push('preventExtensions');
      return Reflect.preventExtensions(t);
    },
  });
}

function prototypeSnapshot(): string {
  const d = Object.getOwnPropertyDescriptors(Object.prototype);
  return JSON.stringify(
    Object.keys(d)
      .sort()
      .map((k) => [k, typeof d[k]!.value, typeof d[k]!.get, d[k]!.writable]),
  );
}

function clientFor(doc: { flags: GeneratedFlag[] }): { flags: Flags; errors: unknown[] } {
  const flags = createFlags({ source: staticSource(doc) });
  const errors: unknown[] = [];
  flags.on('error', (e) => errors.push(e));
  return { flags, errors };
}

describe('evaluation over arbitrary registries and hostile contexts', () => {
  it('get and detail never throw and always serve a declared variant', () => {
    const protoBefore = prototypeSnapshot();
    fc.assert(
      fc.property(registryDocument, fc.array(hostileContext, { minLength: 1, maxLength: 12 }), (doc, contexts) => {
        const { flags, errors } = clientFor(doc);
        for (const { ctx, throws, describe: shape } of contexts) {
          const writes: string[] = [];
          const probed = ctx !== null && typeof ctx === 'object' && !throws ? recordingProxy(ctx, writes) : ctx;
          for (const flag of doc.flags) {
            const allowed = servedValues(flag);
            const errorsBefore = errors.length;
            const value = flags.get(flag.flag, probed as EvaluationContext);
            expect(allowed, `${shape}: get served ${String(value)}`).toContain(value);
            const d = flags.detail(flag.flag, probed as EvaluationContext);
            expect(allowed).toContain(d.value);
            expect(d.variant).toBe(String(d.value));
            expect(REASONS.has(d.reason)).toBe(true);
            expect(d.flag).toBe(flag.flag);
            if (d.errorCode !== undefined) {
              // A context that throws when read is the only way evaluation of a known flag fails.
              expect(d.errorCode).toBe('INVALID_CONTEXT');
              expect(d.value).toBe(flag.default);
              expect(errors.length).toBeGreaterThan(errorsBefore);
            }
            if (!throws) expect(d.errorCode, shape).toBeUndefined();
            // get and detail agree, so detail can explain what get served.
            if (!throws) expect(d.value).toBe(value);
          }
          expect(writes).toEqual([]);
        }
        // Nothing leaked onto every object.
        expect(({} as Record<string, unknown>)['user_segment']).toBeUndefined();
        expect(({} as Record<string, unknown>)['x']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expect(prototypeSnapshot()).toBe(protoBefore);
  });

  it('a context that throws is served the default with an INVALID_CONTEXT error event', () => {
    const { flags, errors } = clientFor({
      flags: [
        {
          flag: 'm',
          default: 'a',
          variants: ['a', 'b'],
          rules: [{ condition: { user_segment: 'internal' }, value: 'b' }],
        },
      ],
    });
    const ctx = {
      get user_segment(): string {
        throw new Error('boom');
      },
    };
    expect(flags.get('m', ctx)).toBe('a');
    expect(flags.detail('m', ctx)).toMatchObject({ value: 'a', reason: 'ERROR', errorCode: 'INVALID_CONTEXT' });
    expect(errors).toHaveLength(2);
  });

  it('plain contexts come back unchanged, deep-equal to a copy taken before', () => {
    fc.assert(
      fc.property(registryDocument, fc.array(plainContext, { minLength: 1, maxLength: 20 }), (doc, contexts) => {
        const { flags } = clientFor(doc);
        const before = structuredClone(contexts);
        for (const ctx of contexts)
          for (const f of doc.flags) {
            flags.get(f.flag, ctx);
            flags.detail(f.flag, ctx);
          }
        expect(contexts).toStrictEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('keys that name Object.prototype members are unknown flags, not crashes', () => {
    const { flags, errors } = clientFor({ flags: [{ flag: 'm', default: 'a' }] });
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '']) {
      expect(flags.get(key, {})).toBeUndefined();
      expect(flags.detail(key, {})).toMatchObject({ reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    }
    expect(errors.length).toBe(10);
  });
});

describe('split shares', () => {
  const share = (weights: readonly number[], flagKey: string, n: number): number[] => {
    const names = weights.map((_, i) => `v${i}`);
    const flags = createFlags({
      source: staticSource({
        flags: [
          {
            flag: flagKey,
            default: 'none',
            variants: [...names, 'none'],
            rules: [{ condition: {}, split: Object.fromEntries(names.map((v, i) => [v, weights[i]!])) }],
          },
        ],
      }),
    });
    const counts = new Map<unknown, number>();
    for (let i = 0; i < n; i++) {
      const v = flags.get(flagKey, { targetingKey: `user-${i}` });
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect(counts.get('none')).toBeUndefined();
    return names.map((v) => (counts.get(v) ?? 0) / n);
  };

  it('a 50/30/20 split over 20,000 keys is within ±2 points of each share', () => {
    const [a, b, c] = share([50, 30, 20], 'inference_model', 20_000) as [number, number, number];
    expect(Math.abs(a - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(b - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(c - 0.2)).toBeLessThan(0.02);
  });

  it('random 2–5 way splits (zero weights included) over 20,000 keys are within ±2 points', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(0)), { minLength: 2, maxLength: 5 })
          .filter((ws) => ws.some((w) => w > 0)),
        fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
        (weights, flagKey) => {
          const total = weights.reduce((s, w) => s + w, 0);
          const shares = share(weights, flagKey, 20_000);
          weights.forEach((w, i) => {
            if (w === 0) expect(shares[i]).toBe(0);
            else expect(Math.abs(shares[i]! - w / total)).toBeLessThan(0.02);
          });
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('the positioned JSON parser', () => {
  const parse = (text: string): unknown => parseJsonWithPositions(text).value;

  it('agrees with JSON.parse on arbitrary JSON, compact and indented', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        expect(parse(text)).toEqual(JSON.parse(text));
        const pretty = JSON.stringify(JSON.parse(text), null, 2);
        expect(parse(pretty)).toEqual(JSON.parse(pretty));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps "__proto__" as data, as JSON.parse does', () => {
    const value = parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  /** Where our parser deliberately differs from JSON.parse: it rejects duplicate keys and absurd nesting, and skips a BOM. */
  const deliberate = (error: unknown): boolean =>
    error instanceof JsonSyntaxError && /^(duplicate key|nesting deeper)/.test(error.message);

  const mutated = fc
    .tuple(
      fc.json({ maxDepth: 4 }),
      fc.array(
        fc.tuple(
          fc.constantFrom('delete', 'insert', 'replace', 'truncate'),
          fc.nat(),
          fc.constantFrom(
            '{',
            '}',
            '[',
            ']',
            ',',
            ':',
            '"',
            '\\',
            'e',
            '-',
            '.',
            '0',
            ' ',
            '\n',
            'n',
            't',
            '\u0000',
            '\ud800',
            'x',
          ),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([text, edits]) => {
      let s = text;
      for (const [kind, at, ch] of edits) {
        const i = s.length === 0 ? 0 : at % (s.length + 1);
        if (kind === 'delete') s = s.slice(0, i) + s.slice(i + 1);
        else if (kind === 'insert') s = s.slice(0, i) + ch + s.slice(i);
        else if (kind === 'replace') s = s.slice(0, i) + ch + s.slice(i + 1);
        else s = s.slice(0, i);
      }
      return s;
    });

  it('accepts exactly what JSON.parse accepts, and throws only JsonSyntaxError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.string({
            unit: fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '1', 'a', ' ', 'true', 'null', '-', 'e', '.'),
          }),
          mutated,
        ),
        (text) => {
          let expected: { ok: true; value: unknown } | { ok: false };
          try {
            expected = { ok: true, value: JSON.parse(text) };
          } catch {
            expected = { ok: false };
          }
          let actual: { ok: true; value: unknown } | { ok: false; error: unknown };
          try {
            actual = { ok: true, value: parse(text) };
          } catch (error) {
            actual = { ok: false, error };
          }
          if (!actual.ok) {
            expect(actual.error).toBeInstanceOf(JsonSyntaxError);
            const pos = (actual.error as JsonSyntaxError).position;
            expect(pos.line).toBeGreaterThanOrEqual(1);
            expect(pos.column).toBeGreaterThanOrEqual(1);
            expect(pos.offset).toBeLessThanOrEqual(text.length);
            if (expected.ok)
              expect(deliberate(actual.error), `${JSON.stringify(text)}: ${String(actual.error)}`).toBe(true);
          } else if (expected.ok) {
            expect(actual.value).toEqual(expected.value);
          } else {
            expect(text.charCodeAt(0), `accepted invalid JSON ${JSON.stringify(text)}`).toBe(0xfeff);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('rejects nesting beyond its limit with JsonSyntaxError instead of overflowing the stack', () => {
    expect(() => parse('['.repeat(100_000))).toThrow(JsonSyntaxError);
    expect(() => parse('{"a":'.repeat(100_000))).toThrow(JsonSyntaxError);
  });
});

describe('parseRegistry on arbitrary input', () => {
  const FIELDS = [
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
    'condition',
    'value',
    'split',
    'rollout_percentage',
    '__proto__',
    'constructor',
  ];

  /** Valid registries with one value somewhere inside replaced by arbitrary JSON. */
  const corrupted = fc
    .tuple(registryDocument, fc.nat(), fc.jsonValue({ maxDepth: 3 }))
    .map(([doc, at, replacement]) => {
      const copy = JSON.parse(JSON.stringify(doc)) as unknown;
      const slots: [Record<string, unknown> | unknown[], string | number][] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v))
          v.forEach((x, i) => {
            slots.push([v, i]);
            walk(x);
          });
        else if (v !== null && typeof v === 'object')
          for (const [k, x] of Object.entries(v)) {
            slots.push([v as Record<string, unknown>, k]);
            walk(x);
          }
      };
      walk(copy);
      const [parent, key] = slots[at % slots.length]!;
      (parent as Record<string | number, unknown>)[key] = replacement;
      return JSON.stringify(copy);
    });

  const shaped = fc
    .array(
      fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 5 })), fc.jsonValue({ maxDepth: 3 }), {
        maxKeys: 8,
      }),
      { maxLength: 4 },
    )
    .map((flags) => JSON.stringify({ flags }));

  it('never throws: returns a registry or issues with positions, never both, never neither', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.json({ maxDepth: 4 }), corrupted, shaped),
        (text) => {
          const { registry, issues } = parseRegistry(text, 'flags.json');
          expect(registry === undefined).toBe(issues.length > 0);
          for (const issue of issues) {
            expect(issue.file).toBe('flags.json');
            expect(issue.line).toBeGreaterThanOrEqual(1);
            expect(issue.column).toBeGreaterThanOrEqual(1);
            expect(issue.message.length).toBeGreaterThan(0);
          }
          if (registry) {
            // Whatever the parser accepts, the evaluator must be able to serve.
            const flags = createFlags({ source: staticSource(text) });
            for (const def of registry.flags)
              expect(def.variants).toContain(flags.get(def.key, { targetingKey: 'u', user_segment: 'internal' }));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('accepts every generated registry (the generators produce only valid documents)', () => {
    fc.assert(
      fc.property(registryDocument, (doc) => {
        const { issues } = parseRegistry(JSON.stringify(doc));
        expect(issues).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
