import { describe, expect, it } from 'vitest';
import { READ, simplified } from './support.js';

describe('lookups and bindings', () => {
  it('inlines a const holding the kept value and looks it up in a module-level table, which goes with its last use', () => {
    expect(
      simplified(
        `const MAX: Record<string, number> = { 'claude-3-haiku': 1024, 'claude-sonnet-4-6': 4096 };\n\nexport function limit(ctx: object): number {\n  const model = ${READ};\n  return MAX[model];\n}\n`,
      ),
    ).toBe(`export function limit(ctx: object): number {\n  return 4096;\n}\n`);
  });

  it('answers includes on a literal list, which goes with its last use', () => {
    expect(
      simplified(
        `const LARGE = ['claude-opus-4-6'];\n\nexport const large = (ctx: object) => LARGE.includes(${READ});\n`,
      ),
    ).toBe('export const large = (ctx: object) => false;\n');
  });
});
