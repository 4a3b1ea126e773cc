/**
 * Parses source files for the detection outside ESLint (`remove-flag`, `modelflags audit`) with
 * Babel, the parser the codemod's rewrite already loads, into the typescript-estree shapes the
 * detection and `@typescript-eslint/scope-manager` read. Going through typescript-estree instead
 * would load the TypeScript compiler, about 0.6 s before the first file, and a second parser to
 * warm up; a codemod run without verification needs neither.
 *
 * Babel's estree output differs from typescript-estree's only in TypeScript nodes and a few field
 * names; {@link normalize} maps those while it sets the parent links. A test runs the detection on
 * both parsers over the fixtures, examples and sources and requires the same reads.
 */
import { createRequire } from 'node:module';
import type { TSESTree } from '@typescript-eslint/types';
import { analyze, type ScopeManager } from '@typescript-eslint/scope-manager';
import { forEachNode } from './traverse.js';

type BabelParser = typeof import('@babel/parser');
let babel: BabelParser | undefined;

/** A syntax error at a 1-based line and column. */
export class SourceSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'SourceSyntaxError';
  }
}

/** JSX is allowed wherever TypeScript allows it: everything but `.ts`, `.mts` and `.cts`. */
export function allowsJsx(filePath: string): boolean {
  return !/\.[cm]?ts$/i.test(filePath);
}

// The syntax jscodeshift's `ts`/`tsx` parsers accept, so every file the detection parses the
// rewrite can parse too, and the reverse.
const PLUGINS = [
  'asyncGenerators',
  'decoratorAutoAccessors',
  'bigInt',
  'classPrivateMethods',
  'classPrivateProperties',
  'classProperties',
  'decorators-legacy',
  'doExpressions',
  'dynamicImport',
  'exportDefaultFrom',
  'exportNamespaceFrom',
  'functionBind',
  'functionSent',
  'importAttributes',
  'importMeta',
  'nullishCoalescingOperator',
  'numericSeparator',
  'objectRestSpread',
  'optionalCatchBinding',
  'optionalChaining',
  ['pipelineOperator', { proposal: 'minimal' }],
  'throwExpressions',
  'typescript',
] as const;

function babelParse(text: string, filePath: string, estree: boolean): { program: unknown } {
  babel ??= createRequire(import.meta.url)('@babel/parser') as BabelParser;
  const plugins = [
    ...(allowsJsx(filePath) ? ['jsx' as const] : []),
    ...(estree ? [['estree', { classFeatures: true }] as const] : []),
    ...PLUGINS,
  ];
  // A byte order mark belongs to the encoding, not the program. Babel reads it as whitespace, which
  // leaves a `#!` line after it out of place: parse what follows it, at the same offsets.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  try {
    return babel.parse(bom === 1 ? text.slice(1) : text, {
      startIndex: bom,
      sourceType: 'module',
      allowImportExportEverywhere: true,
      allowReturnOutsideFunction: true,
      attachComment: false,
      createImportExpressions: true,
      ranges: estree,
      plugins: plugins as never,
    });
  } catch (error) {
    const e = error as { loc?: { line: number; column: number }; message: string };
    if (!e.loc) throw error;
    throw new SourceSyntaxError(e.loc.line, e.loc.column + 1, e.message.replace(/ \(\d+:\d+\)$/, ''));
  }
}

/** Throws a {@link SourceSyntaxError} when `text` does not parse the way the detection parses it. */
export function checkSyntax(text: string, filePath: string): void {
  babelParse(text, filePath, false);
}

/** Babel's own program of `text` (no estree shapes, no ranges, no parent links): the cheapest full parse. */
export function parseBabel(text: string, filePath: string): { body: unknown[] } {
  return babelParse(text, filePath, false).program as { body: unknown[] };
}

/** The typescript-estree program of `text` with parent links, and its scope analysis. */
export function parseForDetection(
  text: string,
  filePath: string,
): { ast: TSESTree.Program; scopeManager: ScopeManager } {
  const ast = babelParse(text, filePath, true).program as Node;
  forEachNode<Node>(ast, (node, parent) => normalize(node, parent, text));
  const jsx = allowsJsx(filePath);
  const scopeManager = analyze(ast as unknown as TSESTree.Program, {
    sourceType: 'module',
    jsxPragma: jsx ? 'React' : null,
  });
  return { ast: ast as unknown as TSESTree.Program, scopeManager };
}

interface Node {
  type: string;
  range: [number, number];
  loc: { start: { line: number; column: number }; end: { line: number; column: number } };
  parent?: Node | undefined;
  [key: string]: unknown;
}

/** Babel's function types name their parameters and return type as its function nodes do not. */
const SIGNATURES = new Set([
  'TSFunctionType',
  'TSConstructorType',
  'TSCallSignatureDeclaration',
  'TSConstructSignatureDeclaration',
  'TSMethodSignature',
]);

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

function syntheticNode(type: string, from: Node, fields: Record<string, unknown>): Node {
  return { type, range: [from.range[0], from.range[1]], loc: from.loc, ...fields };
}

/**
 * Renames Babel's TypeScript shapes to typescript-estree's and links the node to its parent. The
 * walk reads a node's children after this has renamed them, so they are found where
 * typescript-estree keeps them.
 */
function normalize(node: Node, parent: Node | undefined, text: string): void {
  // A parenthesized type has left the tree (below): what it held belongs to its parent.
  const linked = parent?.type === 'TSParenthesizedType' ? parent.parent : parent;
  node.parent = linked;
  if (isNode(node.typeParameters) && node.typeParameters.type === 'TSTypeParameterInstantiation') {
    node.typeArguments = node.typeParameters;
    delete node.typeParameters;
  }
  if (isNode(node.superTypeParameters)) {
    node.superTypeArguments = node.superTypeParameters;
    delete node.superTypeParameters;
  }
  switch (node.type) {
    case 'Program':
      // typescript-estree keeps a `#!` line as a comment, not as a node.
      delete node.interpreter;
      break;
    case 'TSTypeParameter':
      if (typeof node.name === 'string') {
        // After any `const`, `in` or `out` modifier.
        const word = new RegExp(`(?<![\\w$])${node.name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
        word.lastIndex = node.range[0];
        const start = word.exec(text)?.index ?? node.range[0];
        node.name = {
          ...syntheticNode('Identifier', node, { name: node.name }),
          range: [start, start + node.name.length],
        };
      }
      break;
    case 'TSMappedType': {
      const parameter = node.typeParameter as Node | undefined;
      if (parameter && node.key === undefined) {
        // The parameter leaves the tree: only its name needs typescript-estree's shape.
        normalize(parameter, node, text);
        node.key = parameter.name;
        node.constraint = parameter.constraint;
        delete node.typeParameter;
      }
      break;
    }
    case 'TSEnumDeclaration':
      if (Array.isArray(node.members) && node.body === undefined) {
        node.body = syntheticNode('TSEnumBody', node, { members: node.members });
        delete node.members;
      }
      break;
    case 'TSImportType':
      if (node.source === undefined && isNode(node.argument)) {
        node.source = node.argument;
        delete node.argument;
      }
      break;
    case 'TSParenthesizedType':
      // typescript-estree drops the parentheses around a type.
      if (linked && isNode(node.typeAnnotation)) replaceChild(linked, node, node.typeAnnotation);
      break;
    case 'TSExpressionWithTypeArguments':
      node.type = linked?.type === 'TSInterfaceDeclaration' ? 'TSInterfaceHeritage' : 'TSClassImplements';
      break;
    case 'MethodDefinition': {
      const value = node.value as Node;
      if (value.body === undefined || value.body === null) {
        value.type = 'TSEmptyBodyFunctionExpression';
        value.body = null;
        if (node.abstract === true) node.type = 'TSAbstractMethodDefinition';
      }
      break;
    }
    case 'PropertyDefinition':
      if (node.abstract === true) node.type = 'TSAbstractPropertyDefinition';
      break;
    default:
      if (SIGNATURES.has(node.type) && node.params === undefined) {
        node.params = node.parameters;
        node.returnType = node.typeAnnotation;
        delete node.parameters;
        delete node.typeAnnotation;
      }
  }
}

/** Puts `replacement` where `parent` holds `child`. */
function replaceChild(parent: Node, child: Node, replacement: Node): void {
  for (const key in parent) {
    const value = parent[key];
    if (value === child) parent[key] = replacement;
    else if (Array.isArray(value)) {
      const index = value.indexOf(child);
      if (index >= 0) value[index] = replacement;
    }
  }
}
