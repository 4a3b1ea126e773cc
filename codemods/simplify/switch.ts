/** A `switch` on the kept value. */
import { isFunctionNode, isTerminator, literalValue, unwrapTypeWrappers, walk, type AstNode } from '../ast.js';
import type { StatementPass } from './context.js';
import { unwrapBlock } from './statements.js';

/**
 * Before: `switch ('claude-sonnet-4-6') { case 'claude-3-haiku': a(); break; case 'claude-sonnet-4-6': b(); break; default: c(); }`
 * → After: `b();`. The matching case (else `default`) and what falls through from it up to the
 * first `break` or `return`; left alone when a case label is not a literal, or when a `break`
 * nested in a branch would then leave an enclosing loop instead.
 */
export const switchOnConstant: StatementPass = {
  name: 'switch-on-constant',
  apply(statement, list, index, _owner, s) {
    if (statement.type !== 'SwitchStatement') return undefined;
    const v = s.constant(statement.discriminant);
    if (v === undefined) return undefined;
    const cases = statement.cases as AstNode[];
    let start = -1;
    for (let i = 0; i < cases.length; i++) {
      const test = cases[i]!.test as AstNode | null;
      if (!test) continue;
      const tv = literalValue(unwrapTypeWrappers(test));
      if (tv === undefined) return undefined;
      if (start < 0 && tv === v) start = i;
    }
    if (start < 0) start = cases.findIndex((c) => !c.test);
    if (start < 0) return { replace: [], keepComments: true };
    const collected: AstNode[] = [];
    for (let i = start; i < cases.length; i++) {
      const consequent = (cases[i]!.consequent as AstNode[]).flatMap((c) =>
        c.type === 'BlockStatement' && cases[i]!.consequent.length === 1 ? (c.body as AstNode[]) : [c],
      );
      const end = consequent.findIndex((c) => isTerminator(c));
      if (end >= 0) {
        const last = consequent[end]!;
        collected.push(...consequent.slice(0, end));
        if (last.type !== 'BreakStatement' || last.label) collected.push(last);
        break;
      }
      collected.push(...consequent);
    }
    if (collected.some((c) => containsBreakOutOf(c))) return undefined;
    const block: AstNode = { type: 'BlockStatement', body: collected, directives: [] };
    return { replace: unwrapBlock(block, list, index), keepComments: true };
  },
};

/** Whether an unlabelled `break` in `statement` would leave the statement's enclosing construct. */
function containsBreakOutOf(statement: AstNode): boolean {
  let found = false;
  walk(statement, (n) => {
    if (found) return false;
    if (n.type === 'BreakStatement' && !n.label) {
      found = true;
      return false;
    }
    // A `break` inside these belongs to them.
    return !(
      isFunctionNode(n) ||
      n.type === 'SwitchStatement' ||
      n.type === 'ForStatement' ||
      n.type === 'ForInStatement' ||
      n.type === 'ForOfStatement' ||
      n.type === 'WhileStatement' ||
      n.type === 'DoWhileStatement'
    );
  });
  return found;
}
