/**
 * Rollout schedules in exported documents. Every target is given the rollout as it stands at the
 * moment of export (`liveDefinition`): the live step's share as a percentage rule, so bucketing is
 * the percentage rule's. flagd, whose evaluator knows the time (`$flagd.timestamp`), is also given
 * the steps still to come; for the others the document is a snapshot, and `rolloutNotes` says until when.
 */
import { liveDefinition, liveRollout, type LiveRollout } from '../registry/rollout.js';
import type { FlagDefinition, Registry, RolloutSchedule } from '../registry/model.js';

export interface ExportOptions {
  /** The moment the document is exported for, in ms since the epoch (default now): rollouts serve their step at it. */
  now?: number;
}

export type ExportTarget = 'flagd' | 'appconfig' | 'launchdarkly';

/**
 * The flag as it serves at `now`, each rollout rule a percentage rule at its live step; a rollout
 * serving nobody (not started, aborted) is left out, as a 0% rule never matches.
 */
export function liveFlag(def: FlagDefinition, now: number): FlagDefinition {
  const live = liveDefinition(def, now);
  if (live === def) return def;
  return { ...live, rules: live.rules.filter((rule) => rule.rollout === undefined || rule.rolloutPercentage !== 0) };
}

/** A share a rollout serves until `until` (ms since the epoch; undefined: from then on). */
export interface ScheduledShare {
  percent: number;
  until: number | undefined;
}

/**
 * The shares a rollout serves from `now` on, as far as its schedule decides them by itself: the
 * live step, then each later step of an on-schedule rollout (a pending when-healthy one starts on
 * its own, but a promotion waits for the guardrail, which writes it to the registry).
 */
export function scheduledShares(schedule: RolloutSchedule, now: number): ScheduledShare[] {
  const shares: ScheduledShare[] = [];
  for (let at = now; ;) {
    const live = liveRollout(schedule, at);
    const until = advancesOnItsOwn(schedule, live) ? live.nextAt : undefined;
    shares.push({ percent: live.percent, until });
    if (until === undefined) return shares;
    at = until;
  }
}

function advancesOnItsOwn(schedule: RolloutSchedule, live: LiveRollout): boolean {
  return live.phase === 'pending' || schedule.promote === 'on-schedule';
}

const TARGET_NAME: Record<ExportTarget, string> = {
  flagd: 'flagd',
  appconfig: 'AppConfig',
  launchdarkly: 'LaunchDarkly',
};

/** Why the target cannot move a rollout from one step to the next by itself. */
const CANNOT_ADVANCE: Record<Exclude<ExportTarget, 'flagd'>, string> = {
  appconfig:
    'AppConfig cannot advance a rollout schedule: its rules cannot read the clock, and its deployment strategies roll a configuration out to hosts, not to a share of users',
  launchdarkly:
    "LaunchDarkly's SDKs cannot advance a rollout schedule: its progressive and guarded rollouts are run by its service (set through its UI or REST API) and are not part of the flag data in this file",
};

/**
 * What the document does not carry of each rollout, for stderr: a header and one line per rollout
 * whose step will change after `now`. Empty when every rollout is settled (complete, paused,
 * aborted) or its flag is switched off.
 */
export function rolloutNotes(registry: Registry, target: ExportTarget, now: number): string[] {
  const snapshot: string[] = [];
  const scheduled: string[] = [];
  for (const def of registry.flags) {
    if (!def.enabled) continue;
    for (const rule of def.rules) {
      if (rule.rollout === undefined) continue;
      const live = liveRollout(rule.rollout, now);
      if (live.nextAt === undefined) continue;
      const label = `  ${def.key} rule ${rule.index + 1}: ${stepText(rule.rollout, live)}`;
      if (target === 'flagd' && advancesOnItsOwn(rule.rollout, live)) {
        const then = rule.rollout.promote === 'when-healthy' ? ', then holds it until a promotion is exported' : '';
        scheduled.push(
          `${label}; flagd begins ${nextStep(rule.rollout, live)} at ${iso(live.nextAt)} by itself${then}`,
        );
      } else snapshot.push(`${label}, ${validity(rule.rollout, live, now)}`);
    }
  }
  const one = (lines: readonly string[], singular: string, plural: string): string =>
    lines.length === 1 ? singular : plural;
  const notes: string[] = [];
  if (scheduled.length > 0)
    notes.push(
      `note: flagd advances ${one(scheduled, 'this rollout on its', 'these rollouts on their')} schedule by itself ($flagd.timestamp, to the second); an abort, pause or resume in the registry, the guardrail's rollback included, reaches flagd only when you export again:`,
      ...scheduled,
    );
  if (snapshot.length > 0)
    notes.push(
      `note: ${target === 'flagd' ? 'a when-healthy rollout moves on when the guardrail promotes it, in its own process and, with write-back, in the registry, neither of which flagd reads' : CANNOT_ADVANCE[target]}. This document is a snapshot at ${iso(now)}: in ${TARGET_NAME[target]}, ${one(snapshot, 'this rollout stays where it is', 'these rollouts stay where they are')} until you export again:`,
      ...snapshot,
    );
  return notes;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `step 1 of 3 (5% get "b")`, or `not started (serves nobody)`. */
function stepText(schedule: RolloutSchedule, live: LiveRollout): string {
  if (live.phase === 'pending') return 'not started (serves nobody)';
  return `step ${live.step + 1} of ${schedule.steps.length} (${live.percent}% get ${JSON.stringify(schedule.variant)})`;
}

/** `step 2 (25%)`: the step after the live one (step 1 while pending). */
function nextStep(schedule: RolloutSchedule, live: LiveRollout): string {
  return `step ${live.step + 2} (${schedule.steps[live.step + 1]!.percent}%)`;
}

/** Until when the snapshot is right: the next step's start, or, with `when-healthy`, its promotion. */
function validity(schedule: RolloutSchedule, live: LiveRollout, now: number): string {
  const at = iso(live.nextAt!);
  if (advancesOnItsOwn(schedule, live)) return `valid until ${at}, when ${nextStep(schedule, live)} begins`;
  const when = live.nextAt! > now ? `at ${at} at the earliest` : `any time now (its hold ended at ${at})`;
  return `valid until the guardrail promotes it to ${nextStep(schedule, live)}, ${when}`;
}
