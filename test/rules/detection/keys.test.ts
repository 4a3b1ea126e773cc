import { describe, expect, it } from 'vitest';
import { summary } from './reads.js';

describe('flag keys', () => {
  it('treats const bindings, as-const objects and string enums as constant keys', () => {
    const code = `
      import { createFlags } from 'modelflags';
      import { KEYS } from './keys.js';
      const flags = createFlags({ source });
      const MODEL = 'inference_model';
      const FLAGS = { prompt: 'system_prompt_version' } as const;
      enum Flag { TopK = 'retrieval_top_k' }
      export function f(ctx, name: string) {
        flags.get(MODEL, ctx);
        flags.get(FLAGS.prompt, ctx);
        flags.get(Flag.TopK, ctx);
        flags.get(KEYS.model, ctx);
        flags.get(name, ctx);
        flags.get(\`model_\${name}\`, ctx);
        flags.get(\`\${MODEL}\`, ctx);
      }`;
    expect(summary(code).map((r) => [r.key, r.keyKind])).toEqual([
      ['inference_model', 'constant'],
      ['system_prompt_version', 'constant'],
      ['retrieval_top_k', 'constant'],
      [undefined, 'constant'],
      [undefined, 'dynamic'],
      [undefined, 'dynamic'],
      ['inference_model', 'constant'],
    ]);
  });

  it('treats a parameter typed narrower than string as a constant key', () => {
    const code = `
      import { createFlags } from 'modelflags';
      const flags = createFlags({ source });
      export const read = (key: FlagKey, ctx) => flags.get(key, ctx);
      export const loose = (key: string, ctx) => flags.get(key, ctx);`;
    expect(summary(code).map((r) => r.keyKind)).toEqual(['constant', 'dynamic']);
  });
});
