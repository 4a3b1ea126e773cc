/** `modelflags eval`: what a context gets from a flag, and why. */
import {
  bucketFor,
  compileRegistry,
  DEFAULT_RULE,
  DISABLED_RULE,
  outcome,
  reasonFor,
  resolve as resolveFlag,
  type CompiledFlag,
  type EvaluationContext,
} from '../../runtime/evaluate/evaluator.js';
import { valueAtPointer } from '../../registry/json.js';
import { rolloutThreshold, ROLLOUT_TOTAL_WEIGHT } from '../../registry/model.js';
import { didYouMean } from '../../registry/suggest.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { readRegistry, registryOption } from '../options.js';

/**
 * Why each percentage rule up to the deciding one did or did not take this context: its bucket
 * (0–100, two decimals, from the evaluator's own hashing) against the rule's percentage.
 */
function rolloutExplanations(
  flag: CompiledFlag,
  ctx: EvaluationContext,
  decidingRule: number,
): { rule: number; percentage: number; bucket: number | null; inRollout: boolean; text: string }[] {
  const last = decidingRule >= 0 ? decidingRule : flag.definition.rules.length - 1;
  const out = [];
  for (const rule of flag.definition.rules.slice(0, last + 1)) {
    const percentage = rule.rolloutPercentage;
    if (percentage === undefined) continue;
    const raw = bucketFor(ctx, flag.bucketBy, flag.bucketPath, flag.prefix, ROLLOUT_TOTAL_WEIGHT);
    const head = `rule ${rule.index + 1} rollout ${percentage}%:`;
    if (raw < 0) {
      out.push({
        rule: rule.index + 1,
        percentage,
        bucket: null,
        inRollout: false,
        text: `${head} the context has no usable "${flag.bucketBy}" (a non-empty string), so it is in no rollout`,
      });
      continue;
    }
    const bucket = raw / 100;
    const inRollout = raw < rolloutThreshold(percentage);
    const shown = bucket.toFixed(2);
    out.push({
      rule: rule.index + 1,
      percentage,
      bucket,
      inRollout,
      text: inRollout
        ? `${head} bucket ${shown} < ${percentage}, in the rollout`
        : `${head} bucket ${shown} ≥ ${percentage}, not in the rollout`,
    });
  }
  return out;
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
    },
    examples: [`npx modelflags eval inference_model --context '{"targetingKey":"user-1","user_segment":"beta"}'`],
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
    const registry = readRegistry(values.registry, io);
    const flag = compileRegistry(registry).flags.get(flagKey);
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
    const rollouts = ruleIndex === DISABLED_RULE ? [] : rolloutExplanations(flag, ctx, ruleIndex);
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
    for (const r of rollouts) io.out(`  ${r.text}`);
    return 0;
  },
);
