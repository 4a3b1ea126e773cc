import { describe, expect, it } from 'vitest';
import { parseRegistryOrThrow } from '../../../src/registry/validate.js';
import { removeFlagCommand, retirementOf } from '../../../src/registry/retire.js';

describe('the variant every request is served', () => {
  const kept = (def: Parameters<typeof retirementOf>[0]) => retirementOf(def).keep;
  const flag = (rules: unknown[], extra: object = {}) =>
    parseRegistryOrThrow(
      JSON.stringify({ flags: [{ flag: 'f', variants: ['a', 'b'], default: 'a', rules, ...extra }] }),
    ).flags[0]!;
  it('finds the one variant everyone gets, and only then', () => {
    expect(kept(flag([]))).toBe('a');
    expect(kept(flag([{ condition: {}, value: 'b' }]))).toBe('b');
    expect(kept(flag([{ condition: { rollout_percentage: 100 }, value: 'b' }]))).toBe('b');
    expect(kept(flag([{ condition: { rollout_percentage: 99.5 }, value: 'b' }]))).toBeUndefined();
    expect(kept(flag([{ condition: { plan: 'pro' }, value: 'a' }]))).toBe('a');
    expect(
      kept(
        flag([
          { condition: { plan: 'pro' }, value: 'a' },
          { condition: {}, value: 'b' },
        ]),
      ),
    ).toBeUndefined();
    expect(kept(flag([{ condition: {}, split: { a: 0, b: 10 } }]))).toBe('b');
    expect(kept(flag([{ condition: { rollout_percentage: 0 }, value: 'b' }]))).toBe('a');
    expect(kept(flag([{ condition: {}, value: 'b' }], { enabled: false }))).toBe('a');
  });
});

describe('retirementOf', () => {
  const flag = (rules: unknown[], extra: object = {}) =>
    parseRegistryOrThrow(
      JSON.stringify({ flags: [{ flag: 'f', variants: ['a', 'b', "it's"], default: 'a', rules, ...extra }] }),
    ).flags[0]!;
  it('keeps the variant everyone gets and says why', () => {
    expect(retirementOf(flag([{ condition: {}, value: 'b' }]))).toEqual({
      keep: 'b',
      why: 'rule 1 matches everyone',
      command: 'npx remove-flag f --keep b',
    });
    expect(
      retirementOf(
        flag([
          { condition: { plan: 'pro' }, value: 'b' },
          { condition: {}, value: 'b' },
        ]),
      ).why,
    ).toBe('every rule that can match serves it');
    expect(retirementOf(flag([]))).toMatchObject({ keep: 'a', why: 'it has no rules' });
    expect(retirementOf(flag([{ condition: {}, value: 'b' }], { enabled: false }))).toMatchObject({
      keep: 'a',
      why: 'it is switched off (enabled: false)',
    });
  });
  it('names no variant while different requests get different ones: the reader picks the winner', () => {
    // The lint rule used to suggest the default here, and the audit a placeholder: they now agree.
    expect(retirementOf(flag([{ condition: { plan: 'pro' }, value: 'b' }]))).toEqual({
      keep: undefined,
      why: 'no variant is served to everyone yet; name the one that won',
      command: 'npx remove-flag f --keep <variant>',
    });
  });
  it('quotes a variant the shell would split or expand', () => {
    expect(removeFlagCommand('f', "it's")).toBe("npx remove-flag f --keep 'it'\\''s'");
    expect(removeFlagCommand('f', 4)).toBe('npx remove-flag f --keep 4');
  });
});
