import type { TSESTree } from '@typescript-eslint/utils';
import { closestMatch, type FlagDefinition } from '../src/registry.js';
import { outerParent } from './detection.js';
import {
  createRule,
  formatValue,
  formatVariants,
  keysOfRead,
  literalValue,
  NO_REGISTRY_MESSAGE,
  registryAndReads,
  resolverOf,
  valueSource,
  valueUses,
} from './support.js';

type MessageId = 'unknownVariant' | 'unknownVariantDidYouMean' | 'replaceVariant' | 'noRegistry';

const EQUALITY = new Set(['===', '!==', '==', '!=']);

export default createRule<[], MessageId>({
  name: 'no-unknown-variant',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: { description: "Disallow comparing, switching on or defaulting a flag's value to something that is not one of its variants" },
    messages: {
      unknownVariant: '{{value}} is {{how}} `{{flag}}`, but it is not one of its variants ({{variants}}), so this code can never see it. Use a declared variant or add it to the registry.',
      unknownVariantDidYouMean: '{{value}} is {{how}} `{{flag}}`, but it is not one of its variants ({{variants}}); did you mean {{suggestion}}?',
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
        data: { value: formatValue(literal.value), how, flag: flag.key, variants: formatVariants(flag), suggestion: suggestion === undefined ? '' : formatValue(suggestion) },
        suggest:
          suggestion === undefined
            ? []
            : [{ messageId: 'replaceVariant', data: { suggestion: formatValue(suggestion) }, fix: (fixer) => fixer.replaceText(node, valueSource(suggestion, node, context.sourceCode)) }],
      });
    };

    return {
      Program() {
        const found = registryAndReads(context);
        if (!found) return;
        const { registry, reads } = found;
        if (reads.length === 0) return;
        const resolve = resolverOf(context);
        for (const read of reads) {
          if (read.valueKind === 'enabled' || read.valueKind === 'bundle') continue;
          const keys = keysOfRead(context, read) ?? [];
          if (keys.length !== 1) continue;
          const flag = registry.byKey.get(keys[0]!);
          if (!flag) continue;
          if (read.defaultNode) check(flag, read.defaultNode, 'the fallback for');
          if (read.valueKind === 'definition') continue;
          for (const use of valueUses(read, resolve)) {
            const { node, parent } = outerParent(use);
            if (parent?.type === 'BinaryExpression' && EQUALITY.has(parent.operator)) {
              check(flag, parent.left === node ? parent.right : parent.left, 'compared with');
            } else if (parent?.type === 'SwitchStatement' && parent.discriminant === node) {
              for (const c of parent.cases) if (c.test) check(flag, c.test, 'a `case` of a switch on');
            } else if (parent?.type === 'LogicalExpression' && parent.left === node && (parent.operator === '??' || parent.operator === '||')) {
              check(flag, parent.right, 'the fallback for');
            } else if (parent?.type === 'CallExpression' && parent.arguments[0] === node && parent.callee.type === 'MemberExpression') {
              const list = parent.callee.object;
              const method = parent.callee.property;
              if (list.type === 'ArrayExpression' && method.type === 'Identifier' && method.name === 'includes') {
                for (const element of list.elements) if (element && element.type !== 'SpreadElement') check(flag, element, 'compared with');
              }
            }
          }
        }
      },
    };
  },
});
