/**
 * A loopback server speaking the AppConfig control-plane REST-JSON API, enough for the real
 * `AppConfigClient` as `modelflags guard --appconfig` uses it: listing applications, environments
 * and configuration profiles, hosted configuration versions (list, get, create with the
 * `Latest-Version-Number` lock), and deployments (start, get, list). Faults are injected per
 * operation: an error answer before the operation takes effect, or after it did (the answer lost).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './loopback.js';

type Operation =
  | 'ListApplications'
  | 'ListEnvironments'
  | 'ListConfigurationProfiles'
  | 'ListHostedConfigurationVersions'
  | 'GetHostedConfigurationVersion'
  | 'CreateHostedConfigurationVersion'
  | 'StartDeployment'
  | 'GetDeployment'
  | 'ListDeployments';

export interface HostedVersion {
  version: number;
  content: string;
  contentType: string;
  description: string | undefined;
}

export interface Deployment {
  number: number;
  version: string;
  strategy: string;
  description: string | undefined;
  state: 'DEPLOYING' | 'COMPLETE';
}

interface Fault {
  operation: Operation;
  status: number;
  type: string;
  /** The operation takes effect, then the error is answered: a lost answer. */
  afterCommit: boolean;
}

export class FakeAppConfigControl {
  readonly calls: { operation: Operation; status: number; signed: boolean }[] = [];
  readonly versions: HostedVersion[] = [];
  readonly deployments: Deployment[] = [];
  port = 0;
  private readonly faults: Fault[] = [];
  private server: Server | undefined;

  constructor(
    readonly app = { id: 'app1234', name: 'chat' },
    readonly env = { id: 'env1234', name: 'prod' },
    readonly profile = { id: 'prf1234', name: 'flags' },
  ) {}

  /** The next call of `operation` answers `status`; with `afterCommit`, after doing what it asks. */
  failNext(operation: Operation, status = 500, afterCommit = false): void {
    const type =
      status === 409 ? 'ConflictException' : status >= 500 ? 'InternalServerException' : 'BadRequestException';
    this.faults.push({ operation, status, type, afterCommit });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
    this.server = undefined;
  }

  private route(method: string, path: string): { operation: Operation; params: string[] } | undefined {
    const routes: [string, RegExp, Operation][] = [
      ['GET', /^\/applications$/, 'ListApplications'],
      ['GET', /^\/applications\/([^/]+)\/environments$/, 'ListEnvironments'],
      ['GET', /^\/applications\/([^/]+)\/configurationprofiles$/, 'ListConfigurationProfiles'],
      [
        'GET',
        /^\/applications\/([^/]+)\/configurationprofiles\/([^/]+)\/hostedconfigurationversions$/,
        'ListHostedConfigurationVersions',
      ],
      [
        'GET',
        /^\/applications\/([^/]+)\/configurationprofiles\/([^/]+)\/hostedconfigurationversions\/(\d+)$/,
        'GetHostedConfigurationVersion',
      ],
      [
        'POST',
        /^\/applications\/([^/]+)\/configurationprofiles\/([^/]+)\/hostedconfigurationversions$/,
        'CreateHostedConfigurationVersion',
      ],
      ['POST', /^\/applications\/([^/]+)\/environments\/([^/]+)\/deployments$/, 'StartDeployment'],
      ['GET', /^\/applications\/([^/]+)\/environments\/([^/]+)\/deployments\/(\d+)$/, 'GetDeployment'],
      ['GET', /^\/applications\/([^/]+)\/environments\/([^/]+)\/deployments$/, 'ListDeployments'],
    ];
    for (const [m, pattern, operation] of routes) {
      const match = method === m ? pattern.exec(path) : null;
      if (match) return { operation, params: match.slice(1).map(decodeURIComponent) };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const signed = /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/[\w-]+\/appconfig\/aws4_request/.test(
      req.headers.authorization ?? '',
    );
    const found = this.route(req.method ?? '', url.pathname);
    if (!found) return this.error(res, 404, 'ResourceNotFoundException', `no route for ${req.method} ${url.pathname}`);
    const { operation, params } = found;
    const call = { operation, status: 0, signed };
    this.calls.push(call);
    const answer = (status: number, headers: Record<string, string>, payload: string | Buffer): void => {
      call.status = status;
      res.writeHead(status, headers).end(payload);
    };
    const json = (status: number, value: unknown): void =>
      answer(status, { 'content-type': 'application/json' }, JSON.stringify(value));
    const fail = (status: number, type: string, message: string): void => {
      call.status = status;
      this.error(res, status, type, message);
    };
    if (!signed) return fail(403, 'AccessDeniedException', 'missing SigV4 signature');
    const faultAt = this.faults.findIndex((f) => f.operation === operation);
    const fault = faultAt < 0 ? undefined : this.faults.splice(faultAt, 1)[0];
    if (fault && !fault.afterCommit) return fail(fault.status, fault.type, `injected failure of ${operation}`);
    const respond = (value: () => void): void => {
      if (fault) return fail(fault.status, fault.type, `injected failure of ${operation} after it took effect`);
      value();
    };

    if (params[0] !== undefined && params[0] !== this.app.id)
      return fail(404, 'ResourceNotFoundException', `Application ${params[0]} not found`);
    const hosted = (v: HostedVersion): Record<string, string> => ({
      'application-id': this.app.id,
      'configuration-profile-id': this.profile.id,
      'version-number': String(v.version),
      'content-type': v.contentType,
      ...(v.description === undefined ? {} : { description: v.description }),
    });
    const deployment = (d: Deployment) => ({
      ApplicationId: this.app.id,
      EnvironmentId: this.env.id,
      ConfigurationProfileId: this.profile.id,
      ConfigurationName: this.profile.name,
      DeploymentNumber: d.number,
      ConfigurationVersion: d.version,
      DeploymentStrategyId: d.strategy,
      Description: d.description,
      State: d.state,
      PercentageComplete: d.state === 'COMPLETE' ? 100 : 0,
      StartedAt: '2026-01-01T00:00:00.000Z',
    });
    switch (operation) {
      case 'ListApplications':
        return respond(() => json(200, { Items: [{ Id: this.app.id, Name: this.app.name }] }));
      case 'ListEnvironments':
        return respond(() =>
          json(200, {
            Items: [
              { ApplicationId: this.app.id, Id: this.env.id, Name: this.env.name, State: 'READY_FOR_DEPLOYMENT' },
            ],
          }),
        );
      case 'ListConfigurationProfiles':
        return respond(() =>
          json(200, {
            Items: [
              {
                ApplicationId: this.app.id,
                Id: this.profile.id,
                Name: this.profile.name,
                LocationUri: 'hosted',
                Type: 'AWS.Freeform',
              },
            ],
          }),
        );
      case 'ListHostedConfigurationVersions':
        return respond(() =>
          json(200, {
            Items: [...this.versions].reverse().map((v) => ({
              ApplicationId: this.app.id,
              ConfigurationProfileId: this.profile.id,
              VersionNumber: v.version,
              ContentType: v.contentType,
              Description: v.description,
            })),
          }),
        );
      case 'GetHostedConfigurationVersion': {
        const v = this.versions.find((x) => x.version === Number(params[2]));
        if (!v) return fail(404, 'ResourceNotFoundException', `version ${params[2]} not found`);
        return respond(() => answer(200, hosted(v), v.content));
      }
      case 'CreateHostedConfigurationVersion': {
        const latest = this.versions.at(-1)?.version ?? 0;
        const lock = req.headers['latest-version-number'];
        if (lock !== undefined && Number(lock) !== latest)
          return fail(409, 'ConflictException', `the latest version is ${latest}, not ${String(lock)}`);
        const v: HostedVersion = {
          version: latest + 1,
          content: body.toString('utf8'),
          contentType: String(req.headers['content-type'] ?? 'application/json'),
          description: req.headers['description'] as string | undefined,
        };
        this.versions.push(v);
        return respond(() => answer(201, hosted(v), v.content));
      }
      case 'StartDeployment': {
        if (params[1] !== this.env.id)
          return fail(404, 'ResourceNotFoundException', `Environment ${params[1]} not found`);
        if (this.deployments.some((d) => d.state === 'DEPLOYING'))
          return fail(409, 'ConflictException', 'a deployment is in progress in this environment');
        const input = JSON.parse(body.toString('utf8')) as Record<string, string>;
        if (!this.versions.some((v) => String(v.version) === input['ConfigurationVersion']))
          return fail(400, 'BadRequestException', `no version ${input['ConfigurationVersion']}`);
        const d: Deployment = {
          number: this.deployments.length + 1,
          version: input['ConfigurationVersion']!,
          strategy: input['DeploymentStrategyId']!,
          description: input['Description'],
          state: 'DEPLOYING',
        };
        this.deployments.push(d);
        return respond(() => json(201, deployment(d)));
      }
      case 'GetDeployment': {
        const d = this.deployments.find((x) => x.number === Number(params[2]));
        if (!d) return fail(404, 'ResourceNotFoundException', `deployment ${params[2]} not found`);
        // Deployments finish at the first look after they start.
        const seen = { ...d };
        d.state = 'COMPLETE';
        return respond(() => json(200, deployment(seen)));
      }
      case 'ListDeployments':
        return respond(() =>
          json(200, {
            Items: [...this.deployments].reverse().map((d) => {
              const { ApplicationId: _a, EnvironmentId: _e, ConfigurationProfileId: _p, ...summary } = deployment(d);
              return summary;
            }),
          }),
        );
    }
  }

  private error(res: ServerResponse, status: number, type: string, message: string): void {
    res
      .writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type })
      .end(JSON.stringify({ Message: message }));
  }
}
