/**
 * httpSource and appConfigSource against hostile and misbehaving loopback servers (issue #10,
 * items 6, 9, 10 and 11). Every wait is for something a server or the client did; nothing passes
 * because time went by.
 */
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appConfigSource } from '../../../../src/runtime/sources/appconfig.js';
import { createFlags, type FlagsErrorEvent } from '../../../../src/runtime/flags.js';
import { httpSource, redactUrls } from '../../../../src/runtime/sources/http.js';
import { FakeAppConfig } from '../../../support/appconfig-server.js';
import { closeServer } from '../../../support/loopback.js';
import { nextFlagsEvent } from '../../../support/wait.js';

const registry = (topK: number): string =>
  JSON.stringify({ flags: [{ flag: 'retrieval_top_k', default: topK, variants: [5, 10, 20] }] });
const deep = (levels: number): string => `{"flags": [], "description": ${'['.repeat(levels)}${']'.repeat(levels)}}`;

interface Served {
  url: string;
  headers: IncomingMessage['headers'];
  /** Resolves when the connection of this request closes, with the body bytes written by then. */
  closed: Promise<number>;
}

/** A loopback server whose answer to each request is whatever `handler` does. */
class Loopback {
  readonly requests: Served[] = [];
  private server: Server | undefined;
  port = 0;
  constructor(public handler: (req: IncomingMessage, res: ServerResponse) => void) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let written = 0;
      const write = res.write.bind(res);
      res.write = ((chunk: Buffer, ...rest: never[]) => {
        written += chunk.length;
        return write(chunk, ...rest);
      }) as typeof res.write;
      this.requests.push({
        url: req.url ?? '',
        headers: req.headers,
        closed: new Promise((resolve) => res.on('close', () => resolve(written))),
      });
      this.handler(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/flags.json`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  /** Resolves once the server has received `count` requests in all. */
  async received(count: number): Promise<void> {
    while (this.requests.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('httpSource under faults', () => {
  let server: Loopback;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await server.stop();
  });

  it('reports a registry nested deeper than 256 levels as an error event, never by rejecting ready, and keeps serving (item 6)', async () => {
    let body = deep(300);
    server = new Loopback((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    const flags = createFlags({ source: httpSource(await server.start(), { pollIntervalMs: 10, maxBackoffMs: 20 }) });
    cleanups.push(() => flags.close());
    const rejected = nextFlagsEvent(flags, 'error');
    await flags.ready;
    expect((await rejected).message).toMatch(
      /^rejected http:\/\/127\.0\.0\.1:\d+\/flags\.json; still serving the last good registry:\n.*flags\.json:1:\d+: invalid JSON: nesting deeper than 256 levels$/,
    );
    expect(flags.registry()).toBeUndefined();

    body = registry(10);
    await nextFlagsEvent(flags, 'change');
    body = deep(100_000);
    await nextFlagsEvent(flags, 'error', (e) => /nesting deeper than 256 levels/.test(e.message));
    expect(flags.get('retrieval_top_k')).toBe(10);
  });

  it('refuses credentials in the URL without repeating them, and redacts URLs in every message (item 9)', () => {
    server = new Loopback(() => undefined); // not started: nothing here gets as far as a request
    const attempt = (): unknown => httpSource('http://deploy:pa55word@127.0.0.1:9/flags.json?token=s3cret-token');
    expect(attempt).toThrow(
      /^httpSource: the URL of http:\/\/127\.0\.0\.1:9\/flags\.json contains a user name or password; pass credentials in a header instead/,
    );
    let message = '';
    try {
      attempt();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toMatch(/pa55word|s3cret|deploy/);
    // `fetch` would repeat a header value it refuses in the error of every poll.
    expect(() =>
      httpSource('http://127.0.0.1:9/flags.json', { headers: { authorization: 'Bearer s3cret\nX-Injected: 1' } }),
    ).toThrow(
      /^httpSource: the header "authorization" is not a valid HTTP header \(.*\); its value is not shown, because headers often hold credentials$/,
    );
    // What `fetch` says about such a URL, and a redirect target with a token in its query.
    expect(
      redactUrls(
        'Request cannot be constructed from a URL that includes credentials: http://deploy:pa55word@config.internal/flags.json?token=s3cret&v=2#t=x',
      ),
    ).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://***:***@config.internal/flags.json?***',
    );
    expect(redactUrls('redirected to https://cdn.example/f.json?s3cret (HTTP 403)')).toBe(
      'redirected to https://cdn.example/f.json?*** (HTTP 403)',
    );
  });

  it('abandons a body larger than maxBytes mid-transfer, with an error event, and keeps serving (item 9)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const total = 1024 * chunk.length; // 64 MiB, if anyone read it all
    let huge = false;
    server = new Loopback((_, res) => {
      if (!huge) return void res.writeHead(200, { 'content-type': 'application/json' }).end(registry(5));
      // Chunked, no content-length: only reading the stream can tell the size.
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const pump = (): void => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    const flags = createFlags({
      source: httpSource(await server.start(), { pollIntervalMs: 10, maxBackoffMs: 20, maxBytes: 1024 * 1024 }),
    });
    cleanups.push(() => flags.close());
    await flags.ready;
    huge = true;
    const from = server.requests.length;
    const tooLarge = await nextFlagsEvent(flags, 'error');
    expect(tooLarge.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/flags\.json: the response body is larger than maxBytes \(1048576 bytes\); raise maxBytes/,
    );
    // The client hung up long before the server could send it all.
    expect(await server.requests[from]!.closed).toBeLessThan(total / 4);
    expect(flags.get('retrieval_top_k')).toBe(5);
  });

  it('refuses a declared content-length over maxBytes without reading the body (item 9)', async () => {
    server = new Loopback((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) }).write(' '),
    );
    const flags = createFlags({
      source: httpSource(await server.start(), { pollIntervalMs: 10, maxBackoffMs: 20, maxBytes: 1024 }),
    });
    cleanups.push(() => flags.close());
    const error = nextFlagsEvent(flags, 'error');
    await flags.ready;
    expect((await error).message).toMatch(/: the response body is 10485760 bytes, more than maxBytes \(1024 bytes\)/);

    expect(await server.requests[0]!.closed).toBe(1);
  });

  it('close() abandons a first read still in flight: the connection closes, ready settles, no error event (item 9)', async () => {
    // Never answers; only the client giving up closes the connection.
    server = new Loopback(() => undefined);
    const flags = createFlags({ source: httpSource(await server.start(), { timeoutMs: 600_000 }) });
    const errors: FlagsErrorEvent[] = [];
    flags.on('error', (e) => errors.push(e));
    await server.received(1);
    flags.close();
    await server.requests[0]!.closed;
    await flags.ready;
    expect(errors).toEqual([]);
    expect(flags.registry()).toBeUndefined();
  });

  it('pollIntervalMs beyond the longest timer means no polls, not one every millisecond (item 11)', async () => {
    server = new Loopback((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"' }).end(registry(5)),
    );
    const url = await server.start();
    const sources = [Infinity, 30 * 24 * 3600 * 1000].map((pollIntervalMs) =>
      createFlags({ source: httpSource(url, { pollIntervalMs, headers: { 'x-client': String(pollIntervalMs) } }) }),
    );
    const metronome = createFlags({
      source: httpSource(url, { pollIntervalMs: 10, headers: { 'x-client': 'metronome' } }),
    });
    cleanups.push(() => [...sources, metronome].forEach((f) => f.close()));
    await Promise.all([...sources, metronome].map((f) => f.ready));
    // While the 10 ms client polls 20 times, the others have had thousands of milliseconds to misfire in.
    while (server.requests.filter((r) => r.headers['x-client'] === 'metronome').length < 20)
      await server.received(server.requests.length + 1);
    const byClient = (client: string): number => server.requests.filter((r) => r.headers['x-client'] === client).length;
    expect([byClient('Infinity'), byClient(String(30 * 24 * 3600 * 1000))]).toEqual([1, 1]);
  });
});

describe('appConfigSource with the SDK in the lockfile, which returns Configuration = null when unchanged (item 10)', () => {
  let server: FakeAppConfig;
  beforeEach(() => {
    server = new FakeAppConfig();
  });
  afterEach(() => server.stop());

  it('treats a null configuration as unchanged: one session for many polls and no error events', async () => {
    await server.start();
    server.deploy('chat', 'prod', 'flags', registry(5));
    const client = new AppConfigDataClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      maxAttempts: 1,
    });
    const flags = createFlags({
      source: appConfigSource({
        client,
        application: 'chat',
        environment: 'prod',
        profile: 'flags',
        pollIntervalMs: 5,
        maxBackoffMs: 5,
      }),
    });
    const errors: string[] = [];
    flags.on('error', (e) => errors.push(e.message));
    try {
      await flags.ready;
      // Counted, not timed: wait for the server to have answered ten "unchanged" polls.
      const answeredUnchanged = (): number =>
        server.calls.filter((c) => c.operation === 'GetLatestConfiguration' && c.emptyBody === true).length;
      while (answeredUnchanged() < 10) await new Promise((resolve) => setTimeout(resolve, 5));
      // Each answer was handled before the next call went out, so ten answers mean nine handled.
      expect(server.calls.filter((c) => c.operation === 'StartConfigurationSession')).toHaveLength(1);
      expect(errors).toEqual([]);
      expect(flags.get('retrieval_top_k')).toBe(5);

      const changed = nextFlagsEvent(flags, 'change');
      server.deploy('chat', 'prod', 'flags', registry(10));
      await changed;
      expect(flags.get('retrieval_top_k')).toBe(10);
      expect(server.calls.filter((c) => c.operation === 'StartConfigurationSession')).toHaveLength(1);
    } finally {
      flags.close();
    }
  });

  it('refuses a configuration over maxBytes once, keeps the session and the last good registry', async () => {
    await server.start();
    server.deploy('chat', 'prod', 'big', registry(5));
    const client = new AppConfigDataClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      maxAttempts: 1,
    });
    const flags = createFlags({
      source: appConfigSource({
        client,
        application: 'chat',
        environment: 'prod',
        profile: 'big',
        pollIntervalMs: 5,
        maxBackoffMs: 5,
        maxBytes: 4096,
      }),
    });
    try {
      await flags.ready;
      const refused = nextFlagsEvent(flags, 'error');
      server.deploy('chat', 'prod', 'big', JSON.stringify({ $schema: 'x'.repeat(5000), flags: [] }));
      expect((await refused).message).toMatch(
        /^appconfig:\/\/chat\/prod\/big: the configuration is 50\d\d bytes, more than maxBytes \(4096 bytes\)/,
      );
      const changed = nextFlagsEvent(flags, 'change');
      server.deploy('chat', 'prod', 'big', registry(20));
      await changed;
      expect(flags.get('retrieval_top_k')).toBe(20);
      expect(server.calls.filter((c) => c.operation === 'StartConfigurationSession')).toHaveLength(1);
    } finally {
      flags.close();
    }
  });
});
