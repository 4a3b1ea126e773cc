import { createRule, keysOfRead, readsOf, registryOf } from './support.js';

type MessageId = 'dynamicKey';

export default createRule<[], MessageId>({
  name: 'no-dynamic-flag-key',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Require flag keys to be literals or constants so tools can find every read',
      usesTypeInformation: true,
    },
    messages: {
      dynamicKey:
        'This flag key is computed at run time (`{{text}}`), so neither the linter, `modelflags audit` nor `remove-flag` can tell which flag is read here. Use a literal key, a `const`, an `as const` object member or a string `enum` member (map values to literal keys with a `switch` if needed).',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        for (const read of readsOf(context, registryOf(context))) {
          if (read.keyKind !== 'dynamic' || !read.keyNode) continue;
          // With type information a key typed as a union of literals is a known, finite set.
          if (keysOfRead(context, read) !== undefined) continue;
          const text = context.sourceCode.getText(read.keyNode);
          context.report({
            node: read.keyNode,
            messageId: 'dynamicKey',
            data: { text: text.length > 60 ? `${text.slice(0, 57)}...` : text },
          });
        }
      },
    };
  },
});
