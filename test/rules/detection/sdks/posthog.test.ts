import { describe, expect, it } from 'vitest';
import { reads, summary } from '../reads.js';

describe('PostHog', () => {
  it('recognises PostHog node and browser clients', () => {
    const node = `
      import { PostHog } from 'posthog-node';
      const ph = new PostHog('key');
      export async function f(id) { return await ph.getFeatureFlag('inference_model', id); }`;
    expect(summary(node).map((r) => [r.key, r.context, r.value])).toEqual([
      ['inference_model', 'id', "await ph.getFeatureFlag('inference_model', id)"],
    ]);
    const browser = `
      import posthog from 'posthog-js';
      export const m = () => posthog.getFeatureFlag('inference_model');`;
    expect(reads(browser).map((r) => [r.key, r.contextExpected])).toEqual([['inference_model', false]]);
  });
});
