/**
 * A loopback server speaking the AppConfigData REST-JSON API, enough for the real
 * `AppConfigDataClient`: `POST /configurationsessions` and `GET /configuration?configuration_token=`.
 * Tokens are single use, as in AWS; a session's first call returns the document, later calls
 * return an empty body until a new version is deployed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './loopback.js';

export type AppConfigMode = 'ok' | 'error500' | 'slow' | 'throttle';

interface Session {
  profileKey: string;
  /** Version the client of this session has seen; -1 before its first GetLatestConfiguration. */
  seenVersion: number;
  intervalSeconds: number;
}

export interface AppConfigCall {
  operation: 'StartConfigurationSession' | 'GetLatestConfiguration';
  status: number;
  signed: boolean;
  requiredMinimumPollIntervalInSeconds?: number;
  emptyBody?: boolean;
}

export class FakeAppConfig {
  mode: AppConfigMode = 'ok';
  readonly calls: AppConfigCall[] = [];
  port = 0;
  private readonly profiles = new Map<string, { version: number; content: string; contentType: string }>();
  private readonly tokens = new Map<string, Session>();
  private server: Server | undefined;

  /** Deploys a new version of `application/environment/profile`. */
  deploy(
    application: string,
    environment: string,
    profile: string,
    content: string,
    contentType = 'application/json',
  ): void {
    const key = `${application}/${environment}/${profile}`;
    const version = (this.profiles.get(key)?.version ?? 0) + 1;
    this.profiles.set(key, { version, content, contentType });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const signed = /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/[\w-]+\/appconfig\/aws4_request/.test(
      req.headers.authorization ?? '',
    );
    const operation =
      req.method === 'POST' && url.pathname === '/configurationsessions'
        ? 'StartConfigurationSession'
        : req.method === 'GET' && url.pathname === '/configuration'
          ? 'GetLatestConfiguration'
          : undefined;
    if (!operation)
      return this.error(res, 404, 'UnknownOperationException', `no route for ${req.method} ${url.pathname}`);
    const call: AppConfigCall = { operation, status: 0, signed };
    this.calls.push(call);

    if (this.mode === 'slow') return; // never answers; stop() closes the socket
    if (this.mode === 'error500')
      return this.error(
        res,
        500,
        'InternalServerException',
        'We encountered an internal error. Please try again.',
        call,
      );
    if (this.mode === 'throttle') return this.error(res, 429, 'ThrottlingException', 'Rate exceeded', call);
    if (!signed) return this.error(res, 403, 'AccessDeniedException', 'missing SigV4 signature', call);

    if (operation === 'StartConfigurationSession') {
      const input = JSON.parse(body) as Record<string, unknown>;
      const key = `${String(input['ApplicationIdentifier'])}/${String(input['EnvironmentIdentifier'])}/${String(input['ConfigurationProfileIdentifier'])}`;
      const minimum = input['RequiredMinimumPollIntervalInSeconds'];
      if (typeof minimum === 'number') call.requiredMinimumPollIntervalInSeconds = minimum;
      if (!this.profiles.has(key))
        return this.error(res, 404, 'ResourceNotFoundException', `Configuration profile ${key} not found`, call);
      const token = randomUUID();
      this.tokens.set(token, {
        profileKey: key,
        seenVersion: -1,
        intervalSeconds: typeof minimum === 'number' ? minimum : 60,
      });
      call.status = 201;
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ InitialConfigurationToken: token }));
      return;
    }

    const token = url.searchParams.get('configuration_token') ?? '';
    const session = this.tokens.get(token);
    if (!session) return this.error(res, 400, 'BadRequestException', 'Invalid or expired configuration token', call);
    this.tokens.delete(token);
    const next = randomUUID();
    const deployed = this.profiles.get(session.profileKey)!;
    const changed = deployed.version !== session.seenVersion;
    this.tokens.set(next, { ...session, seenVersion: deployed.version });
    call.status = 200;
    call.emptyBody = !changed;
    res
      .writeHead(200, {
        'next-poll-configuration-token': next,
        'next-poll-interval-in-seconds': String(session.intervalSeconds),
        'content-type': deployed.contentType,
        'version-label': `v${deployed.version}`,
      })
      .end(changed ? deployed.content : '');
  }

  private error(res: ServerResponse, status: number, type: string, message: string, call?: AppConfigCall): void {
    if (call) call.status = status;
    res
      .writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type })
      .end(JSON.stringify({ Message: message }));
  }
}
