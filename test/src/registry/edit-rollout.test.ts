/**
 * `setRolloutState` and `rollBackVariantInText` splice the registry text: every byte outside the
 * edited rollout (or split) stays as it was, whatever the layout (one member per line, inline,
 * mixed, tabs, CRLF), members they add follow the object's own layout, and the result parses,
 * validates and says what the edit meant, the same as the in-memory `rollBackVariant`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rollBackVariantInText, setRolloutState, type RolloutStateEdit } from '../../../src/registry/edit.js';
import { parseJsonWithPositions } from '../../../src/registry/json.js';
import type { FlagValue } from '../../../src/registry/model.js';
import { rollBackVariant } from '../../../src/registry/rollout.js';
import { parseRegistry } from '../../../src/registry/validate.js';

const SINCE = Date.parse('2026-12-10T12:30:00Z');

const ONE_PER_LINE = `{
  "flags": [
    {
      "flag": "inference_model",
      "variants": ["haiku", "sonnet", "opus"],
      "default": "haiku",
      "rules": [
        { "condition": { "user_segment": "internal" }, "value": "sonnet" },
        { "condition": { "user_segment": "beta" }, "split": { "haiku": 50, "sonnet": 50 } },
        {
          "condition": {},
          "rollout": {
            "variant": "sonnet",
            "start": "2026-12-10T09:00:00Z",
            "steps": [{ "percent": 5, "hold": "2h" }, { "percent": 100 }]
          }
        }
      ]
    }
  ]
}
`;
const INLINE = `{"flags": [{"flag": "inference_model", "default": "haiku", "rules": [{"condition": {"user_segment": "internal"}, "value": "sonnet"}, {"condition": {"user_segment": "beta"}, "split": {"haiku": 50, "sonnet": 50}}, {"condition": {}, "rollout": {"variant": "sonnet", "start": "2026-12-10T09:00:00Z", "steps": [{"percent": 5, "hold": "2h"}, {"percent": 100}]}}]}]}`;

function expectValid(text: string): ReturnType<typeof parseRegistry>['registry'] & object {
  const { registry, issues } = parseRegistry(text, 'flags.json');
  expect(issues).toEqual([]);
  return registry!;
}

describe('setRolloutState', () => {
  it('adds state and current_step on their own lines to a rollout laid out one member per line', () => {
    const paused = setRolloutState(ONE_PER_LINE, 'inference_model', 2, {
      state: 'paused',
      current: { step: 0, sinceMs: SINCE },
    });
    expect(paused).toBe(
      ONE_PER_LINE.replace(
        '"steps": [{ "percent": 5, "hold": "2h" }, { "percent": 100 }]\n',
        '"steps": [{ "percent": 5, "hold": "2h" }, { "percent": 100 }],\n' +
          '            "state": "paused",\n' +
          '            "current_step": { "step": 1, "since": "2026-12-10T12:30:00.000Z" }\n',
      ),
    );
    expect(expectValid(paused).byKey.get('inference_model')!.rules[2]!.rollout).toMatchObject({
      state: 'paused',
      current: { step: 0, sinceMs: SINCE },
    });
    // Set again: the values are replaced where they are, nothing else moves.
    const active = setRolloutState(paused, 'inference_model', 2, {
      state: 'active',
      current: { step: 1, sinceMs: SINCE + 1000 },
    });
    expect(active).toBe(
      paused
        .replace('"state": "paused"', '"state": "active"')
        .replace(
          '{ "step": 1, "since": "2026-12-10T12:30:00.000Z" }',
          '{ "step": 2, "since": "2026-12-10T12:30:01.000Z" }',
        ),
    );
    // Without `current`, current_step is left as it is.
    expect(setRolloutState(active, 'inference_model', 2, { state: 'aborted' })).toBe(
      active.replace('"state": "active"', '"state": "aborted"'),
    );
  });

  it('adds them inline to an inline rollout', () => {
    const paused = setRolloutState(INLINE, 'inference_model', 2, {
      state: 'paused',
      current: { step: 1, sinceMs: SINCE },
    });
    expect(paused).toBe(
      INLINE.replace(
        '{"percent": 100}]}',
        '{"percent": 100}], "state": "paused", "current_step": { "step": 2, "since": "2026-12-10T12:30:00.000Z" }}',
      ),
    );
    expectValid(paused);
  });

  it('keeps CRLF line endings', () => {
    const crlf = ONE_PER_LINE.replaceAll('\n', '\r\n');
    const aborted = setRolloutState(crlf, 'inference_model', 2, { state: 'aborted' });
    expect(aborted).toBe(
      crlf.replace(
        '"steps": [{ "percent": 5, "hold": "2h" }, { "percent": 100 }]\r\n',
        '"steps": [{ "percent": 5, "hold": "2h" }, { "percent": 100 }],\r\n            "state": "aborted"\r\n',
      ),
    );
    expectValid(aborted);
  });

  it('refuses a flag or a rule that is not there, naming the file', () => {
    expect(() => setRolloutState(ONE_PER_LINE, 'nope', 0, { state: 'aborted' }, 'config/flags.json')).toThrow(
      'config/flags.json: no flag "nope" to update the rollout of; the registry may have changed since it was loaded',
    );
    expect(() => setRolloutState(ONE_PER_LINE, 'inference_model', 0, { state: 'aborted' })).toThrow(
      'flags.json: rule 1 of "inference_model" has no rollout',
    );
  });
});

describe('rollBackVariantInText', () => {
  it('aborts the rollout and moves the split share to the control; the pin stays', () => {
    const rolledBack = rollBackVariantInText(ONE_PER_LINE, 'inference_model', 'sonnet', 'haiku');
    expect(rolledBack).toBe(
      ONE_PER_LINE.replace('{ "haiku": 50, "sonnet": 50 }', '{ "haiku": 100, "sonnet": 0 }').replace(
        '{ "percent": 100 }]\n',
        '{ "percent": 100 }],\n            "state": "aborted"\n',
      ),
    );
    const rules = expectValid(rolledBack).byKey.get('inference_model')!.rules;
    expect(rules[0]!.value).toBe('sonnet');
    // Nothing left to roll back: the text comes back unchanged.
    expect(rollBackVariantInText(rolledBack, 'inference_model', 'sonnet', 'haiku')).toBe(rolledBack);
  });

  it('adds the control to a split that lacks it, inline', () => {
    const text = INLINE.replace('{"haiku": 50, "sonnet": 50}', '{"sonnet": 30, "opus": 70}');
    expect(rollBackVariantInText(text, 'inference_model', 'sonnet', 'haiku')).toBe(
      text
        .replace('{"sonnet": 30, "opus": 70}', '{"sonnet": 0, "opus": 70, "haiku": 30}')
        .replace('{"percent": 100}]}', '{"percent": 100}], "state": "aborted"}'),
    );
  });
});

// Random registries in random layouts, for the properties below.

const VARIANTS = ['a', 'b', 'c'] as const;
const variant = fc.constantFrom(...VARIANTS);
const condition = fc.constantFrom({}, { user_segment: 'beta' }, { country: ['DE', 'US'] });
const percentageCondition = fc.constantFrom(
  { rollout_percentage: 10 },
  { rollout_percentage: 0 },
  { user_segment: 'beta', rollout_percentage: 50 },
);
const rollout = fc.record(
  {
    variant,
    start: fc.constant('2026-12-10T09:00:00Z'),
    steps: fc.constant([{ percent: 5, hold: '2h' }, { percent: 25, hold: '1d' }, { percent: 100 }]),
    promote: fc.constantFrom('on-schedule', 'when-healthy'),
    state: fc.constantFrom('active', 'paused', 'aborted'),
    current_step: fc.record({ step: fc.integer({ min: 1, max: 3 }), since: fc.constant('2026-12-10T10:00:00Z') }),
  },
  { requiredKeys: ['variant', 'start', 'steps'] },
);
const rule = fc.oneof(
  fc.record({ condition, value: variant }),
  fc.record({ condition: percentageCondition, value: variant }),
  fc.record({
    condition,
    split: fc
      .dictionary(variant, fc.integer({ min: 0, max: 100 }), { minKeys: 1 })
      .filter((s) => Object.values(s).some((w) => w > 0)),
  }),
  fc.record({ condition, rollout }).map((r) =>
    // Validation: a paused rollout names its step.
    r.rollout.state === 'paused' && r.rollout.current_step === undefined
      ? { ...r, rollout: { ...r.rollout, current_step: { step: 1, since: '2026-12-10T10:00:00Z' } } }
      : r,
  ),
);
const registryDoc = fc
  .uniqueArray(
    fc.record({
      flag: fc.constantFrom('inference_model', 'system_prompt_version', 'retrieval_top_k'),
      variants: fc.constant([...VARIANTS]),
      default: variant,
      rules: fc.array(rule, { maxLength: 4 }),
    }),
    { selector: (f) => f.flag, minLength: 1, maxLength: 3 },
  )
  .map((flags) => ({ flags }));

interface Layout {
  indent: string;
  /** Containers this deep and deeper are written on one line. */
  inlineFrom: number;
  crlf: boolean;
  /** Space inside the braces of an inline object: `{ "a": 1 }` or `{"a": 1}`. */
  padded: boolean;
}
const layout: fc.Arbitrary<Layout> = fc.record({
  indent: fc.constantFrom('  ', '    ', '\t'),
  inlineFrom: fc.integer({ min: 0, max: 7 }),
  crlf: fc.boolean(),
  padded: fc.boolean(),
});

function render(value: unknown, l: Layout, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Array.isArray(value)
    ? value.map((v) => render(v, l, depth + 1))
    : Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${render(v, l, depth + 1)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return `${open}${close}`;
  if (depth >= l.inlineFrom) {
    const pad = l.padded && !Array.isArray(value) ? ' ' : '';
    return `${open}${pad}${entries.join(', ')}${pad}${close}`;
  }
  const inner = l.indent.repeat(depth + 1);
  return `${open}\n${entries.map((e) => inner + e).join(',\n')}\n${l.indent.repeat(depth)}${close}`;
}

const textOf = (doc: unknown, l: Layout): string => {
  const text = `${render(doc, l)}\n`;
  return l.crlf ? text.replaceAll('\n', '\r\n') : text;
};

/**
 * `after` with the values at `pointers` replaced by `before`'s: equal to `before` exactly when the
 * edit changed nothing outside those values.
 */
function spliceBack(before: string, after: string, pointers: readonly string[]): string {
  const b = parseJsonWithPositions(before);
  const a = parseJsonWithPositions(after);
  const ranges = pointers.map((p) => ({ from: b.rangeOf(p)!, to: a.rangeOf(p)! })).sort((x, y) => y.to[0] - x.to[0]);
  let out = after;
  for (const { from, to } of ranges) out = out.slice(0, to[0]) + before.slice(from[0], from[1]) + out.slice(to[1]);
  return out;
}

function expectLineEndingsKept(before: string, after: string): void {
  if (before.includes('\r\n')) expect(after.replaceAll('\r\n', '')).not.toContain('\n');
  else expect(after).not.toContain('\r');
}

describe('properties over random registries and layouts', () => {
  it('setRolloutState changes only the rollout, keeps its other members byte for byte, and validates', () => {
    const edit: fc.Arbitrary<RolloutStateEdit> = fc.record(
      {
        state: fc.constantFrom('active', 'paused', 'aborted'),
        current: fc.record({ step: fc.integer({ min: 0, max: 2 }), sinceMs: fc.integer({ min: 0, max: 4e12 }) }),
      },
      { requiredKeys: ['state'] },
    );
    fc.assert(
      fc.property(registryDoc, layout, edit, fc.nat(), (doc, l, e, pick) => {
        const targets = doc.flags.flatMap((f, i) =>
          f.rules.flatMap((r, j) => ('rollout' in r ? [{ flag: f.flag, i, j }] : [])),
        );
        fc.pre(targets.length > 0);
        const { flag, i, j } = targets[pick % targets.length]!;
        const rolloutNow = (doc.flags[i]!.rules[j] as { rollout: Record<string, unknown> }).rollout;
        // A pause without a step to hold is not an edit anyone makes.
        fc.pre(e.state !== 'paused' || e.current !== undefined || rolloutNow['current_step'] !== undefined);
        const before = textOf(doc, l);
        expectValid(before);
        const after = setRolloutState(before, flag, j, e);
        const pointer = `/flags/${i}/rules/${j}/rollout`;
        expect(spliceBack(before, after, [pointer])).toBe(before);
        expectLineEndingsKept(before, after);

        const b = parseJsonWithPositions(before);
        const a = parseJsonWithPositions(after);
        const was = rolloutNow;
        const now = (a.value as { flags: { rules: { rollout: Record<string, unknown> }[] }[] }).flags[i]!.rules[j]!
          .rollout;
        // "active" is the default: a rollout that never said otherwise is not given the member.
        const edited = [
          ...(e.state === 'active' && !('state' in was) ? [] : ['state']),
          ...(e.current ? ['current_step'] : []),
        ];
        expect(Object.keys(now)).toEqual([...Object.keys(was), ...edited.filter((k) => !(k in was))]);
        for (const key of Object.keys(was).filter((k) => !edited.includes(k))) {
          const from = b.rangeOf(`${pointer}/${key}`)!;
          const to = a.rangeOf(`${pointer}/${key}`)!;
          expect(after.slice(to[0], to[1])).toBe(before.slice(from[0], from[1]));
        }
        const schedule = expectValid(after).byKey.get(flag)!.rules[j]!.rollout!;
        expect(schedule.state).toBe(e.state);
        if (e.current) expect(schedule.current).toEqual(e.current);
      }),
      { numRuns: 300 },
    );
  });

  it('rollBackVariantInText changes only the rollouts and splits it rolls back, as rollBackVariant does in memory', () => {
    fc.assert(
      fc.property(registryDoc, layout, fc.nat(), variant, variant, (doc, l, pick, rolled, control) => {
        const flag = doc.flags[pick % doc.flags.length]!;
        const i = doc.flags.indexOf(flag);
        const before = textOf(doc, l);
        const def = expectValid(before).byKey.get(flag.flag)!;
        const after = rollBackVariantInText(before, flag.flag, rolled, control);
        const expected = rollBackVariant(def, rolled as FlagValue, control as FlagValue);
        expectLineEndingsKept(before, after);
        if (expected === undefined) {
          expect(after).toBe(before);
          return;
        }
        const touched = flag.rules.flatMap((r, j) => {
          if ('rollout' in r && r.rollout.variant === rolled && r.rollout.state !== 'aborted')
            return [`/flags/${i}/rules/${j}/rollout`];
          if ('split' in r && (r.split[rolled] ?? 0) > 0 && rolled !== control) return [`/flags/${i}/rules/${j}/split`];
          const percentage = (r.condition as { rollout_percentage?: number }).rollout_percentage ?? 0;
          if ('value' in r && r.value === rolled && percentage > 0) return [`/flags/${i}/rules/${j}/condition`];
          return [];
        });
        expect(spliceBack(before, after, touched)).toBe(before);
        const rules = expectValid(after).byKey.get(flag.flag)!.rules;
        // The file now says what the guardrail did in memory (split order aside: the file keeps its own).
        expect(rules.map((r) => r.rollout?.state)).toEqual(expected.rules.map((r) => r.rollout?.state));
        expect(rules.map((r) => r.value)).toEqual(expected.rules.map((r) => r.value));
        expect(rules.map((r) => r.rolloutPercentage)).toEqual(expected.rules.map((r) => r.rolloutPercentage));
        const weights = (split: readonly { variant: FlagValue; weight: number }[] | undefined) =>
          split && Object.fromEntries(split.filter((s) => s.weight > 0).map((s) => [String(s.variant), s.weight]));
        expect(rules.map((r) => weights(r.split))).toEqual(expected.rules.map((r) => weights(r.split)));
      }),
      { numRuns: 300 },
    );
  });
});
