import type { TSESTree } from '@typescript-eslint/utils';
import { memberName, outerParent, unwrapExpression, type FlagRead } from './detection/index.js';
import {
  describeFunction,
  enclosingFunction,
  executionSite,
  isInsideListener,
  memoWrapper,
  storedIn,
  type Resolve,
} from './flow.js';
import { createRule, readsOf, registryOf, resolverOf } from './support.js';

type MessageId = 'moduleLoad' | 'stored' | 'singleton' | 'memoised';

export default createRule<[], MessageId>({
  name: 'read-per-request',
  meta: {
    type: 'problem',
    docs: { description: 'Require flags to be read per request, not once at module load or into long-lived state' },
    messages: {
      moduleLoad:
        '{{flag}} is read {{where}}, so changing the flag (or pulling its kill switch) does nothing until a restart. {{instead}}',
      stored:
        '{{flag}} is read in {{fn}} but kept in `{{target}}`, which outlives the request, so later flag changes are ignored until a restart. {{instead}}',
      singleton:
        '{{flag}} is read when `{{cls}}` is constructed, and this file creates a single `{{cls}}` at module load (line {{line}}), so the value is fixed until a restart. Read it in the method that serves each request instead.',
      memoised:
        '{{flag}} is read inside `{{wrapper}}(…)`, so it is computed once and then reused for every request. {{instead}}',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        const reads = readsOf(context, registryOf(context));
        if (reads.length === 0) return;
        const resolve = resolverOf(context);
        for (const read of reads) {
          if (read.valueKind === 'definition') continue;
          // A stream stays current wherever it is subscribed to; only a snapshot of it goes stale.
          if (read.observable && !isSnapshot(read.call)) continue;
          const flag = read.key === undefined ? 'This flag' : `\`${read.key}\``;
          const site = executionSite(read.call);
          if (site.kind === 'module-load') {
            context.report({
              node: read.call,
              messageId: 'moduleLoad',
              data: { flag, where: site.where, instead: whereToRead(read, resolve) },
            });
            continue;
          }
          if (site.kind === 'construction') {
            const created = moduleLoadInstantiation(site.cls, resolve);
            if (created) {
              context.report({
                node: read.call,
                messageId: 'singleton',
                data: { flag, cls: site.cls.id?.name ?? 'the class', line: String(created.loc.start.line) },
              });
            }
            continue;
          }
          if (isInsideListener(read.call)) continue;
          const wrapper = memoWrapper(read.call);
          if (wrapper) {
            context.report({
              node: read.call,
              messageId: 'memoised',
              data: {
                flag,
                wrapper,
                instead: 'Call the flag reader directly where the value is needed; it is already fast.',
              },
            });
            continue;
          }
          const stored = storedValue(read, resolve);
          if (!stored) continue;
          if (stored.kind === 'this') {
            const created = thisClassInstantiation(read.call, resolve);
            if (!created) continue;
          }
          context.report({
            node: read.call,
            messageId: 'stored',
            data: {
              flag,
              fn: describeFunction(site.fn) ?? 'a function',
              target: stored.target,
              instead: `Use the value of this read directly in the request instead of keeping it in \`${stored.target}\`.`,
            },
          });
        }
      },
    };
  },
});

/** RxJS's ways of taking one value of a stream, after which it no longer follows flag changes. */
const SNAPSHOT_FUNCTIONS = new Set(['firstValueFrom', 'lastValueFrom']);

/** `await stream`, `firstValueFrom(stream)`, `stream.toPromise()`, also through a `.pipe(...)`. */
function isSnapshot(call: TSESTree.Node): boolean {
  let { node, parent } = outerParent(call);
  while (
    parent?.type === 'MemberExpression' &&
    parent.object === node &&
    memberName(parent) === 'pipe' &&
    parent.parent?.type === 'CallExpression'
  ) {
    ({ node, parent } = outerParent(parent.parent));
  }
  if (parent?.type === 'AwaitExpression') return true;
  if (parent?.type === 'CallExpression' && parent.arguments[0] === node) {
    const callee = unwrapExpression(parent.callee);
    return callee.type === 'Identifier' && SNAPSHOT_FUNCTIONS.has(callee.name);
  }
  return parent?.type === 'MemberExpression' && parent.object === node && memberName(parent) === 'toPromise';
}

/** The result of the read, or of a variable holding it, assigned to long-lived state. */
function storedValue(read: FlagRead, resolve: Resolve): ReturnType<typeof storedIn> {
  const direct = storedIn(read.valueNode ?? read.call, resolve);
  if (direct) return direct;
  if (!read.valueBinding) return undefined;
  for (const ref of resolve(read.valueBinding)?.references ?? []) {
    if (ref.identifier === read.valueBinding || !ref.isRead()) continue;
    const stored = storedIn(ref.identifier, resolve);
    if (stored) return stored;
  }
  return undefined;
}

/** Names the functions that use a module-level value, which is where the read belongs. */
function whereToRead(read: FlagRead, resolve: Resolve): string {
  const names = new Set<string>();
  if (read.valueBinding) {
    for (const ref of resolve(read.valueBinding)?.references ?? []) {
      if (!ref.isRead()) continue;
      const name = describeFunction(enclosingFunction(ref.identifier));
      if (name) names.add(name);
    }
  }
  const list = [...names].slice(0, 3);
  if (list.length === 0)
    return "Read it inside the function that handles each request, passing that request's evaluation context.";
  const where = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
  return `Read it inside ${where}, where \`${read.valueBinding!.name}\` is used, passing that request's evaluation context.`;
}

/** A `new Cls()` for the class that runs at module load (`export const service = new Service()`). */
function moduleLoadInstantiation(
  cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression,
  resolve: Resolve,
): TSESTree.Node | undefined {
  const id = cls.id;
  if (!id) return undefined;
  for (const ref of resolve(id)?.references ?? []) {
    const parent = ref.identifier.parent;
    if (
      parent?.type === 'NewExpression' &&
      parent.callee === ref.identifier &&
      executionSite(parent).kind === 'module-load'
    )
      return parent;
  }
  return undefined;
}

function thisClassInstantiation(node: TSESTree.Node, resolve: Resolve): TSESTree.Node | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'ClassDeclaration' || p.type === 'ClassExpression') return moduleLoadInstantiation(p, resolve);
  }
  return undefined;
}
