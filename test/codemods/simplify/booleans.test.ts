import { describe, expect, it } from 'vitest';
import { READ, simplified } from './support.js';

describe('booleans', () => {
  it('folds ! of the kept value, and && and || with it on the left', () => {
    expect(simplified(`export const a = (ctx: object, x: boolean) => !${READ} || x;\n`)).toBe(
      'export const a = (ctx: object, x: boolean) => x;\n',
    );
    expect(simplified(`export const b = (ctx: object, x: boolean) => ${READ} && x;\n`)).toBe(
      'export const b = (ctx: object, x: boolean) => x;\n',
    );
  });

  it('drops a constant right operand in a condition, and leaves a constant the user wrote', () => {
    expect(
      simplified(
        `export function f(ctx: object, ready: boolean) {\n  if (ready && ${READ} === 'claude-sonnet-4-6') go();\n  if (ready && true) go();\n}\ndeclare function go(): void;\n`,
      ),
    ).toBe(
      `export function f(ctx: object, ready: boolean) {\n  if (ready) go();\n  if (ready && true) go();\n}\ndeclare function go(): void;\n`,
    );
  });
});
