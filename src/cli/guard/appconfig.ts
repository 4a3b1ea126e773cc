/**
 * The registry in AWS AppConfig, as `modelflags guard --appconfig` reads and writes it: the latest
 * hosted configuration version of a freeform profile is the source of truth, and a decision is a
 * new version (the same text edit as in a file: formatting kept) and a deployment of it, which each
 * server's `appConfigSource` picks up at its next poll. Loaded only for --appconfig, so the CLI
 * needs `@aws-sdk/client-appconfig` (an optional peer) only then.
 *
 * Every step is safe to repeat after a failure whose outcome is unknown (a 500, a lost answer):
 * - the version is created with `LatestVersionNumber`, AppConfig's compare-and-swap, so a version
 *   created by anyone since the read (someone's edit, or this guard's own attempt whose answer was
 *   lost) makes the call fail instead of overwriting it; the guard reads again, and an edit
 *   already there is not made twice, so a decision never creates a second version;
 * - before starting a deployment it looks for one of that version already started, and a failed
 *   start leaves the version to be deployed at the next poll, never a new version.
 */
import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  GetDeploymentCommand,
  GetHostedConfigurationVersionCommand,
  ListApplicationsCommand,
  ListConfigurationProfilesCommand,
  ListDeploymentsCommand,
  ListEnvironmentsCommand,
  ListHostedConfigurationVersionsCommand,
  StartDeploymentCommand,
  type HostedConfigurationVersionSummary,
} from '@aws-sdk/client-appconfig';
import type { RegistrySource } from './guard.js';

export interface AppConfigTarget {
  /** Names or ids, as `appConfigSource` on the servers takes them. */
  application: string;
  environment: string;
  profile: string;
  /** The deployment strategy of a decision (default `AppConfig.AllAtOnce`: a rollback should not take an hour). */
  strategy: string;
  region?: string;
  endpoint?: string;
  /** A call that takes longer is abandoned (default 10 000 ms). */
  timeoutMs?: number;
  /** How often the guard reads the latest version again (default 30 s): each read is one or two API calls. */
  rereadMs?: number;
}

/** Pages of a list call read at most; AppConfig returns up to 50 items a page. */
const MAX_PAGES = 40;
/** How the guard's versions and deployments describe themselves, so a later run recognises its own. */
const DESCRIPTION = 'modelflags guard:';
/** Tries of one write within a poll (a conflict or an answer lost); the next poll tries again. */
const WRITE_TRIES = 4;

interface Ids {
  application: string;
  environment: string;
  profile: string;
  profileName: string;
}

export async function appConfigSource(target: AppConfigTarget): Promise<RegistrySource> {
  const label = `appconfig://${target.application}/${target.environment}/${target.profile}`;
  // The guard retries on its own terms (after reading again); the SDK's retries would repeat a
  // create or a start whose answer was lost without looking first.
  const client = new AppConfigClient({
    maxAttempts: 1,
    ...(target.region === undefined ? {} : { region: target.region }),
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
  });
  const timeoutMs = target.timeoutMs ?? 10_000;
  const call = (): { abortSignal: AbortSignal } => ({ abortSignal: AbortSignal.timeout(timeoutMs) });

  let ids: Ids | undefined;
  const resolveIds = async (): Promise<Ids> => {
    if (ids) return ids;
    const app = await findByIdOrName('application', target.application, (NextToken) =>
      client.send(new ListApplicationsCommand({ NextToken, MaxResults: 50 }), call()),
    );
    const env = await findByIdOrName('environment', target.environment, (NextToken) =>
      client.send(new ListEnvironmentsCommand({ ApplicationId: app.Id, NextToken, MaxResults: 50 }), call()),
    );
    const profile = await findByIdOrName('configuration profile', target.profile, (NextToken) =>
      client.send(new ListConfigurationProfilesCommand({ ApplicationId: app.Id, NextToken, MaxResults: 50 }), call()),
    );
    return (ids = { application: app.Id, environment: env.Id, profile: profile.Id, profileName: profile.Name ?? '' });
  };

  const latestVersion = async (): Promise<HostedConfigurationVersionSummary> => {
    const { application, profile } = await resolveIds();
    let latest: HostedConfigurationVersionSummary | undefined;
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await client.send(
        new ListHostedConfigurationVersionsCommand({
          ApplicationId: application,
          ConfigurationProfileId: profile,
          MaxResults: 50,
          NextToken: token,
        }),
        call(),
      );
      for (const item of out.Items ?? [])
        if (latest === undefined || (item.VersionNumber ?? 0) > (latest.VersionNumber ?? 0)) latest = item;
      token = out.NextToken;
      if (!token) break;
    }
    if (latest?.VersionNumber === undefined)
      throw new Error(
        `${label} has no hosted configuration version: create one holding the registry (flags.json) first`,
      );
    return latest;
  };

  let cached: { version: number; text: string } | undefined;
  const content = async (version: number): Promise<string> => {
    if (cached?.version === version) return cached.text;
    const { application, profile } = await resolveIds();
    const out = await client.send(
      new GetHostedConfigurationVersionCommand({
        ApplicationId: application,
        ConfigurationProfileId: profile,
        VersionNumber: version,
      }),
      call(),
    );
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(out.Content ?? new Uint8Array());
    } catch {
      throw new Error(`version ${version} of ${label} is not valid UTF-8 JSON`);
    }
    cached = { version, text };
    return text;
  };

  /** The newest deployment of `version` of the profile to the environment, if one was started. */
  const deploymentOf = async (version: number): Promise<{ number: number; state: string } | undefined> => {
    const { application, environment, profileName } = await resolveIds();
    let token: string | undefined;
    let found: { number: number; state: string } | undefined;
    for (let page = 0; page < 3; page++) {
      const out = await client.send(
        new ListDeploymentsCommand({
          ApplicationId: application,
          EnvironmentId: environment,
          MaxResults: 50,
          NextToken: token,
        }),
        call(),
      );
      for (const d of out.Items ?? [])
        if (
          d.ConfigurationName === profileName &&
          d.ConfigurationVersion === String(version) &&
          d.DeploymentNumber !== undefined &&
          (found === undefined || d.DeploymentNumber > found.number)
        )
          found = { number: d.DeploymentNumber, state: d.State ?? 'UNKNOWN' };
      token = out.NextToken;
      if (!token) break;
    }
    return found;
  };

  let recovered = false;
  // The deployment this guard started last, until it is reported complete.
  let watching: { number: number; version: number } | undefined;

  const deploy = async (version: number, what: string, created: boolean): Promise<string> => {
    const { application, environment, profile } = await resolveIds();
    const made = created
      ? `created version ${version} of ${label} (${what})`
      : `version ${version} of ${label} already records ${what}`;
    let existing;
    try {
      existing = await deploymentOf(version);
    } catch (error) {
      throw new Error(
        `${made}, but could not list its deployments: ${describeAwsError(error)}; its deployment is retried at the next poll (no new version is created)`,
      );
    }
    if (existing && !['ROLLED_BACK', 'ROLLING_BACK', 'REVERTED'].includes(existing.state)) {
      watching = { number: existing.number, version };
      return `${made}; deployment ${existing.number} of it to ${target.environment} is ${existing.state.toLowerCase()}`;
    }
    try {
      const started = await client.send(
        new StartDeploymentCommand({
          ApplicationId: application,
          EnvironmentId: environment,
          ConfigurationProfileId: profile,
          ConfigurationVersion: String(version),
          DeploymentStrategyId: target.strategy,
          Description: `${DESCRIPTION} ${what}`.slice(0, 1024),
        }),
        call(),
      );
      watching = { number: started.DeploymentNumber ?? 0, version };
      return `${made}; started deployment ${started.DeploymentNumber} to ${target.environment} (${target.strategy})`;
    } catch (error) {
      const busy = (error as { name?: string }).name === 'ConflictException';
      throw new Error(
        `${made}, but could not start its deployment to ${target.environment}: ${describeAwsError(error)}` +
          `${busy ? ' (another deployment to the environment is under way)' : ''}; ` +
          `the deployment of version ${version} is retried at the next poll (no new version is created)`,
      );
    }
  };

  return {
    label,
    rereadMs: target.rereadMs ?? 30_000,
    async read() {
      try {
        return await content((await latestVersion()).VersionNumber!);
      } catch (error) {
        throw new Error(describeAwsError(error));
      }
    },
    async write(edit, what) {
      const { application, profile } = await resolveIds().catch((error: unknown) => {
        throw new Error(`could not write ${what} to ${label}: ${describeAwsError(error)}; retried at the next poll`);
      });
      let last: unknown;
      for (let attempt = 1; attempt <= WRITE_TRIES; attempt++) {
        let latest: HostedConfigurationVersionSummary;
        let text: string;
        try {
          latest = await latestVersion();
          text = await content(latest.VersionNumber!);
        } catch (error) {
          last = error;
          continue;
        }
        const edited = edit(text);
        // Already there: written by an earlier attempt whose answer was lost, or by someone else.
        if (edited === text) return deploy(latest.VersionNumber!, what, false);
        try {
          const created = await client.send(
            new CreateHostedConfigurationVersionCommand({
              ApplicationId: application,
              ConfigurationProfileId: profile,
              Content: new TextEncoder().encode(edited),
              ContentType: latest.ContentType ?? 'application/json',
              Description: `${DESCRIPTION} ${what}`.slice(0, 1024),
              LatestVersionNumber: latest.VersionNumber,
            }),
            call(),
          );
          cached = { version: created.VersionNumber!, text: edited };
          return deploy(created.VersionNumber!, what, true);
        } catch (error) {
          last = error;
          // A conflict (a newer version), a 5xx, a throttle or a lost answer: read again and look.
          if (!retryable(error)) break;
        }
      }
      throw new Error(`could not write ${what} to ${label}: ${describeAwsError(last)}; retried at the next poll`);
    },
    async progress() {
      if (!recovered) {
        // A decision of an earlier run whose version was created but never deployed (the guard
        // stopped, or the start failed): deploy it now rather than leave the servers without it.
        const latest = await latestVersion();
        if (latest.Description?.startsWith(DESCRIPTION) && (await deploymentOf(latest.VersionNumber!)) === undefined) {
          const line = await deploy(latest.VersionNumber!, latest.Description.slice(DESCRIPTION.length).trim(), false);
          recovered = true;
          return line;
        }
        recovered = true;
      }
      if (watching === undefined) return undefined;
      const { application, environment } = await resolveIds();
      const out = await client.send(
        new GetDeploymentCommand({
          ApplicationId: application,
          EnvironmentId: environment,
          DeploymentNumber: watching.number,
        }),
        call(),
      );
      const { number, version } = watching;
      if (out.State === 'COMPLETE') {
        watching = undefined;
        return `deployment ${number} of version ${version} to ${target.environment} is complete: every server's AppConfig source gets it at its next poll`;
      }
      if (out.State === 'ROLLED_BACK' || out.State === 'REVERTED' || out.State === 'ROLLING_BACK') {
        watching = undefined;
        throw new Error(
          `AppConfig is rolling back deployment ${number} of version ${version} (${out.State}): the servers go back to the version before it. ` +
            `Deploy version ${version} again (aws appconfig start-deployment ... --configuration-version ${version})`,
        );
      }
      return undefined;
    },
  };
}

async function findByIdOrName(
  what: string,
  wanted: string,
  list: (token: string | undefined) => Promise<{ Items?: { Id?: string; Name?: string }[]; NextToken?: string }>,
): Promise<{ Id: string; Name?: string }> {
  const byName: { Id: string; Name?: string }[] = [];
  const names: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await list(token);
    for (const item of out.Items ?? []) {
      if (item.Id === undefined) continue;
      if (item.Id === wanted) return { Id: item.Id, ...(item.Name === undefined ? {} : { Name: item.Name }) };
      if (item.Name === wanted) byName.push({ Id: item.Id, Name: item.Name });
      if (item.Name !== undefined) names.push(item.Name);
    }
    token = out.NextToken;
    if (!token) break;
  }
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw new Error(`more than one ${what} is named "${wanted}" (${byName.map((i) => i.Id).join(', ')}); give its id`);
  throw new Error(`no ${what} "${wanted}"${names.length > 0 ? ` (there are: ${names.slice(0, 10).join(', ')})` : ''}`);
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** A failure after which reading again and trying again is right: a conflict, a throttle, a 5xx, no answer. */
function retryable(error: unknown): boolean {
  const code = status(error);
  return code === undefined || code === 409 || code === 429 || code >= 500;
}

function describeAwsError(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    code?: string;
    cause?: { code?: string };
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  if (e.code === 'ECONNREFUSED' || e.cause?.code === 'ECONNREFUSED')
    return 'connection refused (is the endpoint reachable?)';
  const code = status(error);
  // Our own findings (no application of that name) are sentences already.
  if (code === undefined && (e.name === undefined || e.name === 'Error')) return e.message ?? String(error);
  return `${e.name}${code ? ` (HTTP ${code})` : ''}: ${e.message ?? String(error)}`;
}
