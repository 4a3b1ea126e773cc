/**
 * recast ends every statement it prints anew with a semicolon (`return x;`), whatever the file
 * does. In a file written without semicolons, the statements the rewrite reprinted lose them
 * again, so the diff follows the file's style; lines the rewrite did not touch are left as they are.
 */
import type { TSESTree } from '@typescript-eslint/types';
import { forEachNode, parseForDetection } from 'eslint-plugin-modelflags/detection';
import { LineDiff } from './diff.js';

/** Statements (and class fields) that a semicolon may end. */
const TERMINATED = new Set([
  'ExpressionStatement',
  'VariableDeclaration',
  'ReturnStatement',
  'ThrowStatement',
  'BreakStatement',
  'ContinueStatement',
  'DebuggerStatement',
  'DoWhileStatement',
  'ImportDeclaration',
  'ExportNamedDeclaration',
  'ExportAllDeclaration',
  'ExportDefaultDeclaration',
  'TSTypeAliasDeclaration',
  'PropertyDefinition',
]);

/** Each statement ending its own text (a declaration inside a `for` head or an export does not). */
function statementEnds(ast: TSESTree.Program): TSESTree.Node[] {
  const out: TSESTree.Node[] = [];
  forEachNode(ast, (node, parent) => {
    if (!TERMINATED.has(node.type)) return;
    if (node.type === 'VariableDeclaration' && parent?.type.startsWith('For')) return;
    if (
      (node.type === 'ExportNamedDeclaration' || node.type === 'ExportDefaultDeclaration') &&
      node.declaration &&
      node.declaration.type !== 'Identifier' &&
      !node.declaration.type.endsWith('Expression')
    )
      return;
    out.push(node);
  });
  return out;
}

/**
 * `printed` with the semicolons recast added removed, when the file (`before`, whose tree is
 * `ast`) ends its statements without them. A semicolon stays where the next line would continue
 * the statement without it (it starts with `(`, `[`, `` ` ``, `+`, `-`, `/`).
 */
export function followSemicolonStyle(before: string, ast: TSESTree.Program, printed: string, file: string): string {
  let withSemicolon = 0;
  let without = 0;
  for (const node of statementEnds(ast)) {
    if (before.charAt(node.range[1] - 1) === ';') withSemicolon++;
    else without++;
  }
  if (without <= withSemicolon || !/;\s*$/m.test(printed)) return printed;
  const diff = new LineDiff(before, printed);
  let after: TSESTree.Program;
  try {
    after = parseForDetection(printed, file).ast;
  } catch {
    return printed;
  }
  const cuts: number[] = [];
  for (const node of statementEnds(after)) {
    const end = node.range[1];
    if (printed.charAt(end - 1) !== ';' || !diff.originalLine(node.loc.end.line).rewritten) continue;
    const next = /\S/.exec(printed.slice(end));
    if (next && /[([`+\-/]/.test(next[0])) continue;
    cuts.push(end - 1);
  }
  let out = printed;
  for (const at of cuts.sort((a, b) => b - a)) out = out.slice(0, at) + out.slice(at + 1);
  return out;
}
