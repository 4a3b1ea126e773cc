/**
 * `modelflags/appconfig`: the registry as an AWS AppConfig freeform configuration profile, read
 * through the AppConfigData API. A separate entry so the main runtime never loads the AWS SDK.
 */
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
  type GetLatestConfigurationCommandOutput,
} from '@aws-sdk/client-appconfigdata';
import { describeErrno } from '../../io/file-write.js';
import { durationOption, sizeOption } from '../limits.js';
import { pollingSource, type PollResult } from './polling.js';
import { type FlagSource } from './source.js';

export interface AppConfigSourceOptions {
  /** A configured client (region, credentials, endpoint); by default one from the environment. */
  client?: AppConfigDataClient;
  /** Application name or id. */
  application: string;
  /** Environment name or id. */
  environment: string;
  /** Configuration profile name or id; the profile holds flags.json as freeform JSON. */
  profile: string;
  /**
   * `RequiredMinimumPollIntervalInSeconds` of the session: AppConfig never tells the client to poll
   * more often than this (AWS accepts 15 to 86 400; default: the service's own, 60).
   */
  requiredMinimumPollIntervalInSeconds?: number;
  /**
   * Poll this often instead of the `NextPollIntervalInSeconds` AppConfig returns. For tests and
   * local emulators: against AWS, polling faster than the service asks gets throttled and billed.
   */
  pollIntervalMs?: number;
  /** A call that takes longer is abandoned and counts as a failure (default 10 000 ms). */
  timeoutMs?: number;
  /** Ceiling of the backoff between failed polls (default 5 minutes). */
  maxBackoffMs?: number;
  /** A larger configuration is refused and counts as a failure (default 8 MiB). */
  maxBytes?: number;
}

/**
 * Reads the registry from AppConfig: `StartConfigurationSession`, then `GetLatestConfiguration`
 * with the token and at the interval each response returns. An empty configuration in a response
 * means "unchanged since your last call". After any failure the session is started afresh, because
 * a token is valid for one call only and a failed call may or may not have used it; the first
 * response of a new session repeats the whole document, which the flags client recognises as
 * unchanged.
 */
export function appConfigSource(options: AppConfigSourceOptions): FlagSource {
  const { application, environment, profile } = options;
  const client = options.client ?? new AppConfigDataClient({});
  const timeoutMs = durationOption('appConfigSource: timeoutMs', options.timeoutMs, 10_000);
  const maxBackoffMs = durationOption('appConfigSource: maxBackoffMs', options.maxBackoffMs, 300_000, true);
  const pollIntervalMs =
    options.pollIntervalMs === undefined
      ? undefined
      : durationOption('appConfigSource: pollIntervalMs', options.pollIntervalMs, 0);
  const maxBytes = sizeOption('appConfigSource: maxBytes', options.maxBytes);
  const origin = `appconfig://${application}/${environment}/${profile}`;
  let token: string | undefined;
  let serverIntervalMs = 60_000;

  const intervalMs = (): number => pollIntervalMs ?? serverIntervalMs;

  const call = async (signal: AbortSignal): Promise<PollResult> => {
    const abortSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    let step = 'StartConfigurationSession';
    let response: GetLatestConfigurationCommandOutput;
    try {
      if (token === undefined) {
        const session = await client.send(
          new StartConfigurationSessionCommand({
            ApplicationIdentifier: application,
            EnvironmentIdentifier: environment,
            ConfigurationProfileIdentifier: profile,
            ...(options.requiredMinimumPollIntervalInSeconds !== undefined
              ? { RequiredMinimumPollIntervalInSeconds: options.requiredMinimumPollIntervalInSeconds }
              : {}),
          }),
          { abortSignal },
        );
        if (!session.InitialConfigurationToken) throw new Error('the response has no InitialConfigurationToken');
        token = session.InitialConfigurationToken;
      }
      step = 'GetLatestConfiguration';
      const used = token;
      // Spent whether or not the call succeeds; only the token in the response may be used next.
      token = undefined;
      response = await client.send(new GetLatestConfigurationCommand({ ConfigurationToken: used }), { abortSignal });
      token = response.NextPollConfigurationToken;
      if (response.NextPollIntervalInSeconds !== undefined && response.NextPollIntervalInSeconds > 0) {
        serverIntervalMs = response.NextPollIntervalInSeconds * 1000;
      }
    } catch (error) {
      token = undefined;
      throw new Error(`${step} failed: ${describeAwsError(error, abortSignal, signal, timeoutMs)}`);
    }
    // The call succeeded and the session goes on: a configuration refused below is reported once,
    // like an invalid document, and the next poll answers "unchanged" until a new one is deployed.
    // The SDK types this `Uint8Array | undefined`, but for the empty body that means "unchanged"
    // it returns null; reading that as a failure started a new session on every poll.
    const body = response.Configuration as Uint8Array | null | undefined;
    if (body === undefined || body === null || body.byteLength === 0) return { status: 'unchanged' };
    // The SDK has already buffered it; the cap spares the parse.
    if (body.byteLength > maxBytes)
      throw new Error(
        `the configuration is ${body.byteLength} bytes, more than maxBytes (${maxBytes} bytes); raise maxBytes if the registry really is that large`,
      );
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    const version = response.VersionLabel ? ` (version ${response.VersionLabel})` : '';
    return { status: 'changed', doc: { text, origin: `${origin}${version}` } };
  };

  return pollingSource({
    description: origin,
    label: origin,
    poll: call,
    unchangedInitially:
      'the first GetLatestConfiguration returned no configuration; deploy the registry to this environment first',
    intervalMs,
    maxBackoffMs,
  });
}

function describeAwsError(
  error: unknown,
  abortSignal: AbortSignal,
  stopSignal: AbortSignal,
  timeoutMs: number,
): string {
  if (abortSignal.aborted && !stopSignal.aborted) return `no response within ${timeoutMs} ms (timeoutMs)`;
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  if (e.code === 'ECONNREFUSED') return 'connection refused (is the endpoint reachable?)';
  const hint =
    e.name === 'ResourceNotFoundException'
      ? '; check the application, environment and profile names, and that a configuration is deployed'
      : e.name === 'BadRequestException'
        ? '; a new session will be started'
        : '';
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? describeErrno(error)}${hint}`;
}
