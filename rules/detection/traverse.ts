/**
 * The one tree walk of the detection, the rules and the codemod.
 *
 * A node in typescript-estree's shape (ESLint's parser, `parseForDetection`) has its children
 * where `@typescript-eslint/visitor-keys` says, and they are visited in that order: the order ESLint
 * and the scope analysis walk in. Babel's own shapes name some of the same children differently (a
 * call's `typeParameters`, an enum's `members`, a program's `directives`) and recast's nodes have
 * types of their own, so every other node is walked by its fields, in field order.
 */
import type { TSESTree } from '@typescript-eslint/types';
import { visitorKeys } from '@typescript-eslint/visitor-keys';

/**
 * Fields that hold no child nodes in the trees of every parser used here (typescript-estree, Babel
 * with its estree output, and recast in the codemod): positions, tokens, comments (recast attaches
 * them as nodes of their own), recast's copy of the original tree, and `parent`, which points back
 * up and would make a walk go round for ever.
 */
export const NON_CHILD_FIELDS: ReadonlySet<string> = new Set([
  'parent',
  'loc',
  'range',
  'start',
  'end',
  'extra',
  'tokens',
  'comments',
  'leadingComments',
  'trailingComments',
  'innerComments',
  'original',
]);

// A Map, since node types come from the tree and the keys object inherits `toString` and the like.
const CHILD_KEYS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(visitorKeys).filter((entry): entry is [string, readonly string[]] => entry[1] !== undefined),
);

type AnyNode = { type: string; [field: string]: unknown };

/**
 * Visits `node` and every node under it, pre-order, skipping the children of nodes `visit` returns
 * false for. A node's children are looked up after `visit` returns, so `visit` may reshape the node
 * (the Babel parse does). Nodes are typescript-estree's unless the caller names another node type.
 */
export function forEachNode<N extends { type: string } = TSESTree.Node>(
  node: NoInfer<N>,
  visit: (node: N, parent: N | undefined) => boolean | void,
): void {
  walk(
    node as unknown as AnyNode,
    undefined,
    visit as unknown as (node: AnyNode, parent: AnyNode | undefined) => boolean | void,
  );
}

function walk(
  node: AnyNode,
  parent: AnyNode | undefined,
  visit: (node: AnyNode, parent: AnyNode | undefined) => boolean | void,
): void {
  if (visit(node, parent) === false) return;
  const keys = Array.isArray(node.range) ? CHILD_KEYS.get(node.type) : undefined;
  if (keys) {
    for (const key of keys) visitField(node, node[key], visit);
  } else {
    for (const key in node) if (!NON_CHILD_FIELDS.has(key)) visitField(node, node[key], visit);
  }
}

function visitField(
  node: AnyNode,
  value: unknown,
  visit: (node: AnyNode, parent: AnyNode | undefined) => boolean | void,
): void {
  if (Array.isArray(value)) {
    for (const child of value) if (isAstNode(child)) walk(child, node, visit);
  } else if (isAstNode(value)) walk(value, node, visit);
}

function isAstNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
