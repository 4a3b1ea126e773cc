import { describe, expect, it } from 'vitest';
import { summary } from '../reads.js';

describe('Unleash', () => {
  it('recognises Unleash clients and module functions', () => {
    const code = `
      import { initialize, isEnabled } from 'unleash-client';
      const unleash = initialize({ url: 'x', appName: 'y' });
      export function f(ctx) {
        unleash.isEnabled('new_model', ctx);
        isEnabled('other_toggle');
        return unleash.getVariant('inference_model', ctx).name;
      }`;
    expect(summary(code).map((r) => [r.method, r.key, r.context, r.valueKind, r.value])).toEqual([
      ['isEnabled', 'new_model', 'ctx', 'enabled', "unleash.isEnabled('new_model', ctx)"],
      ['isEnabled', 'other_toggle', undefined, 'enabled', "isEnabled('other_toggle')"],
      ['getVariant', 'inference_model', 'ctx', 'details', "unleash.getVariant('inference_model', ctx).name"],
    ]);
  });
});
