/** Code the rewrite left without a single use: imports, helpers, types, variables, empty test cases. */
import { isFunctionNode, isStatementList, referenceCounts, walk, type AstNode } from '../ast.js';
import { isEmptyTestCase } from './test-setup.js';

/**
 * Before: `import { isLarge } from './models';` whose only call was folded away → After: the
 * import gone; likewise a helper function, type, class, enum or variable (when its initialiser
 * has no effect) whose last use went, and, in a test file, a test case left empty. Only names
 * that had uses before the rewrite (`usesBefore`) and have none now go: something already unused
 * was the author's business, not the codemod's. `externalUses` are names code outside `program`
 * uses (the rewrite's window leaves it out). Runs after the fixed point of the other passes, to
 * its own fixed point.
 */
export function removeUnused(
  program: AstNode,
  usesBefore: ReadonlyMap<string, number>,
  options: { isTestFile: boolean; externalUses?: ReadonlySet<string> },
): void {
  for (let round = 0; round < 20; round++) {
    const uses = referenceCounts(program);
    const gone = (name: string): boolean =>
      (usesBefore.get(name) ?? 0) > 0 && (uses.get(name) ?? 0) === 0 && options.externalUses?.has(name) !== true;
    let removed = false;
    const prune = (list: AstNode[], topLevel: boolean): void => {
      for (let i = list.length - 1; i >= 0; i--) {
        const s = list[i]!;
        if (topLevel && s.type === 'ImportDeclaration' && (s.specifiers as AstNode[]).length > 0) {
          const specifiers = s.specifiers as AstNode[];
          const kept = specifiers.filter((sp) => !gone(sp.local.name as string));
          if (kept.length === specifiers.length) continue;
          removed = true;
          if (kept.length === 0) list.splice(i, 1);
          else s.specifiers = kept;
        } else if (s.type === 'VariableDeclaration' && !s.declare) {
          const declarators = s.declarations as AstNode[];
          const kept = declarators.filter(
            (d) =>
              !(
                d.id.type === 'Identifier' &&
                gone(d.id.name as string) &&
                removableInitializer(d.init as AstNode | null)
              ),
          );
          if (kept.length === declarators.length) continue;
          removed = true;
          if (kept.length === 0) list.splice(i, 1);
          else s.declarations = kept;
        } else if (
          (s.type === 'FunctionDeclaration' ||
            s.type === 'ClassDeclaration' ||
            s.type === 'TSTypeAliasDeclaration' ||
            s.type === 'TSInterfaceDeclaration' ||
            s.type === 'TSEnumDeclaration') &&
          s.id &&
          gone(s.id.name as string)
        ) {
          list.splice(i, 1);
          removed = true;
        } else if (options.isTestFile && isEmptyTestCase(s)) {
          list.splice(i, 1);
          removed = true;
        }
      }
    };
    const lists: { list: AstNode[]; topLevel: boolean }[] = [];
    walk(program, (node) => {
      for (const key of ['body', 'consequent'])
        if (isStatementList(node, key)) lists.push({ list: node[key] as AstNode[], topLevel: node.type === 'Program' });
    });
    // Innermost lists first, so a test case emptied by pruning its body goes in the same round.
    for (const { list, topLevel } of lists.reverse()) prune(list, topLevel);
    if (!removed) return;
  }
}

/** Initialisers whose only purpose was to feed the removed read (a client, a context object). */
function removableInitializer(init: AstNode | null): boolean {
  if (!init) return true;
  let found = false;
  walk(init, (n) => {
    if (
      n.type === 'AwaitExpression' ||
      n.type === 'AssignmentExpression' ||
      n.type === 'UpdateExpression' ||
      n.type === 'YieldExpression'
    )
      found = true;
    return !isFunctionNode(n);
  });
  return !found;
}
