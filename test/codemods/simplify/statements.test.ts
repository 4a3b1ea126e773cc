import { describe, expect, it } from 'vitest';
import { READ, simplified } from './support.js';

describe('statements and switch', () => {
  it('keeps the branch of an if/else chain the kept value takes, and what follows an early return goes', () => {
    expect(
      simplified(
        `export function tokens(ctx: object): number {\n  if (${READ} === 'claude-3-haiku') {\n    return 1024;\n  } else if (${READ} === 'claude-sonnet-4-6') {\n    return 4096;\n  }\n  return 0;\n}\n`,
      ),
    ).toBe('export function tokens(ctx: object): number {\n  return 4096;\n}\n');
  });

  it('folds a ternary on the kept value', () => {
    expect(
      simplified(`export const size = (ctx: object) => (${READ} === 'claude-opus-4-6' ? 'large' : 'small');\n`),
    ).toBe("export const size = (ctx: object) => ('small');\n");
  });

  it('keeps the matching case of a switch up to its break', () => {
    expect(
      simplified(
        `export function label(ctx: object): string {\n  switch (${READ}) {\n    case 'claude-3-haiku':\n      return 'fast';\n    case 'claude-sonnet-4-6':\n      log('balanced');\n      break;\n    default:\n      return 'other';\n  }\n  return 'done';\n}\ndeclare function log(s: string): void;\n`,
      ),
    ).toBe(
      `export function label(ctx: object): string {\n  log('balanced');\n  return 'done';\n}\ndeclare function log(s: string): void;\n`,
    );
  });
});
