import type { TSESTree } from '@typescript-eslint/utils';
import type { FlagRead } from './detection/index.js';
import { branchesOn, choosesPrompt, sinkOf, type Sink } from './flow.js';
import { createRule, flowOf, registryOf, valueUses } from './support.js';

type MessageId = 'bothDimensions' | 'promptBranch' | 'dimensionMismatch' | 'aiConfig';
type Options = [{ reportAiConfigs?: boolean }];

/** Registry dimensions and the code parameter each one is allowed to reach. */
const EXPECTED: Record<string, Sink['dimension'] | undefined> = { model: 'model', prompt: 'prompt' };

export default createRule<Options, MessageId>({
  name: 'separate-dimensions',
  meta: {
    type: 'problem',
    docs: {
      description: 'Keep model and prompt behind separate flags so quality changes can be attributed',
      usesTypeInformation: true,
    },
    messages: {
      bothDimensions:
        '{{flag}} drives both the model ({{modelVia}}, line {{modelLine}}) and the prompt ({{promptVia}}, line {{promptLine}}). When quality moves nobody can tell which change caused it: split it into a model flag (e.g. `inference_model`) and a prompt flag (e.g. `system_prompt_version`).',
      promptBranch:
        '{{flag}} selects the model, and this code picks a prompt by branching on it, so every model change silently changes the prompt too. Give the prompt its own flag (dimension "prompt") and read it here instead.',
      dimensionMismatch:
        '{{flag}} is declared with dimension "{{declared}}" in the registry, but its value is used as the {{used}} here ({{via}}). Fix the registry dimension or use a flag whose dimension is "{{used}}".',
      aiConfig:
        'LaunchDarkly AI Config {{flag}} bundles the model and the prompt in one flag, so a quality change after a variation switch cannot be attributed to either. Prefer one flag per dimension, or record both the model and the prompt version with every evaluation.',
    },
    schema: [
      {
        type: 'object',
        properties: {
          reportAiConfigs: {
            type: 'boolean',
            default: false,
            description:
              'Also report LaunchDarkly AI Configs, which bundle model and prompt by design (on in `strict`).',
          },
        },
        additionalProperties: false,
      },
    ],
  },
  defaultOptions: [{ reportAiConfigs: false }],
  create(context, [options]) {
    return {
      Program() {
        const registry = registryOf(context);
        const { reads: allReads, resolve, follow } = flowOf(context, registry);
        const reads = allReads.filter((r) => r.valueKind !== 'definition');
        if (reads.length === 0) return;
        const byFlag = new Map<string, { read: FlagRead; sinks: Sink[] }[]>();
        for (const read of reads) {
          if (read.valueKind === 'bundle' && read.sdk === 'launchdarkly') {
            if (options.reportAiConfigs)
              context.report({ node: read.call, messageId: 'aiConfig', data: { flag: label(read) } });
            continue;
          }
          const sinks = valueUses(read, resolve).flatMap((use) => sinkOf(use, resolve, follow));
          const group = read.key ?? `\u0000${read.call.range[0]}`;
          byFlag.set(group, [...(byFlag.get(group) ?? []), { read, sinks }]);
        }
        const reportedBranches = new Set<TSESTree.Node>();
        for (const entries of byFlag.values()) {
          const first = entries[0]!.read;
          const all = entries.flatMap((e) => e.sinks);
          const model = all.find((s) => s.dimension === 'model');
          const prompt = all.find((s) => s.dimension === 'prompt');
          const declared = first.key === undefined ? undefined : registry?.byKey.get(first.key)?.dimension;
          if (model && prompt) {
            const at = entries.find((e) => e.sinks.includes(prompt))?.read ?? first;
            context.report({
              node: at.call,
              messageId: 'bothDimensions',
              data: {
                flag: label(first),
                modelVia: model.via,
                modelLine: String(model.node.loc.start.line),
                promptVia: prompt.via,
                promptLine: String(prompt.node.loc.start.line),
              },
            });
            continue;
          }
          const used = model ?? prompt;
          if (declared !== undefined && used && declared !== 'other' && EXPECTED[declared] !== used.dimension) {
            context.report({
              node: used.node,
              messageId: 'dimensionMismatch',
              data: { flag: label(first), declared, used: used.dimension, via: used.via },
            });
            continue;
          }
          if (declared === 'model' || (declared === undefined && model)) {
            for (const { read } of entries) {
              for (const use of valueUses(read, resolve)) {
                const branch = branchesOn(use);
                if (!branch || reportedBranches.has(branch)) continue;
                const arms =
                  branch.type === 'SwitchStatement'
                    ? branch.cases
                    : [branch.consequent, branch.alternate].filter((a): a is NonNullable<typeof a> => a != null);
                if (arms.some(choosesPrompt)) {
                  reportedBranches.add(branch);
                  context.report({
                    node: branch.type === 'SwitchStatement' ? branch.discriminant : branch.test,
                    messageId: 'promptBranch',
                    data: { flag: label(read) },
                  });
                }
              }
            }
          }
        }
      },
    };
  },
});

function label(read: FlagRead): string {
  return read.key === undefined ? 'This flag' : `\`${read.key}\``;
}
