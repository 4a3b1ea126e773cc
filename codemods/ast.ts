/**
 * Small helpers over the Babel/recast AST that jscodeshift produces. The passes walk raw nodes
 * themselves (rather than through jscodeshift collections) because they rewrite the tree while
 * walking it, and cached paths go stale after a splice.
 */
import { forEachNode, NON_CHILD_FIELDS } from 'eslint-plugin-modelflags/detection';
import type { FlagValue } from 'modelflags/registry';

// Babel nodes are open-ended records; the passes check `type` before touching fields.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AstNode = { type: string; [field: string]: any };

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Child nodes with the field (and index) that holds them, as they are when called. */
export function children(node: AstNode): { child: AstNode; key: string; index: number | undefined }[] {
  const out: { child: AstNode; key: string; index: number | undefined }[] = [];
  for (const key in node) {
    if (NON_CHILD_FIELDS.has(key)) continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const child: unknown = value[index];
        if (isNode(child)) out.push({ child, key, index });
      }
    } else if (isNode(value)) {
      out.push({ child: value, key, index: undefined });
    }
  }
  return out;
}

/**
 * Replaces each node under `root` that `replacementFor` returns a replacement for, and walks on
 * into the others; returns the parents whose children were replaced. A replaced shorthand
 * property value (`{ model }`) is written out (`{ model: 'x' }`). Walks by hand rather than with
 * {@link walk}: a replacement needs the parent and the field that holds the node.
 */
export function replaceWithin(
  root: AstNode,
  replacementFor: (child: AstNode, parent: AstNode, key: string) => AstNode | undefined,
): AstNode[] {
  const parents: AstNode[] = [];
  const visit = (node: AstNode): void => {
    for (const { child, key, index } of children(node)) {
      const replacement = replacementFor(child, node, key);
      if (replacement === undefined) {
        visit(child);
        continue;
      }
      if (node.type === 'ObjectProperty' && node.shorthand && key === 'value') {
        node.shorthand = false;
        node.key = { type: 'Identifier', name: child.name as string };
      }
      if (index === undefined) node[key] = replacement;
      else (node[key] as AstNode[])[index] = replacement;
      parents.push(node);
    }
  };
  visit(root);
  return parents;
}

/** Whether `key` of `node` holds a list of statements (a block, a module, a `case`). */
export function isStatementList(node: AstNode, key: string): boolean {
  return (
    (key === 'body' &&
      (node.type === 'Program' ||
        node.type === 'BlockStatement' ||
        node.type === 'StaticBlock' ||
        node.type === 'TSModuleBlock')) ||
    (key === 'consequent' && node.type === 'SwitchCase')
  );
}

/** Whether a module's statements export the local `name` by an `export { name }` list or `export default name`. */
export function exportedByName(statements: readonly AstNode[], name: string): boolean {
  return statements.some(
    (s) =>
      (s.type === 'ExportNamedDeclaration' &&
        !s.source &&
        (s.specifiers as AstNode[]).some((sp) => sp.local?.name === name)) ||
      (s.type === 'ExportDefaultDeclaration' && s.declaration.type === 'Identifier' && s.declaration.name === name),
  );
}

export function isCallOf(node: AstNode, name: string): boolean {
  return node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === name;
}

/** Pre-order walk; returning false from `visit` skips the node's children. */
export const walk: (node: AstNode, visit: (node: AstNode) => boolean | void) => void = forEachNode;

export function isFunctionNode(node: AstNode): boolean {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' ||
    node.type === 'ClassMethod' ||
    node.type === 'ClassPrivateMethod'
  );
}

const TYPE_POSITION_PARENTS = new Set([
  'TSTypeReference',
  'TSQualifiedName',
  'TSExpressionWithTypeArguments',
  'TSInterfaceHeritage',
  'TSClassImplements',
]);

/**
 * Whether an identifier at this place reads a binding (as opposed to naming a property, a label,
 * or declaring something). Type references count: an import used only as a type is still used.
 */
export function isReference(node: AstNode, parent: AstNode | undefined, key: string): boolean {
  if (node.type !== 'Identifier' && node.type !== 'JSXIdentifier') return false;
  if (!parent) return true;
  switch (parent.type) {
    case 'MemberExpression':
    case 'OptionalMemberExpression':
      return key !== 'property' || parent.computed === true;
    case 'ObjectProperty':
    case 'ClassProperty':
    case 'ClassAccessorProperty':
    case 'ObjectMethod':
    case 'ClassMethod':
    case 'TSPropertySignature':
    case 'TSMethodSignature':
    case 'TSEnumMember':
      if (key === 'key') return parent.computed === true;
      return key !== 'params';
    case 'JSXAttribute':
    case 'JSXClosingElement':
      return key !== 'name';
    case 'JSXMemberExpression':
      return key === 'object';
    case 'JSXOpeningElement':
      return key === 'name' && /^[A-Z]/.test(node.name as string);
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
      return false;
    case 'ExportSpecifier':
      return key === 'local';
    case 'VariableDeclarator':
      return key !== 'id';
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ClassDeclaration':
    case 'ClassExpression':
    case 'TSInterfaceDeclaration':
    case 'TSTypeAliasDeclaration':
    case 'TSEnumDeclaration':
    case 'TSModuleDeclaration':
      return key !== 'id' && key !== 'params';
    case 'ArrowFunctionExpression':
      return key !== 'params';
    case 'CatchClause':
      return key !== 'param';
    case 'TSTypeParameter':
      return false;
    default:
      if (TYPE_POSITION_PARENTS.has(parent.type)) return key !== 'right' || parent.type !== 'TSQualifiedName';
      return true;
  }
}

/** Identifiers a declaration-like node binds (parameters, patterns, declarators, functions, classes). */
export function boundNames(pattern: AstNode | null | undefined, out: string[] = []): string[] {
  if (!pattern) return out;
  switch (pattern.type) {
    case 'Identifier':
      out.push(pattern.name as string);
      break;
    case 'ObjectPattern':
      for (const p of pattern.properties as AstNode[]) boundNames(p.type === 'RestElement' ? p.argument : p.value, out);
      break;
    case 'ArrayPattern':
      for (const e of pattern.elements as (AstNode | null)[]) boundNames(e, out);
      break;
    case 'AssignmentPattern':
      boundNames(pattern.left, out);
      break;
    case 'RestElement':
      boundNames(pattern.argument, out);
      break;
    case 'TSParameterProperty':
      boundNames(pattern.parameter, out);
      break;
  }
  return out;
}

/** Every name declared anywhere inside `node` (nested scopes included). */
export function declaredNamesWithin(node: AstNode): string[] {
  const names: string[] = [];
  walk(node, (n) => {
    if (n.type === 'VariableDeclarator') boundNames(n.id, names);
    else if (isFunctionNode(n)) {
      if (n.id && n.type !== 'FunctionExpression') names.push(n.id.name as string);
      for (const p of n.params as AstNode[]) boundNames(p, names);
    } else if ((n.type === 'ClassDeclaration' || n.type === 'TSEnumDeclaration') && n.id)
      names.push(n.id.name as string);
    else if (n.type === 'CatchClause') boundNames(n.param, names);
    else if (
      n.type === 'ImportSpecifier' ||
      n.type === 'ImportDefaultSpecifier' ||
      n.type === 'ImportNamespaceSpecifier'
    )
      names.push(n.local.name as string);
  });
  return names;
}

/** Names declared directly in a statement list (the block's own lexical bindings). */
export function lexicalNames(statements: readonly AstNode[]): string[] {
  const names: string[] = [];
  for (const s of statements) {
    if (s.type === 'VariableDeclaration') for (const d of s.declarations as AstNode[]) boundNames(d.id, names);
    else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id)
      names.push(s.id.name as string);
  }
  return names;
}

/** Count of references to each name inside `node`. */
export function referenceCounts(node: AstNode, counts = new Map<string, number>()): Map<string, number> {
  const visit = (n: AstNode, parent: AstNode | undefined, key: string): void => {
    if ((n.type === 'Identifier' || n.type === 'JSXIdentifier') && isReference(n, parent, key)) {
      if (!(parent?.type === 'ObjectProperty' && parent.shorthand && key === 'key')) {
        counts.set(n.name as string, (counts.get(n.name as string) ?? 0) + 1);
      }
    }
    for (const c of children(n)) visit(c.child, n, c.key);
  };
  visit(node, undefined, '');
  return counts;
}

export function literalValue(node: AstNode | null | undefined): FlagValue | null | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'StringLiteral':
    case 'NumericLiteral':
    case 'BooleanLiteral':
      return node.value as FlagValue;
    case 'Literal':
      return typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean'
        ? (node.value as FlagValue)
        : undefined;
    case 'NullLiteral':
      return null;
    case 'UnaryExpression':
      if (node.operator === '-' && node.argument.type === 'NumericLiteral') return -(node.argument.value as number);
      return undefined;
    case 'TemplateLiteral':
      return node.expressions.length === 0 ? (node.quasis[0].value.cooked as string) : undefined;
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'TSNonNullExpression':
      return literalValue(node.expression);
    default:
      return undefined;
  }
}

/** Strips type-only wrappers that do not change the runtime value. */
export function unwrapTypeWrappers(node: AstNode): AstNode {
  let n = node;
  while (n.type === 'TSAsExpression' || n.type === 'TSSatisfiesExpression' || n.type === 'TSNonNullExpression')
    n = n.expression as AstNode;
  return n;
}

export function propertyKeyName(property: AstNode): string | undefined {
  if (property.computed) return property.key.type === 'StringLiteral' ? (property.key.value as string) : undefined;
  const key = property.key as AstNode;
  if (key.type === 'Identifier') return key.name as string;
  if (key.type === 'StringLiteral') return key.value as string;
  if (key.type === 'NumericLiteral') return String(key.value);
  return undefined;
}

/** Expressions that can be dropped or duplicated without changing what the program does. */
export function isPure(node: AstNode | null | undefined): boolean {
  if (!node) return true;
  switch (node.type) {
    case 'Identifier':
    case 'ThisExpression':
    case 'StringLiteral':
    case 'NumericLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return true;
    case 'MemberExpression':
    case 'OptionalMemberExpression':
      return isPure(node.object) && (!node.computed || isPure(node.property));
    case 'TemplateLiteral':
      return (node.expressions as AstNode[]).every(isPure);
    case 'ObjectExpression':
      return (node.properties as AstNode[]).every((p) => p.type === 'ObjectProperty' && !p.computed && isPure(p.value));
    case 'ArrayExpression':
      return (node.elements as (AstNode | null)[]).every((e) => e === null || isPure(e));
    case 'UnaryExpression':
      return node.operator !== 'delete' && isPure(node.argument);
    case 'BinaryExpression':
    case 'LogicalExpression':
      return isPure(node.left) && isPure(node.right);
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'TSNonNullExpression':
      return isPure(node.expression);
    default:
      return false;
  }
}

export function isTerminator(node: AstNode): boolean {
  return (
    node.type === 'ReturnStatement' ||
    node.type === 'ThrowStatement' ||
    node.type === 'BreakStatement' ||
    node.type === 'ContinueStatement'
  );
}
