/**
 * Edits made on a file's text before the rewrite parses it for recast, for lists whose exact
 * layout recast would not keep: ranges to delete, found on the detection's syntax tree.
 */
import type { TSESTree } from '@typescript-eslint/types';
import { forEachNode } from 'eslint-plugin-modelflags/detection';
import type { FlagValue } from 'modelflags/registry';

/** Text from `start` to `end` (offsets) goes. */
export interface TextEdit {
  start: number;
  end: number;
}

/** `flags.record(ctx, ['inference_model', 'system_prompt_version'])`: a retired key in a key list of a flags call. */
export function keyListEdits(
  ast: TSESTree.Program,
  clients: ReadonlySet<string>,
  decisions: ReadonlyMap<string, FlagValue>,
): TextEdit[] {
  const edits: TextEdit[] = [];
  if (clients.size === 0) return edits;
  forEachNode(ast, (node) => {
    if (
      node.type !== 'CallExpression' ||
      node.callee.type !== 'MemberExpression' ||
      node.callee.object.type !== 'Identifier' ||
      !clients.has(node.callee.object.name)
    )
      return;
    for (const arg of node.arguments) {
      if (arg.type !== 'ArrayExpression') continue;
      const elements = arg.elements.filter((e): e is TSESTree.Expression | TSESTree.SpreadElement => e !== null);
      const doomed = elements.filter(
        (e) => e.type === 'Literal' && typeof e.value === 'string' && decisions.has(e.value),
      );
      if (doomed.length > 0 && doomed.length < elements.length) edits.push(...listItemEdits(arg, elements, doomed));
    }
  });
  return edits;
}

/** Removes items from a comma-separated list, taking one separator with each and keeping the layout. */
export function listItemEdits(
  container: TSESTree.Node,
  items: readonly TSESTree.Node[],
  doomed: readonly TSESTree.Node[],
): TextEdit[] {
  if (doomed.length === items.length) return [{ start: container.range[0] + 1, end: container.range[1] - 1 }];
  const edits: TextEdit[] = [];
  for (const item of doomed) {
    const i = items.indexOf(item);
    const next = items[i + 1];
    if (next) edits.push({ start: item.range[0], end: next.range[0] });
    else edits.push({ start: items[i - 1]!.range[1], end: item.range[1] });
  }
  return edits;
}

/** A whole statement with its line, when it stands alone on its lines. */
export function statementEdit(text: string, statement: TSESTree.Node): TextEdit {
  let start = statement.range[0];
  let end = statement.range[1];
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (/^[ \t]*$/.test(text.slice(lineStart, start))) start = lineStart;
  const lineEnd = text.indexOf('\n', end);
  if (lineEnd >= 0 && /^[ \t\r]*$/.test(text.slice(end, lineEnd))) end = lineEnd + 1;
  return { start, end };
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + out.slice(e.end);
  return out;
}
