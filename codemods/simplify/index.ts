/**
 * Simplification: once flag reads are replaced by the kept value, fold everything that became
 * constant because of it, to a fixed point. Each pass is a named rule in a file of its family,
 * with a Before/After comment; this file holds their order and the driver.
 *
 * The order, per round (the driver walks the tree once a round, children before their parent):
 * 1. test set-up pinning the flag goes before the rewrite parses the file (`testOverrideEdits`,
 *    a text edit, run by rewrite.ts);
 * 2. on each expression, {@link EXPRESSION_PASSES}: the first pass for its type that folds it wins;
 * 3. on each statement list, once its statements are folded, {@link STATEMENT_PASSES} for each
 *    statement, the first that acts wins;
 * 4. on each JSX element's children and class body, {@link CONTAINER_PASSES};
 * 5. after the fixed point, {@link removeUnused} drops what no longer has a use (rewrite.ts).
 */
import { NON_CHILD_FIELDS } from 'eslint-plugin-modelflags/detection';
import { isNode, isStatementList, isTerminator, type AstNode } from '../ast.js';
import { classFieldOfConstant, bindingOfConstant } from './bindings.js';
import { booleanOfConstant, logicalOfConstantLeft, logicalOfConstantRight, notOfConstant } from './booleans.js';
import { binaryOfConstants, typeofConstant } from './comparisons.js';
import {
  collectTopLevel,
  Simplifier,
  type ContainerPass,
  type ExpressionPass,
  type StatementOutcome,
  type StatementPass,
} from './context.js';
import { attributeOfConstant, constantChildren } from './jsx.js';
import { listIncludes, tableLookup } from './lookups.js';
import { constantStatement, ifAsSingleStatement, ifOfConstant, ternaryOfConstant } from './statements.js';
import { stringMethodOfConstant, stringOfConstant, templateOfConstant } from './strings.js';
import { switchOnConstant } from './switch.js';
import { flagAssertion } from './test-setup.js';
import { helperCall, wrapperCalls } from './wrappers.js';

export { Simplifier, type SimplifyOptions } from './context.js';
export { removeUnused } from './unused.js';
export { keepBlankLinesBetweenChildren } from './jsx.js';
export { isTestFile, testOverrideEdits } from './test-setup.js';
export { singleReturnExpression, wrapperOf } from './wrappers.js';

const EXPRESSION_PASSES: readonly ExpressionPass[] = [
  binaryOfConstants,
  notOfConstant,
  typeofConstant,
  logicalOfConstantLeft,
  logicalOfConstantRight,
  ternaryOfConstant,
  templateOfConstant,
  stringMethodOfConstant,
  listIncludes,
  booleanOfConstant,
  stringOfConstant,
  helperCall,
  tableLookup,
  ifAsSingleStatement,
  attributeOfConstant,
];

const STATEMENT_PASSES: readonly StatementPass[] = [
  ifOfConstant,
  switchOnConstant,
  constantStatement,
  flagAssertion,
  bindingOfConstant,
  wrapperCalls,
];

const CONTAINER_PASSES: readonly ContainerPass[] = [constantChildren, classFieldOfConstant];

const PASSES_BY_TYPE = new Map<string, ExpressionPass[]>();
for (const pass of EXPRESSION_PASSES)
  for (const type of pass.types) PASSES_BY_TYPE.set(type, [...(PASSES_BY_TYPE.get(type) ?? []), pass]);

/** Bounds the fixed point; every round that changes something removes or replaces nodes, so it is never reached in practice. */
const MAX_ROUNDS = 100;

/** Runs the passes over `s.program` until a round changes nothing. */
export function simplify(s: Simplifier): void {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    s.changed = false;
    s.topLevel = collectTopLevel(s.program);
    visit(s.program, s);
    if (!s.changed) return;
  }
}

/**
 * Folds the children of `node`, then `node`'s own lists and itself as a container. Walks by hand
 * rather than with the shared `forEachNode`: a fold replaces a node in its parent's field, after
 * the node's own children are folded (post-order), and lists are re-read as passes splice them.
 */
function visit(node: AstNode, s: Simplifier): void {
  for (const key of Object.keys(node)) {
    if (NON_CHILD_FIELDS.has(key)) continue;
    const value: unknown = node[key];
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (!isNode(child)) continue;
        visit(child, s);
        const replacement = fold(child, node, key, s);
        if (replacement !== undefined && replacement !== null) {
          value[i] = replacement;
          s.touched.add(node);
          s.changed = true;
        }
      }
      if (isStatementList(node, key)) simplifyStatements(value as AstNode[], node, s);
      for (const pass of CONTAINER_PASSES) if (pass.appliesTo(node, key)) pass.apply(node, key, s);
    } else if (isNode(value)) {
      visit(value, s);
      const replacement = fold(value, node, key, s);
      if (replacement !== undefined) {
        node[key] = replacement;
        s.touched.add(node);
        s.changed = true;
      }
    }
  }
  for (const pass of CONTAINER_PASSES) if (pass.appliesTo(node, undefined)) pass.apply(node, undefined, s);
}

function fold(node: AstNode, parent: AstNode, key: string, s: Simplifier): AstNode | null | undefined {
  for (const pass of PASSES_BY_TYPE.get(node.type) ?? []) {
    const replacement = pass.fold(node, parent, key, s);
    if (replacement !== undefined) return replacement;
  }
  return undefined;
}

function simplifyStatements(list: AstNode[], owner: AstNode, s: Simplifier): void {
  for (let i = 0; i < list.length; i++) {
    const statement = list[i]!;
    let outcome: StatementOutcome;
    for (const pass of STATEMENT_PASSES) {
      outcome = pass.apply(statement, list, i, owner, s);
      if (outcome !== undefined) break;
    }
    if (outcome === undefined) continue;
    if (outcome === 'revisit') {
      i--;
      continue;
    }
    const replacement = outcome.replace;
    const comments = (statement.comments as AstNode[] | undefined)?.filter((c) => c.leading);
    if (outcome.keepComments && comments?.length && replacement[0]) {
      replacement[0].comments = [...comments, ...((replacement[0].comments as AstNode[] | undefined) ?? [])];
    }
    list.splice(i, 1, ...replacement);
    s.changed = true;
    s.touched.add(owner);
    const stop = replacement.findIndex((r) => isTerminator(r));
    if (stop >= 0) {
      // What followed the surviving early return became unreachable because of this change.
      const after = list.slice(i + stop + 1);
      list.splice(i + stop + 1, after.length, ...after.filter(isHoisted));
    }
    i--;
  }
}

function isHoisted(node: AstNode): boolean {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'TSTypeAliasDeclaration' ||
    node.type === 'TSInterfaceDeclaration' ||
    node.type === 'TSDeclareFunction'
  );
}
