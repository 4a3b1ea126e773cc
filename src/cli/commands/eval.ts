/** `modelflags eval`: what a context gets from a flag, and why. */
import {
  bucketFor,
  compileRegistry,
  DEFAULT_RULE,
  DISABLED_RULE,
  outcome,
  passesTests,
  reasonFor,
  resolve as resolveFlag,
  type CompiledFlag,
  type EvaluationContext,
} from '../../runtime/evaluate/evaluator.js';
import { valueAtPointer } from '../../registry/json.js';
import { type Registry, rolloutThreshold, ROLLOUT_TOTAL_WEIGHT } from '../../registry/model.js';
import { didYouMean } from '../../registry/suggest.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { nowOption, readRegistry, registryOption } from '../options.js';
import { rolloutView, type RolloutView } from './rollout.js';

interface RolloutExplanation {
  rule: number;
  percentage: number;
  bucket: number | null;
  /** Whether the context passes the rule's other tests; the bucket decides only where it does. */
  conditionHolds: boolean;
  inRollout: boolean;
  text: string;
  /** For a rule of kind `rollout`: where it stands (as `rollout status --json`), and the step at which this context joins it. */
  rollout: (RolloutView & { joinsAtStep: number | null; joinsAt: string | null }) | null;
}

/**
 * Why each percentage rule up to the deciding one did or did not take this context: its bucket
 * (0–100, two decimals, from the evaluator's own hashing) against the rule's percentage. A rollout
 * rule is a percentage rule at its live step's share, so it is explained the same way, with the
 * step, and the step at which a context outside it joins.
 */
function rolloutExplanations(
  registry: Registry,
  flag: CompiledFlag,
  ctx: EvaluationContext,
  decidingRule: number,
  now: number,
): RolloutExplanation[] {
  const last = decidingRule >= 0 ? decidingRule : flag.definition.rules.length - 1;
  const written = registry.byKey.get(flag.definition.key)!;
  const out: RolloutExplanation[] = [];
  for (const rule of flag.definition.rules.slice(0, last + 1)) {
    const percentage = rule.rolloutPercentage;
    if (percentage === undefined) continue;
    const raw = bucketFor(ctx, flag.bucketBy, flag.bucketPath, flag.prefix, ROLLOUT_TOTAL_WEIGHT);
    const bucket = raw < 0 ? null : raw / 100;
    const conditionHolds = passesTests(rule, ctx);
    const inRollout = conditionHolds && raw >= 0 && raw < rolloutThreshold(percentage);
    const schedule = rule.rollout;
    const view = schedule && rolloutView(registry, written, written.rules[rule.index]!, now);
    const joins = schedule && raw >= 0 ? schedule.steps.findIndex((s) => raw < rolloutThreshold(s.percent)) : -1;
    const joinsAt = view && joins >= 0 ? view.schedule[joins]!.begins : null;
    const head =
      view === undefined
        ? `rule ${rule.index + 1} rollout ${percentage}%:`
        : `rule ${rule.index + 1} rollout of ${JSON.stringify(view.variant)} (${stage(view)}):`;
    let text: string;
    if (view?.phase === 'aborted') text = `${head} the rule serves nobody`;
    else if (!conditionHolds)
      text = `${head} the context does not match the rest of the rule's condition (${rule.tests.map((t) => t.attribute).join(', ')}), so the rule does not apply`;
    else if (bucket === null)
      text = `${head} the context has no usable "${flag.bucketBy}" (a non-empty string), so it is in no rollout`;
    else if (view?.phase === 'pending')
      text = `${head} bucket ${bucket.toFixed(2)}, not in the rollout yet${joinsText(view, joins, joinsAt)}`;
    else {
      const shown = bucket.toFixed(2);
      text = inRollout
        ? `${head} bucket ${shown} < ${percentage}, in the rollout`
        : `${head} bucket ${shown} ≥ ${percentage}, not in the rollout`;
      if (view && !inRollout) text += joinsText(view, joins, joinsAt);
    }
    out.push({
      rule: rule.index + 1,
      percentage,
      bucket,
      conditionHolds,
      inRollout,
      text,
      rollout: view ? { ...view, joinsAtStep: joins >= 0 ? joins + 1 : null, joinsAt } : null,
    });
  }
  return out;
}

/** `step 2 of 3, 25%`, `pending`, `paused at step 2 of 3, 25%`: where a rollout stands, short. */
function stage(view: RolloutView): string {
  const at = `step ${view.step} of ${view.steps}, ${view.percent}%`;
  return view.phase === 'live'
    ? at
    : view.phase === 'paused'
      ? `paused at ${at}`
      : view.phase === 'complete'
        ? `${at}, complete`
        : view.phase;
}

/** When a context outside a rollout's live step gets the variant: the first step whose share takes its bucket. */
function joinsText(view: RolloutView, joins: number, joinsAt: string | null): string {
  if (joins < 0) return '; no step of the schedule reaches it';
  const step = `step ${joins + 1} (${view.schedule[joins]!.percent}%)`;
  if (view.phase === 'paused') return `; it joins at ${step}, once the rollout is resumed`;
  if (joinsAt === null) return `; it joins at ${step}`;
  // A when-healthy rollout starts on its own; each later step waits for the guardrail.
  const whenHealthy = view.promote === 'when-healthy' && !(view.phase === 'pending' && joins === 0);
  return `; it joins at ${step}, ${whenHealthy ? 'when healthy, not before' : 'at'} ${joinsAt}`;
}

export default defineCommand(
  'what a context gets from a flag, and why',
  {
    name: 'modelflags eval',
    positionals: '<flag>',
    summary: 'Shows what a context gets from a flag, and why: the rule that matched, or why a rollout missed.',
    options: {
      registry: registryOption,
      context: { type: 'string', default: '{}', value: 'json', description: 'the evaluation context, a JSON object' },
      json: { type: 'boolean', default: false, description: 'print the result as JSON' },
      now: {
        type: 'string',
        value: 'ISO date-time',
        description:
          'evaluate rollout schedules as they stand at this moment, like 2026-12-10T09:00:00Z (default: now)',
      },
    },
    examples: [
      `npx modelflags eval inference_model --context '{"targetingKey":"user-1","user_segment":"beta"}'`,
      `npx modelflags eval inference_model --context '{"targetingKey":"user-1"}' --now 2026-12-10T12:00:00Z`,
    ],
  },
  async (values, positionals, io) => {
    const flagKey = positionals[0];
    if (!flagKey)
      throw new UsageError(
        `eval needs a flag key: modelflags eval inference_model --context '{"targetingKey":"user-1"}'`,
      );
    let context: unknown;
    try {
      context = JSON.parse(values.context);
    } catch (error) {
      throw new UsageError(
        `--context is not valid JSON (${(error as Error).message}); write it like '{"targetingKey":"user-1","user_segment":"beta"}'`,
      );
    }
    if (typeof context !== 'object' || context === null || Array.isArray(context))
      throw new UsageError('--context must be a JSON object of attributes');
    const now = nowOption(values.now);
    const registry = readRegistry(values.registry, io);
    // Rollout rules are compiled as the percentage rules they are at `now`, as a client does.
    const flag = compileRegistry(registry, undefined, { now }).flags.get(flagKey);
    if (!flag)
      throw new UsageError(
        `${flagKey}: not in ${values.registry}${didYouMean(
          flagKey,
          registry.flags.map((f) => f.key),
        )}`,
      );
    const ctx = context as EvaluationContext;
    const ruleIndex = resolveFlag(flag, ctx);
    const value = outcome.value;
    const reason = reasonFor(flag, ruleIndex);
    const rule = ruleIndex >= 0 ? registry.byKey.get(flagKey)!.rules[ruleIndex] : undefined;
    const rulePointer = `${flag.definition.pointer}/rules/${ruleIndex}`;
    const rawCondition = rule
      ? (valueAtPointer(registry.json.value, `${rulePointer}/condition`) as unknown)
      : undefined;
    const rollouts = ruleIndex === DISABLED_RULE ? [] : rolloutExplanations(registry, flag, ctx, ruleIndex, now);
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            flag: flagKey,
            value,
            variant: String(value),
            reason,
            ruleIndex: rule ? ruleIndex : null,
            condition: rawCondition ?? null,
            rollouts,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    io.out(`${flagKey} = ${JSON.stringify(value)}`);
    io.out(`  variant: ${String(value)}`);
    io.out(`  reason:  ${reason}`);
    if (rule) {
      const pos = registry.json.positionOf(rulePointer);
      io.out(
        `  rule:    ${ruleIndex + 1} of ${flag.rules.length} (${values.registry}:${pos?.line ?? 1}:${pos?.column ?? 1}) ${JSON.stringify(rawCondition)}`,
      );
    } else if (ruleIndex === DISABLED_RULE) {
      io.out('  rule:    none: the flag is disabled (kill switch), everyone gets the default');
    } else if (ruleIndex === DEFAULT_RULE) {
      io.out(
        flag.rules.length === 0
          ? '  rule:    none: the flag has no rules'
          : `  rule:    none of the ${flag.rules.length} rules matched, so the default is served`,
      );
    }
    for (const r of rollouts) {
      io.out(`  ${r.text}`);
      if (r.rollout) io.out(`    schedule: ${r.rollout.description}`);
    }
    return 0;
  },
);
