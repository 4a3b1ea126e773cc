/**
 * `modelflags guard --appconfig` with the real `@aws-sdk/client-appconfig` against a loopback
 * AppConfig control plane: a rollback is one new hosted configuration version (the same text edit
 * as in a file) and one deployment of it, also when the server fails mid-way (a start that fails
 * once, a version created whose answer was lost, a guard restarted between the two): never a
 * duplicate version, and every failure said in one line.
 */
import { AppConfigClient, CreateHostedConfigurationVersionCommand } from '@aws-sdk/client-appconfig';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runModelflagsCli } from '../../../src/cli/main.js';
import { FakeAppConfigControl } from '../../support/appconfig-control-server.js';
import { closeServer } from '../../support/loopback.js';

const REGISTRY = `{
  "flags": [
    {
      "flag": "inference_model",
      "variants": ["claude-3-haiku", "claude-sonnet-4-6"],
      "default": "claude-3-haiku",
      "rules": [
        { "condition": {}, "rollout": { "variant": "claude-sonnet-4-6", "start": "2026-01-01T00:00:00Z",
            "steps": [ { "percent": 5, "hold": "1h" }, { "percent": 100 } ] } }
      ]
    }
  ]
}
`;
// The rollback as the registry's text edit writes it: a member added at the end of the rollout, nothing else touched.
const ROLLED_BACK = REGISTRY.replace(
  '{ "percent": 100 } ] } }',
  '{ "percent": 100 } ],\n            "state": "aborted" } }',
);

/** A Prometheus query API that answers the baseline, then a canary failing 30% against 1%, then the same values. */
let prometheus: Server;
let prometheusUrl = '';
let polls = 0;
let regressing = true;
const vector = (canary: number, canaryBad: number) => {
  const labels = (name: string, variant: string) => ({
    __name__: name,
    instance: 'w1',
    job: 'workers',
    feature_flag_key: 'inference_model',
    feature_flag_result_variant: variant,
    modelflags_metric: 'error',
  });
  const control = canary * 19;
  return {
    status: 'success',
    data: {
      resultType: 'vector',
      result: [
        { metric: labels('modelflags_samples_total', 'claude-3-haiku'), value: [0, String(control)] },
        { metric: labels('modelflags_bad_samples_total', 'claude-3-haiku'), value: [0, String(control / 100)] },
        { metric: labels('modelflags_samples_total', 'claude-sonnet-4-6'), value: [0, String(canary)] },
        { metric: labels('modelflags_bad_samples_total', 'claude-sonnet-4-6'), value: [0, String(canaryBad)] },
      ],
    },
  };
};

const dir = mkdtempSync(join(tmpdir(), 'modelflags-guard-appconfig-'));
let server: FakeAppConfigControl;

beforeAll(async () => {
  prometheus = createServer((_req, res) => {
    const answer = polls++ === 0 || !regressing ? vector(1000, 10) : vector(1500, 160);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
  prometheusUrl = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await closeServer(prometheus);
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // The SDK's default credential chain, from the environment: never a metadata service.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  polls = 0;
  regressing = true;
  server = new FakeAppConfigControl();
  await server.start();
  // The registry's first version, created as a person would, with the real client.
  const client = new AppConfigClient({ endpoint: server.endpoint, region: 'eu-west-1' });
  await client.send(
    new CreateHostedConfigurationVersionCommand({
      ApplicationId: server.app.id,
      ConfigurationProfileId: server.profile.id,
      Content: new TextEncoder().encode(REGISTRY),
      ContentType: 'application/json',
    }),
  );
  client.destroy();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server.stop();
});

function guard(extra: string[] = []): {
  out: string[];
  err: string[];
  done: Promise<number>;
  stop: () => Promise<number>;
} {
  const controller = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const done = runModelflagsCli(
    [
      'guard',
      'inference_model',
      '--prometheus',
      prometheusUrl,
      '--appconfig',
      'chat/prod/flags',
      '--endpoint',
      server.endpoint,
      '--region',
      'eu-west-1',
      '--deployment-strategy',
      'AppConfig.Linear50PercentEvery30Seconds',
      '--interval',
      '100ms',
      ...extra,
    ],
    { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir, signal: controller.signal },
  );
  return { out, err, done, stop: () => (controller.abort(), done) };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const ROLLBACK_LINE =
  /^guard: rolled back claude-sonnet-4-6 of inference_model: inference_model=claude-sonnet-4-6 error rate .* \(e-value .* >= 40\.0 after \d+ compared samples, n=\d+\/\d+\)$/;

describe('modelflags guard --appconfig', () => {
  it('writes a rollback as one new hosted version, the text edited in place, and deploys it with the strategy', async () => {
    const g = guard(['--once']);
    expect(await g.done).toBe(1);
    expect(g.err).toEqual([]);
    expect(g.out).toEqual([
      expect.stringMatching(ROLLBACK_LINE),
      'guard: created version 2 of appconfig://chat/prod/flags (the rollback of claude-sonnet-4-6 (rollouts aborted, shares to claude-3-haiku)); ' +
        'started deployment 1 to prod (AppConfig.Linear50PercentEvery30Seconds)',
    ]);
    expect(server.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(server.versions[1]).toEqual({
      version: 2,
      content: ROLLED_BACK,
      contentType: 'application/json',
      description: 'modelflags guard: the rollback of claude-sonnet-4-6 (rollouts aborted, shares to claude-3-haiku)',
    });
    expect(server.deployments).toEqual([
      expect.objectContaining({ number: 1, version: '2', strategy: 'AppConfig.Linear50PercentEvery30Seconds' }),
    ]);
    expect(server.calls.every((c) => c.signed)).toBe(true);
  });

  it('StartDeployment failing once: the same version is deployed at the next try, no second version', async () => {
    server.failNext('StartDeployment', 500);
    const g = guard();
    try {
      await until('the deployment', () => server.deployments.length > 0);
      await until('the complete deployment', () => g.out.some((l) => l.includes('is complete')));
    } finally {
      expect(await g.stop()).toBe(0);
    }
    expect(g.err).toEqual([
      'guard: created version 2 of appconfig://chat/prod/flags (the rollback of claude-sonnet-4-6 (rollouts aborted, shares to claude-3-haiku)), ' +
        'but could not start its deployment to prod: InternalServerException (HTTP 500): injected failure of StartDeployment; ' +
        'the deployment of version 2 is retried at the next poll (no new version is created)',
    ]);
    expect(g.out.slice(1)).toEqual([
      expect.stringMatching(
        /^guard: version 2 of appconfig:\/\/chat\/prod\/flags already records the rollback of claude-sonnet-4-6 .*; started deployment 1 to prod/,
      ),
      expect.stringMatching(/^guard: deployment 1 of version 2 to prod is complete/),
    ]);
    expect(server.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(server.deployments.map((d) => d.version)).toEqual(['2']);
  });

  it('a version created whose answer was lost: read again, found, deployed; no duplicate', async () => {
    server.failNext('CreateHostedConfigurationVersion', 500, true);
    const g = guard(['--once']);
    expect(await g.done).toBe(1);
    expect(g.err).toEqual([]);
    expect(g.out[1]).toMatch(
      /^guard: version 2 of appconfig:\/\/chat\/prod\/flags already records the rollback of claude-sonnet-4-6 .*; started deployment 1 to prod/,
    );
    expect(server.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(server.versions[1]!.content).toBe(ROLLED_BACK);
    expect(server.deployments.map((d) => d.version)).toEqual(['2']);
  });

  it('a guard restarted after its version was created but not deployed deploys that version on start', async () => {
    // The first run: the version is created, the start of its deployment fails, and the guard stops.
    server.failNext('StartDeployment', 503);
    const first = guard(['--once']);
    expect(await first.done).toBe(1);
    expect(first.err.join('\n')).toMatch(
      /could not start its deployment to prod: InternalServerException \(HTTP 503\)/,
    );
    expect(server.deployments).toEqual([]);
    // The second run sees no canary traffic (it is rolled back) but finishes what the first began.
    polls = 0;
    regressing = false;
    const second = guard(['--once']);
    expect(await second.done).toBe(0);
    expect(second.err).toEqual([]);
    expect(second.out[0]).toMatch(
      /^guard: version 2 of appconfig:\/\/chat\/prod\/flags already records the rollback of claude-sonnet-4-6 .*; started deployment 1 to prod/,
    );
    expect(server.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(server.deployments.map((d) => d.version)).toEqual(['2']);
  });

  it('names the application, environment or profile it cannot find', async () => {
    const controller = new AbortController();
    let err = '';
    const code = await runModelflagsCli(
      [
        'guard',
        'inference_model',
        '--prometheus',
        prometheusUrl,
        '--appconfig',
        'chat/staging/flags',
        '--endpoint',
        server.endpoint,
        '--region',
        'eu-west-1',
        '--once',
      ],
      { out: () => {}, err: (t) => (err += t), cwd: dir, signal: controller.signal },
    );
    expect(code).toBe(2);
    expect(err).toBe(
      'modelflags: cannot read appconfig://chat/staging/flags: no environment "staging" (there are: prod)',
    );
  });
});
