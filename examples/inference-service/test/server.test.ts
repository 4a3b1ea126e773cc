import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagsFromFile, createInferenceServer, type ServiceFlags } from '../src/server.js';

let dir: string;
let registryPath: string;
let flags: ServiceFlags;
let server: Server;
let base: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inference-service-'));
  registryPath = join(dir, 'flags.json');
  copyFileSync(new URL('../flags.json', import.meta.url), registryPath);
  flags = createFlagsFromFile(registryPath);
  server = createInferenceServer(flags).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  server.close();
  flags.close();
  rmSync(dir, { recursive: true, force: true });
});

async function chat(params: Record<string, string>): Promise<{ model: string; promptVersion: string; reply: string }> {
  const res = await fetch(`${base}/chat?${new URLSearchParams(params)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { model: string; promptVersion: string; reply: string };
}

type Registry = {
  flags: { flag: string; rules?: { condition: Record<string, unknown>; split?: Record<string, number> }[] }[];
};

// The tests compare what the service serves with what the flags say, rather than hard-coding the
// registry's targeting, so they keep passing when a flag is retired and its winner inlined.
describe('inference service', () => {
  it('serves each user the model the flags choose for them', async () => {
    const users: { params: Record<string, string>; context: Record<string, string> }[] = [
      { params: { user: 'alice', segment: 'internal' }, context: { targetingKey: 'alice', user_segment: 'internal' } },
      {
        params: { user: 'carol', segment: 'internal', customer: 'acme' },
        context: { targetingKey: 'carol', user_segment: 'internal', customer_id: 'acme' },
      },
      { params: { user: 'dave', q: 'hi' }, context: { targetingKey: 'dave' } },
    ];
    for (const { params, context } of users) {
      const reply = await chat(params);
      expect(reply.model).toBe(flags.get('inference_model', context));
      expect(reply.reply).toBe(`(${reply.model}) ${params.q ?? 'Hello!'}`);
    }
  });

  it('picks the system prompt from its own flag', async () => {
    expect((await chat({ user: 'erin' })).promptVersion).toBe('v3');
    const beta = await Promise.all(Array.from({ length: 40 }, (_, i) => chat({ user: `beta-${i}`, segment: 'beta' })));
    const versions = new Set(beta.map((r) => r.promptVersion));
    expect(versions).toEqual(new Set(['v3', 'v4']));
  });

  it('serves a changed flags.json without a restart', async () => {
    const registry = JSON.parse(readFileSync(registryPath, 'utf8')) as Registry;
    const prompt = registry.flags.find((f) => f.flag === 'system_prompt_version')!;
    prompt.rules![0]!.split = { v3: 0, v4: 100 };
    const changed = new Promise<string[]>((resolve) => flags.on('change', (e) => resolve(e.flagsChanged)));
    writeFileSync(registryPath, JSON.stringify(registry));
    expect(await changed).toEqual(['system_prompt_version']);
    const beta = await Promise.all(Array.from({ length: 10 }, (_, i) => chat({ user: `beta-${i}`, segment: 'beta' })));
    expect(beta.map((r) => r.promptVersion)).toEqual(Array(10).fill('v4'));
  });
});
