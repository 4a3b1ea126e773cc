import { describe, expect, it } from 'vitest';
import { summary } from '../reads.js';

describe('modelflags runtime', () => {
  it('recognises get and detail on a createFlags result', () => {
    const code = `
      import { createFlags, fileSource } from 'modelflags';
      const flags = createFlags({ source: fileSource('flags.json') });
      export function handle(ctx) {
        const model = flags.get('inference_model', ctx);
        const prompt = flags.detail('system_prompt_version', ctx).value;
        return [model, prompt];
      }`;
    expect(summary(code)).toEqual([
      {
        sdk: 'modelflags',
        method: 'get',
        key: 'inference_model',
        keyKind: 'literal',
        default: undefined,
        context: 'ctx',
        value: "flags.get('inference_model', ctx)",
        valueKind: 'value',
      },
      {
        sdk: 'modelflags',
        method: 'detail',
        key: 'system_prompt_version',
        keyKind: 'literal',
        default: undefined,
        context: 'ctx',
        value: "flags.detail('system_prompt_version', ctx).value",
        valueKind: 'details',
      },
    ]);
  });

  it('follows a client exported from a local module by its name or by a registry key', () => {
    const code = `
      import { flags } from './flags.js';
      import { cfg } from '../config.js';
      export const a = (ctx) => flags.get('inferense_model', ctx);
      export const b = (ctx) => cfg.get('inference_model', ctx);
      export const c = (ctx) => cfg.get('port');`;
    expect(summary(code).map((r) => [r.method, r.key])).toEqual([
      ['get', 'inferense_model'],
      ['get', 'inference_model'],
    ]);
  });

  it('does not take Map lookups, shadowed names or log strings for reads', () => {
    const code = `
      import { flags } from './flags.js';
      const cache = new Map();
      export function f(ctx) {
        cache.get('inference_model');
        console.log('inference_model changed');
        const flags2 = flags;
        {
          const flags = new Map();
          flags.get('system_prompt_version');
        }
        return 'inference_model';
      }`;
    expect(summary(code)).toEqual([]);
  });
});
