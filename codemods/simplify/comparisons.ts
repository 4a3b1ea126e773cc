/** Comparisons and other binary operators with the kept value on one side, and `typeof` of it. */
import type { ExpressionPass, Scalar } from './context.js';

/**
 * Before: `'claude-sonnet-4-6' === 'claude-3-haiku'` → After: `false`; also `!==`, `==`, `!=`,
 * `<`, `<=`, `>`, `>=`, and `+` (`10 + 5` → `15`, `'v' + 4` → `'v4'`). One side must be the
 * codemod's constant; the other a literal.
 */
export const binaryOfConstants: ExpressionPass = {
  name: 'binary-of-constants',
  types: ['BinaryExpression'],
  fold(node, _parent, _key, s) {
    if (!s.isMarked(node.left) && !s.isMarked(node.right)) return undefined;
    const l = s.operand(node.left);
    const r = s.operand(node.right);
    if (l === undefined || r === undefined) return undefined;
    const v = evaluateBinary(node.operator as string, l, r);
    return v === undefined ? undefined : s.literal(v);
  },
};

/** Before: `typeof 'claude-sonnet-4-6'` → After: `'string'` (`typeof null` → `'object'`). */
export const typeofConstant: ExpressionPass = {
  name: 'typeof-constant',
  types: ['UnaryExpression'],
  fold(node, _parent, _key, s) {
    if (node.operator !== 'typeof') return undefined;
    const v = s.constant(node.argument);
    return v === undefined ? undefined : s.literal(v === null ? 'object' : typeof v);
  },
};

export function evaluateBinary(operator: string, l: Scalar, r: Scalar): Scalar | undefined {
  switch (operator) {
    case '===':
      return l === r;
    case '!==':
      return l !== r;
    case '==':
      return l == r;
    case '!=':
      return l != r;
    case '<':
      return l !== null && r !== null ? l < r : undefined;
    case '<=':
      return l !== null && r !== null ? l <= r : undefined;
    case '>':
      return l !== null && r !== null ? l > r : undefined;
    case '>=':
      return l !== null && r !== null ? l >= r : undefined;
    case '+':
      if (typeof l === 'string' || typeof r === 'string') return String(l) + String(r);
      return typeof l === 'number' && typeof r === 'number' ? l + r : undefined;
    default:
      return undefined;
  }
}
