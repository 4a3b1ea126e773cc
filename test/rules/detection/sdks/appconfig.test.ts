import { describe, expect, it } from 'vitest';
import { summary } from '../reads.js';

describe('AWS AppConfig', () => {
  it('recognises the AppConfig SDK command and the agent endpoint', () => {
    const code = `
      import { AppConfigDataClient, GetLatestConfigurationCommand } from '@aws-sdk/client-appconfigdata';
      export async function f(token, name) {
        await new AppConfigDataClient({}).send(new GetLatestConfigurationCommand({ ConfigurationToken: token }));
        await fetch('http://localhost:2772/applications/chat/environments/prod/configurations/flags?flag=inference_model&flag=system_prompt_version');
        await fetch(\`http://localhost:2772/applications/chat/environments/prod/configurations/flags?flag=\${name}\`);
        await fetch('https://example.com/?flag=inference_model');
      }`;
    expect(summary(code).map((r) => [r.method, r.key, r.keyKind, r.valueKind])).toEqual([
      ['GetLatestConfigurationCommand', undefined, 'none', 'bundle'],
      ['agent', 'inference_model', 'literal', 'details'],
      ['agent', 'system_prompt_version', 'literal', 'details'],
      ['agent', undefined, 'dynamic', 'details'],
    ]);
  });
});
