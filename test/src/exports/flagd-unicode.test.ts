/**
 * The caveat docs/exports.md states about flagd's JavaScript evaluator, measured: with
 * `@openfeature/flagd-core` evaluating our flagd export, ASCII bucketing values land in the same
 * variant as ours, and non-ASCII ones do not (it hashes UTF-16 code units, we and Go flagd hash
 * UTF-8 bytes). The counts are the ones the page gives.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { exportToFlagd } from '../../../src/exports/flagd.js';
import { createFlags, parseRegistryOrThrow, staticSource } from '../../../src/index.js';

const registry = JSON.stringify({
  flags: [
    {
      flag: 'inference_model',
      variants: ['a', 'b'],
      default: 'a',
      rules: [{ condition: {}, split: { a: 50, b: 50 } }],
    },
  ],
});

function disagreements(keys: readonly string[]): number {
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify(exportToFlagd(parseRegistryOrThrow(registry))));
  const flags = createFlags({ source: staticSource(registry) });
  return keys.filter(
    (k) =>
      flags.get('inference_model', { targetingKey: k }) !==
      core.resolveStringEvaluation('inference_model', 'x', { targetingKey: k } as never).value,
  ).length;
}

const keys = (prefix: string): string[] => Array.from({ length: 2000 }, (_, i) => `${prefix}-${i}`);

describe("flagd's JavaScript evaluator and non-ASCII bucketing values", () => {
  it('agrees for ASCII and disagrees for about half of non-ASCII keys on a 50/50 split, as docs/exports.md says', () => {
    const measured = {
      ascii: disagreements(keys('user')),
      latin1: disagreements(keys('usér')),
      cjk: disagreements(keys('用户')),
      emoji: disagreements(keys('🙂')),
    };
    expect(measured).toEqual({ ascii: 0, latin1: 985, cjk: 967, emoji: 1018 });
    const page = readFileSync(join(resolve(import.meta.dirname, '../../..'), 'docs/exports.md'), 'utf8');
    expect(page).toContain('0 differ for ASCII keys, 985 for Latin-1, 967 for CJK and 1,018 for emoji keys');
  });
});
