import { describe, expect, it } from 'vitest';
import { reads, summary } from '../reads.js';

describe('OpenFeature', () => {
  it('recognises values and details through OpenFeature.getClient()', () => {
    const code = `
      import { OpenFeature } from '@openfeature/server-sdk';
      const client = OpenFeature.getClient();
      export async function f(ctx) {
        const model = await client.getStringValue('inference_model', 'claude-3-haiku', ctx);
        const detail = (await client.getStringDetails('system_prompt_version', 'v3', ctx)).value;
        client.getNumberValue('retrieval_top_k', 5).then((k) => k);
      }`;
    expect(summary(code)).toEqual([
      {
        sdk: 'openfeature',
        method: 'getStringValue',
        key: 'inference_model',
        keyKind: 'literal',
        default: "'claude-3-haiku'",
        context: 'ctx',
        value: "await client.getStringValue('inference_model', 'claude-3-haiku', ctx)",
        valueKind: 'value',
      },
      {
        sdk: 'openfeature',
        method: 'getStringDetails',
        key: 'system_prompt_version',
        keyKind: 'literal',
        default: "'v3'",
        context: 'ctx',
        value: "(await client.getStringDetails('system_prompt_version', 'v3', ctx)).value",
        valueKind: 'details',
      },
      {
        sdk: 'openfeature',
        method: 'getNumberValue',
        key: 'retrieval_top_k',
        keyKind: 'literal',
        default: '5',
        context: undefined,
        value: undefined,
        valueKind: 'value',
      },
    ]);
  });

  it('follows a typed parameter and an injected class field', () => {
    const code = `
      import type { Client } from '@openfeature/server-sdk';
      export async function f(client: Client) { return client.getBooleanValue('new_model', false); }
      export class Service {
        constructor(private readonly flags: Client) {}
        run() { return this.flags.getStringValue('inference_model', 'x'); }
      }`;
    expect(summary(code).map((r) => [r.sdk, r.key])).toEqual([
      ['openfeature', 'new_model'],
      ['openfeature', 'inference_model'],
    ]);
  });

  it('reads React hooks and the synchronous web client without a context argument', () => {
    const code = `
      import { useStringFlagValue, OpenFeature } from '@openfeature/react-sdk';
      export function Chat() {
        const model = useStringFlagValue('inference_model', 'claude-3-haiku');
        const v = OpenFeature.getClient().getStringValue('system_prompt_version', 'v3');
        return <div>{model}{v}</div>;
      }`;
    const found = reads(code, 'chat.tsx');
    expect(found.map((r) => [r.method, r.key, r.contextExpected])).toEqual([
      ['useStringFlagValue', 'inference_model', false],
      ['getStringValue', 'system_prompt_version', false],
    ]);
    expect(found[1]!.valueNode?.type).toBe('CallExpression');
  });

  it('follows CommonJS require in .js files', () => {
    const code = `
      const { OpenFeature } = require('@openfeature/server-sdk');
      const client = OpenFeature.getClient();
      module.exports = async (ctx) => client.getStringValue('inference_model', 'a', ctx);`;
    expect(summary(code, 'handler.js').map((r) => r.key)).toEqual(['inference_model']);
  });
});
