/**
 * The automatic kill switch: compares each variant of a flag with the control over sliding windows
 * of tracked outcomes and, when one is worse beyond a threshold with statistical significance,
 * kills the flag in memory at once (everyone gets `default`), emits the evidence and optionally
 * writes `enabled: false` back to the registry file.
 *
 * Repeated testing: the guardrail looks again every `checkEvery` new samples, forever, and every
 * look is a chance of a false alarm. Look k of a (variant, metric) pair is tested at level
 * `alpha / m * 6 / (pi^2 k^2)`, where m is the number of (variant, metric) pairs; the levels sum to
 * `alpha` over any number of looks (sum of 1/k^2 is pi^2/6), so by the union bound the chance that
 * an unchanged variant is ever killed stays below `alpha`, however correlated the overlapping
 * windows are. The price is a threshold that grows slowly with k (z 3.2 at look 5, 4.0 at look 20,
 * 4.6 at look 100), which the windows' size pays back quickly for real regressions. The threshold
 * (a margin the variant may be worse by) is part of the null hypothesis, so noise at the margin's
 * scale is not a regression either.
 */
import { readFileSync } from 'node:fs';
import type { EvaluationContext } from './evaluator.js';
import { JsonSyntaxError, parseJsonWithPositions } from './json.js';
import {
  createMetrics,
  mannWhitneyTest,
  twoProportionTest,
  welchTest,
  summarizeSamples,
  type MetricDefinition,
  type MetricsStore,
  type MetricSummary,
  type SampleEvent,
  type TestResult,
  type TrackEvent,
} from './metrics.js';
import type { Registry } from './registry.js';
import { describeErrno, FileWriteError, writeFileAtomic } from './file-write.js';

export interface GuardrailCheck {
  metric: string;
  /**
   * How much worse than the control the variant may be before the guardrail acts: in the metric's
   * unit (0.01 = one percentage point for a rate, 50 = 50 ms), or a fraction of the control's value
   * when `relative` is true (0.2 = 20% slower).
   */
  threshold: number;
  relative?: boolean;
  /** Default: `two-proportion` for rates, `mann-whitney` for values. */
  test?: 'two-proportion' | 'welch' | 'mann-whitney';
}

/** The parts of a flags client a guardrail uses (any `createFlags` result). */
export interface GuardedFlags {
  on(event: 'track', listener: (event: TrackEvent) => void): () => void;
  on(event: 'change', listener: (event: { flagsChanged: string[]; origin: string }) => void): () => void;
  kill(flag: string, reason?: string): boolean;
  registry(): Registry | undefined;
}

export interface GuardrailOptions {
  flags: GuardedFlags;
  flag: string;
  /** The variant others are compared with (default: the flag's `default`). */
  control?: string | number | boolean;
  /** Default: error rate worse by 1 point, and latency 20% slower (rank test). */
  checks?: readonly GuardrailCheck[];
  /** Samples per variant and metric in the window (default 1000). */
  windowSamples?: number;
  /** Samples older than this leave the window (default: no age limit). */
  windowMs?: number;
  /** Samples each arm needs in its window before the first look (default 200). */
  minSamples?: number;
  /** New variant samples between looks (default 100). */
  checkEvery?: number;
  /** Chance that a variant no worse than the control is ever killed, over all looks (default 0.05). */
  alpha?: number;
  /**
   * A registry file to write `enabled: false` into when the guardrail trips (formatting kept). A
   * write that fails is retried (1 s, doubling to at most 60 s, and on every reload) until it works
   * or the kill is lifted.
   */
  writeBack?: string;
  /** A store to share with reports; by default the guardrail keeps its own windows for the flag. */
  metrics?: MetricsStore;
  definitions?: Readonly<Record<string, MetricDefinition>>;
}

export interface GuardrailTrip {
  flag: string;
  variant: string;
  control: string;
  metric: string;
  result: TestResult;
  /** The significance level this look was tested at (after the correction for repeated looks). */
  level: number;
  /** 1-based look number for this variant and metric. */
  look: number;
  variantSummary: MetricSummary;
  controlSummary: MetricSummary;
  at: number;
  /** The kill reason passed to `flags.kill`, a one-line summary of the evidence. */
  reason: string;
  /** The registry file `enabled: false` was written to, when `writeBack` is set and it worked. */
  wroteBack: string | undefined;
}

export interface GuardrailErrorEvent {
  message: string;
  error: unknown;
}

export interface Guardrail {
  on(event: 'trip', listener: (trip: GuardrailTrip) => void): () => void;
  on(event: 'error', listener: (event: GuardrailErrorEvent) => void): () => void;
  readonly state: 'watching' | 'tripped';
  /** Looks made so far per `variant/metric`. */
  looks(): Record<string, number>;
  /**
   * A person's decision to serve the flag again: the guardrail stops holding the kill and stops
   * retrying the write-back, and watches again from empty windows. The in-memory kill lasts until
   * the next reload, which serves whatever the file says. False when it was not tripped.
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

/** Level of look `k` when `alpha` is shared by `pairs` (variant, metric) pairs: sums to alpha over all k. */
export function lookLevel(alpha: number, pairs: number, k: number): number {
  return (alpha / pairs) * (6 / (Math.PI * Math.PI * k * k));
}

export function createGuardrail(options: GuardrailOptions): Guardrail {
  const { flags, flag } = options;
  const checks = options.checks ?? DEFAULT_CHECKS;
  const minSamples = options.minSamples ?? 200;
  const checkEvery = options.checkEvery ?? 100;
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1 (got ${alpha})`);
  if (checks.length === 0) throw new RangeError('a guardrail needs at least one check');
  const definition = flags.registry()?.byKey.get(flag);
  if (!definition) throw new Error(`guardrail: flag "${flag}" is not in the registry${flags.registry() ? ` ${flags.registry()!.file}` : ' (none loaded yet: await flags.ready first)'}`);
  const control = String(options.control ?? definition.defaultValue);
  if (!definition.variants.some((v) => String(v) === control)) {
    throw new Error(`guardrail: control "${control}" is not a variant of ${flag} (${definition.variants.map(String).join(', ')})`);
  }
  const pairs = checks.length * Math.max(1, definition.variants.length - 1);
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

  let state: 'watching' | 'tripped' = 'watching';
  let killReason: string | undefined;
  // Whether a registry loaded since the trip said the flag is off. Until one has, a reload that
  // says `enabled: true` is a file that has not caught up with the kill (it was invalid when the
  // write-back ran, the write failed, an editor saved a stale buffer), not a decision to serve the
  // variant again; only `enabled` going from false to true is.
  let acknowledged = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = WRITE_BACK_RETRY_FIRST_MS;
  // The variant that tripped, for the messages of write-backs retried after the trip.
  let trippedVariant = '';
  const pending = new Map<string, number>();
  const lookCount = new Map<string, number>();
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

  const cancelRetry = (): void => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
  };

  /** Makes the file say `enabled: false`; on failure reports it and tries again later. True when the file says so. */
  const writeBack = (): boolean => {
    const path = options.writeBack;
    if (path === undefined) return false;
    cancelRetry();
    try {
      writeKillSwitch(path, flag);
      retryDelay = WRITE_BACK_RETRY_FIRST_MS;
      return true;
    } catch (error) {
      emitError(
        `guardrail: killed ${flag} in memory but could not write enabled: false to ${path}: ${(error as Error).message}; ` +
          `retrying in ${retryDelay / 1000} s and on every reload. The kill holds across reloads until the file says enabled: false; ` +
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
    killReason = undefined;
    acknowledged = false;
    cancelRetry();
    retryDelay = WRITE_BACK_RETRY_FIRST_MS;
    store.reset(flag);
    pending.clear();
    lookCount.clear();
  };

  const look = (check: GuardrailCheck, variant: string, at: number): void => {
    const vw = store.window(flag, variant, check.metric);
    const cw = store.window(flag, control, check.metric);
    if (!vw || !cw) return;
    vw.expire(at);
    cw.expire(at);
    if (vw.size < minSamples || cw.size < minSamples) return;
    const key = `${variant}/${check.metric}`;
    const k = (lookCount.get(key) ?? 0) + 1;
    lookCount.set(key, k);
    const def = store.definition(check.metric);
    const v = vw.samples();
    const c = cw.samples();
    const result = runTest(check, def, v, c);
    const level = lookLevel(alpha, pairs, k);
    if (result.pValue < level) trip(check, def, variant, v, c, result, level, k, at);
  };

  const trip = (
    check: GuardrailCheck,
    def: MetricDefinition,
    variant: string,
    v: Float64Array,
    c: Float64Array,
    result: TestResult,
    level: number,
    k: number,
    at: number,
  ): void => {
    state = 'tripped';
    acknowledged = false;
    trippedVariant = variant;
    const variantSummary = summarizeSamples(check.metric, def, v);
    const controlSummary = summarizeSamples(check.metric, def, c);
    const reason = describeTrip(flag, variant, control, check, def, variantSummary, controlSummary, result, level);
    killReason = reason;
    flags.kill(flag, reason);
    const wroteBack = writeBack() ? options.writeBack : undefined;
    const event: GuardrailTrip = { flag, variant, control, metric: check.metric, result, level, look: k, variantSummary, controlSummary, at, reason, wroteBack };
    for (const l of tripListeners) {
      try {
        l(event);
      } catch (error) {
        emitError(`guardrail: a trip listener threw: ${String(error)}`, error);
      }
    }
  };

  const onSample = (s: SampleEvent): void => {
    if (state !== 'watching' || s.flag !== flag || s.variant === control) return;
    const check = byMetric.get(s.metric);
    if (!check) return;
    const key = `${s.variant}/${s.metric}`;
    const n = (pending.get(key) ?? 0) + 1;
    if (n < checkEvery) {
      pending.set(key, n);
      return;
    }
    pending.set(key, 0);
    look(check, s.variant, s.at);
  };
  const detachSamples = store.onSample(onSample);

  // A reload drops an in-memory kill, so while tripped every reload lists the flag as changed, and
  // so does one that turns it off.
  const detachChange = flags.on('change', (e) => {
    if (state !== 'tripped' || e.origin === killReason || !e.flagsChanged.includes(flag)) return;
    if (flags.registry()?.byKey.get(flag)?.enabled !== true) {
      // The file says so (or no longer has the flag): nothing left to write.
      acknowledged = true;
      cancelRetry();
      return;
    }
    // Turned back on after the file had it off: a new rollout, from empty windows and a fresh alpha budget.
    if (acknowledged) return watchAgain();
    flags.kill(flag, killReason);
    // The reload means the file is readable and valid now: the moment to write it.
    writeBack();
  });

  return {
    on(event: 'trip' | 'error', listener: ((trip: GuardrailTrip) => void) | ((event: GuardrailErrorEvent) => void)) {
      const set = (event === 'trip' ? tripListeners : errorListeners) as Set<typeof listener>;
      set.add(listener);
      return () => set.delete(listener);
    },
    get state() {
      return state;
    },
    looks: () => Object.fromEntries(lookCount),
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
    },
  } as Guardrail;
}

function runTest(check: GuardrailCheck, def: MetricDefinition, v: Float64Array, c: Float64Array): TestResult {
  const test = check.test ?? (def.kind === 'rate' ? 'two-proportion' : 'mann-whitney');
  switch (test) {
    case 'two-proportion': {
      let xV = 0;
      let xC = 0;
      for (const x of v) if (x > 0) xV++;
      for (const x of c) if (x > 0) xC++;
      const margin = check.relative ? check.threshold * (xC / c.length) : check.threshold;
      return twoProportionTest(xV, v.length, xC, c.length, margin, def.better);
    }
    case 'welch': {
      let sum = 0;
      for (const x of c) sum += x;
      const margin = check.relative ? check.threshold * Math.abs(sum / c.length) : check.threshold;
      return welchTest(v, c, margin, def.better);
    }
    case 'mann-whitney':
      return mannWhitneyTest(v, c, check.threshold, def.better, check.relative === true);
  }
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
  result: TestResult,
  level: number,
): string {
  const what = def.kind === 'rate' ? `${check.metric} rate` : `${check.metric} (${result.test === 'welch' ? 'mean' : 'median'})`;
  const observed = def.kind === 'rate' || result.test === 'welch' ? [v.mean.estimate, c.mean.estimate] : [v.p50!.estimate, c.p50!.estimate];
  const allowed = check.relative ? `${check.threshold * 100}%` : formatValue(def, check.threshold);
  return (
    `guardrail: ${flag}=${variant} ${what} ${formatValue(def, observed[0]!)} vs ${formatValue(def, observed[1]!)} on ${control}, ` +
    `worse by more than the ${allowed} allowed (${result.test} ${result.statistic.toFixed(2)}, p=${result.pValue.toExponential(2)} < ${level.toExponential(2)}, n=${v.n}/${c.n})`
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
 * Sets `"enabled": false` on a flag in a registry file, changing nothing else in the text, through
 * the project's file writer: atomic (a file source sees the old document or the new one), through
 * a symlink to its target, mode and owner kept. The write is compare-and-swap against the bytes
 * read, so a save that lands in between is never lost: the file is read again and the change made
 * on the new text. A file that is not valid UTF-8 is refused rather than written back with its
 * bytes replaced. Throws an error naming the file (and line and column, for invalid JSON).
 */
export function writeKillSwitch(path: string, flag: string, options: KillSwitchWriteOptions = {}): void {
  for (let attempt = 1; ; attempt++) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read ${path}: ${describeErrno(error)}`);
    }
    const text = decodeUtf8(bytes, path);
    options.afterRead?.(attempt);
    const updated = setEnabledFalse(text, flag, path);
    if (updated === text) return;
    try {
      writeFileAtomic(path, updated, { expected: bytes });
      return;
    } catch (error) {
      if (!(error instanceof FileWriteError && error.failure === 'changed') || attempt === KILL_SWITCH_WRITE_ATTEMPTS) throw error;
    }
  }
}

function decodeUtf8(bytes: Buffer, path: string): string {
  try {
    // The BOM stays in the text, so the bytes written back start with it too.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${path} is not valid UTF-8, so it was not rewritten (its other bytes would have been replaced); save it as UTF-8`);
  }
}

/** The registry text with the flag's `enabled` set to false; splices the text so formatting survives. */
export function setEnabledFalse(text: string, flag: string, file = 'flags.json'): string {
  let json;
  try {
    json = parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new Error(`${file}:${error.position.line}:${error.position.column}: ${error.message}`);
    throw error;
  }
  const doc = json.value as { flags?: unknown };
  const list = Array.isArray(doc?.flags) ? (doc.flags as unknown[]) : [];
  const index = list.findIndex((f) => typeof f === 'object' && f !== null && (f as EvaluationContext)['flag'] === flag);
  if (index < 0) throw new Error(`${file}: no flag "${flag}" to disable; the registry may have changed since it was loaded`);
  const enabledRange = json.rangeOf(`/flags/${index}/enabled`);
  if (enabledRange) return text.slice(0, enabledRange[0]) + 'false' + text.slice(enabledRange[1]);
  // No `enabled` member yet: add one right after `"flag": "..."`, on its own line if the object is
  // laid out one member per line, inline otherwise.
  const flagRange = json.rangeOf(`/flags/${index}/flag`)!;
  const keyOffset = json.keyOffsetOf(`/flags/${index}/flag`)!;
  const lineStart = text.lastIndexOf('\n', keyOffset - 1) + 1;
  const before = text.slice(lineStart, keyOffset);
  const ownLine = /^\s*$/.test(before);
  // The file's own line ends: a CRLF file stays CRLF throughout.
  const newline = text[lineStart - 2] === '\r' ? '\r\n' : '\n';
  const separator = ownLine ? `,${newline}${before}` : ', ';
  return text.slice(0, flagRange[1]) + `${separator}"enabled": false` + text.slice(flagRange[1]);
}
