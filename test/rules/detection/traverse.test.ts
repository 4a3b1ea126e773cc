import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { globbySync } from 'globby';
import jscodeshift from 'jscodeshift';
import { parse, simpleTraverse } from '@typescript-eslint/typescript-estree';
import type { TSESTree } from '@typescript-eslint/types';
import { parseBabel, parseForDetection } from '../../../rules/detection/parse.js';
import { forEachNode, NON_CHILD_FIELDS } from '../../../rules/detection/traverse.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

type AnyNode = { type: string; [field: string]: unknown };

const isNode = (value: unknown): value is AnyNode =>
  typeof value === 'object' && value !== null && typeof (value as AnyNode).type === 'string';

/** Every node, found by looking in every field of every node: nothing can hide from it. */
function bruteForce(root: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  const walk = (node: AnyNode): void => {
    out.push(node);
    for (const key in node) {
      if (NON_CHILD_FIELDS.has(key)) continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const child of value) if (isNode(child)) walk(child);
      } else if (isNode(value)) walk(value);
    }
  };
  walk(root);
  return out;
}

function traversed(root: AnyNode): { nodes: AnyNode[]; parents: Map<AnyNode, AnyNode | undefined> } {
  const nodes: AnyNode[] = [];
  const parents = new Map<AnyNode, AnyNode | undefined>();
  forEachNode<AnyNode>(root, (node, parent) => {
    nodes.push(node);
    parents.set(node, parent);
  });
  return { nodes, parents };
}

/** ESLint's order: typescript-estree's own walk over the visitor keys. */
function eslintOrder(root: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  simpleTraverse(root as unknown as TSESTree.Node, { enter: (node) => void out.push(node as unknown as AnyNode) });
  return out;
}

// The fixture that does not parse, on purpose, has no tree to walk.
const fixtures = globbySync('test/codemods/fixtures/*/input/**/*.{ts,tsx}', {
  cwd: ROOT,
  absolute: true,
  ignore: ['**/input-unparsable-file/**'],
});

/** Where two walks part: undefined when they visit the same nodes (by identity) in the same order. */
function firstDifference(actual: AnyNode[], expected: AnyNode[]): string | undefined {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i])
      return `node ${i}: visited ${actual[i]?.type ?? 'nothing'}, expected ${expected[i]?.type ?? 'nothing'} (${actual.length} against ${expected.length} nodes)`;
  }
  return undefined;
}

/** The nodes `expected` has that `actual` does not, and any node `actual` visits twice. */
function missingOrRepeated(actual: AnyNode[], expected: AnyNode[]): string[] {
  const visited = new Set(actual);
  return [
    ...expected.filter((n) => !visited.has(n)).map((n) => `missing ${n.type}`),
    ...(visited.size === actual.length ? [] : ['a node visited twice']),
  ];
}

describe('forEachNode', () => {
  it('visits every node of the Babel parse, in ESLint order, each with the parent it is linked to', () => {
    expect(fixtures.length).toBeGreaterThan(250);
    for (const file of fixtures) {
      const ast = parseForDetection(readFileSync(file, 'utf8'), file).ast as unknown as AnyNode;
      const { nodes, parents } = traversed(ast);
      expect(missingOrRepeated(nodes, bruteForce(ast)), file).toEqual([]);
      expect(firstDifference(nodes, eslintOrder(ast)), file).toBeUndefined();
      expect(
        nodes.filter((node) => node.parent !== parents.get(node)).map((node) => node.type),
        file,
      ).toEqual([]);
    }
  });

  it("visits every node of typescript-estree's own parse, in ESLint order", () => {
    for (const file of fixtures) {
      // ESLint hands its parser the text without the BOM, as here.
      const ast = parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), {
        jsx: file.endsWith('x'),
        range: true,
        loc: true,
      }) as unknown as AnyNode;
      const { nodes } = traversed(ast);
      expect(missingOrRepeated(nodes, bruteForce(ast)), file).toEqual([]);
      expect(firstDifference(nodes, eslintOrder(ast)), file).toBeUndefined();
    }
  });

  it("visits the codemod's Babel and recast trees exactly as a walk over their fields does", () => {
    for (const file of fixtures) {
      const text = readFileSync(file, 'utf8');
      const recast = jscodeshift
        .withParser(file.endsWith('x') ? 'tsx' : 'ts')(text)
        .get().node as AnyNode;
      expect(firstDifference(traversed(recast).nodes, bruteForce(recast)), file).toBeUndefined();
      const babel = parseBabel(text, file) as unknown as AnyNode;
      expect(firstDifference(traversed(babel).nodes, bruteForce(babel)), file).toBeUndefined();
    }
  });

  it("finds a child visitor-keys does not list in a node of Babel's own shape", () => {
    // Babel keeps a call's type arguments in `typeParameters`, where typescript-estree has `typeArguments`.
    const program = parseBabel('f<Flags>(x);', 'a.ts') as unknown as AnyNode;
    const types: string[] = [];
    forEachNode<AnyNode>(program, (node) => void types.push(node.type));
    expect(types).toContain('TSTypeParameterInstantiation');
  });

  it('skips the children of a node the visitor returns false for, and no other', () => {
    const { ast } = parseForDetection('f(g(1), 2); h(3);', 'a.ts');
    const seen: string[] = [];
    forEachNode(ast, (node) => {
      seen.push(node.type === 'Literal' ? String(node.value) : node.type === 'Identifier' ? node.name : node.type);
      return !(node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'g');
    });
    expect(seen).toEqual([
      'Program',
      'ExpressionStatement',
      'CallExpression',
      'f',
      'CallExpression',
      '2',
      'ExpressionStatement',
      'CallExpression',
      'h',
      '3',
    ]);
  });
});
