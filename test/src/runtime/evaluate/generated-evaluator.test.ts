/**
 * Each flag is evaluated by JavaScript generated from its rules (src/evaluator.ts). These tests
 * hold the generated code to the closures it replaces (`interpret`): same rule, same value, same
 * reads of the context in the same order, same throws; check that registry text reaches the code
 * only as data; and run a process that forbids code generation, which must fall back to the
 * closures and serve the same values.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compileRegistry,
  interpret,
  outcome,
  resolve as resolveFlag,
  type CompiledFlag,
  type EvaluationContext,
} from '../../../../src/runtime/evaluate/evaluator.js';
import { createFlags, parseRegistryOrThrow, staticSource } from '../../../../src/index.js';
import { seededRandom as prng } from '../../../support/random.js';
import { context as plainContext, hostileContext, registryDocument } from '../support/generators.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../../..');
const EXAMPLE = join(repo, 'examples/inference-service/flags.json');

interface Observed {
  rule?: number;
  value?: unknown;
  threw?: string;
  reads: string[];
}

/** Evaluates with `evaluate`, recording the context's top-level reads through a proxy. */
function observe(evaluate: (ctx: EvaluationContext) => number, ctx: unknown): Observed {
  const reads: string[] = [];
  const target =
    ctx !== null && typeof ctx === 'object'
      ? new Proxy(ctx, { get: (t, k, r) => (reads.push(String(k)), Reflect.get(t, k, r)) })
      : ctx;
  try {
    const rule = evaluate(target as EvaluationContext);
    return { rule, value: outcome.value, reads };
  } catch (error) {
    return { threw: (error as Error).constructor.name, reads };
  }
}

function isGenerated(flag: CompiledFlag): boolean {
  return String(flag.evaluate).includes('out.value');
}

/** Compares generated and interpreted evaluation of every enabled flag over the contexts. */
function expectSameAsInterpreted(registryText: string, contexts: readonly unknown[]): void {
  const snapshot = compileRegistry(parseRegistryOrThrow(registryText));
  for (const flag of snapshot.flags.values()) {
    if (!flag.enabled) continue;
    for (const ctx of contexts) {
      const generated = observe((c) => resolveFlag(flag, c), ctx);
      const interpreted = observe((c) => interpret(flag, c), ctx);
      if (generated.value !== undefined || interpreted.value !== undefined)
        expect(
          Object.is(generated.value, interpreted.value),
          `${flag.key}: ${String(generated.value)} vs ${String(interpreted.value)}`,
        ).toBe(true);
      expect({ ...generated, value: undefined }).toEqual({ ...interpreted, value: undefined });
    }
    expect(isGenerated(flag), `${flag.key} was not generated`).toBe(true);
  }
}

/** Strings that would end a literal, a comment or a template, or are not valid in every JS source. */
const AWKWARD = [
  '"',
  "'",
  '\\',
  '`',
  '${globalThis.pwned = 1}',
  '"; globalThis.pwned = 1; "',
  '*/ globalThis.pwned = 1; /*',
  '\u2028',
  '\u2029',
  '</script>',
  '\ud800',
  '\u0000',
  'a\nb',
  'ünïcödé',
  '🤖',
];
const awkward = fc.oneof(
  fc.constantFrom(...AWKWARD),
  fc.tuple(fc.constantFrom(...AWKWARD), fc.constantFrom(...AWKWARD)).map(([a, b]) => a + b),
);
/** Attribute names, dotted paths included; the registry refuses Object.prototype names and empty segments. */
const ATTRIBUTE_NAMES = [
  'a"b',
  "it's",
  'back\\slash',
  'line\u2028sep',
  '${x}',
  'org.plan',
  'org."id"',
  'deep.a.b',
  'targetingKey',
];

const awkwardRegistry = fc
  .array(
    fc.record({
      attribute: fc.constantFrom(...ATTRIBUTE_NAMES),
      op: fc.constantFrom('eq', 'neq', 'in', 'not_in', 'starts_with', 'ends_with'),
      operand: awkward,
      list: fc.array(awkward, { minLength: 1, maxLength: 10 }),
      rollout: fc.option(fc.integer({ min: 0, max: 100 })),
      variant: fc.constantFrom(...AWKWARD.slice(0, 6)),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((rules) => ({
    flags: [
      {
        flag: 'awkward',
        variants: AWKWARD.slice(0, 6),
        default: AWKWARD[0],
        bucket_by: 'org."id"',
        rules: rules.map((r) => {
          const operand = r.op === 'in' || r.op === 'not_in' ? r.list : r.operand;
          const condition: Record<string, unknown> = { [r.attribute]: r.op === 'eq' ? operand : { [r.op]: operand } };
          if (r.rollout !== null) condition['rollout_percentage'] = r.rollout;
          return { condition, value: r.variant };
        }),
      },
    ],
  }));

/** Contexts that set the awkward attributes (nested for dotted names) to awkward values, or leave them out. */
const awkwardContext = fc
  .array(fc.tuple(fc.constantFrom(...ATTRIBUTE_NAMES), fc.oneof(awkward, fc.integer(), fc.constant(null))), {
    maxLength: 6,
  })
  .map((entries) => {
    const ctx: Record<string, unknown> = {};
    for (const [name, value] of entries) {
      const path = name.split('.');
      let node = ctx;
      for (const segment of path.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
      node[path.at(-1)!] = value;
    }
    return ctx;
  });

describe('generated evaluation equals the interpreted rules', () => {
  it('over arbitrary registries and hostile contexts: same rule, value, reads and throws', () => {
    fc.assert(
      // Contexts stay wrapped until the property runs: fast-check inspects the values it generates, and some of these throw when touched.
      fc.property(
        registryDocument,
        fc.array(
          fc.oneof(
            plainContext.map((ctx) => ({ ctx })),
            hostileContext,
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (doc, contexts) => {
          expectSameAsInterpreted(
            JSON.stringify(doc),
            contexts.map((c) => c.ctx),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with quotes, escapes, line separators and template syntax in names and values, which stay data', () => {
    fc.assert(
      fc.property(awkwardRegistry, fc.array(awkwardContext, { minLength: 10, maxLength: 30 }), (doc, contexts) => {
        expectSameAsInterpreted(JSON.stringify(doc), contexts);
      }),
      { numRuns: 300 },
    );
    expect((globalThis as Record<string, unknown>)['pwned']).toBeUndefined();
  });

  it('serves what the rules say for awkward strings', () => {
    const flags = createFlags({
      source: staticSource({
        flags: [
          {
            flag: 'awkward',
            variants: ['plain', 'quoted', 'listed', 'prefixed'],
            default: 'plain',
            rules: [
              { condition: { 'a"b': '"; globalThis.pwned = 1; "' }, value: 'quoted' },
              { condition: { 'org.plan': ['\u2028', '${x}', '*/'] }, value: 'listed' },
              { condition: { "it's": { starts_with: '\\' } }, value: 'prefixed' },
            ],
          },
        ],
      }),
    });
    expect(flags.get('awkward', { 'a"b': '"; globalThis.pwned = 1; "' })).toBe('quoted');
    expect(flags.get('awkward', { 'a"b': '"' })).toBe('plain');
    expect(flags.get('awkward', { org: { plan: '\u2028' } })).toBe('listed');
    expect(flags.get('awkward', { org: { plan: '${x}' } })).toBe('listed');
    expect(flags.get('awkward', { 'org.plan': '${x}' })).toBe('plain');
    expect(flags.get('awkward', { "it's": '\\n' })).toBe('prefixed');
    expect(flags.get('awkward', { "it's": 'n\\' })).toBe('plain');
    expect((globalThis as Record<string, unknown>)['pwned']).toBeUndefined();
  });
});

describe('reloads', () => {
  it('keep the evaluation of flags that did not change, and replace the rest', () => {
    const doc = (segment: string) =>
      JSON.stringify({
        flags: [
          {
            flag: 'kept',
            default: 'a',
            variants: ['a', 'b'],
            description: 'before',
            rules: [{ condition: { user_segment: 'beta' }, value: 'b' }],
          },
          {
            flag: 'edited',
            default: 'a',
            variants: ['a', 'b'],
            rules: [{ condition: { user_segment: segment }, value: 'b' }],
          },
        ],
      });
    const first = compileRegistry(parseRegistryOrThrow(doc('beta')));
    for (const flag of first.flags.values()) resolveFlag(flag, { user_segment: 'beta' });
    const second = compileRegistry(parseRegistryOrThrow(doc('internal').replace('before', 'after')), first);
    expect(second.flags.get('kept')!.evaluate).toBe(first.flags.get('kept')!.evaluate);
    expect(second.flags.get('kept')!.definition.description).toBe('after');
    expect(second.flags.get('edited')!.evaluate).not.toBe(first.flags.get('edited')!.evaluate);
    expect(resolveFlag(second.flags.get('edited')!, { user_segment: 'beta' })).toBe(-1);
    expect(resolveFlag(second.flags.get('edited')!, { user_segment: 'internal' })).toBe(0);
    expect(outcome.value).toBe('b');
  });
});

describe('where code generation is forbidden', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-nocodegen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('node --disallow-code-generation-from-strings serves the same values through the interpreted rules', async () => {
    const rnd = prng(99);
    const segments = ['internal', 'beta', 'external', 'free'];
    const contexts = Array.from({ length: 20_000 }, (_, i) => {
      const ctx: Record<string, string> = {
        targetingKey: `user-${Math.floor(rnd() * 1e9)}-${i}`,
        user_segment: segments[i % 4]!,
      };
      if (i % 7 === 0) ctx['customer_id'] = i % 14 === 0 ? 'acme' : 'initech';
      return ctx;
    });
    const contextsFile = join(dir, 'contexts.json');
    writeFileSync(contextsFile, JSON.stringify(contexts));
    const script = join(dir, 'evaluate.mts');
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
import { createFlags, staticSource } from ${JSON.stringify(join(repo, 'src/index.ts'))};
let codeGeneration = true;
try { new Function(''); } catch { codeGeneration = false; }
const flags = createFlags({ source: staticSource(readFileSync(${JSON.stringify(EXAMPLE)}, 'utf8')) });
const errors = [];
flags.on('error', (e) => errors.push(e.message));
const contexts = JSON.parse(readFileSync(${JSON.stringify(contextsFile)}, 'utf8'));
const served = contexts.map((c) => [flags.get('inference_model', c), flags.detail('system_prompt_version', c).variant]);
console.log(JSON.stringify({ codeGeneration, errors, served }));
`,
    );
    const tsx = join(repo, 'node_modules/tsx/dist/esm/index.mjs');
    const { stdout } = await run(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--conditions=modelflags-source', '--import', tsx, script],
      { cwd: dir },
    );
    const result = JSON.parse(stdout) as { codeGeneration: boolean; errors: string[]; served: [string, string][] };
    expect(result.codeGeneration).toBe(false);
    expect(result.errors).toEqual([]);

    const flags = createFlags({ source: staticSource(readFileSync(EXAMPLE, 'utf8')) });
    const here = contexts.map((c) => [
      flags.get('inference_model', c),
      flags.detail('system_prompt_version', c).variant,
    ]);
    expect(result.served).toEqual(here);
    // Every variant of both flags was served, so the comparison covers every rule.
    expect(new Set(here.map(([model]) => model)).size).toBe(3);
    expect(new Set(here.map(([, prompt]) => prompt)).size).toBe(2);
  }, 60_000);
});
