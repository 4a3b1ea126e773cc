import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlags } from '../../../../src/runtime/flags.js';
import { httpSource } from '../../../../src/runtime/sources/http.js';
import { backoffDelay } from '../../../../src/runtime/sources/polling.js';
import { closeServer } from '../../../support/loopback.js';
import { nextFlagsEvent } from '../../../support/wait.js';

const registry = (topK: number) =>
  JSON.stringify({ flags: [{ flag: 'retrieval_top_k', default: topK, variants: [5, 10, 20] }] });

type Mode = 'ok' | 'error500' | 'slow' | 'truncated';

/** A registry server on loopback that honours If-None-Match and can be told to misbehave. */
class RegistryServer {
  document = registry(5);
  mode: Mode = 'ok';
  readonly requests: { ifNoneMatch: string | undefined; authorization: string | undefined; status: number }[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const ifNoneMatch = req.headers['if-none-match'];
    const record = (status: number) =>
      this.requests.push({ ifNoneMatch, authorization: req.headers.authorization, status });
    const etag = `"${createHash('sha256').update(this.document).digest('hex').slice(0, 16)}"`;
    switch (this.mode) {
      case 'error500':
        record(500);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded');
        return;
      case 'slow':
        // Never answers in time; the client's timeout must give up. The socket is closed by stop().
        record(0);
        return;
      case 'truncated':
        record(200);
        res.writeHead(200, { 'content-type': 'application/json', etag: '"truncated"' }).end(this.document.slice(0, 20));
        return;
      case 'ok':
        if (ifNoneMatch === etag) {
          record(304);
          res.writeHead(304, { etag }).end();
          return;
        }
        record(200);
        res.writeHead(200, { 'content-type': 'application/json', etag }).end(this.document);
    }
  }
}

describe('httpSource against a loopback server', () => {
  const server = new RegistryServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('polls with ETags, reloads on change and keeps the last good registry through outages, slow responses and invalid documents', async () => {
    const source = httpSource(`http://127.0.0.1:${server.port}/flags.json?token=secret`, {
      pollIntervalMs: 10,
      timeoutMs: 1000,
      maxBackoffMs: 40,
      headers: { authorization: 'Bearer test-token' },
    });
    const flags = createFlags({ source });
    const errors: string[] = [];
    flags.on('error', (e) => errors.push(e.message));
    try {
      await flags.ready;
      expect(flags.get('retrieval_top_k')).toBe(5);

      // Unchanged: the server answers 304 to the ETag the client sends back.
      while (!server.requests.some((r) => r.status === 304)) await nextPoll(server);
      expect(server.requests[0]).toMatchObject({
        ifNoneMatch: undefined,
        authorization: 'Bearer test-token',
        status: 200,
      });
      expect(server.requests.find((r) => r.status === 304)!.ifNoneMatch).toMatch(/^"[0-9a-f]{16}"$/);

      const changed = nextFlagsEvent(flags, 'change');
      server.document = registry(10);
      expect((await changed).flagsChanged).toEqual(['retrieval_top_k']);
      expect(flags.get('retrieval_top_k')).toBe(10);

      server.mode = 'error500';
      const http500 = await nextFlagsEvent(flags, 'error', (e) => /HTTP 500/.test(e.message));
      expect(http500.message).toMatch(
        /^GET http:\/\/127\.0\.0\.1:\d+\/flags\.json: HTTP 500 Internal Server Error; still serving the last good registry, retrying in \d+ ms/,
      );
      expect(http500.message).not.toContain('secret');
      expect(flags.get('retrieval_top_k')).toBe(10);

      server.mode = 'slow';
      const timeout = await nextFlagsEvent(flags, 'error', (e) => /within 1000 ms/.test(e.message));
      expect(timeout.message).toMatch(/no response within 1000 ms \(timeoutMs\)/);
      expect(flags.get('retrieval_top_k')).toBe(10);

      server.mode = 'truncated';
      const invalid = await nextFlagsEvent(
        flags,
        'error',
        (e) => e.code === 'PARSE_ERROR' && /invalid JSON/.test(e.message),
      );
      expect(invalid.message).toMatch(
        /rejected http:\/\/127\.0\.0\.1:\d+\/flags\.json; still serving the last good registry/,
      );
      expect(invalid.issues[0]).toMatchObject({ file: expect.stringContaining('/flags.json'), line: 1 });
      expect(flags.get('retrieval_top_k')).toBe(10);

      // A document that is valid JSON but breaks the registry rules is rejected the same way.
      server.mode = 'ok';
      server.document = JSON.stringify({
        flags: [
          { flag: 'retrieval_top_k', default: 'ten' },
          { flag: 'retrieval_top_k', default: 3 },
        ],
      });
      const duplicate = await nextFlagsEvent(flags, 'error', (e) => /duplicate flag key/.test(e.message));
      expect(duplicate.issues.length).toBeGreaterThan(0);
      expect(flags.get('retrieval_top_k')).toBe(10);

      await server.stop();
      const down = await nextFlagsEvent(flags, 'error', (e) => /connection refused/.test(e.message));
      expect(down.message).toMatch(/still serving the last good registry/);
      expect(flags.get('retrieval_top_k')).toBe(10);

      const recovered = nextFlagsEvent(flags, 'change');
      server.document = registry(20);
      await server.start();
      expect((await recovered).flagsChanged).toEqual(['retrieval_top_k']);
      expect(flags.get('retrieval_top_k')).toBe(20);
      expect(errors.length).toBeGreaterThanOrEqual(5);
    } finally {
      flags.close();
    }
  });

  it('starts without a registry when the server is unreachable, and serves the first good document', async () => {
    await server.stop();
    const source = httpSource(`http://127.0.0.1:${server.port}/flags.json`, {
      pollIntervalMs: 10,
      timeoutMs: 1000,
      maxBackoffMs: 20,
    });
    const flags = createFlags({ source });
    try {
      const firstError = nextFlagsEvent(flags, 'error');
      await flags.ready;
      expect((await firstError).message).toMatch(
        /^cannot read http:\/\/127\.0\.0\.1:\d+\/flags\.json: connection refused \(is the server running\?\)$/,
      );
      expect(flags.registry()).toBeUndefined();
      expect(flags.detail('retrieval_top_k')).toMatchObject({ errorCode: 'PROVIDER_NOT_READY' });

      const loaded = nextFlagsEvent(flags, 'change');
      server.mode = 'ok';
      server.document = registry(5);
      await server.start();
      await loaded;
      expect(flags.get('retrieval_top_k')).toBe(5);
    } finally {
      flags.close();
    }
  });
});

describe('backoffDelay', () => {
  it('doubles per failure from the poll interval, caps at the maximum and jitters into [50%, 100%]', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 2000, 1))).toEqual([200, 400, 800, 1600, 2000, 2000]);
    expect(backoffDelay(3, 100, 2000, 0)).toBe(400);
    expect(backoffDelay(3, 100, 2000, 0.5)).toBe(600);
    expect(backoffDelay(1000, 100, 2000, 1)).toBe(2000);
    // A maximum below the poll interval never makes retries faster than normal polling.
    expect(backoffDelay(1, 1000, 10, 1)).toBe(1000);
  });
});

/** Resolves after the server has answered one more request. */
async function nextPoll(server: RegistryServer): Promise<void> {
  const seen = server.requests.length;
  while (server.requests.length === seen) await new Promise((resolve) => setTimeout(resolve, 5));
}
