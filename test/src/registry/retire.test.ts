import { describe, expect, it } from 'vitest';
import { parseRegistryOrThrow } from '../../../src/registry/validate.js';
import { momentOf, removeFlagCommand, retirementOf, rolloutEndsAt, todayUtc } from '../../../src/registry/retire.js';

const TODAY = '2026-12-10';

describe('the variant every request is served', () => {
  const kept = (def: Parameters<typeof retirementOf>[0]) => retirementOf(def, TODAY).keep;
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
    expect(retirementOf(flag([{ condition: {}, value: 'b' }]), TODAY)).toEqual({
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
        TODAY,
      ).why,
    ).toBe('every rule that can match serves it');
    expect(retirementOf(flag([]), TODAY)).toMatchObject({ keep: 'a', why: 'it has no rules' });
    expect(retirementOf(flag([{ condition: {}, value: 'b' }], { enabled: false }), TODAY)).toMatchObject({
      keep: 'a',
      why: 'it is switched off (enabled: false)',
    });
  });
  it('names no variant while different requests get different ones: the reader picks the winner', () => {
    // The lint rule used to suggest the default here, and the audit a placeholder: they now agree.
    expect(retirementOf(flag([{ condition: { plan: 'pro' }, value: 'b' }]), TODAY)).toEqual({
      keep: undefined,
      why: 'no variant is served to everyone yet; name the one that won',
      command: 'npx remove-flag f --keep <variant>',
    });
  });
  it('sees each rollout at its step as of the day: a pinned day at its start, today at this moment', () => {
    expect(momentOf('2026-12-10')).toBe(Date.parse('2026-12-10T00:00:00Z'));
    const before = Date.now();
    const now = momentOf(todayUtc());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  describe('with a rollout', () => {
    const rollout = (extra: object = {}) => ({
      variant: 'b',
      start: '2026-12-10T09:00:00Z',
      steps: [{ percent: 5, hold: '1d' }, { percent: 25, hold: '1d' }, { percent: 100 }],
      ...extra,
    });
    const everyone = (extra: object = {}) => flag([{ condition: {}, rollout: rollout(extra) }]);

    it("keeps the rollout's variant once it reached 100% for everyone", () => {
      expect(retirementOf(everyone(), '2026-12-13')).toEqual({
        keep: 'b',
        why: "rule 1's rollout reached 100%",
        command: 'npx remove-flag f --keep b',
      });
      // Paused at its last step, it serves everyone as well.
      expect(
        retirementOf(everyone({ state: 'paused', current_step: { step: 3, since: '2026-12-11T00:00:00Z' } }), TODAY)
          .keep,
      ).toBe('b');
    });

    it('names no variant while it is live: different requests get different variants', () => {
      expect(retirementOf(everyone(), '2026-12-12')).toEqual({
        keep: undefined,
        why: 'rule 1\'s rollout of "b" is at 25% (step 2 of 3); name the variant that won',
        command: 'npx remove-flag f --keep <variant>',
      });
      // Paused halfway, likewise.
      expect(
        retirementOf(everyone({ state: 'paused', current_step: { step: 1, since: '2026-12-10T09:00:00Z' } }), TODAY)
          .keep,
      ).toBeUndefined();
      // At 100% behind a condition, the others still get the default.
      expect(
        retirementOf(flag([{ condition: { plan: 'pro' }, rollout: rollout() }]), '2026-12-13').keep,
      ).toBeUndefined();
      // Complete, but a pin before it serves another variant.
      expect(
        retirementOf(
          flag([
            { condition: { plan: 'pro' }, value: "it's" },
            { condition: {}, rollout: rollout() },
          ]),
          '2026-12-13',
        ).keep,
      ).toBeUndefined();
    });

    it('names no variant before it starts: it will serve its variant', () => {
      // As of 2026-12-10: its start, 00:00 UTC, is before 09:00.
      expect(retirementOf(everyone(), TODAY)).toMatchObject({
        keep: undefined,
        why: 'rule 1\'s rollout of "b" has not started (step 1 at 2026-12-10T09:00:00.000Z); name the variant to keep',
      });
    });

    it('knows when it reaches its last step: before it starts, while live, waiting for a promotion', () => {
      const at = (extra: object, now: string) => rolloutEndsAt(everyone(extra).rules[0]!.rollout!, Date.parse(now));
      const ends = Date.parse('2026-12-12T09:00:00Z');
      expect(at({}, '2026-12-01T00:00:00Z')).toBe(ends);
      expect(at({}, '2026-12-11T10:00:00Z')).toBe(ends);
      expect(at({}, '2026-12-12T09:00:00Z')).toBeUndefined();
      // A when-healthy step whose hold has passed moves on no earlier than now.
      expect(at({ promote: 'when-healthy' }, '2026-12-11T12:00:00Z')).toBe(Date.parse('2026-12-12T12:00:00Z'));
      expect(at({ state: 'aborted' }, '2026-12-01T00:00:00Z')).toBeUndefined();
      expect(
        at({ state: 'paused', current_step: { step: 1, since: '2026-12-10T09:00:00Z' } }, '2026-12-11T00:00:00Z'),
      ).toBeUndefined();
    });

    it('counts an aborted rollout as serving nobody: the rules after it decide', () => {
      expect(retirementOf(everyone({ state: 'aborted' }), TODAY)).toMatchObject({ keep: 'a' });
      expect(
        retirementOf(
          flag([
            { condition: {}, rollout: rollout({ state: 'aborted' }) },
            { condition: {}, value: "it's" },
          ]),
          TODAY,
        ),
      ).toMatchObject({ keep: "it's", why: 'rule 2 matches everyone' });
    });
  });

  it('quotes a variant the shell would split or expand', () => {
    expect(removeFlagCommand('f', "it's")).toBe("npx remove-flag f --keep 'it'\\''s'");
    expect(removeFlagCommand('f', 4)).toBe('npx remove-flag f --keep 4');
  });
});
