/** `modelflags guard`: the guardrail for a fleet, on Prometheus's counters and the registry's source of truth. */
import { resolve } from 'node:path';
import { STANDARD_METRICS, type MetricDefinition } from '../../runtime/metrics/definitions.js';
import type { GuardrailCheck } from '../../runtime/guardrail/guardrail.js';
import { parseDuration } from '../../registry/rollout.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';

const DEFAULT_STRATEGY = 'AppConfig.AllAtOnce';

export default defineCommand(
  'the guardrail for a fleet: Prometheus counters in, rollbacks out',
  {
    name: 'modelflags guard',
    positionals: '<flag>',
    summary:
      'Watches a flag across a fleet: every interval it reads the per-variant counters the servers export ' +
      '(modelflags_samples_total, modelflags_bad_samples_total) from Prometheus, feeds what they counted to the ' +
      'guardrail, and writes its decisions (a regressed variant rolled back, a when-healthy rollout promoted) to ' +
      'the shared registry file or to AWS AppConfig, where every server picks them up.',
    options: {
      prometheus: { type: 'string', value: 'url', description: 'the Prometheus server, like http://prometheus:9090' },
      registry: {
        type: 'string',
        value: 'file',
        description: 'the registry file the fleet shares, written in place (default: flags.json, unless --appconfig)',
      },
      appconfig: {
        type: 'string',
        value: 'app/env/profile',
        description:
          'the registry in AWS AppConfig (names or ids): a decision is a new hosted configuration version and a deployment',
      },
      'deployment-strategy': {
        type: 'string',
        default: DEFAULT_STRATEGY,
        value: 'id',
        description: 'the AppConfig deployment strategy of a decision',
      },
      region: { type: 'string', value: 'region', description: 'the AWS region (default: from the environment)' },
      endpoint: {
        type: 'string',
        value: 'url',
        description: 'an AppConfig endpoint other than AWS (tests, proxies)',
      },
      interval: { type: 'string', default: '10s', value: 'duration', description: 'how often to query Prometheus' },
      check: {
        type: 'string',
        multiple: true,
        value: 'metric:margin',
        description:
          'a rate metric and how much worse the variant may be: error:0.01 (1 point), error:20% (relative) (default: error:0.01)',
      },
      alpha: {
        type: 'string',
        default: '0.05',
        value: 'p',
        description: 'the chance that a variant no worse than the control is ever rolled back',
      },
      control: {
        type: 'string',
        value: 'variant',
        description: "the variant others are compared with (default: the flag's default)",
      },
      once: {
        type: 'boolean',
        default: false,
        description: 'take the baseline, poll once an interval later, and exit (for tests and smoke checks)',
      },
    },
    notes:
      'Exit codes: 0 stopped (SIGINT, SIGTERM), or --once without a rollback; 1 with --once, a variant rolled back, ' +
      'Prometheus not answering, or a decision not written; 2 bad usage or an unusable registry.\n' +
      'While Prometheus does not answer, the guard decides nothing and says so once on stderr. ' +
      'Its state is the registry and the counters: after a restart it counts from their current values.',
    examples: [
      'npx modelflags guard inference_model --prometheus http://prometheus:9090 --registry /config/flags.json',
      'npx modelflags guard inference_model --prometheus http://prometheus:9090 --appconfig chat/prod/flags --check error:0.01 --check timeout:0.005',
    ],
  },
  async (values, positionals, io) => {
    const [flag, ...extra] = positionals;
    if (flag === undefined)
      throw new UsageError('modelflags guard needs the flag to watch: modelflags guard <flag> --prometheus <url>');
    if (extra.length > 0)
      throw new UsageError(`modelflags guard watches one flag (got ${positionals.join(', ')}); run one guard per flag`);
    if (values.prometheus === undefined)
      throw new UsageError(
        '--prometheus <url> is required: the Prometheus server that scrapes the fleet, like http://prometheus:9090',
      );
    let prometheus: URL;
    try {
      prometheus = new URL(values.prometheus);
    } catch {
      throw new UsageError(`--prometheus must be a URL like http://prometheus:9090 (got "${values.prometheus}")`);
    }
    if (prometheus.protocol !== 'http:' && prometheus.protocol !== 'https:')
      throw new UsageError(`--prometheus must be an http or https URL (got "${values.prometheus}")`);
    const intervalMs = parseDuration(values.interval);
    if (intervalMs === undefined)
      throw new UsageError(`--interval must be a duration like 500ms, 10s or 1m (got "${values.interval}")`);
    const alpha = Number(values.alpha);
    if (!(alpha > 0 && alpha < 1))
      throw new UsageError(`--alpha must be a number between 0 and 1, like 0.05 (got "${values.alpha}")`);
    const { checks, definitions } = parseChecks(values.check ?? ['error:0.01']);
    if (values.appconfig !== undefined && values.registry !== undefined)
      throw new UsageError(
        'give --registry <file> or --appconfig <app/env/profile>, not both: the guard writes to one source of truth',
      );
    for (const option of ['region', 'endpoint'] as const)
      if (values[option] !== undefined && values.appconfig === undefined)
        throw new UsageError(`--${option} is for --appconfig; a registry file needs none`);

    const guard = await import('../guard/guard.js');
    let source;
    if (values.appconfig !== undefined) {
      const [application, environment, profile, ...more] = values.appconfig.split('/');
      if (!application || !environment || !profile || more.length > 0)
        throw new UsageError(
          `--appconfig must be <application>/<environment>/<profile>, like chat/prod/flags (got "${values.appconfig}")`,
        );
      const { appConfigSource } = await loadAppConfig();
      source = await appConfigSource({
        application,
        environment,
        profile,
        strategy: values['deployment-strategy'],
        ...(values.region === undefined ? {} : { region: values.region }),
        ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
      });
    } else {
      const path = values.registry ?? 'flags.json';
      source = guard.fileSource(resolve(io.cwd, path), path);
    }

    // A long-running guard stops on SIGINT and SIGTERM (a Deployment's pod shutting down) between polls.
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    const ownSignals = io.signal === undefined && !values.once;
    if (ownSignals) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    try {
      return await guard.runGuard(
        {
          flag,
          prometheus: values.prometheus,
          source,
          intervalMs,
          checks,
          definitions,
          alpha,
          once: values.once,
          signal: io.signal ?? controller.signal,
          ...(values.control === undefined ? {} : { control: values.control }),
        },
        io,
      );
    } catch (error) {
      if (error instanceof guard.GuardInputError) throw new UsageError(error.message);
      throw error;
    } finally {
      if (ownSignals) {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }
  },
);

/** The AppConfig writer, which imports `@aws-sdk/client-appconfig` (an optional peer): loaded only for --appconfig. */
async function loadAppConfig(): Promise<typeof import('../guard/appconfig.js')> {
  try {
    return await import('../guard/appconfig.js');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      String((error as Error).message).includes("'@aws-sdk/client-appconfig'")
    )
      throw new UsageError(
        "--appconfig needs the AWS SDK's AppConfig client, which is not installed here: npm install @aws-sdk/client-appconfig",
      );
    throw error;
  }
}

/**
 * `--check metric:margin`: an absolute margin (`error:0.01`, one percentage point) or a relative
 * one (`error:20%`). Only rates: the counters carry each outcome as good or bad; a value metric
 * (latency, tokens, ratings) would need its histogram, which the guard does not read.
 */
function parseChecks(specs: readonly string[]): {
  checks: GuardrailCheck[];
  definitions: Record<string, MetricDefinition>;
} {
  const checks: GuardrailCheck[] = [];
  const definitions: Record<string, MetricDefinition> = {};
  for (const spec of specs) {
    const match = /^([^:\s]+):(\d+(?:\.\d+)?)(%?)$/.exec(spec);
    if (!match) throw new UsageError(`--check must be <metric>:<margin>, like error:0.01 or error:20% (got "${spec}")`);
    const [, metric, number, percent] = match as unknown as [string, string, string, string];
    const definition = STANDARD_METRICS[metric] ?? { kind: 'rate', better: 'lower' };
    if (definition.kind !== 'rate')
      throw new UsageError(
        `--check ${spec}: ${metric} is a value metric; the guard checks rates only (the modelflags_samples_total and ` +
          'modelflags_bad_samples_total counters), not histograms. Check its rate metrics here, and latency with the ' +
          'in-process guardrail (createGuardrail) on each server',
      );
    if (checks.some((c) => c.metric === metric)) throw new UsageError(`--check ${metric} is given twice`);
    const threshold = percent ? Number(number) / 100 : Number(number);
    if (!(threshold < 1))
      throw new UsageError(`--check ${spec}: a rate's margin is below 1 (0.01 is one point; 20% is relative)`);
    checks.push({ metric, threshold, ...(percent ? { relative: true } : {}) });
    definitions[metric] = definition;
  }
  return { checks, definitions };
}
