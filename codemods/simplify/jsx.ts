/** JSX around the kept value: attributes, and children that became constant. */
import { walk, type AstNode } from '../ast.js';
import type { ContainerPass, ExpressionPass } from './context.js';

/** Before: `<Badge model={'claude-sonnet-4-6'} />` → After: `<Badge model="claude-sonnet-4-6" />`. */
export const attributeOfConstant: ExpressionPass = {
  name: 'attribute-of-constant',
  types: ['JSXAttribute'],
  fold(node, _parent, _key, s) {
    const value = node.value as AstNode | null;
    if (value?.type !== 'JSXExpressionContainer' || !s.isMarked(value.expression)) return undefined;
    const v = s.constant(value.expression);
    if (typeof v !== 'string' || /["\\\n{}<>&]/.test(v)) return undefined;
    // An estree `Literal` keeps its raw text when printed; JSX attributes take double quotes.
    const literal = { type: 'Literal', value: v, extra: { raw: JSON.stringify(v), rawValue: v } };
    // Still the codemod's constant: the prop it passes may go (prop-constants.ts).
    s.options.marked.add(literal);
    return { ...node, value: literal };
  },
};

/**
 * Before: `<div>{false}<Beta /></div>` → After: `<div><Beta /></div>` (`true` and `null` render
 * nothing either); `<div>{<Beta />}</div>` → `<div><Beta /></div>`. Only containers whose
 * expression a pass replaced: a `{false}` the user wrote stays.
 */
export const constantChildren: ContainerPass = {
  name: 'constant-children',
  appliesTo: (node, key) => key === 'children' && (node.type === 'JSXElement' || node.type === 'JSXFragment'),
  apply(node, _key, s) {
    const list = node.children as AstNode[];
    for (let i = 0; i < list.length; i++) {
      const child = list[i]!;
      if (child.type !== 'JSXExpressionContainer' || !s.touched.has(child)) continue;
      const expression = child.expression as AstNode;
      const v = s.constant(expression);
      if (v === false || v === null || v === true) {
        list.splice(i, 1);
        // Two runs of indentation would now meet and print as a blank line.
        const prev = list[i - 1];
        const next = list[i];
        if (prev && next && isBlankJsxText(prev) && isBlankJsxText(next)) list.splice(i, 1);
        s.changed = true;
        i--;
      } else if (expression.type === 'JSXElement' || expression.type === 'JSXFragment') {
        list[i] = expression;
        s.changed = true;
      }
    }
  },
};

function isBlankJsxText(node: AstNode): boolean {
  return node.type === 'JSXText' && /^\s*$/.test(node.value as string) && (node.value as string).includes('\n');
}

/**
 * recast reprints the children of an element that lost one with every run of blank space between
 * two of them as one line break, so the blank lines between the siblings that stay (outside the
 * edit) would go. Just before printing, in each element whose child list changed length, a blank
 * run holding an empty line is swapped for a node recast prints as that many line breaks (two at
 * most, a blank line).
 */
export function keepBlankLinesBetweenChildren(program: AstNode): void {
  walk(program, (node) => {
    if (node.type !== 'JSXElement' && node.type !== 'JSXFragment') return;
    const children = node.children as AstNode[];
    const before = (node.original as AstNode | undefined)?.children as AstNode[] | undefined;
    if (!before || before.length === children.length) return;
    for (const [i, child] of children.entries()) {
      if (!isBlankJsxText(child) || (child.value as string).split('\n').length < 3) continue;
      children[i] = { type: 'Identifier', name: '\n\n' };
    }
  });
}
