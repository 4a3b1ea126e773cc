import type { TSESTree } from '@typescript-eslint/utils';
import { closestMatch, type FlagDefinition } from 'modelflags/registry';
import { outerParent } from './detection/index.js';
import {
  createRule,
  formatValue,
  formatVariants,
  keysOfRead,
  literalValue,
  NO_REGISTRY_MESSAGE,
  flowOf,
  registryAndReads,
  valueSource,
  valueUses,
} from './support.js';
import type { ParameterUses } from './typed-flow.js';

type MessageId =
  'unknownVariant' | 'unknownVariantDidYouMean' | 'unknownVariantInCallee' | 'replaceVariant' | 'noRegistry';

const EQUALITY = new Set(['===', '!==', '==', '!=']);

export default createRule<[], MessageId>({
  name: 'no-unknown-variant',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description:
        "Disallow comparing, switching on or defaulting a flag's value to something that is not one of its variants",
      usesTypeInformation: true,
    },
    messages: {
      unknownVariant:
        '{{value}} is {{how}} `{{flag}}`, but it is not one of its variants ({{variants}}), so this code can never see it. Use a declared variant or add it to the registry.',
      unknownVariantDidYouMean:
        '{{value}} is {{how}} `{{flag}}`, but it is not one of its variants ({{variants}}); did you mean {{suggestion}}?',
      unknownVariantInCallee:
        '`{{flag}}` is passed to `{{callee}}()`, which checks it against {{value}} ({{where}}), but that is not one of its variants ({{variants}}), so that code can never see it. Use a declared variant there or add it to the registry.',
      replaceVariant: 'Replace with {{suggestion}}.',
      noRegistry: NO_REGISTRY_MESSAGE,
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const check = (flag: FlagDefinition, node: TSESTree.Node, how: string): void => {
      const literal = literalValue(node);
      if (!literal || flag.variants.includes(literal.value)) return;
      const strings = flag.variants.filter((v): v is string => typeof v === 'string');
      const suggestion = typeof literal.value === 'string' ? closestMatch(literal.value, strings) : undefined;
      context.report({
        node,
        messageId: suggestion === undefined ? 'unknownVariant' : 'unknownVariantDidYouMean',
        data: {
          value: formatValue(literal.value),
          how,
          flag: flag.key,
          variants: formatVariants(flag),
          suggestion: suggestion === undefined ? '' : formatValue(suggestion),
        },
        suggest:
          suggestion === undefined
            ? []
            : [
                {
                  messageId: 'replaceVariant',
                  data: { suggestion: formatValue(suggestion) },
                  fix: (fixer) => fixer.replaceText(node, valueSource(suggestion, node, context.sourceCode)),
                },
              ],
      });
    };

    const checkInCallee = (flag: FlagDefinition, argument: TSESTree.Node, inner: ParameterUses): void => {
      for (const use of inner.uses) {
        for (const { node } of comparedWith(use)) {
          const literal = literalValue(node);
          if (!literal || flag.variants.includes(literal.value)) continue;
          context.report({
            node: argument,
            messageId: 'unknownVariantInCallee',
            data: {
              flag: flag.key,
              callee: inner.callee.name,
              value: formatValue(literal.value),
              where: `${inner.callee.path}:${node.loc.start.line}`,
              variants: formatVariants(flag),
            },
          });
        }
      }
    };

    return {
      Program() {
        const found = registryAndReads(context);
        if (!found) return;
        const { registry } = found;
        const { reads, resolve, parameterUses } = flowOf(context, registry);
        if (reads.length === 0) return;
        for (const read of reads) {
          if (read.valueKind === 'enabled' || read.valueKind === 'bundle') continue;
          const keys = keysOfRead(context, read) ?? [];
          if (keys.length !== 1) continue;
          const flag = registry.byKey.get(keys[0]!);
          if (!flag) continue;
          if (read.defaultNode) check(flag, read.defaultNode, 'the fallback for');
          if (read.valueKind === 'definition') continue;
          for (const use of valueUses(read, resolve)) {
            for (const { node, how } of comparedWith(use)) check(flag, node, how);
            const { node, parent } = outerParent(use);
            if (parameterUses && parent?.type === 'CallExpression' && parent.callee !== node) {
              const inner = parameterUses(parent, parent.arguments.indexOf(node as TSESTree.CallExpressionArgument));
              if (inner) checkInCallee(flag, node, inner);
            }
          }
        }
      },
    };
  },
});

/** The literals a use of a flag value is compared with: `===`, `case`, `??`/`||` fallbacks, `[…].includes`. */
function comparedWith(use: TSESTree.Node): { node: TSESTree.Node; how: string }[] {
  const { node, parent } = outerParent(use);
  if (parent?.type === 'BinaryExpression' && EQUALITY.has(parent.operator)) {
    return [{ node: parent.left === node ? parent.right : parent.left, how: 'compared with' }];
  }
  if (parent?.type === 'SwitchStatement' && parent.discriminant === node) {
    return parent.cases.flatMap((c) => (c.test ? [{ node: c.test, how: 'a `case` of a switch on' }] : []));
  }
  if (
    parent?.type === 'LogicalExpression' &&
    parent.left === node &&
    (parent.operator === '??' || parent.operator === '||')
  ) {
    return [{ node: parent.right, how: 'the fallback for' }];
  }
  if (parent?.type === 'CallExpression' && parent.arguments[0] === node && parent.callee.type === 'MemberExpression') {
    const list = parent.callee.object;
    const method = parent.callee.property;
    if (list.type === 'ArrayExpression' && method.type === 'Identifier' && method.name === 'includes') {
      return list.elements.flatMap((element) =>
        element && element.type !== 'SpreadElement' ? [{ node: element, how: 'compared with' }] : [],
      );
    }
  }
  return [];
}
