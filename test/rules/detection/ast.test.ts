import { describe, expect, it } from 'vitest';
import { camelCase } from '../../../rules/detection/ast.js';

describe('camelCase', () => {
  it('matches LaunchDarkly React key conversion', () => {
    expect(camelCase('inference_model')).toBe('inferenceModel');
    expect(camelCase('system-prompt.v2')).toBe('systemPromptV2');
  });
});
