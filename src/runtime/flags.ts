/**
 * The flags client: holds the current compiled snapshot, swaps in validated new documents from its
 * source, evaluates synchronously and never throws from `get`.
 */
import {
  changedFlags,
  compileRegistry,
  DEFAULT_RULE,
  DISABLED_RULE,
  reasonFor,
  resolve,
  outcome,
  type CompiledFlag,
  type ErrorCode,
  type EvaluationContext,
  type Reason,
  type Snapshot,
} from './evaluate/evaluator.js';
import { formatIssue, parseRegistry, type RegistryIssue } from '../registry/validate.js';
import type { FlagDefinition, FlagValue, Registry, RolloutSchedule, RuleDefinition } from '../registry/model.js';
import {
  describeRollout,
  liveRollout,
  nextRolloutChange,
  promoteRollout,
  rollBackVariant,
  type LiveRollout,
} from '../registry/rollout.js';
import { MAX_TIMER_DELAY_MS } from './limits.js';
import { describeErrno } from '../io/file-write.js';
import type { FlagSource, SourceDocument } from './sources/source.js';
import type { TrackEvent } from './metrics/definitions.js';

export interface EvaluationDetail<T extends FlagValue = FlagValue> {
  flag: string;
  value: T;
  /** The variant name: the value as a string (as in the flagd export). */
  variant: string | undefined;
  reason: Reason;
  /** 0-based index of the rule that decided the value, or undefined. */
  ruleIndex: number | undefined;
  errorCode: ErrorCode | undefined;
  errorMessage: string | undefined;
  /** For a flag with a rollout: the one that decided, else the flag's first (live step, share, next step). */
  rollout?: RolloutStatus;
}

export interface RolloutStatus extends LiveRollout {
  /** 0-based index of the rollout's rule. */
  ruleIndex: number;
  variant: FlagValue;
  schedule: RolloutSchedule;
  /** One line: `step 2 of 3 (25%) since ...; step 3 (100%) at ...`. */
  description: string;
}

export interface ChangeEvent {
  /** Keys of the flags whose evaluation changed (added, removed or edited). */
  flagsChanged: string[];
  origin: string;
}

export interface FlagsErrorEvent {
  code: ErrorCode;
  message: string;
  /** The flag being evaluated, for evaluation errors. */
  flag: string | undefined;
  /** Registry problems, for rejected documents. */
  issues: readonly RegistryIssue[];
  error: unknown;
}

/** OpenTelemetry feature-flag semantic convention attributes of one evaluation. */
export interface EvaluationEvent {
  'feature_flag.key': string;
  'feature_flag.provider.name': 'modelflags';
  'feature_flag.result.variant'?: string;
  'feature_flag.result.value': FlagValue | undefined;
  'feature_flag.result.reason': string;
  'feature_flag.context.id'?: string;
  'error.type'?: string;
}

interface EventMap {
  change: ChangeEvent;
  error: FlagsErrorEvent;
  evaluation: EvaluationEvent;
  track: TrackEvent;
}

/**
 * What one request was served, taken once when it starts. Tracking outcomes against the record
 * rather than the context counts them against the variant that actually served the request, even
 * when the flag is reloaded or killed while the request runs.
 */
export interface EvaluationRecord {
  readonly context: EvaluationContext;
  /** Flag key → variant served (the value as a string). */
  readonly variants: Readonly<Record<string, string>>;
  readonly at: number;
}

/** Flag key → allowed values, as the code was compiled against (written by `modelflags generate`). */
export type RegistryContract = Readonly<Record<string, readonly FlagValue[]>>;

export interface FlagsOptions {
  source: FlagSource;
  /**
   * The registry the calling code was type-checked against. A reloaded document that drops one of
   * these flags or serves a value outside its variants is rejected, because the code's types
   * promise those values.
   */
  contract?: RegistryContract;
  /**
   * Milliseconds since the epoch for evaluation records, track events and the live step of rollout
   * schedules (default `Date.now`). Steps advance on timers, so a clock far from real time moves
   * them only when something else recompiles the registry.
   */
  clock?: () => number;
}

/** Flag key → the union of values it serves; the generated module's `FlagValues` interface. */
type Values<V> = { [K in keyof V]: FlagValue };

export interface Flags<
  V extends Values<V> = Record<string, FlagValue>,
  C extends EvaluationContext = EvaluationContext,
> {
  /** The flag's value for this context; on any problem the flag's default, reported as an `error` event. */
  get<K extends keyof V & string>(flag: K, context?: C): V[K];
  /** The value with the variant, reason, rule and error code (OpenFeature's vocabulary). */
  detail<K extends keyof V & string>(flag: K, context?: C): EvaluationDetail<V[K]>;
  on<E extends keyof EventMap>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  /** Resolves once a first registry has been loaded (immediately for file and static sources). */
  readonly ready: Promise<void>;
  /** The registry currently served, or undefined before the first load. */
  registry(): Registry | undefined;
  /** Turns a flag off in memory (everyone gets `default`) until the next reload says otherwise. */
  kill(flag: string, reason?: string): boolean;
  /**
   * Rolls one variant back in memory until the next reload: its rollouts are aborted, its
   * percentage rules go to 0% and its split shares to `control` (default: the flag's `default`);
   * rules that pin it to a segment or customer keep serving it. False when no rollout, percentage rule or split of the flag serves the variant, or
   * when `control` is not one of the flag's variants.
   */
  rollBack(flag: string, variant: FlagValue, options?: { control?: FlagValue; reason?: string }): boolean;
  /**
   * Moves the flag's live rollout of `variant` to its next step in memory, until the next reload,
   * once the live step's hold has passed (what a `promote: "when-healthy"` schedule waits for; the
   * guardrail calls it). Returns the rule and the step (0-based) now served, or undefined.
   */
  promote(flag: string, variant: FlagValue, reason?: string): { ruleIndex: number; step: number } | undefined;
  /** Where each rollout of the flag stands now (live step, share, next step), in rule order. */
  rollout(flag: string): RolloutStatus[];
  /**
   * The variants this context is served, for tracking the request's outcomes. Evaluates every flag
   * (or only `keys`) without emitting evaluation events; take it when the request starts.
   */
  record(context?: C, keys?: readonly (keyof V & string)[]): EvaluationRecord;
  /**
   * Records an outcome (`latency_ms`, `error`, `tokens`, `satisfaction`, ...) against the variants
   * that served a request: pass the request's {@link EvaluationRecord}, or its context to evaluate
   * the flags again now. Booleans count as 1 and 0. Does nothing when no `track` listener (metrics
   * store, exporter) is attached.
   */
  track(request: C | EvaluationRecord, metric: string, value?: number | boolean): void;
  /** Stops watching the source. */
  close(): void;
}

/** `evaluate`'s result when the flag could not be evaluated (unknown flag, a context that threw). */
const FAILED = -3;

const EMPTY_CONTEXT: EvaluationContext = Object.freeze(Object.create(null) as EvaluationContext);

export function createFlags<
  V extends Values<V> = Record<string, FlagValue>,
  C extends EvaluationContext = EvaluationContext,
>(options: FlagsOptions): Flags<V, C> {
  const { source, contract } = options;
  const clock = options.clock ?? Date.now;
  let snapshot: Snapshot | undefined;
  let lastText: string | undefined;
  const listeners: { [E in keyof EventMap]: Set<(payload: EventMap[E]) => void> } = {
    change: new Set(),
    error: new Set(),
    evaluation: new Set(),
    track: new Set(),
  };

  const emit = <E extends keyof EventMap>(event: E, payload: EventMap[E]): void => {
    for (const listener of listeners[event]) {
      try {
        listener(payload);
      } catch {
        /* a failing listener must not break evaluation or reloading */
      }
    }
  };

  let lastRejection = '';
  const reject = (message: string, issues: readonly RegistryIssue[], error: unknown = undefined): void => {
    lastRejection = message;
    emit('error', { code: 'PARSE_ERROR', message, flag: undefined, issues, error });
  };

  let closed = false;

  /**
   * Runs from timers, watch callbacks and promise callbacks, where a throw kills the process or
   * rejects `ready` without a word; validation reports rather than throws, and whatever it still
   * throws (a bug, a hostile document) becomes a rejection like any other.
   */
  const accept = (doc: SourceDocument): void => {
    if (closed) return;
    try {
      acceptDocument(doc);
    } catch (error) {
      reject(
        `rejected ${String(doc.origin)}; still serving the last good registry: ${describeErrno(error)}`,
        [],
        error,
      );
    }
  };

  const acceptDocument = (doc: SourceDocument): void => {
    if (doc.text === lastText) return;
    const { registry, issues } = parseRegistry(doc.text, doc.origin, { strict: false });
    if (!registry) {
      reject(
        `rejected ${doc.origin}; still serving the last good registry:\n${issues.map(formatIssue).join('\n')}`,
        issues,
      );
      return;
    }
    const breaches = contract ? contractBreaches(registry, contract) : [];
    if (breaches.length > 0) {
      reject(
        `rejected ${doc.origin}; still serving the last good registry:\n${breaches.map(formatIssue).join('\n')}`,
        breaches,
      );
      return;
    }
    lastText = doc.text;
    // A new document is what the registry says now: edits made in memory end here, and the flags
    // that had one are announced as changed even where the document agrees with the edit, so a
    // guardrail learns that the file has caught up.
    const edited = [...overrides.keys()];
    overrides.clear();
    recompile(registry, doc.origin, edited);
  };

  // The clock option is the user's; one that throws must not stop flags from loading.
  const rolloutClock = (): number => {
    try {
      const now = clock();
      if (Number.isFinite(now)) return now;
    } catch {
      // Date.now below.
    }
    return Date.now();
  };

  // Kill switches and rolled-back variants applied in memory, until the next document.
  const overrides = new Map<string, FlagDefinition>();
  let stepTimer: ReturnType<typeof setTimeout> | undefined;

  /** Compiles the registry as it evaluates now, announces what changed, and wakes up at the next rollout step. */
  const recompile = (registry: Registry, origin: string, edited: readonly string[] = []): void => {
    const now = rolloutClock();
    const next = compileRegistry(registry, snapshot, { now, overrides });
    const flagsChanged = changedFlags(snapshot, next);
    for (const key of edited) if (!flagsChanged.includes(key) && next.flags.has(key)) flagsChanged.push(key);
    snapshot = next;
    scheduleNextStep(registry, now);
    if (flagsChanged.length > 0) emit('change', { flagsChanged, origin });
  };

  const scheduleNextStep = (registry: Registry, now: number): void => {
    if (stepTimer !== undefined) clearTimeout(stepTimer);
    stepTimer = undefined;
    let at: number | undefined;
    for (const def of registry.flags) {
      const next = nextRolloutChange(overrides.get(def.key) ?? def, now);
      if (next !== undefined && (at === undefined || next < at)) at = next;
    }
    if (at === undefined || closed) return;
    // Timers may fire a little early or late; the step is computed from the clock when it fires.
    stepTimer = setTimeout(
      () => {
        stepTimer = undefined;
        if (closed || snapshot?.registry !== registry) return;
        try {
          recompile(registry, 'rollout schedule');
        } catch (error) {
          reject(`could not advance a rollout schedule: ${describeErrno(error)}`, [], error);
        }
      },
      Math.min(Math.max(at - now, 1), MAX_TIMER_DELAY_MS),
    );
    stepTimer.unref?.();
  };

  /** The flag as this client serves it: the document's definition, or the one edited in memory. */
  const definitionOf = (flag: string): FlagDefinition | undefined =>
    overrides.get(flag) ?? snapshot?.registry.byKey.get(flag);

  /** Replaces a flag's definition in memory and recompiles; the change event carries `origin`. */
  const override = (def: FlagDefinition, origin: string): void => {
    overrides.set(def.key, def);
    recompile(snapshot!.registry, origin);
  };

  const sink = {
    document: accept,
    error: (error: Error) => {
      if (!closed) reject(describeErrno(error), [], error);
    },
  };

  let stop: (() => void) | undefined;
  let ready: Promise<void>;
  if (source.readSync) {
    try {
      accept(source.readSync());
    } catch (error) {
      reject(`cannot read ${source.description}: ${describeErrno(error)}`, [], error);
    }
    // A client that cannot start serving must say so at construction, not on the first request.
    if (!snapshot) throw new Error(`modelflags: no valid registry in ${source.description}: ${lastRejection}`);
    ready = Promise.resolve();
  } else if (source.read) {
    ready = source.read().then(accept, (error: unknown) => {
      // close() abandons the first read; that is not a problem to report.
      if (!closed) reject(`cannot read ${source.description}: ${describeErrno(error)}`, [], error);
    });
  } else {
    throw new Error(`modelflags: the source ${source.description} can neither readSync() nor read()`);
  }
  if (source.watch) stop = source.watch(sink);

  const fail = (flag: string, code: ErrorCode, message: string, error: unknown): void => {
    if (listeners.error.size > 0) emit('error', { code, message, flag, issues: [], error });
  };

  const evaluationEvent = (
    flag: string,
    context: EvaluationContext,
    value: FlagValue | undefined,
    reason: Reason,
    errorCode: ErrorCode | undefined,
  ): void => {
    let id: string | undefined;
    try {
      const t = context['targetingKey'];
      if (typeof t === 'string') id = t;
    } catch {
      id = undefined;
    }
    const event: EvaluationEvent = {
      'feature_flag.key': flag,
      'feature_flag.provider.name': 'modelflags',
      'feature_flag.result.value': value,
      'feature_flag.result.reason': reason.toLowerCase(),
    };
    if (value !== undefined && errorCode === undefined) event['feature_flag.result.variant'] = String(value);
    if (id !== undefined) event['feature_flag.context.id'] = id;
    if (errorCode !== undefined) event['error.type'] = errorCode.toLowerCase();
    emit('evaluation', event);
  };

  const lookup = (flag: string): CompiledFlag | undefined =>
    typeof flag === 'string' ? snapshot?.flags.get(flag) : undefined;

  // The outcome of the last `evaluate`, in slots rather than a returned object, so `get` allocates nothing.
  let evaluatedValue: FlagValue | undefined;
  let evaluatedFlag: CompiledFlag | undefined;
  let failure: { code: ErrorCode; message: string } | undefined;

  /**
   * Evaluates a flag for `get` and `detail`: returns the deciding rule (or DEFAULT_RULE /
   * DISABLED_RULE), or FAILED with the problem, already reported, in `failure`; the value and the
   * flag are left in `evaluatedValue` and `evaluatedFlag`. Events go out first and the slots are
   * set last, because a listener may itself evaluate flags.
   */
  const evaluate = (flag: string, context: EvaluationContext | undefined): number => {
    const compiled = lookup(flag);
    if (compiled === undefined) {
      // Untyped callers pass symbols, numbers and objects too; every message below must format them.
      const key = typeof flag === 'string' ? flag : describeErrno(flag);
      const code: ErrorCode = snapshot ? 'FLAG_NOT_FOUND' : 'PROVIDER_NOT_READY';
      const message =
        typeof flag === 'string'
          ? notFoundMessage(flag, snapshot)
          : `${key}: not a flag key (keys are strings); served undefined`;
      fail(key, code, message, undefined);
      if (listeners.evaluation.size > 0) evaluationEvent(key, EMPTY_CONTEXT, undefined, 'ERROR', code);
      return settle(undefined, undefined, { code, message });
    }
    const ctx = context !== null && typeof context === 'object' ? context : EMPTY_CONTEXT;
    let rule: number;
    try {
      rule = resolve(compiled, ctx);
    } catch (error) {
      const message = `${flag}: reading the evaluation context threw (${describeErrno(error)}); served the default`;
      fail(flag, 'INVALID_CONTEXT', message, error);
      if (listeners.evaluation.size > 0)
        evaluationEvent(flag, EMPTY_CONTEXT, compiled.defaultValue, 'ERROR', 'INVALID_CONTEXT');
      return settle(compiled, compiled.defaultValue, { code: 'INVALID_CONTEXT', message });
    }
    const value = outcome.value;
    if (listeners.evaluation.size > 0) evaluationEvent(flag, ctx, value, reasonFor(compiled, rule), undefined);
    evaluatedFlag = compiled;
    evaluatedValue = value;
    return rule;
  };

  const settle = (
    compiled: CompiledFlag | undefined,
    value: FlagValue | undefined,
    problem: { code: ErrorCode; message: string },
  ): number => {
    evaluatedFlag = compiled;
    evaluatedValue = value;
    failure = problem;
    return FAILED;
  };

  function get<K extends keyof V & string>(flag: K, context?: C): V[K] {
    evaluate(flag, context);
    return evaluatedValue as V[K];
  }

  function detail<K extends keyof V & string>(flag: K, context?: C): EvaluationDetail<V[K]> {
    const rule = evaluate(flag, context);
    const value = evaluatedValue as V[K];
    const variant = value === undefined ? undefined : String(value);
    if (rule === FAILED) {
      return {
        flag,
        value,
        variant,
        reason: 'ERROR',
        ruleIndex: undefined,
        errorCode: failure!.code,
        errorMessage: failure!.message,
      };
    }
    const result: EvaluationDetail<V[K]> = {
      flag,
      value,
      variant,
      reason: reasonFor(evaluatedFlag!, rule),
      ruleIndex: rule === DEFAULT_RULE || rule === DISABLED_RULE ? undefined : rule,
      errorCode: undefined,
      errorMessage: undefined,
    };
    // The rollout that decided, or else the flag's first: a user outside the canary asks too.
    const rules = evaluatedFlag!.definition.rules;
    const rolloutRule = (rule >= 0 && rules[rule]!.rollout ? rules[rule] : undefined) ?? rules.find((r) => r.rollout);
    if (rolloutRule !== undefined) result.rollout = rolloutStatus(rolloutRule, rolloutRule.rollout!, rolloutClock());
    return result;
  }

  // Records are told from contexts by identity, so a context attribute can never pose as one.
  const records = new WeakSet<object>();
  const servedVariants = (ctx: EvaluationContext, keys: readonly string[] | undefined): Record<string, string> => {
    const variants: Record<string, string> = {};
    if (!snapshot) return variants;
    const add = (compiled: CompiledFlag): void => {
      try {
        resolve(compiled, ctx);
        variants[compiled.key] = String(outcome.value);
      } catch {
        // A context whose getters throw is served the default; `get` reports the error.
        variants[compiled.key] = String(compiled.defaultValue);
      }
    };
    if (keys) {
      for (const key of keys) {
        const compiled = snapshot.flags.get(key);
        if (compiled) add(compiled);
      }
    } else for (const compiled of snapshot.flags.values()) add(compiled);
    return variants;
  };

  return {
    get,
    detail,
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>;
      set.add(listener);
      return () => set.delete(listener);
    },
    ready,
    registry: () => snapshot?.registry,
    kill(flag, reason = 'killed') {
      const def = definitionOf(flag);
      if (!snapshot || !def || !snapshot.flags.get(flag)?.enabled) return false;
      override({ ...def, enabled: false }, reason);
      return true;
    },
    rollBack(flag, variant, options = {}) {
      const def = definitionOf(flag);
      if (!snapshot || !def) return false;
      const rolledBack = rollBackVariant(def, variant, options.control ?? def.defaultValue);
      if (rolledBack === undefined) return false;
      override(rolledBack, options.reason ?? `rolled back ${String(variant)}`);
      return true;
    },
    promote(flag, variant, reason) {
      const def = definitionOf(flag);
      if (!snapshot || !def) return undefined;
      const promotion = promoteRollout(def, variant, rolloutClock());
      if (promotion === undefined) return undefined;
      override(promotion.def, reason ?? `promoted ${String(variant)} to step ${promotion.step + 1}`);
      return { ruleIndex: promotion.ruleIndex, step: promotion.step };
    },
    rollout(flag) {
      const def = definitionOf(flag);
      if (def === undefined) return [];
      const now = rolloutClock();
      return def.rules.flatMap((rule) => (rule.rollout === undefined ? [] : [rolloutStatus(rule, rule.rollout, now)]));
    },
    record(context, keys) {
      const ctx = context !== null && typeof context === 'object' ? context : EMPTY_CONTEXT;
      const served: EvaluationRecord = Object.freeze({
        context: ctx,
        variants: Object.freeze(servedVariants(ctx, keys)),
        at: clock(),
      });
      records.add(served);
      return served;
    },
    track(request, metric, value = 1) {
      if (listeners.track.size === 0) return;
      if (typeof metric !== 'string') {
        const shown = describeErrno(metric);
        fail(shown, 'GENERAL', `track(${shown}): the metric name must be a string; the sample was dropped`, undefined);
        return;
      }
      const number = typeof value === 'boolean' ? (value ? 1 : 0) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) {
        fail(
          metric,
          'GENERAL',
          `track(${JSON.stringify(metric)}): the value must be a finite number or a boolean (got ${describeErrno(value)}); the sample was dropped`,
          undefined,
        );
        return;
      }
      const isRecord = records.has(request as object);
      const ctx = isRecord
        ? (request as EvaluationRecord).context
        : request !== null && typeof request === 'object'
          ? (request as EvaluationContext)
          : EMPTY_CONTEXT;
      const variants = isRecord ? (request as EvaluationRecord).variants : servedVariants(ctx, undefined);
      let at: number;
      try {
        at = clock();
      } catch (error) {
        fail(
          metric,
          'GENERAL',
          `track(${JSON.stringify(metric)}): the clock option threw (${describeErrno(error)}); the sample was dropped`,
          error,
        );
        return;
      }
      emit('track', {
        metric,
        value: number,
        variants,
        at,
        context: ctx,
        ...(typeof value === 'boolean' ? { boolean: true } : {}),
      });
    },
    close() {
      closed = true;
      if (stepTimer !== undefined) clearTimeout(stepTimer);
      stop?.();
      stop = undefined;
    },
  };
}

function rolloutStatus(rule: RuleDefinition, schedule: RolloutSchedule, now: number): RolloutStatus {
  return {
    ruleIndex: rule.index,
    variant: schedule.variant,
    schedule,
    ...liveRollout(schedule, now),
    description: describeRollout(schedule, now),
  };
}

function notFoundMessage(flag: string, snapshot: Snapshot | undefined): string {
  if (!snapshot) return `${flag}: no registry has been loaded yet; await flags.ready before serving requests`;
  return `${flag}: not in the registry ${snapshot.registry.file}; add it to flags.json or fix the key`;
}

/** Problems that make a reloaded registry break the promises of the generated types. */
export function contractBreaches(registry: Registry, contract: RegistryContract): RegistryIssue[] {
  const out: RegistryIssue[] = [];
  const at = (pointer: string, flag: string, message: string): void => {
    const pos = registry.json.positionOf(pointer) ?? { line: 1, column: 1 };
    out.push({ file: registry.file, line: pos.line, column: pos.column, pointer, flag, message });
  };
  for (const [key, allowed] of Object.entries(contract)) {
    const def = registry.byKey.get(key);
    if (!def) {
      at(
        '/flags',
        key,
        `${key}: the flag was removed, but the running code was compiled against it; remove it with \`npx remove-flag ${key} --keep <variant>\` and deploy first`,
      );
      continue;
    }
    for (const v of def.variants) {
      if (!allowed.includes(v)) {
        at(
          `${def.pointer}/variants`,
          key,
          `${key}: variant ${JSON.stringify(v)} is not among the variants the running code was compiled against (${allowed.map((a) => JSON.stringify(a)).join(', ')}); run \`modelflags generate\` and deploy before serving it`,
        );
      }
    }
  }
  return out;
}
