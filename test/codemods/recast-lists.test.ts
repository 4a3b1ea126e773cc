/**
 * recast's parse with long lists nested while it copies the tree (codemods/recast-lists.ts): every
 * node gets the same token range, indentation and comments as with recast's own parse, an edited
 * tree prints the same, and the work of finding token ranges grows linearly with the file.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import jscodeshift from 'jscodeshift';
import { describe, expect, it } from 'vitest';
import { isNode, type AstNode } from '../../codemods/ast.js';
import { parseForRewrite } from '../../codemods/recast-lists.js';

const plain = { ts: jscodeshift.withParser('ts'), tsx: jscodeshift.withParser('tsx') };

/** What recast recorded for every node, in tree order: token range, indentation, comments. */
function recorded(node: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(node)) {
    out.push(`${path}[${node.length}]`);
    node.forEach((item, i) => recorded(item, `${path}.${i}`, out));
    return out;
  }
  if (!isNode(node)) return out;
  const loc = node.loc as
    | { start: { token?: number; line: number; column: number }; end: { token?: number }; indent?: number }
    | null
    | undefined;
  const comments = ((node.comments ?? []) as AstNode[]).map(
    (c) => `${c.leading ? 'L' : ''}${c.trailing ? 'T' : ''}${c.value as string}`,
  );
  out.push(
    `${path} ${node.type} ${loc ? `${loc.start.line}:${loc.start.column} tokens ${loc.start.token}-${loc.end.token} indent ${loc.indent}` : 'no loc'} ${comments.join('|')}`,
  );
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'tokens' || key === 'comments' || key === 'start' || key === 'end' || key === 'extra')
      continue;
    recorded(node[key], `${path}.${key}`, out);
  }
  return out;
}

/** Between two items: on the same line, a new line, a blank line, or a comment in one of the places comments go. */
const gap = fc.constantFrom(
  ' ',
  '\n  ',
  '\n\n  ',
  ' // note\n  ',
  ' /* note */ ',
  '\n  // above\n  ',
  '\n  /** doc */\n  ',
);

function list(gaps: readonly string[] = [], item: (i: number) => string, separator: string): string {
  return gaps.map((g, i) => `${item(i)}${separator}${g}`).join('');
}

/** A module whose lists (statements, members, properties, elements, cases, arguments, union members) are long. */
const program = fc
  .tuple(
    fc.array(fc.array(gap, { minLength: 64, maxLength: 90 }), { minLength: 8, maxLength: 8 }),
    fc.constantFrom('', ' // after the last\n', ' /* after */'),
  )
  .map(([[statements, properties, elements, members, cases, args, union, jsx], trailing]) =>
    [
      '// header',
      `const o = {\n  ${list(properties, (i) => `p${i}: ${i}`, ',')}${trailing}\n};`,
      `const arr = [\n  ${list(elements, (i) => String(i), ',')}${trailing}\n];`,
      `class C {\n  ${list(members, (i) => (i % 2 === 0 ? `m${i}(): number { return ${i}; }` : `x${i} = ${i};`), '')}${trailing}\n}`,
      `type U =\n  ${list(union, (i) => `| 'u${i}'`, '')};`,
      `export function sw(v: number): number {\n  switch (v) {\n    ${list(cases, (i) => `case ${i}: return ${i * 3};`, '')}${trailing}\n  }\n  return 0;\n}`,
      `declare function f(...a: unknown[]): void;\nf(\n  ${list(args, (i) => String(i * 3), ',')}${trailing}\n);`,
      `export const j = () => (<div>\n  ${list(jsx, (i) => `<span>{${i}}</span>`, '')}\n</div>);`,
      list(
        statements,
        (i) =>
          i % 3 === 0
            ? `const v${i} = ${i};`
            : i % 3 === 1
              ? `function g${i}() { return ${i}; }`
              : `export const e${i} = [${i}];`,
        '',
      ),
      trailing,
    ].join('\n'),
  );

/** The same edits on either tree: some numbers become strings, every tenth top-level statement goes. */
function edit(root: AstNode): void {
  const visit = (node: AstNode): void => {
    for (const key of Object.keys(node)) {
      if (key === 'loc' || key === 'tokens' || key === 'comments') continue;
      const value: unknown = node[key];
      const children = Array.isArray(value) ? value : [value];
      children.forEach((child: unknown, i) => {
        if (!isNode(child)) return;
        if (child.type === 'NumericLiteral' && (child.value as number) % 9 === 0) {
          const replacement = { type: 'StringLiteral', value: `n${child.value as number}` };
          if (Array.isArray(value)) value[i] = replacement;
          else node[key] = replacement;
        } else visit(child);
      });
    }
  };
  visit(root);
  const body = (root.program as AstNode).body as AstNode[];
  for (let i = body.length - 1; i >= 0; i -= 10) body.splice(i, 1);
}

describe('parseForRewrite', () => {
  it('records the same token ranges, indentation and comments as recast, and prints edits the same', () => {
    fc.assert(
      fc.property(program, (source) => {
        const nested = parseForRewrite('tsx', source);
        const own = plain.tsx(source);
        const nestedFile = nested.get().node as AstNode;
        const ownFile = own.get().node as AstNode;
        expect(recorded(nestedFile)).toEqual(recorded(ownFile));
        // The original recast reprints against, reached from the copy.
        expect(recorded((nestedFile as { original?: unknown }).original)).toEqual(
          recorded((ownFile as { original?: unknown }).original),
        );
        edit(nestedFile);
        edit(ownFile);
        expect(nested.toSource()).toBe(own.toSource());
      }),
      { numRuns: 25 },
    );
  });

  it('finds token ranges with work linear in the file, not statements × tokens', () => {
    // recast compares positions while it walks the token list for each node's range: count them.
    const util = createRequire(createRequire(import.meta.url).resolve('jscodeshift'))('recast/lib/util.js') as {
      comparePos: (...args: unknown[]) => number;
    };
    const comparePos = util.comparePos;
    const comparisons = (statements: number): number => {
      const source = Array.from(
        { length: statements },
        (_, i) => `export function f${i}(a: number): number {\n  return a + ${i};\n}\n`,
      ).join('');
      let count = 0;
      util.comparePos = (...args: unknown[]) => {
        count++;
        return comparePos(...args);
      };
      try {
        parseForRewrite('ts', source);
      } finally {
        util.comparePos = comparePos;
      }
      return count;
    };
    const small = comparisons(1000);
    const large = comparisons(4000);
    // Four times the statements: about four times the comparisons (sixteen with recast's own walk).
    expect(large / small).toBeLessThan(6);
  });
});
