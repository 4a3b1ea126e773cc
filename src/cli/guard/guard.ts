/**
 * `modelflags guard`: the guardrail for a fleet. Every interval it asks Prometheus for the fleet's
 * per-variant counters of the flag's checked metrics, turns what they counted since the last poll
 * into individual outcomes, and feeds them to one guardrail (`createGuardrail`, the same tests and
 * decisions as in a server) whose flags client is the registry's source of truth. A trip rolls the
 * variant back there, and a `when-healthy` promotion moves its rollout on, so every server's
 * source picks the decision up: the shared registry file (through the guardrail's own
 * write-back), or AWS AppConfig (a new hosted configuration version and a deployment).
 *
 * It keeps no state of its own: its decisions are in the registry, and on start it takes the
 * counters' current values as its baseline. While Prometheus does not answer it decides nothing.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CliIO } from '../../io/process-io.js';
import { describeErrno } from '../../io/file-write.js';
import { createGuardrail, type GuardrailCheck } from '../../runtime/guardrail/guardrail.js';
import type { MetricDefinition } from '../../runtime/metrics/definitions.js';
import { rollBackVariantInText, setRolloutState } from '../../registry/edit.js';
import type { Registry } from '../../registry/model.js';
import { formatIssue, parseRegistry } from '../../registry/validate.js';
import { countersQuery, PrometheusUnavailable, queryPrometheus } from './prometheus.js';
import { registryFlags } from './registry-flags.js';
import { CounterTracker, shuffledOutcomes } from './samples.js';

/** Polls without a single series before the guard says that the counters are missing (a new flag's appear within a scrape or two). */
const EMPTY_POLLS_BEFORE_WARNING = 5;

/** Where the registry lives, and how a decision gets there. */
export interface RegistrySource {
  /** As messages name it: the file as given, or `appconfig://app/env/profile`. */
  readonly label: string;
  read(): Promise<string>;
  /** How often the guard reads it again to see what people (or another guard) changed. */
  readonly rereadMs: number;
  /** A registry file: decisions go through the guardrail's own write-back (compare-and-swap, formatting kept). */
  readonly writeBackFile?: string;
  /**
   * Anything else: makes the registry say `edit(text)`; resolves with one line saying what was
   * done, rejects with one saying what failed and what is retried. Called again (with the same
   * edit) after a failure: it must recognise an edit that already landed.
   */
  write?(edit: (text: string) => string, what: string): Promise<string>;
  /** Progress of an earlier write still under way (a deployment), as a line when there is news. */
  progress?(): Promise<string | undefined>;
}

export interface GuardOptions {
  flag: string;
  /** Base URL of the Prometheus server (`http://prometheus:9090`). */
  prometheus: string;
  source: RegistrySource;
  intervalMs: number;
  checks: readonly GuardrailCheck[];
  definitions: Readonly<Record<string, MetricDefinition>>;
  alpha: number;
  control?: string;
  /** Take the baseline, poll once an interval later, and return. */
  once: boolean;
  /** Ends a long-running guard (SIGINT, SIGTERM). */
  signal?: AbortSignal;
  /** The order outcomes are fed in; `Math.random` unless a test fixes it. */
  random?: () => number;
}

/** The registry could not be used at start: bad input, exit 2. */
export class GuardInputError extends Error {}

/**
 * Runs the guard until `signal` aborts (or for one poll with `once`). Exit code: 0, or with
 * `once` 1 when it rolled a variant back, could not query Prometheus or could not record a decision.
 */
export async function runGuard(options: GuardOptions, io: CliIO): Promise<number> {
  const { flag, source, signal } = options;
  const random = options.random ?? Math.random;
  const first = await readValid(source);
  if (!first.registry.byKey.has(flag))
    throw new GuardInputError(`${source.label}: no flag "${flag}"; the guard watches a flag of the registry`);
  const flags = registryFlags(flag, first.registry, first.text);
  const guardrail = createGuardrail({
    flags,
    flag,
    checks: options.checks,
    alpha: options.alpha,
    definitions: options.definitions,
    ...(options.control === undefined ? {} : { control: options.control }),
    ...(source.writeBackFile === undefined ? {} : { writeBack: source.writeBackFile }),
  });

  let rolledBack = false;
  let failed = false;
  // Decisions for a source the guardrail cannot write itself, in order, until written.
  const pending: { edit: (text: string) => string; what: string }[] = [];
  guardrail.on('trip', (trip) => {
    const done =
      trip.action === 'none'
        ? 'nothing to roll back (only pinned or segment rules serve it)'
        : source.writeBackFile === undefined
          ? `rolled back ${trip.variant} of ${flag}`
          : trip.wroteBack
            ? `rolled back ${trip.variant} of ${flag}, written to ${source.label}`
            : `rolled back ${trip.variant} of ${flag} in memory; writing ${source.label} is retried`;
    io.out(`guard: ${done}: ${trip.reason.replace(/^guardrail: /, '')}`);
    if (trip.action !== 'none') rolledBack = true;
    if (trip.action === 'roll-back' && source.write) {
      const variant = flags
        .registry()!
        .byKey.get(flag)!
        .variants.find((v) => String(v) === trip.variant)!;
      const control = flags
        .registry()!
        .byKey.get(flag)!
        .variants.find((v) => String(v) === trip.control)!;
      pending.push({
        edit: (text) => rollBackVariantInText(text, flag, variant, control, source.label),
        what: `the rollback of ${trip.variant} (rollouts aborted, shares to ${trip.control})`,
      });
    }
  });
  guardrail.on('promote', (p) => {
    const evidence = Object.entries(p.evidence)
      .map(([metric, e]) => `${metric} e-value ${e.toPrecision(3)}`)
      .join(', ');
    const where = source.writeBackFile === undefined ? '' : p.wroteBack ? `, written to ${source.label}` : ' in memory';
    io.out(
      `guard: promoted ${p.variant} of ${flag} to step ${p.step + 1}${where}: no regression beyond the margins (${evidence})`,
    );
    if (source.write)
      pending.push({
        edit: (text) =>
          setRolloutState(
            text,
            flag,
            p.ruleIndex,
            { state: 'active', current: { step: p.step, sinceMs: p.at } },
            source.label,
          ),
        what: `the promotion of ${p.variant} to step ${p.step + 1}`,
      });
  });
  guardrail.on('error', (e) => {
    io.err(e.message);
    if (/could not write/.test(e.message)) failed = true;
  });

  const metrics = [...new Set(options.checks.map((c) => c.metric))];
  const query = countersQuery(flag, metrics);
  const timeoutMs = Math.min(Math.max(options.intervalMs, 2000), 10_000);
  const tracker = new CounterTracker();
  let downSince: number | undefined;
  let lastText = first.text;
  let invalidText: string | undefined;
  let lastRead = Date.now();
  let sawSeries = false;
  let emptyPolls = 0;

  const poll = async (): Promise<void> => {
    let series;
    try {
      series = await queryPrometheus(options.prometheus, query, timeoutMs, signal);
    } catch (error) {
      if (signal?.aborted) return;
      if (!(error instanceof PrometheusUnavailable)) throw error;
      failed = true;
      if (downSince === undefined) {
        downSince = Date.now();
        io.err(
          `guard: cannot query Prometheus at ${options.prometheus}: ${error.message}; no decision until it answers`,
        );
      }
      return;
    }
    const now = Date.now();
    if (downSince !== undefined) {
      io.err(
        `guard: Prometheus at ${options.prometheus} answers again after ${Math.round((now - downSince) / 1000)} s; what the fleet counted meanwhile is fed now`,
      );
      downSince = undefined;
    }
    if (series.length > 0) sawSeries = true;
    else if (!sawSeries && ++emptyPolls === EMPTY_POLLS_BEFORE_WARNING)
      io.err(
        `guard: Prometheus has no modelflags_samples_total series for ${flag} (${metrics.join(', ')}) yet; ` +
          'the servers export them through OpenTelemetry (docs/fleet.md); watching for them',
      );
    flags.tick(now);
    const outcomes = shuffledOutcomes(tracker.observe(series, now), random);
    for (const o of outcomes) {
      if (guardrail.state === 'tripped') break;
      const def = options.definitions[o.metric]!;
      // A rate's sample is 1 for the outcome it counts: the error, or for higher-is-better rates the success.
      const value = def.better === 'lower' ? (o.bad ? 1 : 0) : o.bad ? 0 : 1;
      flags.track({ metric: o.metric, value, variants: { [flag]: o.variant }, at: now, context: {} });
    }
  };

  /** Writes the decisions the guardrail could not write itself; what failed stays pending for the next poll. */
  const writePending = async (): Promise<void> => {
    while (pending.length > 0 && source.write) {
      const { edit, what } = pending[0]!;
      try {
        io.out(`guard: ${await source.write(edit, what)}`);
        pending.shift();
        lastRead = 0; // read what was written
      } catch (error) {
        failed = true;
        io.err(`guard: ${(error as Error).message}`);
        return;
      }
    }
    try {
      const news = await source.progress?.();
      if (news !== undefined) io.out(`guard: ${news}`);
    } catch (error) {
      io.err(`guard: ${(error as Error).message}`);
    }
  };

  const reread = async (): Promise<void> => {
    if (Date.now() - lastRead < source.rereadMs) return;
    lastRead = Date.now();
    let text: string;
    try {
      text = await source.read();
    } catch (error) {
      io.err(`guard: cannot read ${source.label}: ${(error as Error).message}; still using what it said before`);
      return;
    }
    if (text === lastText || text === invalidText) return;
    const { registry, issues } = parseRegistry(text, source.label);
    if (!registry || !registry.byKey.has(flag)) {
      invalidText = text;
      const problem = registry ? `it has no flag "${flag}"` : issues.map(formatIssue).join('; ');
      io.err(`guard: ${source.label} changed but cannot be used (${problem}); still using what it said before`);
      return;
    }
    lastText = text;
    invalidText = undefined;
    flags.load(registry, text);
  };

  try {
    for (let polls = 0; !signal?.aborted; polls++) {
      const started = Date.now();
      await poll();
      await writePending();
      await reread();
      if (options.once && polls >= 1) break;
      // A --once run whose baseline could not be taken has nothing to compare with.
      if (options.once && !tracker.started) break;
      const wait = options.intervalMs - (Date.now() - started);
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    guardrail.close();
  }
  if (!options.once) return 0;
  return rolledBack || failed || pending.length > 0 ? 1 : 0;
}

async function readValid(source: RegistrySource): Promise<{ registry: Registry; text: string }> {
  let text: string;
  try {
    text = await source.read();
  } catch (error) {
    throw new GuardInputError(`cannot read ${source.label}: ${(error as Error).message}`);
  }
  const { registry, issues } = parseRegistry(text, source.label);
  if (!registry) throw new GuardInputError(issues.map(formatIssue).join('\n'));
  return { registry, text };
}

/** The shared registry file: read each poll, written by the guardrail's write-back. */
export function fileSource(path: string, label: string): RegistrySource {
  return {
    label,
    rereadMs: 0,
    writeBackFile: path,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        throw new Error(describeErrno(error));
      }
    },
  };
}
