import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { reads, summary } from './reads.js';

describe('robustness', () => {
  it('treats method names that are Object.prototype members as ordinary names', () => {
    const code = `
      import { GrowthBook } from '@growthbook/growthbook';
      import { flags } from './flags.js';
      export function f(gb: GrowthBook, x) {
        gb.constructor('inference_model');
        flags.toString('inference_model');
        x.__proto__('inference_model');
        return gb.hasOwnProperty('inference_model');
      }`;
    expect(summary(code)).toEqual([]);
  });

  it('never throws on arbitrary call shapes built from SDK fragments', () => {
    const fragment = fc.constantFrom(
      'flags.get',
      'client.getStringValue',
      'ld.variation',
      'useFlags()',
      'gb.isOn',
      'fetch',
      'new GetLatestConfigurationCommand',
      'flag',
      'this.x.y',
    );
    const argument = fc.constantFrom(
      "'inference_model'",
      'k',
      '`a${b}`',
      '...xs',
      '{}',
      'ctx',
      'undefined',
      "'http://localhost:2772/applications/a?flag=x'",
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fragment, fc.array(argument, { maxLength: 4 })), { maxLength: 6 }), (calls) => {
        const code = [
          "import { createFlags } from 'modelflags';",
          "import * as ld from '@launchdarkly/node-server-sdk';",
          "import { useFlags } from 'launchdarkly-react-client-sdk';",
          "import { GetLatestConfigurationCommand } from '@aws-sdk/client-appconfigdata';",
          "import { flag } from 'flags/next';",
          'const flags = createFlags({});',
          ...calls.map(([f, args]) => `${f}(${args.join(', ')});`),
        ].join('\n');
        expect(() => reads(code)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});
