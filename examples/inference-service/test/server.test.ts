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

describe('inference service', () => {
  it('serves the model the registry targets for each kind of user', async () => {
    expect((await chat({ user: 'alice', segment: 'internal' })).model).toBe('claude-opus-4-6');
    // acme is pinned to haiku by the first rule, even for an internal user.
    expect((await chat({ user: 'carol', segment: 'internal', customer: 'acme' })).model).toBe('claude-3-haiku');
    const reply = await chat({ user: 'dave', q: 'hi' });
    expect(['claude-3-haiku', 'claude-sonnet-4-6']).toContain(reply.model);
    expect(reply.reply).toBe(`(${reply.model}) hi`);
  });

  it('picks the system prompt from its own flag', async () => {
    expect((await chat({ user: 'erin' })).promptVersion).toBe('v3');
    const beta = await Promise.all(Array.from({ length: 40 }, (_, i) => chat({ user: `beta-${i}`, segment: 'beta' })));
    const versions = new Set(beta.map((r) => r.promptVersion));
    expect(versions).toEqual(new Set(['v3', 'v4']));
  });

  it('serves a changed flags.json without a restart', async () => {
    const registry = JSON.parse(readFileSync(registryPath, 'utf8')) as { flags: { flag: string; enabled?: boolean }[] };
    registry.flags.find((f) => f.flag === 'inference_model')!.enabled = false;
    const changed = new Promise<string[]>((resolve) => flags.on('change', (e) => resolve(e.flagsChanged)));
    writeFileSync(registryPath, JSON.stringify(registry));
    expect(await changed).toEqual(['inference_model']);
    expect((await chat({ user: 'alice', segment: 'internal' })).model).toBe('claude-3-haiku');
  });
});
