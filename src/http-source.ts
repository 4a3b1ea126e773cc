/**
 * A registry served over HTTP(S), polled with conditional requests. Uses the global `fetch`, so the
 * runtime stays free of dependencies.
 */
import { pollingSource, type FlagSource, type PollResult } from './sources.js';

export interface HttpSourceOptions {
  /** Time between polls while the server answers (default 30 000 ms). */
  pollIntervalMs?: number;
  /** A request that takes longer is abandoned and counts as a failure (default 10 000 ms). */
  timeoutMs?: number;
  /** Sent with every request, for example `{ authorization: 'Bearer ...' }`. */
  headers?: Readonly<Record<string, string>>;
  /** Ceiling of the backoff between failed polls (default 5 minutes, and never below the poll interval). */
  maxBackoffMs?: number;
}

/**
 * Polls `url` for the registry document. Sends `If-None-Match` (and `If-Modified-Since`) from the
 * last response, so an unchanged registry costs a 304 and no parsing. Failures (network errors,
 * timeouts, statuses other than 2xx and 304) are reported through the sink and retried with
 * exponential backoff and jitter; the flags client keeps serving the last good registry meanwhile.
 */
export function httpSource(url: string | URL, options: HttpSourceOptions = {}): FlagSource {
  const target = new URL(url);
  const pollIntervalMs = options.pollIntervalMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 300_000;
  // Messages and events carry the address without credentials or query: tokens are often passed
  // there, and error messages end up in logs.
  const origin = `${target.origin}${target.pathname}`;
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
      throw new Error(describeFetchError(error, timeout, timeoutMs));
    }
    try {
      if (response.status === 304) return { status: 'unchanged' };
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trimEnd());
      }
      const text = await response.text();
      etag = response.headers.get('etag') ?? undefined;
      lastModified = response.headers.get('last-modified') ?? undefined;
      return { status: 'changed', doc: { text, origin } };
    } catch (error) {
      if (timeout.aborted) throw new Error(`no complete response within ${timeoutMs} ms (timeoutMs)`);
      throw error;
    } finally {
      // An unread body keeps the connection busy until garbage collection.
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

function describeFetchError(error: unknown, timeout: AbortSignal, timeoutMs: number): string {
  if (timeout.aborted) return `no response within ${timeoutMs} ms (timeoutMs)`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (cause?.code === 'ENOTFOUND') return 'host not found (check the URL)';
  return cause?.message ?? (error as Error).message;
}
