/**
 * Progressive rollouts as data: durations, the linear and exponential shorthands, and the live
 * step of a schedule at a given time. Every process computes the live step from the registry and
 * its own clock, so a fleet agrees without a coordinator.
 */
import type { FlagDefinition, FlagValue, RolloutSchedule, RolloutStep, RuleDefinition } from './model.js';

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `"90s"`, `"6m"`, `"2h"`, `"1d"`, `"500ms"` → milliseconds; undefined when not a positive duration. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DURATION_PATTERN.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Milliseconds written back as the largest unit that divides them (`7200000` → `"2h"`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}

/**
 * At most this many steps: more is a typo (`"percent": 0.01` in a linear shorthand), not a schedule.
 * The shorthands stop expanding one step past it, so a runaway expansion costs nothing.
 */
export const MAX_ROLLOUT_STEPS = 100;

/**
 * AppConfig's linear strategy: `percent` more every `every`, up to 100 (`20` → 20, 40, 60, 80, 100).
 * Percentages are kept to two decimals, as everywhere in the registry. Longer than
 * {@link MAX_ROLLOUT_STEPS} (and then cut short) when the schedule would have too many steps.
 */
export function linearSteps(percent: number, everyMs: number): RolloutStep[] {
  const steps: RolloutStep[] = [];
  for (let k = 1; Math.round(percent * k * 100) < 10_000 && steps.length < MAX_ROLLOUT_STEPS; k++)
    steps.push({ percent: Math.round(percent * k * 100) / 100, holdMs: everyMs });
  steps.push({ percent: 100, holdMs: undefined });
  return steps;
}

/**
 * AppConfig's exponential strategy: start at `percent`, multiply by `factor` every `every`, end at
 * 100. Each step adds at least 0.01 points, so a step always adds users even where rounding to two
 * decimals would repeat a share (`0.01` × 1.1). Longer than {@link MAX_ROLLOUT_STEPS} (and then
 * cut short) when the schedule would have too many steps: a factor of 1.000001 must not hang the
 * process that validates it.
 */
export function exponentialSteps(percent: number, everyMs: number, factor: number): RolloutStep[] {
  const steps: RolloutStep[] = [];
  for (let k = 0; steps.length < MAX_ROLLOUT_STEPS; k++) {
    const grown = Math.round(percent * factor ** k * 100);
    const previous = steps.length > 0 ? Math.round(steps[steps.length - 1]!.percent * 100) : 0;
    const share = Math.max(grown, previous + 1);
    if (share >= 10_000) break;
    steps.push({ percent: share / 100, holdMs: everyMs });
  }
  steps.push({ percent: 100, holdMs: undefined });
  return steps;
}

export type RolloutPhase = 'pending' | 'live' | 'complete' | 'paused' | 'aborted';

/** Where a rollout stands at a moment. */
export interface LiveRollout {
  phase: RolloutPhase;
  /** 0-based index of the live step; -1 before the start, and for an aborted rollout. */
  step: number;
  /** Share of the rule's bucketing values served the variant now (0 when pending or aborted). */
  percent: number;
  /** When the live step began (ms since the epoch), or undefined when no step is live. */
  since: number | undefined;
  /**
   * When the next step begins (ms since the epoch); undefined when nothing is scheduled (the last
   * step, paused, aborted). With `promote: "when-healthy"` this is the earliest the next step may
   * begin, if the guardrail has seen no regression by then.
   */
  nextAt: number | undefined;
}

export function liveRollout(schedule: RolloutSchedule, now: number): LiveRollout {
  const { steps, state, current } = schedule;
  const last = steps.length - 1;
  if (state === 'aborted') return { phase: 'aborted', step: -1, percent: 0, since: undefined, nextAt: undefined };
  let step = current?.step ?? 0;
  let since = current?.sinceMs ?? schedule.startMs;
  // Validation makes a paused rollout name its step (`current_step`).
  if (state === 'paused') return { phase: 'paused', step, percent: steps[step]!.percent, since, nextAt: undefined };
  if (current === undefined && now < since)
    return { phase: 'pending', step: -1, percent: 0, since: undefined, nextAt: since };
  if (schedule.promote === 'on-schedule') {
    // Each hold is counted from the end of the previous one, not from when a process noticed it.
    while (step < last && now >= since + steps[step]!.holdMs!) {
      since += steps[step]!.holdMs!;
      step++;
    }
  }
  const nextAt = step < last ? since + steps[step]!.holdMs! : undefined;
  const phase = step === last ? 'complete' : 'live';
  return { phase, step, percent: steps[step]!.percent, since, nextAt };
}

/**
 * The flag as it evaluates at `now`: each rollout rule becomes a percentage rule serving its
 * variant to the live step's share (0 before the start and once aborted), so bucketing is exactly
 * `rollout_percentage`'s and a later step only adds users. Flags without rollouts are returned as is.
 */
export function liveDefinition(def: FlagDefinition, now: number): FlagDefinition {
  if (!def.rules.some((rule) => rule.rollout !== undefined)) return def;
  return { ...def, rules: def.rules.map((rule) => liveRule(rule, now)) };
}

function liveRule(rule: RuleDefinition, now: number): RuleDefinition {
  if (rule.rollout === undefined) return rule;
  return { ...rule, value: rule.rollout.variant, rolloutPercentage: liveRollout(rule.rollout, now).percent };
}

/** The next moment after `now` at which a rollout of the flag changes step on its own, or undefined. */
export function nextRolloutChange(def: FlagDefinition, now: number): number | undefined {
  let next: number | undefined;
  for (const rule of def.rules) {
    if (rule.rollout === undefined) continue;
    const live = liveRollout(rule.rollout, now);
    // A when-healthy rollout moves on only when promoted, but it starts on its own.
    if (rule.rollout.promote === 'when-healthy' && live.phase !== 'pending') continue;
    const at = live.nextAt;
    if (at !== undefined && at > now && (next === undefined || at < next)) next = at;
  }
  return next;
}

/** `"step 2 of 3 (25%) since 2026-12-10T11:00:00.000Z; step 3 (100%) at ..."`: for `eval`, `detail` and `rollout status`. */
export function describeRollout(schedule: RolloutSchedule, now: number): string {
  const live = liveRollout(schedule, now);
  const total = schedule.steps.length;
  const at = (ms: number): string => new Date(ms).toISOString();
  const next =
    live.nextAt === undefined
      ? ''
      : live.step + 1 < total
        ? `; step ${live.step + 2} (${schedule.steps[live.step + 1]!.percent}%) ${schedule.promote === 'when-healthy' ? 'when healthy, not before' : 'at'} ${at(live.nextAt)}`
        : '';
  switch (live.phase) {
    case 'aborted':
      return `aborted: ${JSON.stringify(schedule.variant)} serves nobody through this rule`;
    case 'pending':
      return `pending: step 1 of ${total} (${schedule.steps[0]!.percent}%) at ${at(live.nextAt!)}`;
    case 'paused':
      return `paused at step ${live.step + 1} of ${total} (${live.percent}%) since ${at(live.since!)}`;
    case 'complete':
      return `complete: step ${total} of ${total} (${live.percent}%) since ${at(live.since!)}`;
    case 'live':
      return `step ${live.step + 1} of ${total} (${live.percent}%) since ${at(live.since!)}${next}`;
  }
}

/**
 * The flag with one variant rolled back, as the guardrail does on a regression: each rollout of it
 * aborted, each percentage rule serving it set to 0%, each split share of it moved to `control`.
 * Rules that serve it to a segment or a pinned customer without a percentage keep serving.
 * Undefined when nothing of that kind serves the variant, or when `control` is not one of the
 * flag's variants (a split would then serve a value the typed module never promised).
 */
export function rollBackVariant(
  def: FlagDefinition,
  variant: FlagValue,
  control: FlagValue,
): FlagDefinition | undefined {
  if (!def.variants.includes(control)) return undefined;
  let changed = false;
  const rules = def.rules.map((rule): RuleDefinition => {
    if (rule.rollout?.variant === variant && rule.rollout.state !== 'aborted') {
      changed = true;
      return { ...rule, rollout: { ...rule.rollout, state: 'aborted' } };
    }
    if (rule.value === variant && rule.rollout === undefined && (rule.rolloutPercentage ?? 0) > 0) {
      changed = true;
      return { ...rule, rolloutPercentage: 0 };
    }
    const moved = rule.split?.find((s) => s.variant === variant)?.weight ?? 0;
    if (rule.split === undefined || moved === 0 || variant === control) return rule;
    changed = true;
    const split = rule.split.map((s) =>
      s.variant === variant
        ? { variant, weight: 0 }
        : s.variant === control
          ? { variant: control, weight: s.weight + moved }
          : s,
    );
    if (!split.some((s) => s.variant === control)) split.push({ variant: control, weight: moved });
    return { ...rule, split };
  });
  return changed ? { ...def, rules } : undefined;
}

/** What promoting a rollout did: the flag after it, the rule, and the step it now serves (0-based). */
export interface Promotion {
  def: FlagDefinition;
  ruleIndex: number;
  step: number;
}

/**
 * The flag with its live rollout of `variant` moved on to the next step at `now` (recorded as
 * `current_step`, so the next hold counts from here): what a `when-healthy` schedule waits for.
 * Undefined when that rollout is not live (pending, paused, aborted, complete) or its hold has not passed.
 */
export function promoteRollout(def: FlagDefinition, variant: FlagValue, now: number): Promotion | undefined {
  const rule = def.rules.find((r) => r.rollout?.variant === variant && r.rollout.state === 'active');
  if (rule === undefined) return undefined;
  const schedule = rule.rollout!;
  const live = liveRollout(schedule, now);
  if (live.phase !== 'live' || live.nextAt === undefined || now < live.nextAt) return undefined;
  const step = live.step + 1;
  const promoted = { ...schedule, current: { step, sinceMs: now } };
  return {
    def: { ...def, rules: def.rules.map((r) => (r === rule ? { ...r, rollout: promoted } : r)) },
    ruleIndex: rule.index,
    step,
  };
}

/** Whether some rule of the flag records a rollback of `variant`: an aborted rollout, a percentage rule at 0%, a split share of 0. */
export function wasRolledBack(def: FlagDefinition, variant: FlagValue): boolean {
  return def.rules.some(
    (rule) =>
      (rule.rollout?.variant === variant && rule.rollout.state === 'aborted') ||
      (rule.rollout === undefined && rule.value === variant && rule.rolloutPercentage === 0) ||
      rule.split?.some((s) => s.variant === variant && s.weight === 0) === true,
  );
}
