import {
  createRule,
  formatValue,
  keysOfRead,
  literalValue,
  NO_REGISTRY_MESSAGE,
  registryAndReads,
  valueSource,
} from './support.js';

type MessageId = 'inconsistentDefault' | 'useRegistryDefault' | 'noRegistry';

export default createRule<[], MessageId>({
  name: 'consistent-default',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: { description: "Require SDK fallback values to match the registry's `default`" },
    messages: {
      inconsistentDefault:
        'The fallback {{value}} differs from the registry default {{expected}} of `{{flag}}`. When the flag service is unreachable this code serves {{value}} while everything else serves {{expected}}, which splits traffic without anyone deciding to.',
      useRegistryDefault: 'Use the registry default {{expected}}.',
      noRegistry: NO_REGISTRY_MESSAGE,
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        const found = registryAndReads(context, (r) => r.defaultNode !== undefined);
        if (!found) return;
        const { registry, reads } = found;
        for (const read of reads) {
          if (read.valueKind === 'enabled' || read.valueKind === 'bundle') continue;
          const keys = keysOfRead(context, read) ?? [];
          const flag = keys.length === 1 ? registry.byKey.get(keys[0]!) : undefined;
          const node = read.defaultNode!;
          const literal = literalValue(node);
          // A fallback that is not a variant at all is no-unknown-variant's report.
          if (!flag || !literal || literal.value === flag.defaultValue || !flag.variants.includes(literal.value))
            continue;
          const expected = formatValue(flag.defaultValue);
          context.report({
            node,
            messageId: 'inconsistentDefault',
            data: { value: formatValue(literal.value), expected, flag: flag.key },
            suggest: [
              {
                messageId: 'useRegistryDefault',
                data: { expected },
                fix: (fixer) => fixer.replaceText(node, valueSource(flag.defaultValue, node, context.sourceCode)),
              },
            ],
          });
        }
      },
    };
  },
});
