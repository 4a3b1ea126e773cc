import type { TSESTree } from '@typescript-eslint/utils';
import type { FlagDefinition } from 'modelflags/registry';
import { ROLLOUT_PERCENTAGE } from 'modelflags/registry';
import { unwrapExpression } from './detection/index.js';
import { createRule, formatValue, keysOfRead, NO_REGISTRY_MESSAGE, registryAndReads } from './support.js';

type MessageId = 'missingContext' | 'emptyContext' | 'noRegistry';

/**
 * OpenFeature can carry the context per request without passing it at the call: a transaction
 * context, or the NestJS SDK, whose module builds one per request from its `contextFactory`.
 */
const TRANSACTION_CONTEXT =
  /\b(setTransactionContext|runWithTransactionContext|setTransactionContextPropagator|setContext)\b|['"]@openfeature\/nestjs-sdk['"]/;

export default createRule<[], MessageId>({
  name: 'require-context',
  meta: {
    type: 'problem',
    docs: { description: 'Require an evaluation context when reading a flag that has targeting rules' },
    messages: {
      missingContext:
        "`{{flag}}` is targeted ({{targeting}}), but this read passes no evaluation context, so every request silently gets the default {{default}}. Pass the request's context, e.g. `{ {{attributes}} }`.",
      emptyContext:
        '`{{flag}}` is targeted ({{targeting}}), but this read passes an empty evaluation context, so every request silently gets the default {{default}}. Fill in {{attributes}} from the request.',
      noRegistry: NO_REGISTRY_MESSAGE,
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        const found = registryAndReads(context, (r) => r.contextExpected);
        if (!found) return;
        const { registry, reads } = found;
        const openFeatureContextElsewhere = TRANSACTION_CONTEXT.test(context.sourceCode.text);
        for (const read of reads) {
          if (read.sdk === 'openfeature' && openFeatureContextElsewhere) continue;
          const problem = contextProblem(read.contextNode);
          if (!problem) continue;
          for (const key of keysOfRead(context, read) ?? []) {
            const flag = registry.byKey.get(key);
            if (!flag || flag.rules.length === 0) continue;
            const attributes = attributesOf(flag);
            context.report({
              node: read.contextNode ?? read.call,
              messageId: problem,
              data: {
                flag: key,
                targeting: `${flag.rules.length} rule${flag.rules.length === 1 ? '' : 's'} on ${attributes.join(', ')}`,
                default: formatValue(flag.defaultValue),
                attributes:
                  problem === 'missingContext'
                    ? attributes.map((a) => `${a}: …`).join(', ')
                    : attributes.map((a) => `"${a}"`).join(', '),
              },
            });
          }
        }
      },
    };
  },
});

function contextProblem(node: TSESTree.Node | undefined): MessageId | undefined {
  if (!node) return 'missingContext';
  const n = unwrapExpression(node);
  if (n.type === 'Identifier' && n.name === 'undefined') return 'missingContext';
  if (n.type === 'Literal' && n.value === null) return 'missingContext';
  if (n.type === 'ObjectExpression' && n.properties.length === 0) return 'emptyContext';
  return undefined;
}

/** The context attributes the flag's rules look at, bucketing attribute included. */
function attributesOf(flag: FlagDefinition): string[] {
  const out = new Set<string>();
  for (const rule of flag.rules) {
    for (const test of rule.tests) out.add(test.attribute);
    // A percentage, a split and a rollout hash the bucketing attribute: without it they match nobody.
    if (rule.rolloutPercentage !== undefined || rule.split !== undefined || rule.rollout !== undefined)
      out.add(flag.bucketBy);
  }
  out.delete(ROLLOUT_PERCENTAGE);
  return out.size > 0 ? [...out] : [flag.bucketBy];
}
