import { describe, expect, it } from 'vitest';
import { summary } from '../reads.js';

describe('Vercel flags', () => {
  it('reports flag({ key }) as a definition and calling it as a read', () => {
    const code = `
      import { flag } from 'flags/next';
      export const model = flag({ key: 'inference_model', defaultValue: 'claude-3-haiku', decide: () => 'x' });
      export async function page() { return await model(); }`;
    expect(summary(code).map((r) => [r.method, r.key, r.valueKind, r.default])).toEqual([
      ['flag', 'inference_model', 'definition', "'claude-3-haiku'"],
      ['flag', 'inference_model', 'value', undefined],
    ]);
  });
});
