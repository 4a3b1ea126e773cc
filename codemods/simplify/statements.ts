/** Control flow on the kept value: `if`/`else` chains, ternaries, statements left as a bare constant. */
import { declaredNamesWithin, isStatementList, lexicalNames, referenceCounts, type AstNode } from '../ast.js';
import type { ExpressionPass, StatementPass } from './context.js';

/** Before: `isLarge ? 8192 : 1024` with `isLarge` now `false` → After: `1024`. */
export const ternaryOfConstant: ExpressionPass = {
  name: 'ternary-of-constant',
  types: ['ConditionalExpression'],
  fold(node, _parent, _key, s) {
    const t = s.constant(node.test);
    if (t === undefined) return undefined;
    return t ? node.consequent : node.alternate;
  },
};

/**
 * Before: `if (a) x(); else if (false) y(); else z();` → After: `if (a) x(); else z();`, and an
 * unbraced loop body `while (c) if (true) step();` → `while (c) step();`. An `if` in a statement
 * list is {@link ifOfConstant}'s.
 */
export const ifAsSingleStatement: ExpressionPass = {
  name: 'if-as-single-statement',
  types: ['IfStatement'],
  fold(node, parent, key, s) {
    if (isStatementList(parent, key)) return undefined;
    const t = s.constant(node.test);
    if (t === undefined) return undefined;
    const branch = (t ? node.consequent : node.alternate) as AstNode | null;
    if (branch) return branch;
    return key === 'alternate' ? null : { type: 'BlockStatement', body: [], directives: [] };
  },
};

/**
 * Before: `if (true) { a(); } else { b(); }` → After: `a();` (the block's statements spliced in
 * place unless a name would clash); `if (false) { a(); }` → nothing. What followed a surviving
 * `return` is dropped as unreachable (function declarations stay). The `if`'s leading comments
 * stay with the kept branch, not with a dropped one.
 */
export const ifOfConstant: StatementPass = {
  name: 'if-of-constant',
  apply(statement, list, index, _owner, s) {
    if (statement.type !== 'IfStatement') return undefined;
    const t = s.constant(statement.test);
    if (t === undefined) return undefined;
    const branch = (t ? statement.consequent : statement.alternate) as AstNode | null;
    return { replace: branch ? unwrapBlock(branch, list, index) : [], keepComments: Boolean(t) };
  },
};

/** Before: `'claude-sonnet-4-6';` (a statement that was only a read) → After: nothing. */
export const constantStatement: StatementPass = {
  name: 'constant-statement',
  apply(statement, _list, _index, _owner, s) {
    if (statement.type !== 'ExpressionStatement' || !s.isMarked(statement.expression)) return undefined;
    return { replace: [], keepComments: false };
  },
};

/** Statements of a surviving block, spliced in place unless that would clash on a name. */
export function unwrapBlock(branch: AstNode, list: AstNode[], index: number): AstNode[] {
  if (branch.type !== 'BlockStatement') return [branch];
  const body = branch.body as AstNode[];
  const names = lexicalNames(body);
  if (names.length === 0) return body;
  const siblings = list.filter((_, i) => i !== index);
  const used = new Set<string>();
  for (const s of siblings) for (const name of referenceCounts(s).keys()) used.add(name);
  for (const s of siblings) for (const name of declaredNamesWithin(s)) used.add(name);
  return names.some((n) => used.has(n)) ? [branch] : body;
}
