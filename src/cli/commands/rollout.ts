/**
 * `modelflags rollout`: where a flag's progressive rollouts stand (`status`), and the three things
 * a person does to one (`abort`, `pause`, `resume`), written into the registry with its formatting
 * kept. Every process computes the live step from the registry and its own clock, so an edit made
 * here reaches a fleet through whatever source serves the file.
 */
import { setRolloutState, type RolloutStateEdit } from '../../registry/edit.js';
import type {
  FlagDefinition,
  FlagValue,
  Registry,
  RolloutPromotion,
  RolloutSchedule,
  RolloutState,
  RuleDefinition,
} from '../../registry/model.js';
import { describeRollout, formatDuration, liveRollout, type RolloutPhase } from '../../registry/rollout.js';
import { didYouMean } from '../../registry/suggest.js';
import { formatIssue, parseRegistry } from '../../registry/validate.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { nowOption, readRegistryForEdit, registryOption, writeEditedRegistry } from '../options.js';

const ACTIONS = ['status', 'abort', 'pause', 'resume'] as const;
type Action = (typeof ACTIONS)[number];

/** One rollout rule as `status --json` prints it. */
export interface RolloutView {
  /** 1-based, as messages and `--rule` number rules. */
  rule: number;
  /** Where the rule's `rollout` object is: `flags.json:21:40`. */
  at: string;
  variant: FlagValue;
  state: RolloutState;
  promote: RolloutPromotion;
  phase: RolloutPhase;
  /** 1-based live (or held) step; null before the start and once aborted. */
  step: number | null;
  steps: number;
  /** Share of the rule's bucketing values served the variant now. */
  percent: number;
  since: string | null;
  /** The next step, when one is coming: at `at`, or not before `at` when it waits for the guardrail. */
  next: { step: number; percent: number; at: string; whenHealthy: boolean } | null;
  description: string;
  start: string;
  /** Each step, with when it began or begins where that is known (the earliest, for a when-healthy step). */
  schedule: { step: number; percent: number; hold: string | null; begins: string | null }[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function rolloutView(registry: Registry, def: FlagDefinition, rule: RuleDefinition, now: number): RolloutView {
  const schedule = rule.rollout!;
  const live = liveRollout(schedule, now);
  const pos = registry.json.positionOf(`${def.pointer}/rules/${rule.index}/rollout`);
  const begins = stepBeginnings(schedule, live.phase);
  const nextIndex = live.phase === 'pending' ? 0 : live.step + 1;
  return {
    rule: rule.index + 1,
    at: `${registry.file}:${pos?.line ?? 1}:${pos?.column ?? 1}`,
    variant: schedule.variant,
    state: schedule.state,
    promote: schedule.promote,
    phase: live.phase,
    step: live.step < 0 ? null : live.step + 1,
    steps: schedule.steps.length,
    percent: live.percent,
    since: live.since === undefined ? null : iso(live.since),
    next:
      live.nextAt === undefined
        ? null
        : {
            step: nextIndex + 1,
            percent: schedule.steps[nextIndex]!.percent,
            at: iso(live.nextAt),
            whenHealthy: live.phase !== 'pending' && schedule.promote === 'when-healthy',
          },
    description: describeRollout(schedule, now),
    start: iso(schedule.startMs),
    schedule: schedule.steps.map((step, i) => ({
      step: i + 1,
      percent: step.percent,
      hold: step.holdMs === undefined ? null : formatDuration(step.holdMs),
      begins: begins[i] === undefined ? null : iso(begins[i]!),
    })),
  };
}

/**
 * When each step began or begins, counted from `current_step` (or `start`) through the holds; a
 * step before `current_step` began at a time the registry no longer says. Nothing is known of a
 * held or aborted rollout's steps.
 */
function stepBeginnings(schedule: RolloutSchedule, phase: RolloutPhase): (number | undefined)[] {
  if (phase === 'paused' || phase === 'aborted') return schedule.steps.map(() => undefined);
  const from = schedule.current?.step ?? 0;
  let at = schedule.current?.sinceMs ?? schedule.startMs;
  return schedule.steps.map((step, i) => {
    if (i < from) return undefined;
    const begins = at;
    at += step.holdMs ?? 0;
    return begins;
  });
}

/** `status`'s text for one rollout; `ruleArg` (` --rule N`) goes into the commands it suggests. */
function formatView(view: RolloutView, flag: string, bucketBy: string, ruleArg: string): string[] {
  const share = (step: number, percent: number): string =>
    `step ${step} of ${view.steps}, ${percent}% of "${bucketBy}" values`;
  const phase = ((): string => {
    switch (view.phase) {
      case 'pending':
        return `pending: nobody yet; step 1 begins at ${view.start}`;
      case 'live':
        return `live: ${share(view.step!, view.percent)}, since ${view.since}`;
      case 'complete':
        return `complete: ${share(view.step!, view.percent)}, its last step, since ${view.since}`;
      case 'paused':
        return `paused: held at ${share(view.step!, view.percent)}, since ${view.since}`;
      case 'aborted':
        return "aborted: the rule serves nobody; the flag's other rules keep serving";
    }
  })();
  const next = ((): string => {
    if (view.next !== null)
      return `step ${view.next.step} (${view.next.percent}%) ${view.next.whenHealthy ? 'when healthy, not before' : 'at'} ${view.next.at}`;
    if (view.phase === 'paused')
      return `none while paused; \`modelflags rollout resume ${flag}${ruleArg}\` restarts the step's hold`;
    if (view.phase === 'aborted')
      return `none; \`modelflags rollout resume ${flag}${ruleArg}\` starts over at step 1 (${view.schedule[0]!.percent}%)`;
    return 'none: the last step is live';
  })();
  const rows = view.schedule.map((s) => {
    const when =
      s.begins === null
        ? view.phase === 'aborted'
          ? ''
          : view.step !== null && s.step < view.step
            ? 'done'
            : view.phase === 'paused' && s.step === view.step
              ? 'held'
              : 'after resume'
        : // Step 1 begins at "start" either way; a later one waits for a promotion.
          s.step > (view.step ?? 1) && view.promote === 'when-healthy'
          ? `not before ${s.begins}`
          : s.begins;
    return {
      marker: s.step === view.step ? '>' : ' ',
      label: `step ${s.step}`,
      percent: `${s.percent}%`,
      hold: s.hold ? `hold ${s.hold}` : '',
      when,
    };
  });
  const width = (pick: (r: (typeof rows)[number]) => string): number => Math.max(...rows.map((r) => pick(r).length));
  const [label, percent, hold] = [width((r) => r.label), width((r) => r.percent), width((r) => r.hold)];
  return [
    `${flag}, rule ${view.rule}: rollout of ${JSON.stringify(view.variant)} (${view.at})`,
    `  state:    ${view.state}, promote ${view.promote}`,
    `  phase:    ${phase}`,
    `  next:     ${next}`,
    `  start:    ${view.start}`,
    '  schedule:',
    ...rows.map((r) =>
      `    ${r.marker} ${r.label.padEnd(label)}  ${r.percent.padStart(percent)}  ${r.hold.padEnd(hold)}  ${r.when}`.trimEnd(),
    ),
  ];
}

/** The flag's rollout rules the command acts on: `--rule N`, or all of them (one, for an edit). */
function chosenRules(
  def: FlagDefinition,
  ruleOption: string | undefined,
  action: Action,
  now: number,
): RuleDefinition[] {
  const rollouts = def.rules.filter((r) => r.rollout !== undefined);
  const listing = (): string =>
    rollouts
      .map((r) => `  --rule ${r.index + 1}  ${JSON.stringify(r.rollout!.variant)}: ${describeRollout(r.rollout!, now)}`)
      .join('\n');
  if (rollouts.length === 0)
    throw new UsageError(
      `${def.key} has no rollout rule (a rule with "rollout": { "variant", "start", "steps" }); see docs/registry.md#progressive-rollouts`,
    );
  if (ruleOption !== undefined) {
    if (!/^[1-9]\d*$/.test(ruleOption))
      throw new UsageError(`--rule must be a rule number, 1 for the flag's first rule (got "${ruleOption}")`);
    const rule = def.rules[Number(ruleOption) - 1];
    if (rule?.rollout === undefined)
      throw new UsageError(
        `${def.key}: rule ${ruleOption} ${rule === undefined ? `does not exist (the flag has ${def.rules.length} rules)` : 'is not a rollout'}; its rollout rules are:\n${listing()}`,
      );
    return [rule];
  }
  if (action !== 'status' && rollouts.length > 1)
    throw new UsageError(
      `${def.key} has ${rollouts.length} rollout rules; say which to ${action} with --rule:\n${listing()}\nNothing was written`,
    );
  return rollouts;
}

type Plan = { edit: RolloutStateEdit; message: string } | { edit: undefined; message: string };

/**
 * What an action writes, and what to tell the user, or a {@link UsageError} when it makes no sense
 * for the rollout as it stands. An action already in effect writes nothing.
 */
function plan(
  action: Exclude<Action, 'status'>,
  def: FlagDefinition,
  rule: RuleDefinition,
  now: number,
  file: string,
  ruleArg: string,
): Plan {
  const schedule = rule.rollout!;
  const live = liveRollout(schedule, now);
  const total = schedule.steps.length;
  const name = `${def.key}: rule ${rule.index + 1}'s rollout of ${JSON.stringify(schedule.variant)}`;
  const command = (verb: string): string => `\`modelflags rollout ${verb} ${def.key}${ruleArg}\``;
  const at = (step: number): string => `step ${step + 1} of ${total} (${schedule.steps[step]!.percent}%)`;
  switch (action) {
    case 'abort':
      if (live.phase === 'aborted')
        return { edit: undefined, message: `${name} is already aborted; nothing was written` };
      return {
        edit: { state: 'aborted' },
        message: `${name} aborted in ${file} (it was ${live.phase === 'pending' ? 'pending' : `at ${at(live.step)}`}): the rule serves nobody; the flag's other rules keep serving. ${command('resume')} starts it over at step 1`,
      };
    case 'pause':
      if (live.phase === 'paused')
        return { edit: undefined, message: `${name} is already paused at ${at(live.step)}; nothing was written` };
      if (live.phase === 'aborted')
        throw new UsageError(
          `${name} is aborted: it serves nobody, so there is no step to hold. ${command('resume')} starts it over at step 1; nothing was written`,
        );
      if (live.phase === 'pending')
        throw new UsageError(
          `${name} has not started (step 1 begins at ${iso(live.nextAt!)}), so there is no step to hold. To keep it from starting, ${command('abort')} or move its "start"; nothing was written`,
        );
      if (live.phase === 'complete')
        throw new UsageError(
          `${name} is complete: ${at(live.step)} is its last step, so there is nothing left to hold. To take the variant back, ${command('abort')}; nothing was written`,
        );
      return {
        edit: { state: 'paused', current: { step: live.step, sinceMs: now } },
        message: `${name} paused at ${at(live.step)} in ${file}: it holds that share until ${command('resume')}`,
      };
    case 'resume': {
      if (live.phase === 'paused') {
        const step = live.step;
        const hold = schedule.steps[step]!.holdMs;
        const next =
          hold === undefined
            ? 'it is the last step'
            : `the step's ${formatDuration(hold)} hold restarts now, so step ${step + 2} (${schedule.steps[step + 1]!.percent}%) begins ${schedule.promote === 'when-healthy' ? 'when healthy, not before' : 'at'} ${iso(now + hold)}`;
        return {
          edit: { state: 'active', current: { step, sinceMs: now } },
          message: `${name} resumed at ${at(step)} in ${file}: ${next}`,
        };
      }
      if (live.phase === 'aborted') {
        // Like AppConfig's and LaunchDarkly's rollbacks, and Argo Rollouts' retry: a rollout stopped
        // for a regression starts again from its smallest share, not from where it was stopped.
        if (schedule.current === undefined && now < schedule.startMs)
          return {
            edit: { state: 'active' },
            message: `${name} resumed in ${file}; it has not started: ${at(0)} begins at its start, ${iso(schedule.startMs)}`,
          };
        const hold = schedule.steps[0]!.holdMs;
        return {
          edit: { state: 'active', current: { step: 0, sinceMs: now } },
          message: `${name} resumed in ${file}, starting over at ${at(0)} now (an aborted rollout does not return to the share it was stopped at)${hold === undefined ? '' : `; step 2 (${schedule.steps[1]!.percent}%) ${schedule.promote === 'when-healthy' ? 'when healthy, not before' : 'at'} ${iso(now + hold)}`}`,
        };
      }
      return {
        edit: undefined,
        message: `${name} is active (${describeRollout(schedule, now)}); there is nothing to resume, and nothing was written`,
      };
    }
  }
}

export default defineCommand(
  'where a rollout stands; abort, pause or resume it',
  {
    name: 'modelflags rollout',
    positionals: '<status|abort|pause|resume> <flag>',
    summary: [
      "Shows where a flag's progressive rollouts stand, or changes one in the registry, keeping the file as formatted.",
      '  status  the live step and its share, since when, when the next step begins, the whole schedule',
      '  abort   stop serving the variant through the rule ("state": "aborted"); the flag\'s other rules keep serving',
      '  pause   hold the live step ("state": "paused", "current_step") until resumed',
      '  resume  a paused rollout continues from its step, whose hold restarts now; an aborted one starts over',
      '          at step 1 now (or at its "start", if that is still ahead)',
    ].join('\n'),
    options: {
      registry: registryOption,
      rule: {
        type: 'string',
        value: 'N',
        description: "the rollout rule, numbered from 1 among the flag's rules (needed to change a flag with several)",
      },
      json: { type: 'boolean', default: false, description: 'print the result as JSON' },
      now: {
        type: 'string',
        value: 'ISO date-time',
        description:
          'the moment the schedule is read at, and edits are dated, like 2026-12-10T09:00:00Z (default: now)',
      },
    },
    notes:
      'The edit is validated before it is written, and written only if the file still holds what was read.\nExit 0 done (also when the rollout is already as asked), 2 bad usage or input (nothing written).',
    examples: [
      'npx modelflags rollout status inference_model',
      'npx modelflags rollout abort inference_model --rule 3',
      'npx modelflags rollout resume inference_model',
    ],
  },
  (values, positionals, io) => {
    const [actionName, flagKey, ...extra] = positionals;
    const usage =
      'modelflags rollout status|abort|pause|resume <flag>, for example: modelflags rollout status inference_model';
    if (actionName === undefined) throw new UsageError(`rollout needs an action and a flag: ${usage}`);
    if (!(ACTIONS as readonly string[]).includes(actionName))
      throw new UsageError(`unknown rollout action "${actionName}"${didYouMean(actionName, ACTIONS)}: ${usage}`);
    const action = actionName as Action;
    if (flagKey === undefined)
      throw new UsageError(`rollout ${action} needs a flag key: modelflags rollout ${action} inference_model`);
    if (extra.length > 0) throw new UsageError(`rollout ${action} takes one flag key (got also: ${extra.join(' ')})`);
    const now = nowOption(values.now);
    const { registry, text, file } = readRegistryForEdit(values.registry, io);
    const def = registry.byKey.get(flagKey);
    if (!def) {
      const withRollouts = registry.flags.filter((f) => f.rules.some((r) => r.rollout)).map((f) => f.key);
      throw new UsageError(
        `${flagKey}: not in ${values.registry}${didYouMean(
          flagKey,
          registry.flags.map((f) => f.key),
        )}${withRollouts.length > 0 ? `; flags with rollouts: ${withRollouts.join(', ')}` : ''}`,
      );
    }
    const rules = chosenRules(def, values.rule, action, now);
    // The commands suggested name the rule when the flag has more than one rollout.
    const ruleArg = (rule: number): string => (def.rules.filter((r) => r.rollout).length > 1 ? ` --rule ${rule}` : '');

    if (action === 'status') {
      const views = rules.map((rule) => rolloutView(registry, def, rule, now));
      if (values.json) {
        io.out(
          JSON.stringify(
            { flag: def.key, registry: values.registry, now: iso(now), enabled: def.enabled, rollouts: views },
            null,
            2,
          ),
        );
        return 0;
      }
      const blocks = views.map((view) => formatView(view, def.key, def.bucketBy, ruleArg(view.rule)).join('\n'));
      if (!def.enabled)
        blocks.push(
          `note: ${def.key} is disabled ("enabled": false, the kill switch): everyone gets its default, whatever the rollouts' steps`,
        );
      io.out(blocks.join('\n\n'));
      return 0;
    }

    const rule = rules[0]!;
    const planned = plan(action, def, rule, now, values.registry, ruleArg(rule.index + 1));
    let after = registry;
    if (planned.edit !== undefined) {
      const updated = setRolloutState(text, def.key, rule.index, planned.edit, values.registry);
      // Never write a registry that does not validate; every service would reject it.
      const parsed = parseRegistry(updated, values.registry);
      if (!parsed.registry)
        throw new UsageError(
          `the edit would leave ${values.registry} invalid, so nothing was written:\n${parsed.issues.map(formatIssue).join('\n')}`,
        );
      writeEditedRegistry(file, values.registry, text, updated, 'the rollout was being updated');
      after = parsed.registry;
    }
    const afterDef = after.byKey.get(def.key)!;
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            flag: def.key,
            registry: values.registry,
            now: iso(now),
            action,
            rule: rule.index + 1,
            written: planned.edit !== undefined,
            message: planned.message,
            rollout: rolloutView(after, afterDef, afterDef.rules[rule.index]!, now),
          },
          null,
          2,
        ),
      );
    } else io.out(planned.message);
    return 0;
  },
);
