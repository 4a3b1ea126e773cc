import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConfigSource } from '../../../../src/runtime/sources/appconfig.js';
import { createFlags } from '../../../../src/runtime/flags.js';
import { FakeAppConfig } from '../../../support/appconfig-server.js';
import { nextFlagsEvent } from '../../../support/wait.js';

const registry = (model: string) =>
  JSON.stringify({
    flags: [
      { flag: 'inference_model', default: model, variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'] },
    ],
  });

function clientFor(server: FakeAppConfig): AppConfigDataClient {
  return new AppConfigDataClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    // Our source retries with its own backoff; one attempt per call keeps the test's sequence plain.
    maxAttempts: 1,
  });
}

describe('appConfigSource with the real AppConfigDataClient against a loopback AppConfigData server', () => {
  const server = new FakeAppConfig();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('starts a session, polls with the returned token, treats an empty body as unchanged and survives outages, slow responses and invalid documents', async () => {
    server.deploy('chat', 'prod', 'flags', registry('claude-3-haiku'));
    const source = appConfigSource({
      client: clientFor(server),
      application: 'chat',
      environment: 'prod',
      profile: 'flags',
      requiredMinimumPollIntervalInSeconds: 15,
      pollIntervalMs: 10,
      timeoutMs: 1000,
      maxBackoffMs: 40,
    });
    const flags = createFlags({ source });
    const errors: string[] = [];
    flags.on('error', (e) => errors.push(e.message));
    try {
      await flags.ready;
      expect(flags.get('inference_model')).toBe('claude-3-haiku');
      expect(server.calls[0]).toEqual({
        operation: 'StartConfigurationSession',
        status: 201,
        signed: true,
        requiredMinimumPollIntervalInSeconds: 15,
      });
      expect(server.calls[1]).toMatchObject({ operation: 'GetLatestConfiguration', status: 200, emptyBody: false });

      // Polls reuse the session: every token comes from the previous response, so none is rejected.
      while (!server.calls.some((c) => c.emptyBody === true)) await nextCall(server);
      expect(server.calls.filter((c) => c.operation === 'StartConfigurationSession')).toHaveLength(1);
      expect(server.calls.every((c) => c.status < 400)).toBe(true);

      const changed = nextFlagsEvent(flags, 'change');
      server.deploy('chat', 'prod', 'flags', registry('claude-sonnet-4-6'));
      const change = await changed;
      expect(change).toEqual({ flagsChanged: ['inference_model'], origin: 'appconfig://chat/prod/flags (version v2)' });
      expect(flags.get('inference_model')).toBe('claude-sonnet-4-6');

      server.mode = 'error500';
      const outage = await nextFlagsEvent(flags, 'error', (e) => /InternalServerException/.test(e.message));
      expect(outage.message).toMatch(
        /^appconfig:\/\/chat\/prod\/flags: GetLatestConfiguration failed: InternalServerException \(HTTP 500\): We encountered an internal error.*still serving the last good registry, retrying in \d+ ms/,
      );
      expect(flags.get('inference_model')).toBe('claude-sonnet-4-6');

      server.mode = 'throttle';
      await nextFlagsEvent(flags, 'error', (e) => /ThrottlingException \(HTTP 429\)/.test(e.message));
      expect(flags.get('inference_model')).toBe('claude-sonnet-4-6');

      server.mode = 'slow';
      const slow = await nextFlagsEvent(flags, 'error', (e) => /within 1000 ms/.test(e.message));
      expect(slow.message).toMatch(/StartConfigurationSession failed: no response within 1000 ms \(timeoutMs\)/);
      expect(flags.get('inference_model')).toBe('claude-sonnet-4-6');

      server.mode = 'ok';
      const invalid = nextFlagsEvent(flags, 'error', (e) => e.code === 'PARSE_ERROR' && /variant/.test(e.message));
      server.deploy(
        'chat',
        'prod',
        'flags',
        JSON.stringify({ flags: [{ flag: 'inference_model', default: 'gpt-4', variants: ['claude-3-haiku'] }] }),
      );
      expect((await invalid).message).toMatch(
        /rejected appconfig:\/\/chat\/prod\/flags \(version v3\); still serving the last good registry:\n.*"default" is "gpt-4", which is not a variant/,
      );
      expect(flags.get('inference_model')).toBe('claude-sonnet-4-6');

      await server.stop();
      const down = await nextFlagsEvent(flags, 'error', (e) => /connection refused/.test(e.message));
      expect(down.message).toMatch(
        /^appconfig:\/\/chat\/prod\/flags: (StartConfigurationSession|GetLatestConfiguration) failed: connection refused \(is the endpoint reachable\?\); still serving the last good registry/,
      );
      expect(flags.get('inference_model')).toBe('claude-sonnet-4-6');

      const recovered = nextFlagsEvent(flags, 'change');
      server.deploy('chat', 'prod', 'flags', registry('claude-opus-4-6'));
      await server.start();
      expect((await recovered).flagsChanged).toEqual(['inference_model']);
      expect(flags.get('inference_model')).toBe('claude-opus-4-6');
      // After each failure the source started a new session instead of replaying a spent token.
      expect(server.calls.filter((c) => c.status === 400)).toHaveLength(0);
      expect(errors.length).toBeGreaterThanOrEqual(5);
    } finally {
      flags.close();
    }
  });

  it('reports a profile that does not exist with what to check', async () => {
    server.mode = 'ok';
    const flags = createFlags({
      source: appConfigSource({
        client: clientFor(server),
        application: 'chat',
        environment: 'prod',
        profile: 'missing',
        pollIntervalMs: 10,
        timeoutMs: 1000,
        maxBackoffMs: 20,
      }),
    });
    try {
      const error = nextFlagsEvent(flags, 'error');
      await flags.ready;
      expect((await error).message).toMatch(
        /^cannot read appconfig:\/\/chat\/prod\/missing: StartConfigurationSession failed: ResourceNotFoundException \(HTTP 404\): Configuration profile chat\/prod\/missing not found; check the application, environment and profile names/,
      );
      expect(flags.registry()).toBeUndefined();

      const loaded = nextFlagsEvent(flags, 'change');
      server.deploy('chat', 'prod', 'missing', registry('claude-3-haiku'));
      await loaded;
      expect(flags.get('inference_model')).toBe('claude-3-haiku');
    } finally {
      flags.close();
    }
  });
});

async function nextCall(server: FakeAppConfig): Promise<void> {
  const seen = server.calls.length;
  while (server.calls.length === seen) await new Promise((resolve) => setTimeout(resolve, 5));
}
