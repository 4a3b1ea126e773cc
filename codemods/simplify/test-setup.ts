/**
 * Test files: set-up that pins the retired flag, assertions about its value, and test cases left
 * empty by their removal.
 */
import type { TSESTree } from '@typescript-eslint/types';
import { forEachNode } from 'eslint-plugin-modelflags/detection';
import type { FlagValue } from 'modelflags/registry';
import type { AstNode } from '../ast.js';
import { listItemEdits, statementEdit, type TextEdit } from '../text-edits.js';
import type { StatementPass } from './context.js';

export function isTestFile(file: string): boolean {
  return /(\.|\/)(test|spec)\.[cm]?[jt]sx?$/.test(file) || /(^|\/)__tests__\//.test(file);
}

/**
 * Before: `staticSource({ inference_model: 'claude-3-haiku', tier: 'pro' })` → After:
 * `staticSource({ tier: 'pro' })`; a registry entry `{ flag: 'inference_model', ... }` leaves its
 * list; `mockFlag('inference_model', 'x');` and `td.update(td.flag('inference_model')...)` go. Test
 * set-up that pins a retired flag has nothing left to configure. Runs first, on the text (so the
 * lists keep their exact layout), before any read is replaced.
 */
export function testOverrideEdits(
  ast: TSESTree.Program,
  text: string,
  decisions: ReadonlyMap<string, FlagValue>,
): TextEdit[] {
  const edits: TextEdit[] = [];
  const namesFlag = (n: TSESTree.Node | null | undefined): boolean =>
    n?.type === 'Literal' && typeof n.value === 'string' && decisions.has(n.value);
  const propertyName = (p: TSESTree.Node): string | undefined => {
    if (p.type !== 'Property' || p.computed) return undefined;
    if (p.key.type === 'Identifier') return p.key.name;
    return p.key.type === 'Literal' && typeof p.key.value === 'string' ? p.key.value : undefined;
  };
  const visit = (node: TSESTree.Node): boolean => {
    if (node.type === 'ObjectExpression') {
      const doomed = node.properties.filter((p) => {
        const name = propertyName(p);
        return name !== undefined && decisions.has(name);
      });
      if (doomed.length > 0) {
        edits.push(...listItemEdits(node, node.properties, doomed));
        for (const p of node.properties) if (!doomed.includes(p)) forEachNode(p, visit);
        return false;
      }
    }
    if (node.type === 'ArrayExpression') {
      const doomed = node.elements.filter(
        (e): e is TSESTree.ObjectExpression =>
          e?.type === 'ObjectExpression' &&
          e.properties.some(
            (p) => p.type === 'Property' && ['flag', 'key'].includes(propertyName(p) ?? '') && namesFlag(p.value),
          ),
      );
      if (doomed.length > 0) {
        const elements = node.elements.filter((e): e is TSESTree.Expression | TSESTree.SpreadElement => e !== null);
        edits.push(...listItemEdits(node, elements, doomed));
        return false;
      }
    }
    if (node.type === 'ExpressionStatement' && callsWithFlagKey(node.expression, namesFlag)) {
      edits.push(statementEdit(text, node));
      return false;
    }
    return true;
  };
  forEachNode(ast, visit);
  return edits;
}

/** Whether the statement's own call chain (not functions inside it) passes a retired key. */
function callsWithFlagKey(expression: TSESTree.Node, namesFlag: (n: TSESTree.Node) => boolean): boolean {
  let n: TSESTree.Node = expression;
  while (n.type === 'AwaitExpression' || n.type === 'ChainExpression')
    n = n.type === 'AwaitExpression' ? n.argument : n.expression;
  if (n.type !== 'CallExpression' && n.type !== 'NewExpression') return false;
  const args = n.arguments as TSESTree.Node[];
  if (args.some(namesFlag)) return true;
  if (args.some((a) => (a.type === 'CallExpression' || a.type === 'NewExpression') && callsWithFlagKey(a, namesFlag)))
    return true;
  return n.callee.type === 'MemberExpression' && callsWithFlagKey(n.callee.object, namesFlag);
}

/**
 * Before: `expect(flags.get('inference_model', ctx)).toBe('claude-sonnet-4-6');`, once the read is
 * the kept value → After: nothing. An assertion about the retired flag's behaviour.
 */
export const flagAssertion: StatementPass = {
  name: 'flag-assertion',
  apply(statement, _list, _index, _owner, s) {
    if (!s.options.isTestFile || statement.type !== 'ExpressionStatement') return undefined;
    let n = statement.expression as AstNode;
    while (n.type === 'AwaitExpression') n = n.argument as AstNode;
    while (n.type === 'CallExpression' || n.type === 'MemberExpression') {
      if (n.type === 'CallExpression' && n.callee.type === 'Identifier' && n.callee.name === 'expect') {
        return n.arguments.length >= 1 && s.isMarked(n.arguments[0]) ? { replace: [], keepComments: false } : undefined;
      }
      n = (n.type === 'CallExpression' ? n.callee : n.object) as AstNode;
    }
    return undefined;
  },
};

const TEST_FUNCTIONS = new Set(['it', 'test', 'describe']);

/**
 * Before: `it('uses the large model', () => {})`, emptied by {@link flagAssertion} → After:
 * nothing (see unused.ts, which removes it with the code left unused).
 */
export function isEmptyTestCase(statement: AstNode): boolean {
  if (statement.type !== 'ExpressionStatement') return false;
  const call = statement.expression as AstNode;
  if (call.type !== 'CallExpression') return false;
  let callee = call.callee as AstNode;
  while (callee.type === 'MemberExpression') callee = callee.object as AstNode;
  if (callee.type !== 'Identifier' || !TEST_FUNCTIONS.has(callee.name as string)) return false;
  const fn = (call.arguments as AstNode[]).find(
    (a) => a.type === 'ArrowFunctionExpression' || a.type === 'FunctionExpression',
  );
  return (
    fn !== undefined &&
    fn.body.type === 'BlockStatement' &&
    fn.body.body.length === 0 &&
    (fn.body.comments?.length ?? 0) === 0 &&
    (fn.body.innerComments?.length ?? 0) === 0
  );
}
