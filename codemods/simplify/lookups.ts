/** Lookups keyed by the kept value: a module-level table of literals, a literal list. */
import { literalValue, propertyKeyName, unwrapTypeWrappers, type AstNode } from '../ast.js';
import type { ExpressionPass } from './context.js';

/**
 * Before: `MAX_TOKENS['claude-sonnet-4-6']` with `const MAX_TOKENS = { 'claude-sonnet-4-6': 4096, ... }`
 * → After: `4096`. The table is written inline or is a module-level `const` of literals.
 */
export const tableLookup: ExpressionPass = {
  name: 'table-lookup',
  types: ['MemberExpression', 'OptionalMemberExpression'],
  fold(node, _parent, _key, s) {
    if (!node.computed) return undefined;
    const key = s.constant(node.property);
    if (key === undefined || key === null) return undefined;
    let table = unwrapTypeWrappers(node.object as AstNode);
    if (table.type === 'Identifier') {
      const decl = s.topLevel.get(table.name as string);
      if (decl?.type !== 'VariableDeclarator' || !decl.init || decl.kind !== 'const') return undefined;
      table = unwrapTypeWrappers(decl.init as AstNode);
    }
    if (table.type !== 'ObjectExpression') return undefined;
    const property = (table.properties as AstNode[]).find(
      (p) => p.type === 'ObjectProperty' && propertyKeyName(p) === String(key),
    );
    if (!property) return undefined;
    const v = literalValue(property.value as AstNode);
    return v === undefined ? undefined : s.literal(v);
  },
};

/**
 * Before: `LARGE_MODELS.includes('claude-sonnet-4-6')` with `const LARGE_MODELS = ['claude-opus-4-6']`
 * → After: `false`. The list is written inline or is a module-level `const` of literals.
 */
export const listIncludes: ExpressionPass = {
  name: 'list-includes',
  types: ['CallExpression'],
  fold(node, _parent, _key, s) {
    const callee = node.callee as AstNode;
    const args = node.arguments as AstNode[];
    if (
      callee.type !== 'MemberExpression' ||
      callee.computed ||
      callee.property.type !== 'Identifier' ||
      callee.property.name !== 'includes' ||
      args.length !== 1
    )
      return undefined;
    const needle = s.constant(args[0]);
    const list = s.literalArray(callee.object as AstNode);
    return needle !== undefined && list ? s.literal(list.includes(needle)) : undefined;
  },
};
