/**
 * The automatic rollback: compares each variant of a flag with the control after every tracked
 * sample, with anytime-valid sequential tests (`sequential.ts`), and when one is worse beyond
 * a margin, rolls it back at once, emits the evidence and optionally writes the decision to the
 * registry file.
 *
 * Each (variant, check) pair runs an e-process; it trips at `pairs / alpha`. By Ville's inequality
 * an e-process of a variant that is no worse than the control (by more than the margin) ever
 * reaches `pairs / alpha` with probability at most `alpha / pairs`, and by the union bound the
 * chance that any no-worse variant is ever rolled back is at most `alpha`, however long the
 * guardrail watches and however often it looks. So there is no sample floor and no schedule of
 * looks: the e-processes look at every sample.
 */
import { readFileSync } from 'node:fs';
import { rollBackVariantInText, setEnabledFalse, setRolloutState } from '../../registry/edit.js';
import { rollBackVariant, wasRolledBack } from '../../registry/rollout.js';
import { createMetrics, type MetricsStore, type SampleEvent } from '../metrics/store.js';
import { metricDefinition, type MetricDefinition, type TrackEvent } from '../metrics/definitions.js';
import { summarizeSamples, type MetricSummary } from '../metrics/statistics.js';
import type { FlagDefinition, FlagValue, Registry } from '../../registry/model.js';
import { describeErrno, FileWriteError, writeFileAtomic } from '../../io/file-write.js';
import {
  RateTest,
  rateNull,
  ValueTest,
  type RateNull,
  type SequentialEvidence,
  type SequentialTest,
} from './sequential.js';

export interface GuardrailCheck {
  metric: string;
  /**
   * How much worse than the control the variant may be before the guardrail acts: in the metric's
   * unit (0.01 = one percentage point for a rate, 50 = 50 ms), or a fraction of the control's value
   * when `relative` is true (0.2 = 20% slower). Part of the null hypothesis: a variant worse by
   * less than this is never rolled back for it beyond the alpha budget.
   */
  threshold: number;
  relative?: boolean;
}

/** The parts of a flags client a guardrail uses (any `createFlags` result). */
export interface GuardedFlags {
  on(event: 'track', listener: (event: TrackEvent) => void): () => void;
  on(event: 'change', listener: (event: { flagsChanged: string[]; origin: string }) => void): () => void;
  kill(flag: string, reason?: string): boolean;
  rollBack(flag: string, variant: FlagValue, options?: { control?: FlagValue; reason?: string }): boolean;
  promote(flag: string, variant: FlagValue, reason?: string): { ruleIndex: number; step: number } | undefined;
  rollout(flag: string): readonly { variant: FlagValue; step: number }[];
  registry(): Registry | undefined;
}

export interface GuardrailOptions {
  flags: GuardedFlags;
  flag: string;
  /** The variant others are compared with (default: the flag's `default`). */
  control?: string | number | boolean;
  /** Default: error rate worse by 1 point, and latency 20% slower. */
  checks?: readonly GuardrailCheck[];
  /** Samples per variant and metric kept for the trip's summaries (default 1000); the tests keep their own state. */
  windowSamples?: number;
  /** Samples older than this leave the summaries' windows (default: no age limit). */
  windowMs?: number;
  /** Chance that a variant no worse than the control is ever rolled back, over all samples, checks and variants (default 0.05). */
  alpha?: number;
  /**
   * What a trip does. `roll-back` (default): the variant under test only goes back to the control
   * (its rollouts `aborted`, its percentage rules at 0%, its split shares to the control), while
   * rules that serve it to a segment or a pinned customer keep serving; when nothing but such rules
   * serves it, nothing is changed and the trip says so. `kill`: the whole flag is turned off
   * (everyone gets `default`), as `flags.kill` does.
   */
  action?: 'roll-back' | 'kill';
  /**
   * A registry file to write decisions into, formatting kept: a trip's rollback (or
   * `enabled: false`), and the promotions of `when-healthy` rollouts. A trip's write that fails is
   * retried (1 s, doubling to at most 60 s, and on every reload) until it works or it is lifted.
   */
  writeBack?: string;
  /** A store to share with reports; by default the guardrail keeps its own windows for the flag. */
  metrics?: MetricsStore;
  definitions?: Readonly<Record<string, MetricDefinition>>;
}

/** What a trip did: rolled the variant back, killed the whole flag, or nothing (only pins and segments serve the variant). */
export type GuardrailAction = 'roll-back' | 'kill' | 'none';

export interface GuardrailTrip {
  flag: string;
  variant: string;
  control: string;
  metric: string;
  action: GuardrailAction;
  /** The e-process that crossed: its e-value, the variant samples compared, and the part of the test that carried it. */
  evidence: SequentialEvidence;
  /** The e-value that trips: (variant, check) pairs x periods / alpha. */
  threshold: number;
  /** The margin the variant was allowed, as configured. */
  check: GuardrailCheck;
  variantSummary: MetricSummary;
  controlSummary: MetricSummary;
  at: number;
  /** A one-line summary of the evidence, also the origin of the `change` event the action caused. */
  reason: string;
  /** The registry file the decision was written to, when `writeBack` is set and it worked. */
  wroteBack: string | undefined;
}

/** A `when-healthy` rollout moved on: its hold had passed and every check had evidence of no regression. */
export interface GuardrailPromotion {
  flag: string;
  variant: string;
  /** 0-based index of the rollout's rule, and the step (0-based) it now serves. */
  ruleIndex: number;
  step: number;
  /** Per check, the e-value of "the variant is worse by at least the margin", which reached the threshold. */
  evidence: Record<string, number>;
  at: number;
  wroteBack: string | undefined;
}

export interface GuardrailErrorEvent {
  message: string;
  error: unknown;
}

export interface Guardrail {
  on(event: 'trip', listener: (trip: GuardrailTrip) => void): () => void;
  on(event: 'promote', listener: (promotion: GuardrailPromotion) => void): () => void;
  on(event: 'error', listener: (event: GuardrailErrorEvent) => void): () => void;
  readonly state: 'watching' | 'tripped';
  /** The current e-value per `variant/metric` (1 at the start; the guardrail trips at `pairs / alpha`). */
  eValues(): Record<string, number>;
  /** The e-value at which it trips: (variant, check) pairs x periods (steps of the longest rollout, else 1) / alpha. */
  readonly threshold: number;
  /**
   * A person's decision to serve the variant again: the guardrail stops holding the rollback (or
   * kill) and stops retrying the write-back, and watches again from fresh tests and windows. The
   * in-memory rollback lasts until the next reload, which serves whatever the file says. False when
   * it was not tripped.
   */
  lift(): boolean;
  close(): void;
}

/** Backoff of the write-back's retries: doubles from the first to the last, then stays there. */
const WRITE_BACK_RETRY_FIRST_MS = 1000;
const WRITE_BACK_RETRY_MAX_MS = 60_000;

export const DEFAULT_CHECKS: readonly GuardrailCheck[] = Object.freeze([
  { metric: 'error', threshold: 0.01 },
  { metric: 'latency_ms', threshold: 0.2, relative: true },
]);

/** The sequential test for a check: a rate test on bad outcomes, or a value test (rank + tail). */
function createTest(check: GuardrailCheck, def: MetricDefinition): SequentialTest {
  if (
    !(Number.isFinite(check.threshold) && check.threshold >= 0) ||
    (check.relative && check.threshold >= 1 && def.better === 'higher')
  ) {
    throw new RangeError(
      `guardrail: the threshold of check "${check.metric}" must be a finite number >= 0${def.better === 'higher' && check.relative ? ' and below 1 (a share of the control)' : ''} (got ${check.threshold})`,
    );
  }
  if (def.kind === 'rate')
    return new RateTest({
      hypothesis: rateNull(check.threshold, check.relative === true, def.better),
      better: def.better,
    });
  return new ValueTest({ margin: check.threshold, relative: check.relative === true, better: def.better });
}

/**
 * The opposite test of a check, for promotion: its null is "the variant is worse than the control
 * by at least the margin". The same tests with the better direction turned round and the margin
 * negated: for a rate, on the good outcomes (`good(variant) <= slope * good(control) + offset`);
 * for a value, against the control moved the other way.
 */
function createSafetyTest(check: GuardrailCheck, def: MetricDefinition): SequentialTest {
  const m = check.threshold;
  const relative = check.relative === true;
  const turned = def.better === 'lower' ? 'higher' : 'lower';
  if (def.kind === 'rate') {
    // Lower is better (errors): the variant's error rate is at least the control's plus m (or times 1 + m),
    // in good outcomes g = 1 - e: g_V <= g_C - m, or g_V <= (1 + m) g_C - m. Higher is better (passes,
    // the good outcome is the pass): p_V <= p_C - m, or p_V <= (1 - m) p_C.
    const hypothesis: RateNull =
      def.better === 'lower'
        ? relative
          ? { slope: 1 + m, offset: -m }
          : { slope: 1, offset: -m }
        : relative
          ? { slope: 1 - m, offset: 0 }
          : { slope: 1, offset: -m };
    return new RateTest({ hypothesis, better: turned });
  }
  return new ValueTest({ margin: -m, relative, better: turned });
}

export function createGuardrail(options: GuardrailOptions): Guardrail {
  const { flags, flag } = options;
  const checks = options.checks ?? DEFAULT_CHECKS;
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1 (got ${alpha})`);
  if (checks.length === 0) throw new RangeError('a guardrail needs at least one check');
  const definition = flags.registry()?.byKey.get(flag);
  if (!definition)
    throw new Error(
      `guardrail: flag "${flag}" is not in the registry${flags.registry() ? ` ${flags.registry()!.file}` : ' (none loaded yet: await flags.ready first)'}`,
    );
  const control = String(options.control ?? definition.defaultValue);
  if (!definition.variants.some((v) => String(v) === control)) {
    throw new Error(
      `guardrail: control "${control}" is not a variant of ${flag} (${definition.variants.map(String).join(', ')})`,
    );
  }
  const candidates = definition.variants.map(String).filter((v) => v !== control);
  // A rollout's steps serve different users, and evidence from a small, healthy first step would
  // slow the detection of a regression that begins with a later one (the tests' start-time mixture
  // weighs late starts less). So a variant's tests start afresh when its rollout moves on, up to
  // one period per step of the longest schedule, and alpha is split over the periods.
  const periods = Math.max(1, ...definition.rules.map((r) => r.rollout?.steps.length ?? 1));
  const threshold = (checks.length * Math.max(1, candidates.length) * periods) / alpha;
  const action = options.action ?? 'roll-back';
  if (action !== 'roll-back' && action !== 'kill')
    throw new RangeError(`guardrail: action must be "roll-back" or "kill" (got ${String(action)})`);
  // Tests and events speak of variants as strings; the flags client takes the values.
  const valueOf = (variant: string): FlagValue => definition.variants.find((v) => String(v) === variant)!;
  const controlValue = valueOf(control);
  const byMetric = new Map(checks.map((c) => [c.metric, c]));

  const ownStore = options.metrics === undefined;
  const store =
    options.metrics ??
    createMetrics({
      windowSamples: options.windowSamples ?? 1000,
      windowMs: options.windowMs,
      flags: [flag],
      metrics: checks.map((c) => c.metric),
      definitions: options.definitions,
    });
  const detachStore = ownStore ? store.attach(flags) : undefined;
  // The store learns an unknown metric's kind from its first sample, so tests are made on a
  // variant's first sample; this only validates every check up front, without asking the store
  // (which would fix the kind before any sample).
  const definitionOf = (metric: string): MetricDefinition => options.definitions?.[metric] ?? store.definition(metric);
  for (const check of checks) createTest(check, metricDefinition(check.metric, undefined, options.definitions));

  let state: 'watching' | 'tripped' = 'watching';
  let tripReason: string | undefined;
  let tripAction: GuardrailAction = 'none';
  // Whether a registry loaded since the trip said what the trip did (the variant rolled back, the
  // flag off). Until one has, a reload that still serves the variant is a file that has not caught
  // up (it was invalid when the write-back ran, the write failed, an editor saved a stale buffer),
  // not a decision to serve it again; only the file undoing the decision it had recorded is.
  let acknowledged = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = WRITE_BACK_RETRY_FIRST_MS;
  // The variant that tripped, for the messages of write-backs retried after the trip.
  let trippedVariant = '';
  // variant -> metric -> test, created on a variant's first sample.
  let tests = new Map<string, Map<string, SequentialTest>>();
  const tripListeners = new Set<(trip: GuardrailTrip) => void>();
  const errorListeners = new Set<(event: GuardrailErrorEvent) => void>();

  const emitError = (message: string, error: unknown): void => {
    for (const l of errorListeners) {
      try {
        l({ message, error });
      } catch {
        // It may run from the retry timer, where a throw would end the process.
      }
    }
  };

  /** Hands an event to each listener; one that throws is reported and does not stop the others. */
  const notify = <E>(listeners: ReadonlySet<(event: E) => void>, event: E, what: string): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (error) {
        emitError(`guardrail: a ${what} listener threw: ${String(error)}`, error);
      }
    }
  };

  const cancelRetry = (): void => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
  };

  /** Whether a registry's definition of the flag already says what the trip did. */
  const recorded = (def: FlagDefinition): boolean =>
    tripAction === 'kill' ? !def.enabled : rollBackVariant(def, valueOf(trippedVariant), controlValue) === undefined;

  /** Makes the file say what the trip did; on failure reports it and tries again later. True when the file says so. */
  const writeBack = (): boolean => {
    const path = options.writeBack;
    if (path === undefined || tripAction === 'none') return false;
    cancelRetry();
    const what =
      tripAction === 'kill'
        ? 'enabled: false'
        : `the rollback of ${trippedVariant} (rollouts aborted, shares to ${control})`;
    try {
      if (tripAction === 'kill') writeKillSwitch(path, flag);
      else
        writeRegistryEdit(path, (text) =>
          rollBackVariantInText(text, flag, valueOf(trippedVariant), controlValue, path),
        );
      retryDelay = WRITE_BACK_RETRY_FIRST_MS;
      return true;
    } catch (error) {
      emitError(
        `guardrail: ${tripAction === 'kill' ? `killed ${flag}` : `rolled back ${trippedVariant} of ${flag}`} in memory but could not write ${what} to ${path}: ${(error as Error).message}; ` +
          `retrying in ${retryDelay / 1000} s and on every reload. The ${tripAction === 'kill' ? 'kill' : 'rollback'} holds across reloads until the file says so; ` +
          `fix the file (or set it by hand) so a restart does not bring ${trippedVariant} back`,
        error,
      );
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        if (state === 'tripped' && !acknowledged) writeBack();
      }, retryDelay);
      retryTimer.unref?.();
      retryDelay = Math.min(retryDelay * 2, WRITE_BACK_RETRY_MAX_MS);
      return false;
    }
  };

  const watchAgain = (): void => {
    state = 'watching';
    tripReason = undefined;
    tripAction = 'none';
    acknowledged = false;
    cancelRetry();
    retryDelay = WRITE_BACK_RETRY_FIRST_MS;
    store.reset(flag);
    tests = new Map();
    safety = new Map();
    liveSteps.clear();
    freshStarts.clear();
    noteSteps();
  };

  /** The test of `byVariant` for this variant and check, made by `create` on the variant's first sample. */
  const testIn = (
    byVariant: Map<string, Map<string, SequentialTest>>,
    variant: string,
    check: GuardrailCheck,
    create: (check: GuardrailCheck, def: MetricDefinition) => SequentialTest,
  ): SequentialTest => {
    let byCheck = byVariant.get(variant);
    if (!byCheck) byVariant.set(variant, (byCheck = new Map()));
    let test = byCheck.get(check.metric);
    if (!test) byCheck.set(check.metric, (test = create(check, definitionOf(check.metric))));
    return test;
  };
  const testFor = (variant: string, check: GuardrailCheck): SequentialTest => testIn(tests, variant, check, createTest);

  /** Applies (or re-applies, after a reload) what the trip decided, in memory. */
  const apply = (): void => {
    if (tripAction === 'kill') flags.kill(flag, tripReason);
    else if (tripAction === 'roll-back')
      flags.rollBack(flag, valueOf(trippedVariant), { control: controlValue, reason: tripReason });
  };

  const trip = (check: GuardrailCheck, variant: string, test: SequentialTest, at: number): void => {
    state = 'tripped';
    acknowledged = false;
    const def = definitionOf(check.metric);
    const summary = (v: string): MetricSummary =>
      summarizeSamples(check.metric, def, store.window(flag, v, check.metric)?.samples() ?? new Float64Array(0));
    const variantSummary = summary(variant);
    const controlSummary = summary(control);
    const evidence = test.evidence();
    const reason = describeTrip(
      flag,
      variant,
      control,
      check,
      def,
      variantSummary,
      controlSummary,
      evidence,
      threshold,
    );
    tripReason = reason;
    trippedVariant = variant;
    const current = flags.registry()?.byKey.get(flag);
    tripAction =
      action === 'kill'
        ? 'kill'
        : current !== undefined && rollBackVariant(current, valueOf(variant), controlValue) !== undefined
          ? 'roll-back'
          : 'none';
    apply();
    if (tripAction === 'none')
      emitError(
        current !== undefined && wasRolledBack(current, valueOf(variant))
          ? // A fleet guard restarted after its own rollback, while servers still catch up, sees this.
            `guardrail: ${variant} of ${flag} regressed (${reason}); the registry already has it rolled back, so nothing more was changed. ` +
              `Requests still served it come from servers that have not loaded that registry yet`
          : `guardrail: ${variant} of ${flag} regressed (${reason}), but only rules that pin it to a segment or customer serve it, and those keep serving; ` +
              `nothing was rolled back. Change those rules, or run the guardrail with action: "kill" to turn the whole flag off`,
        undefined,
      );
    const wroteBack = writeBack() ? options.writeBack : undefined;
    const event: GuardrailTrip = {
      flag,
      variant,
      control,
      metric: check.metric,
      action: tripAction,
      evidence,
      threshold,
      check,
      variantSummary,
      controlSummary,
      at,
      reason,
      wroteBack,
    };
    notify(tripListeners, event, 'trip');
  };

  // Promotion: per variant with a `when-healthy` rollout, per check, an e-process of the opposite
  // null, "the variant is worse by at least the margin". Reaching its threshold is evidence, at the
  // same level, that the variant did not regress by the margin; a step moves on only once every
  // check has it and the step's hold has passed. A regressed variant is promoted past a check with
  // probability at most alpha / candidates, since that check's opposite null is then true.
  const promoteThreshold = Math.max(1, candidates.length) / alpha;
  let safety = new Map<string, Map<string, SequentialTest>>();
  // Which variants have a when-healthy rollout, kept from the registry's change events rather than
  // looked up on every sample.
  const whenHealthy = (): Set<string> =>
    new Set(
      (flags.registry()?.byKey.get(flag)?.rules ?? []).flatMap((r) =>
        r.rollout?.promote === 'when-healthy' ? [String(r.rollout.variant)] : [],
      ),
    );
  let promotable = whenHealthy();
  const safetyFor = (variant: string, check: GuardrailCheck): SequentialTest | undefined =>
    promotable.has(variant) ? testIn(safety, variant, check, createSafetyTest) : undefined;
  const promoteListeners = new Set<(promotion: GuardrailPromotion) => void>();

  const maybePromote = (variant: string, at: number): void => {
    const byCheck = safety.get(variant);
    if (!byCheck || byCheck.size < checks.length) return;
    const evidence: Record<string, number> = {};
    for (const [metric, test] of byCheck) {
      if (test.eValue < promoteThreshold) return;
      evidence[metric] = test.eValue;
    }
    const promoted = flags.promote(flag, valueOf(variant), `guardrail: promoted ${variant} of ${flag}`);
    if (promoted === undefined) return;
    let wroteBack: string | undefined;
    const path = options.writeBack;
    if (path !== undefined) {
      try {
        writeRegistryEdit(path, (text) =>
          setRolloutState(
            text,
            flag,
            promoted.ruleIndex,
            { state: 'active', current: { step: promoted.step, sinceMs: at } },
            path,
          ),
        );
        wroteBack = path;
      } catch (error) {
        // Not retried: the promotion holds in memory, and the next sample after a reload promotes again.
        emitError(
          `guardrail: promoted ${variant} of ${flag} to step ${promoted.step + 1} in memory but could not write it to ${path}: ${(error as Error).message}`,
          error,
        );
      }
    }
    const event: GuardrailPromotion = {
      flag,
      variant,
      ruleIndex: promoted.ruleIndex,
      step: promoted.step,
      evidence,
      at,
      wroteBack,
    };
    notify(promoteListeners, event, 'promote');
  };

  const onSample = (s: SampleEvent): void => {
    if (state !== 'watching' || s.flag !== flag) return;
    const check = byMetric.get(s.metric);
    if (!check) return;
    if (s.variant === control) {
      // A control sample can complete a waiting variant sample's block, so every variant's test looks.
      for (const variant of candidates) {
        const test = testFor(variant, check);
        test.add('control', s.value);
        if (test.eValue >= threshold) return trip(check, variant, test, s.at);
        const safe = safetyFor(variant, check);
        if (safe === undefined) continue;
        safe.add('control', s.value);
        maybePromote(variant, s.at);
      }
      return;
    }
    if (!candidates.includes(s.variant)) return;
    const test = testFor(s.variant, check);
    test.add('variant', s.value);
    if (test.eValue >= threshold) return trip(check, s.variant, test, s.at);
    const safe = safetyFor(s.variant, check);
    if (safe === undefined) return;
    safe.add('variant', s.value);
    maybePromote(s.variant, s.at);
  };
  const detachSamples = store.onSample(onSample);

  const liveSteps = new Map<string, number>();
  const freshStarts = new Map<string, number>();
  const noteSteps = (): void => {
    for (const status of flags.rollout(flag)) {
      const variant = String(status.variant);
      const before = liveSteps.get(variant);
      liveSteps.set(variant, status.step);
      const used = freshStarts.get(variant) ?? 0;
      if (before === undefined || status.step <= before || used >= periods - 1) continue;
      freshStarts.set(variant, used + 1);
      tests.delete(variant);
      // The trip's summaries describe the period its evidence comes from, not the step before.
      if (ownStore) store.reset(flag);
    }
  };
  noteSteps();
  const detachSteps = flags.on('change', (e) => {
    if (!e.flagsChanged.includes(flag)) return;
    promotable = whenHealthy();
    if (state === 'watching') noteSteps();
  });

  // A reload drops an in-memory rollback or kill, so while tripped every reload lists the flag as
  // changed, and so does one that records the decision.
  const detachChange = flags.on('change', (e) => {
    if (state !== 'tripped' || tripAction === 'none' || e.origin === tripReason || !e.flagsChanged.includes(flag))
      return;
    const def = flags.registry()?.byKey.get(flag);
    if (def === undefined || recorded(def)) {
      // The file says so (or no longer has the flag): nothing left to write.
      acknowledged = true;
      cancelRetry();
      return;
    }
    // Served again after the file had recorded the decision: a new rollout, from fresh tests and a fresh alpha budget.
    if (acknowledged) return watchAgain();
    apply();
    // The reload means the file is readable and valid now: the moment to write it.
    writeBack();
  });

  return {
    on(
      event: 'trip' | 'promote' | 'error',
      listener:
        | ((trip: GuardrailTrip) => void)
        | ((promotion: GuardrailPromotion) => void)
        | ((event: GuardrailErrorEvent) => void),
    ) {
      const set = (event === 'trip' ? tripListeners : event === 'promote' ? promoteListeners : errorListeners) as Set<
        typeof listener
      >;
      set.add(listener);
      return () => set.delete(listener);
    },
    get state() {
      return state;
    },
    threshold,
    eValues() {
      const out: Record<string, number> = {};
      for (const [variant, byCheck] of tests)
        for (const [metric, test] of byCheck) out[`${variant}/${metric}`] = test.eValue;
      return out;
    },
    lift() {
      if (state !== 'tripped') return false;
      watchAgain();
      return true;
    },
    close() {
      cancelRetry();
      detachSamples();
      detachStore?.();
      detachChange();
      detachSteps();
    },
  } as Guardrail;
}

// ---------------------------------------------------------------------------------------------
// Judging budget

export interface JudgeSamplerOptions {
  /** Share of all requests to judge (0.1 = one in ten). */
  budget: number;
  /** The control variant; every other variant is a candidate. */
  control: string | number | boolean;
  /**
   * Share of the judgments spent on candidates while they have requests to spend it on (default
   * 0.25): the canary is oversampled up to this, and the control gets the rest. More decides in
   * fewer requests, less on fewer canary judgments (each compared with more controls); see
   * docs/guardrails.md for measured figures.
   */
  candidateShare?: number;
}

export interface JudgeSampler {
  /** Whether to judge this request, served `variant`. Counts the request either way. */
  shouldJudge(variant: string | number | boolean): boolean;
  /** Requests seen and judged so far per variant. */
  counts(): Record<string, { seen: number; judged: number }>;
}

/**
 * Spends a judging budget where it shortens the guardrail's decision: a small canary is judged
 * far more often than its traffic share (all of a 5% canary under a 10% budget), the control with
 * what is left. The choice depends only on the variant and on counts of earlier requests, never
 * on the request's outcome, so the judged samples of each arm are a fair sample of that arm, and
 * the guardrail, which compares arm with arm, needs no reweighting: the unequal sampling rates
 * change how many samples each arm contributes, not what they say. (A mean over all judged
 * requests would need weighting by 1 / rate; the guardrail never forms one.)
 */
export function createJudgeSampler(options: JudgeSamplerOptions): JudgeSampler {
  const { budget } = options;
  const candidateShare = options.candidateShare ?? 0.25;
  if (!(budget > 0 && budget <= 1))
    throw new RangeError(`createJudgeSampler: budget must be a share of requests in (0, 1] (got ${budget})`);
  if (!(candidateShare >= 0 && candidateShare <= 1))
    throw new RangeError(`createJudgeSampler: candidateShare must be between 0 and 1 (got ${candidateShare})`);
  const control = String(options.control);
  const counts = new Map<string, { seen: number; judged: number }>();
  let seen = 0;
  let judged = 0;
  let judgedCandidates = 0;
  return {
    shouldJudge(variant) {
      const key = String(variant);
      let c = counts.get(key);
      if (!c) counts.set(key, (c = { seen: 0, judged: 0 }));
      c.seen++;
      seen++;
      // Judgments still unspent, as if the budget accrued one request at a time. A candidate may
      // take one judgment ahead of the budget (the first canary request is judged too); the
      // control waits until a whole one has accrued beyond what candidates claim.
      const allowance = budget * seen - judged;
      let judge: boolean;
      if (key === control) {
        // The control gets what candidates have not claimed: their claim is their share of the
        // budget, or all they could have used if their traffic is smaller.
        const candidateSeen = seen - c.seen;
        const claim = Math.min(candidateShare * budget * seen, candidateSeen) - judgedCandidates;
        judge = allowance - Math.max(0, claim) >= 1;
      } else {
        judge = allowance > 0 && judgedCandidates < candidateShare * budget * seen;
      }
      if (judge) {
        c.judged++;
        judged++;
        if (key !== control) judgedCandidates++;
      }
      return judge;
    },
    counts: () => Object.fromEntries([...counts].map(([k, v]) => [k, { ...v }])),
  };
}

function formatValue(def: MetricDefinition, x: number): string {
  if (def.kind === 'rate') return `${(x * 100).toFixed(2)}%`;
  return `${Number(x.toPrecision(4))}${def.unit ? ` ${def.unit}` : ''}`;
}

function describeTrip(
  flag: string,
  variant: string,
  control: string,
  check: GuardrailCheck,
  def: MetricDefinition,
  v: MetricSummary,
  c: MetricSummary,
  evidence: SequentialEvidence,
  threshold: number,
): string {
  const rate = def.kind === 'rate';
  const what = rate ? `${check.metric} rate` : `${check.metric} (${evidence.component === 'tail' ? 'p95' : 'median'})`;
  const pick = (s: MetricSummary): number =>
    rate ? s.mean.estimate : evidence.component === 'tail' ? s.p95!.estimate : s.p50!.estimate;
  const allowed = check.relative ? `${check.threshold * 100}%` : formatValue(def, check.threshold);
  return (
    `guardrail: ${flag}=${variant} ${what} ${formatValue(def, pick(v))} vs ${formatValue(def, pick(c))} on ${control}, ` +
    `worse by more than the ${allowed} allowed (e-value ${evidence.eValue.toPrecision(3)} >= ${threshold.toPrecision(3)} after ${evidence.blocks} compared samples, n=${v.n}/${c.n})`
  );
}

export interface KillSwitchWriteOptions {
  /**
   * Called after each read of the file (1-based attempt), before the write: the moment an
   * editor's save would be lost without the compare-and-swap. A seam for tests of that race.
   */
  afterRead?: (attempt: number) => void;
}

/** Saves landing between each read and its write; beyond this many in a row the write-back reports `changed`. */
const KILL_SWITCH_WRITE_ATTEMPTS = 5;

/**
 * Sets `"enabled": false` on a flag in a registry file, changing nothing else in the text; see
 * {@link writeRegistryEdit} for how the file is written.
 */
export function writeKillSwitch(path: string, flag: string, options: KillSwitchWriteOptions = {}): void {
  writeRegistryEdit(path, (text) => setEnabledFalse(text, flag, path), options);
}

/**
 * Writes `edit(text)` to a registry file through the project's file writer: atomic (a file source
 * sees the old document or the new one), through a symlink to its target, mode and owner kept. The
 * write is compare-and-swap against the bytes read, so a save that lands in between is never lost:
 * the file is read again and the edit made on the new text. A file that is not valid UTF-8 is
 * refused rather than written back with its bytes replaced. Throws an error naming the file (and
 * line and column, for invalid JSON).
 */
export function writeRegistryEdit(
  path: string,
  edit: (text: string) => string,
  options: KillSwitchWriteOptions = {},
): void {
  for (let attempt = 1; ; attempt++) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read ${path}: ${describeErrno(error)}`);
    }
    const text = decodeUtf8(bytes, path);
    options.afterRead?.(attempt);
    const updated = edit(text);
    if (updated === text) return;
    try {
      writeFileAtomic(path, updated, { expected: bytes });
      return;
    } catch (error) {
      if (!(error instanceof FileWriteError && error.failure === 'changed') || attempt === KILL_SWITCH_WRITE_ATTEMPTS)
        throw error;
    }
  }
}

function decodeUtf8(bytes: Buffer, path: string): string {
  try {
    // The BOM stays in the text, so the bytes written back start with it too.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(
      `${path} is not valid UTF-8, so it was not rewritten (its other bytes would have been replaced); save it as UTF-8`,
    );
  }
}
