import { describe, expect, it } from 'vitest';
import { summary } from '../reads.js';

describe('in-house readers', () => {
  it('recognises readers declared in settings by the end of the callee', () => {
    const code = `
      export class Api {
        async run(user) {
          return await this.featureFlagProvider.evaluatedFeatureFlag('inference_model', user, 'claude-3-haiku');
        }
      }`;
    const readers = [
      { callee: 'featureFlagProvider.evaluatedFeatureFlag', keyArgument: 0, contextArgument: 1, defaultArgument: 2 },
    ];
    expect(
      summary(code, 'api.ts', { readers }).map((r) => [
        r.sdk,
        r.method,
        r.key,
        r.context,
        r.default,
        r.value?.startsWith('await'),
      ]),
    ).toEqual([['custom', 'evaluatedFeatureFlag', 'inference_model', 'user', "'claude-3-haiku'", true]]);
  });
});
