import { closestMatch } from 'modelflags/registry';
import { camelCase } from './detection/index.js';
import { createRule, keysOfRead, NO_REGISTRY_MESSAGE, registryAndReads, valueSource } from './support.js';

type MessageId = 'unknownFlag' | 'unknownFlagDidYouMean' | 'replaceKey' | 'noRegistry';

export default createRule<[], MessageId>({
  name: 'no-unknown-flag',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: { description: 'Disallow flag keys that are not in the registry', usesTypeInformation: true },
    messages: {
      unknownFlag:
        '`{{key}}` is not a flag in {{file}}, so every read silently gets the SDK fallback. Add it to the registry or fix the key.',
      unknownFlagDidYouMean:
        '`{{key}}` is not a flag in {{file}}; did you mean `{{suggestion}}`? Unknown keys silently get the SDK fallback.',
      replaceKey: 'Replace with `{{suggestion}}`.',
      noRegistry: NO_REGISTRY_MESSAGE,
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        const found = registryAndReads(context);
        if (!found) return;
        const { registry, reads } = found;
        const keys = [...registry.byKey.keys()];
        const file = registry.file.split(/[\\/]/).pop() ?? registry.file;
        for (const read of reads) {
          // LaunchDarkly's React SDK exposes keys camelCased; compare in that spelling.
          const camel = read.method === 'useFlags';
          const candidates = camel ? keys.map(camelCase) : keys;
          for (const key of keysOfRead(context, read) ?? []) {
            if (registry.byKey.has(key) || (camel && candidates.includes(key))) continue;
            const suggestion = closestMatch(key, candidates);
            const node = read.keyNode ?? read.call;
            const replaceable = read.keyKind === 'literal' && node.type === 'Literal';
            context.report({
              node,
              messageId: suggestion === undefined ? 'unknownFlag' : 'unknownFlagDidYouMean',
              data: { key, file, suggestion: suggestion ?? '' },
              suggest:
                suggestion !== undefined && replaceable
                  ? [
                      {
                        messageId: 'replaceKey',
                        data: { suggestion },
                        fix: (fixer) => fixer.replaceText(node, valueSource(suggestion, node, context.sourceCode)),
                      },
                    ]
                  : [],
            });
          }
        }
      },
    };
  },
});
