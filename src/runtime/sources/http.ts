/**
 * A registry served over HTTP(S), polled with conditional requests. Uses the global `fetch`, so the
 * runtime stays free of dependencies.
 */
import { describeErrno } from '../../io/file-write.js';
import { durationOption, sizeOption } from '../limits.js';
import { pollingSource, type PollResult } from './polling.js';
import { type FlagSource } from './source.js';

export interface HttpSourceOptions {
  /** Time between polls while the server answers (default 30 000 ms). */
  pollIntervalMs?: number;
  /** A request that takes longer is abandoned and counts as a failure (default 10 000 ms). */
  timeoutMs?: number;
  /** Sent with every request, for example `{ authorization: 'Bearer ...' }`. */
  headers?: Readonly<Record<string, string>>;
  /** Ceiling of the backoff between failed polls (default 5 minutes, and never below the poll interval). */
  maxBackoffMs?: number;
  /** A longer response body is abandoned mid-transfer and counts as a failure (default 8 MiB). */
  maxBytes?: number;
}

/**
 * Polls `url` for the registry document. Sends `If-None-Match` (and `If-Modified-Since`) from the
 * last response, so an unchanged registry costs a 304 and no parsing. Failures (network errors,
 * timeouts, statuses other than 2xx and 304, oversized bodies) are reported through the sink and
 * retried with exponential backoff and jitter; the flags client keeps serving the last good
 * registry meanwhile.
 */
export function httpSource(url: string | URL, options: HttpSourceOptions = {}): FlagSource {
  const target = new URL(url);
  // Messages and events carry the address without credentials or query: tokens are often passed
  // there, and error messages end up in logs.
  const origin = `${target.origin}${target.pathname}`;
  if (target.username !== '' || target.password !== '') {
    // `fetch` refuses such URLs anyway, with a message that repeats the password.
    throw new Error(
      `httpSource: the URL of ${origin} contains a user name or password; pass credentials in a header instead, for example headers: { authorization: 'Basic <base64 of user:password>' }`,
    );
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    try {
      new Headers([[name, value]]);
    } catch {
      // Checked here because `fetch` would fail every poll with a message that repeats the value.
      throw new Error(
        `httpSource: the header ${JSON.stringify(name)} is not a valid HTTP header (a line break or another character HTTP forbids, in its name or value); its value is not shown, because headers often hold credentials`,
      );
    }
  }
  const pollIntervalMs = durationOption('httpSource: pollIntervalMs', options.pollIntervalMs, 30_000);
  const timeoutMs = durationOption('httpSource: timeoutMs', options.timeoutMs, 10_000);
  const maxBackoffMs = durationOption('httpSource: maxBackoffMs', options.maxBackoffMs, 300_000, true);
  const maxBytes = sizeOption('httpSource: maxBytes', options.maxBytes);
  let etag: string | undefined;
  let lastModified: string | undefined;

  const request = async (conditional: boolean, signal: AbortSignal): Promise<PollResult> => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (conditional && etag !== undefined) headers['if-none-match'] = etag;
    if (conditional && lastModified !== undefined) headers['if-modified-since'] = lastModified;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(target, { headers, signal: AbortSignal.any([signal, timeout]), redirect: 'follow' });
    } catch (error) {
      throw new Error(redactUrls(describeFetchError(error, timeout, timeoutMs)));
    }
    try {
      if (response.status === 304) return { status: 'unchanged' };
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trimEnd());
      }
      const text = await readBody(response, maxBytes);
      etag = response.headers.get('etag') ?? undefined;
      lastModified = response.headers.get('last-modified') ?? undefined;
      return { status: 'changed', doc: { text, origin } };
    } catch (error) {
      if (timeout.aborted) throw new Error(`no complete response within ${timeoutMs} ms (timeoutMs)`);
      throw new Error(redactUrls(describeErrno(error)));
    } finally {
      // An unread or abandoned body keeps the connection busy until garbage collection.
      if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
    }
  };

  return pollingSource({
    description: origin,
    label: `GET ${origin}`,
    poll: (signal, initial) => request(!initial, signal),
    unchangedInitially: 'HTTP 304 to an unconditional request',
    intervalMs: () => pollIntervalMs,
    maxBackoffMs,
  });
}

/**
 * The body as text, read as a stream so that an oversized one is abandoned at `maxBytes` (the
 * connection closed) instead of being buffered whole: a 100 MB body cost ~340 MB per poll.
 */
async function readBody(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = (size?: number): Error =>
    new Error(
      `the response body is ${size === undefined ? 'larger than maxBytes' : `${size} bytes, more than maxBytes`} (${maxBytes} bytes); raise maxBytes if the registry really is that large`,
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(declared);
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > maxBytes) throw tooLarge();

      chunks.push(value);
    }
  } catch (error) {
    // Cancelling the stream is what makes fetch close the connection.
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return new TextDecoder().decode(Buffer.concat(chunks, length));
}

function describeFetchError(error: unknown, timeout: AbortSignal, timeoutMs: number): string {
  if (timeout.aborted) return `no response within ${timeoutMs} ms (timeoutMs)`;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (cause?.code === 'ENOTFOUND') return 'host not found (check the URL)';
  return cause?.message ?? describeErrno(error);
}

/**
 * Every URL in a message loses its user name, password, query and fragment: the messages of
 * `fetch` and of redirects repeat URLs, and messages end up in logs. The whole query goes, not
 * only its values, because a bare `?<token>` is a name without a value.
 */
export function redactUrls(message: string): string {
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return raw.replace(/\/\/[^/]*@/, '//***@').replace(/[?#].*$/, '?***');
    }
    if (url.username !== '') url.username = '***';
    if (url.password !== '') url.password = '***';
    if (url.search !== '') url.search = '?***';
    url.hash = '';
    return url.href;
  });
}
