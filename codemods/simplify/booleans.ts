/** Boolean operators over the kept value: `!`, `&&`, `||`, `??`, and `Boolean(...)`. */
import { isPure, type AstNode } from '../ast.js';
import { conversionOfConstant, type ExpressionPass } from './context.js';

/** Before: `!true` → After: `false` (also `!'claude-sonnet-4-6'` → `false`). */
export const notOfConstant: ExpressionPass = {
  name: 'not-of-constant',
  types: ['UnaryExpression'],
  fold(node, _parent, _key, s) {
    if (node.operator !== '!') return undefined;
    const v = s.constant(node.argument);
    return v === undefined ? undefined : s.literal(!v);
  },
};

/**
 * Before: `true && isAdmin(user)` → After: `isAdmin(user)`; `false || fallback` → `fallback`;
 * `null ?? fallback` → `fallback`, `'x' ?? fallback` → `'x'`.
 */
export const logicalOfConstantLeft: ExpressionPass = {
  name: 'logical-of-constant-left',
  types: ['LogicalExpression'],
  fold(node, _parent, _key, s) {
    const l = s.constant(node.left);
    if (l === undefined) return undefined;
    if (node.operator === '&&') return l ? node.right : node.left;
    if (node.operator === '||') return l ? node.left : node.right;
    return l === null ? node.right : node.left;
  },
};

/**
 * Before: `if (ready && true)` → After: `if (ready)`; `if (ready || false)` → `if (ready)`;
 * `if (ready && false)` → `if (false)` when `ready` has no effect. Outside a condition only when
 * the left side is a boolean anyway (`a === b && true` → `a === b`).
 */
export const logicalOfConstantRight: ExpressionPass = {
  name: 'logical-of-constant-right',
  types: ['LogicalExpression'],
  fold(node, parent, key, s) {
    if (s.constant(node.left) !== undefined) return undefined;
    const r = s.constant(node.right);
    if (r === undefined || !(isTestPosition(parent, key) || isBooleanValued(node.left as AstNode))) return undefined;
    if ((node.operator === '&&' && r) || (node.operator === '||' && !r)) return node.left as AstNode;
    if (isPure(node.left) && ((node.operator === '&&' && !r) || (node.operator === '||' && r)))
      return s.literal(Boolean(r));
    return undefined;
  },
};

/** Before: `Boolean('claude-sonnet-4-6')` → After: `true` (unless the module defines its own `Boolean`). */
export const booleanOfConstant: ExpressionPass = conversionOfConstant('boolean-of-constant', 'Boolean', Boolean);

/** An expression whose value is always a boolean, so `x || false` and `x && true` are `x` anywhere. */
function isBooleanValued(node: AstNode): boolean {
  if (node.type === 'UnaryExpression') return node.operator === '!';
  if (node.type === 'BinaryExpression')
    return ['===', '!==', '==', '!=', '<', '>', '<=', '>=', 'instanceof', 'in'].includes(node.operator as string);
  return node.type === 'BooleanLiteral';
}

function isTestPosition(parent: AstNode, key: string): boolean {
  return (
    (key === 'test' &&
      (parent.type === 'IfStatement' ||
        parent.type === 'ConditionalExpression' ||
        parent.type === 'WhileStatement' ||
        parent.type === 'ForStatement' ||
        parent.type === 'DoWhileStatement')) ||
    (parent.type === 'UnaryExpression' && parent.operator === '!')
  );
}
