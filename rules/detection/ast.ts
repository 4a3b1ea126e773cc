/** Small questions about typescript-estree nodes that detection and the rules ask alike. */
import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/types';
import type { ScopeManager } from '@typescript-eslint/scope-manager';

/** How LaunchDarkly's React SDK names flags: `inference-model` / `inference_model` → `inferenceModel`. */
export function camelCase(key: string): string {
  return key.replace(/[-_.]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Strips TypeScript-only wrappers (`as`, `!`, `satisfies`, `<T>x`) and optional chains. */
export function unwrapExpression(node: TSESTree.Node): TSESTree.Node {
  let n = node;
  for (;;) {
    if (
      n.type === AST_NODE_TYPES.TSAsExpression ||
      n.type === AST_NODE_TYPES.TSNonNullExpression ||
      n.type === AST_NODE_TYPES.TSSatisfiesExpression ||
      n.type === AST_NODE_TYPES.TSTypeAssertion ||
      n.type === AST_NODE_TYPES.ChainExpression
    ) {
      n = n.expression;
    } else return n;
  }
}

/** The node's parent, skipping the wrappers {@link unwrapExpression} removes. */
export function outerParent(node: TSESTree.Node): { node: TSESTree.Node; parent: TSESTree.Node | undefined } {
  let n = node;
  let p = n.parent;
  while (
    p &&
    (p.type === AST_NODE_TYPES.TSAsExpression ||
      p.type === AST_NODE_TYPES.TSNonNullExpression ||
      p.type === AST_NODE_TYPES.TSSatisfiesExpression ||
      p.type === AST_NODE_TYPES.TSTypeAssertion ||
      p.type === AST_NODE_TYPES.ChainExpression)
  ) {
    n = p;
    p = p.parent;
  }
  return { node: n, parent: p };
}

export function memberName(node: TSESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === AST_NODE_TYPES.Identifier) return node.property.name;
  const property = unwrapExpression(node.property);
  if (property.type === AST_NODE_TYPES.Literal && typeof property.value === 'string') return property.value;
  return undefined;
}

export type Variable = ScopeManager['scopes'][number]['variables'][number];

const variableMaps = new WeakMap<ScopeManager, ReadonlyMap<TSESTree.Node, Variable>>();

/**
 * Identifier → the variable it references or declares (a class name declared both around and
 * inside the class maps to the outer binding, the one other code uses). Built once per scope
 * analysis, so detection and the rules walk the scopes once between them.
 */
export function variablesOf(scopeManager: ScopeManager): ReadonlyMap<TSESTree.Node, Variable> {
  let map = variableMaps.get(scopeManager) as Map<TSESTree.Node, Variable> | undefined;
  if (map) return map;
  map = new Map();
  for (const scope of scopeManager.scopes) {
    for (const ref of scope.references) if (ref.resolved) map.set(ref.identifier, ref.resolved);
    for (const variable of scope.variables)
      for (const id of variable.identifiers) if (!map.has(id)) map.set(id, variable);
  }
  variableMaps.set(scopeManager, map);
  return map;
}

/** `'x'` or `` `x` ``: a string written out, with no expression in it. */
export function staticString(node: TSESTree.Node): string | undefined {
  const n = unwrapExpression(node);
  if (n.type === AST_NODE_TYPES.Literal && typeof n.value === 'string') return n.value;
  if (n.type === AST_NODE_TYPES.TemplateLiteral && n.expressions.length === 0)
    return n.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

export function findProperty(object: TSESTree.ObjectExpression, name: string): TSESTree.Property | undefined {
  for (const property of object.properties) {
    if (property.type !== AST_NODE_TYPES.Property) continue;
    const key =
      !property.computed && property.key.type === AST_NODE_TYPES.Identifier
        ? property.key.name
        : staticString(property.key);
    if (key === name) return property;
  }
  return undefined;
}

/** `const model = <value>` → `model`. */
export function bindingOf(value: TSESTree.Node): TSESTree.Identifier | undefined {
  const { node, parent } = outerParent(value);
  if (
    parent?.type === AST_NODE_TYPES.VariableDeclarator &&
    parent.init === node &&
    parent.id.type === AST_NODE_TYPES.Identifier
  )
    return parent.id;
  return undefined;
}

/** `this.a.b.c` / `a.b.c` as a dotted string; undefined for computed or call-based callees. */
export function calleeChain(node: TSESTree.Node): string | undefined {
  const n = unwrapExpression(node);
  if (n.type === AST_NODE_TYPES.Identifier) return n.name;
  if (n.type === AST_NODE_TYPES.ThisExpression) return 'this';
  if (n.type === AST_NODE_TYPES.MemberExpression) {
    const name = memberName(n);
    const object = calleeChain(n.object);
    return name === undefined || object === undefined ? undefined : `${object}.${name}`;
  }
  return undefined;
}

export function typeAnnotationOf(node: TSESTree.Node): TSESTree.TSTypeAnnotation | undefined {
  if (node.type === AST_NODE_TYPES.Identifier) return node.typeAnnotation;
  return undefined;
}

export function isFunctionNode(
  node: TSESTree.Node,
): node is TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression | TSESTree.FunctionDeclaration {
  return (
    node.type === AST_NODE_TYPES.ArrowFunctionExpression ||
    node.type === AST_NODE_TYPES.FunctionExpression ||
    node.type === AST_NODE_TYPES.FunctionDeclaration
  );
}
