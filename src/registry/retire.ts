/**
 * The retire policy every tool applies: how long a flag may live (the cleanup horizon), which
 * variant a retired flag keeps, and the `remove-flag` command that retires it. The lint rules,
 * `modelflags audit` and `modelflags add` all ask here, so they never disagree about a flag.
 */
import type { FlagDefinition, FlagValue, RolloutSchedule } from './model.js';
import { liveDefinition, liveRollout } from './rollout.js';

/** The furthest a `cleanup_by` may be from today, in days (require-cleanup-date's default limit). */
export const CLEANUP_HORIZON_DAYS = 180;

/** The cleanup date a new flag gets when none is given: a quarter, well inside the horizon. */
export const DEFAULT_CLEANUP_DAYS = 90;

const DAY_MS = 86_400_000;

/** Today as `YYYY-MM-DD` in UTC. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`, UTC); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** What retiring a flag keeps, why, and the command that does it. */
export interface Retirement {
  /** The variant to keep, or undefined when no variant is served to everyone yet: a human picks the winner. */
  keep: FlagValue | undefined;
  why: string;
  command: string;
}

/**
 * The moment a check made as of `today` sees rollouts at: now when `today` is today (UTC), else the
 * start of that day, so a pinned date (`audit --today`, the rules' `today`) gives the same answer
 * on every run.
 */
export function momentOf(today: string): number {
  return today === todayUtc() ? Date.now() : Date.parse(`${today}T00:00:00Z`);
}

/**
 * When the rollout reaches its last step, as scheduled at `now`: exactly for an on-schedule
 * rollout, at the earliest for a when-healthy one. Undefined when nothing moves it there by itself:
 * it is there already, holds (paused) or was aborted.
 */
export function rolloutEndsAt(schedule: RolloutSchedule, now: number): number | undefined {
  const live = liveRollout(schedule, now);
  if (live.nextAt === undefined) return undefined;
  // A when-healthy step whose hold has passed moves on no earlier than now.
  let at = Math.max(live.nextAt, now);
  for (let step = live.step + 1; step < schedule.steps.length - 1; step++) at += schedule.steps[step]!.holdMs!;
  return at;
}

/** What retiring the flag keeps as of `today` (`YYYY-MM-DD`, UTC), rollouts at their step then. */
export function retirementOf(def: FlagDefinition, today: string): Retirement {
  const { variant, why } = servedToEveryone(def, momentOf(today));
  return { keep: variant, why, command: removeFlagCommand(def.key, variant) };
}

/** `npx remove-flag <flag> --keep <variant>`, the variant quoted for a POSIX shell when it needs it. */
export function removeFlagCommand(flag: string, keep: FlagValue | undefined): string {
  if (keep === undefined) return `npx remove-flag ${flag} --keep <variant>`;
  const s = String(keep);
  return `npx remove-flag ${flag} --keep ${/^[\w.:@/+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`}`;
}

/**
 * The one variant every request is served and why, or undefined and what to do: suggesting the
 * default for a flag still serving several variants would let a copied command ship the variant
 * that lost, so the reader chooses.
 */
function servedToEveryone(def: FlagDefinition, now: number): { variant: FlagValue | undefined; why: string } {
  if (!def.enabled) return { variant: def.defaultValue, why: 'it is switched off (enabled: false)' };
  const served = new Set<FlagValue>();
  let catchAll: number | undefined;
  // Whether a rule before the catch-all serves anyone: then more than one rule serves the variant.
  let servedEarlier = false;
  // A rollout that has not started serves nobody yet, but will serve its variant.
  const pending: { variant: FlagValue; why: string }[] = [];
  let partial: string | undefined;
  // Each rollout at its step `now`: a percentage rule of the live share (0% before it starts and once aborted).
  for (const rule of liveDefinition(def, now).rules) {
    const rollout = rule.rollout && { schedule: rule.rollout, live: liveRollout(rule.rollout, now) };
    const label = `rule ${rule.index + 1}'s rollout of ${JSON.stringify(rule.rollout?.variant)}`;
    if (rollout?.live.phase === 'pending')
      pending.push({
        variant: rollout.schedule.variant,
        why: `${label} has not started (step 1 at ${new Date(rollout.live.nextAt!).toISOString()}); name the variant to keep`,
      });
    const variants =
      rule.value !== undefined ? [rule.value] : (rule.split ?? []).filter((s) => s.weight > 0).map((s) => s.variant);
    // A 0% rollout or an all-zero split serves nobody.
    if (rule.rolloutPercentage === 0 || variants.length === 0) continue;
    // A 100% rollout or a one-variant split counts as everyone, although a request without a
    // bucketing value falls through it: that is the state "rolled out to 100%" names.
    if (rule.tests.length === 0 && (rule.rolloutPercentage === undefined || rule.rolloutPercentage === 100)) {
      catchAll = rule.index;
      for (const v of variants) served.add(v);
      break;
    }
    if (rollout !== undefined && rollout.live.percent < 100)
      partial ??= `${label} is at ${rollout.live.percent}% (step ${rollout.live.step + 1} of ${rollout.schedule.steps.length}); name the variant that won`;
    servedEarlier = true;
    for (const v of variants) served.add(v);
  }
  if (catchAll === undefined) served.add(def.defaultValue);
  const waiting = pending.find((p) => !served.has(p.variant));
  if (served.size !== 1 || waiting)
    return {
      variant: undefined,
      why: waiting?.why ?? partial ?? 'no variant is served to everyone yet; name the one that won',
    };
  const variant = [...served][0]!;
  const catchAllRule = catchAll === undefined ? undefined : def.rules[catchAll]!;
  const why =
    def.rules.length === 0
      ? 'it has no rules'
      : catchAllRule !== undefined && !servedEarlier
        ? catchAllRule.rollout !== undefined
          ? `rule ${catchAllRule.index + 1}'s rollout reached 100%`
          : `rule ${catchAllRule.index + 1} matches everyone`
        : 'every rule that can match serves it';
  return { variant, why };
}
