/**
 * What `modelflags guard` asks Prometheus: one instant query per poll, through the HTTP API
 * (`GET /api/v1/query`), for the raw counter series of the flag's checked metrics.
 */
import { describeErrno } from '../../io/file-write.js';

/** One series of an instant vector: its labels (with `__name__`) and its value. */
export interface PromSeries {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** Prometheus did not answer, or answered with an error: the guard decides nothing until it does. */
export class PrometheusUnavailable extends Error {}

/** The counters of the metric contract that `flags.track` feeds through OpenTelemetry. */
export const SAMPLES_COUNTER = 'modelflags_samples_total';
export const BAD_COUNTER = 'modelflags_bad_samples_total';

/** A PromQL string literal. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A regular expression matching exactly one of `names` (Prometheus anchors label regexes). */
function alternatives(names: readonly string[]): string {
  return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/**
 * Both counters of the flag's metrics, one series per worker, variant and metric. Not summed
 * (`sum by (feature_flag_result_variant)`): a worker that restarts resets only its own series, and
 * the guard can only see that drop, and count from the new value as `increase()` does, on the
 * series itself; the sum over `job` and `instance` is made by the guard after that.
 */
export function countersQuery(flag: string, metrics: readonly string[]): string {
  return `{__name__=~${quote(`${SAMPLES_COUNTER}|${BAD_COUNTER}`)},feature_flag_key=${quote(flag)},modelflags_metric=~${quote(alternatives(metrics))}}`;
}

/** Runs an instant query; throws {@link PrometheusUnavailable} with what went wrong, in a few words. */
export async function queryPrometheus(
  base: string,
  query: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<PromSeries[]> {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', query);
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { accept: 'application/json' },
    });
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) throw new PrometheusUnavailable(`no answer within ${timeoutMs} ms`);
    const cause = (error as { cause?: unknown }).cause;
    throw new PrometheusUnavailable(describeErrno(cause ?? error));
  }
  let body: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // 503 while Prometheus starts or shuts down; a 404 or a page is another server, or a wrong path.
    throw new PrometheusUnavailable(
      `HTTP ${response.status} ${response.statusText}`.trimEnd() +
        (response.status === 503
          ? ' (starting or stopping)'
          : `, not a Prometheus API answer (${JSON.stringify(text.slice(0, 80))}); is --prometheus the server's base URL?`),
    );
  }
  if (body.status !== 'success')
    throw new PrometheusUnavailable(
      `HTTP ${response.status}: ${body.errorType ?? 'error'}: ${body.error ?? 'no error message'}`,
    );
  if (body.data?.resultType !== 'vector' || !Array.isArray(body.data.result))
    throw new PrometheusUnavailable(`the answer is a ${String(body.data?.resultType)}, not an instant vector`);
  const series: PromSeries[] = [];
  for (const item of body.data.result as { metric?: Record<string, string>; value?: [number, string] }[]) {
    const value = Number(item.value?.[1]);
    if (item.metric && Number.isFinite(value)) series.push({ labels: item.metric, value });
  }
  return series;
}
