/**
 * Replacing one flag read with the kept value. Reads are located with the shared detection (on the
 * typescript-estree tree) and replaced on the recast tree, matched by source position, so recast
 * reprints only what changed. Also: which reads are not reads (a `Map` parameter named `flags`),
 * keys imported from other modules, and Vercel `flag()` definitions.
 */
import type { TSESTree } from '@typescript-eslint/types';
import { DefinitionType, type ScopeManager } from '@typescript-eslint/scope-manager';
import type { FlagRead } from 'eslint-plugin-modelflags/detection';
import jscodeshift from 'jscodeshift';
import type { FlagValue } from 'modelflags/registry';
import { children, isStatementList, propertyKeyName, walk, type AstNode } from './ast.js';
import type { RewriteContext } from './rewrite.js';
import type { Simplifier } from './simplify/index.js';

/**
 * Works around the shared detection taking `flags.get('<registry key>')` as a read even when
 * `flags` is a parameter or a local alias of something else (a `Map`): a local binding with no
 * flags client in sight is not the runtime client.
 */
export function isShadowedReceiver(read: FlagRead, scopeManager: ScopeManager): boolean {
  if (read.sdk !== 'modelflags' || read.call.type !== 'CallExpression' || read.call.callee.type !== 'MemberExpression')
    return false;
  return read.call.callee.object.type === 'Identifier' && isMapBinding(read.call.callee.object, scopeManager, 0);
}

const MAP_TYPES = new Set(['Map', 'WeakMap', 'ReadonlyMap', 'URLSearchParams', 'Headers', 'FormData']);

function isMapBinding(identifier: TSESTree.Identifier, scopeManager: ScopeManager, depth: number): boolean {
  if (depth > 5) return false;
  let scope = undefined as ReturnType<ScopeManager['acquire']> | undefined;
  for (let node: TSESTree.Node | undefined = identifier; !scope && node; node = node.parent)
    scope = scopeManager.acquire(node, true) ?? undefined;
  for (let s = scope; s; s = s.upper ?? undefined) {
    const variable = s.set.get(identifier.name);
    if (!variable) continue;
    const def = variable.defs[0];
    if (def?.type === DefinitionType.Parameter) {
      const annotation = (def.name as TSESTree.Identifier).typeAnnotation?.typeAnnotation;
      return (
        annotation?.type === 'TSTypeReference' &&
        annotation.typeName.type === 'Identifier' &&
        MAP_TYPES.has(annotation.typeName.name)
      );
    }
    if (def?.type === DefinitionType.Variable && def.node.type === 'VariableDeclarator') {
      const init = def.node.init;
      if (init?.type === 'NewExpression' && init.callee.type === 'Identifier') return MAP_TYPES.has(init.callee.name);
      if (init?.type === 'Identifier') return isMapBinding(init, scopeManager, depth + 1);
    }
    return false;
  }
  return false;
}

/** Replaces one read with the kept value; returns true, or the reason it could not. */
export function replaceRead(
  read: FlagRead,
  kept: FlagValue,
  byRange: Map<string, Located>,
  simplifier: Simplifier,
  program: AstNode,
): true | string {
  if (read.valueKind === 'definition')
    return `${read.method}() defines the flag; remove the definition and its callers by hand`;
  if (read.valueKind === 'bundle')
    return `${read.method}() reads a multi-value config; inline the kept configuration by hand`;
  if (read.valueKind === 'enabled' && typeof kept !== 'boolean')
    return `${read.method}() asks whether a ${typeof kept} flag is on; decide what the kept variant means here`;
  // GrowthBook's `isOff` answers the opposite question.
  const value = read.valueKind === 'enabled' && read.sdk === 'growthbook' && read.method === 'isOff' ? !kept : kept;
  if (read.valueNode) {
    const target = byRange.get(rangeKey(read.valueNode));
    if (!target) return 'could not map the read onto the rewritable syntax tree';
    const literal = simplifier.literal(value);
    simplifier.readLiterals.add(literal);
    target.set(literal);
    return true;
  }
  const destructured = replaceDestructuredRead(read, value, byRange, simplifier, program);
  if (destructured !== undefined) return destructured;
  const settled = replacePromiseAllElement(read, value, byRange, simplifier, program);
  if (settled !== undefined) return settled;
  return `the value of ${read.method}() is not used directly (for example through .then()); rewrite this use by hand`;
}

/**
 * `const [premium, summary] = await Promise.all([premiumModel(), summary()])` (Vercel flags read
 * together): the read's element and its binding leave the lists, and the binding becomes a
 * constant of the kept value, which the simplifier then inlines. Undefined when the read is not
 * such an element.
 */
function replacePromiseAllElement(
  read: FlagRead,
  value: FlagValue,
  byRange: Map<string, Located>,
  simplifier: Simplifier,
  program: AstNode,
): true | string | undefined {
  const list = read.call.parent;
  const all = list?.parent;
  if (list?.type !== 'ArrayExpression' || all?.type !== 'CallExpression' || all.arguments[0] !== list) return undefined;
  if (
    all.callee.type !== 'MemberExpression' ||
    all.callee.object.type !== 'Identifier' ||
    all.callee.object.name !== 'Promise' ||
    all.callee.property.type !== 'Identifier' ||
    all.callee.property.name !== 'all'
  )
    return undefined;
  const declarator = all.parent?.type === 'AwaitExpression' ? all.parent.parent : undefined;
  if (
    declarator?.type !== 'VariableDeclarator' ||
    declarator.id.type !== 'ArrayPattern' ||
    declarator.parent?.type !== 'VariableDeclaration' ||
    declarator.parent.declarations.length !== 1
  )
    return undefined;
  const at = list.elements.indexOf(read.call as TSESTree.Expression);
  const bound = declarator.id.elements[at];
  if (
    list.elements.some((e) => e?.type === 'SpreadElement') ||
    declarator.id.elements.some((e) => e?.type === 'RestElement') ||
    (bound && bound.type !== 'Identifier')
  ) {
    return `${read.method}() is an element of a Promise.all whose results are spread or bound with defaults; rewrite this use by hand`;
  }
  const located = byRange.get(rangeKey(read.call));
  const elements = located?.parent.elements as AstNode[] | undefined;
  if (!located || !elements) return 'could not map the read onto the rewritable syntax tree';
  let declaration: AstNode | undefined;
  let statements: AstNode[] | undefined;
  walk(program, (node) => {
    for (const { child, key } of children(node)) {
      if (child.type !== 'VariableDeclaration') continue;
      const init = (child.declarations as AstNode[])[0]?.init as AstNode | undefined;
      if (
        init?.type === 'AwaitExpression' &&
        (init.argument as AstNode).type === 'CallExpression' &&
        ((init.argument as AstNode).arguments as AstNode[])[0] === located.parent
      ) {
        declaration = child;
        statements = node[key] as AstNode[];
      }
    }
  });
  if (!declaration || !Array.isArray(statements)) return 'could not map the read onto the rewritable syntax tree';
  const pattern = ((declaration.declarations as AstNode[])[0]!.id as AstNode).elements as (AstNode | null)[];
  const index = elements.indexOf(located.node);
  elements.splice(index, 1);
  if (index < pattern.length) pattern.splice(index, 1);
  const replacement: AstNode[] = [];
  if (bound) {
    const literal = simplifier.literal(value);
    simplifier.readLiterals.add(literal);
    replacement.push({
      type: 'VariableDeclaration',
      kind: 'const',
      declarations: [{ type: 'VariableDeclarator', id: { type: 'Identifier', name: bound.name }, init: literal }],
    });
  }
  const position = statements.indexOf(declaration);
  statements.splice(position, elements.length === 0 ? 1 : 0, ...replacement);
  return true;
}

/**
 * `const { value } = flags.detail(...)`, `const { inferenceModel } = useFlags()`: the value is
 * bound by a destructuring pattern. The property leaves the pattern and its binding becomes a
 * `const` of the kept value, which the simplifier then inlines.
 */
function replaceDestructuredRead(
  read: FlagRead,
  value: FlagValue,
  byRange: Map<string, Located>,
  simplifier: Simplifier,
  program: AstNode,
): true | string | undefined {
  let holder = byRange.get(rangeKey(read.call));
  if (holder?.parent.type === 'AwaitExpression') holder = byRange.get(babelKey(holder.parent));
  const declarator = holder?.parent;
  if (declarator?.type !== 'VariableDeclarator' || declarator.id.type !== 'ObjectPattern') return undefined;
  const wanted =
    read.valueKind === 'details' ? 'value' : read.keyNode?.type === 'Identifier' ? read.keyNode.name : read.key;
  const properties = declarator.id.properties as AstNode[];
  const property = properties.find((p) => p.type === 'ObjectProperty' && propertyKeyName(p) === wanted);
  const target = property?.value.type === 'AssignmentPattern' ? property.value.left : property?.value;
  if (!property || target?.type !== 'Identifier') return undefined;
  if (read.valueKind === 'details' && properties.length > 1)
    return `${read.method}() details are used beyond .value (variant, reason); rewrite this use by hand`;
  const binding: AstNode = { type: 'Identifier', name: target.name };
  if (properties.length === 1) {
    declarator.id = binding;
    declarator.init = simplifier.literal(value);
    simplifier.readLiterals.add(declarator.init as AstNode);
    return true;
  }
  const located = statementListOf(program, declarator);
  if (!located) return undefined;
  properties.splice(properties.indexOf(property), 1);
  const loc = declarator.id.loc as { start: { line: number }; end: { line: number } } | undefined;
  if (loc && loc.start.line === loc.end.line) simplifier.oneLinePatterns.add(declarator.id as object);
  const constant: AstNode = {
    type: 'VariableDeclaration',
    kind: 'const',
    declarations: [{ type: 'VariableDeclarator', id: binding, init: simplifier.literal(value) }],
  };
  simplifier.readLiterals.add(constant.declarations[0].init as AstNode);
  located.list.splice(located.index + 1, 0, constant);
  return true;
}

/** The statement list holding the statement that contains `target`, and that statement's index. */
function statementListOf(program: AstNode, target: AstNode): { list: AstNode[]; index: number } | undefined {
  let found: { list: AstNode[]; index: number } | undefined;
  const visit = (node: AstNode, list: AstNode[] | undefined, index: number): boolean => {
    if (node === target) {
      if (list) found = { list, index };
      return true;
    }
    for (const { child, key, index: at } of children(node)) {
      const isList = isStatementList(node, key);
      if (visit(child, isList ? (node[key] as AstNode[]) : list, isList ? at! : index)) return true;
    }
    return false;
  };
  visit(program, undefined, -1);
  return found;
}

export interface Located {
  node: AstNode;
  parent: AstNode;
  set(replacement: AstNode): void;
}

/** Nodes of the two trees are matched by line and column: offsets differ once recast normalises CRLF. */
function rangeKey(node: TSESTree.Node): string {
  return `${node.loc.start.line}:${node.loc.start.column}:${node.loc.end.line}:${node.loc.end.column}`;
}

function babelKey(node: AstNode): string {
  const loc = node.loc as
    { start: { line: number; column: number }; end: { line: number; column: number } } | undefined;
  return loc ? `${loc.start.line}:${loc.start.column}:${loc.end.line}:${loc.end.column}` : '';
}

/**
 * The outermost expression at the source range of each of `wanted`, with a way to replace it in
 * its parent. Only subtrees spanning a line where one of them starts are walked: the rest of a
 * large file holds none of them.
 */
export function indexByRange(program: AstNode, wanted: readonly TSESTree.Node[]): Map<string, Located> {
  const map = new Map<string, Located>();
  const keys = new Set(wanted.map(rangeKey));
  const lines = [...new Set(wanted.map((n) => n.loc.start.line))].sort((x, y) => x - y);
  const spansWantedLine = (node: AstNode): boolean => {
    const loc = node.loc as { start: { line: number }; end: { line: number } } | null | undefined;
    // recast drops the location of some nodes (an exported declaration's): look inside them.
    if (!loc) return true;
    let lo = 0;
    let hi = lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (lines[mid]! < loc.start.line) lo = mid + 1;
      else hi = mid;
    }
    return lo < lines.length && lines[lo]! <= loc.end.line;
  };
  const visit = (node: AstNode): void => {
    for (const { child, key, index } of children(node)) {
      if (!spansWantedLine(child)) continue;
      const k = babelKey(child);
      if (keys.has(k) && !map.has(k) && !child.type.endsWith('Statement') && !child.type.endsWith('Declaration')) {
        map.set(k, {
          node: child,
          parent: node,
          set(replacement) {
            if (index === undefined) node[key] = replacement;
            else (node[key] as AstNode[])[index] = replacement;
          },
        });
      }
      visit(child);
    }
  };
  visit(program);
  return map;
}

export interface ImportBinding {
  source: string;
  imported: string;
}

export function importMap(ast: TSESTree.Program): Map<string, ImportBinding> {
  const map = new Map<string, ImportBinding>();
  for (const statement of ast.body) {
    if (statement.type !== 'ImportDeclaration') continue;
    for (const s of statement.specifiers) {
      const imported =
        s.type === 'ImportSpecifier'
          ? s.imported.type === 'Identifier'
            ? s.imported.name
            : s.imported.value
          : s.type === 'ImportDefaultSpecifier'
            ? 'default'
            : '*';
      map.set(s.local.name, { source: statement.source.value, imported });
    }
  }
  return map;
}

/** The import a key expression (`KEY`, `Keys.Model`, `keys.Keys.Model`) is read off, if any. */
export function importedRoot(
  keyNode: TSESTree.Node | undefined,
  imports: ReadonlyMap<string, ImportBinding>,
): ImportBinding | undefined {
  let node = keyNode;
  while (node?.type === 'MemberExpression') node = node.object;
  return node?.type === 'Identifier' ? imports.get(node.name) : undefined;
}

/** `export const premiumModel = flag({ ... })` at the top of a module → `premiumModel`. */
export function exportedDefinitionName(call: TSESTree.Node): string | undefined {
  const declarator = call.parent;
  if (declarator?.type !== 'VariableDeclarator' || declarator.init !== call || declarator.id.type !== 'Identifier')
    return undefined;
  const declaration = declarator.parent;
  if (
    declaration?.type !== 'VariableDeclaration' ||
    declaration.kind !== 'const' ||
    declaration.parent?.type !== 'ExportNamedDeclaration' ||
    declaration.parent.parent?.type !== 'Program'
  )
    return undefined;
  return declarator.id.name;
}

/**
 * Removes the exported definition `name` and its elements in the module's own top-level lists
 * (`export const precompute = [premiumModel, other]`). False when `name` is used otherwise in
 * the module, where removing it would leave a dangling reference.
 */
export function removeDefinition(program: AstNode, name: string): boolean {
  const body = program.body as AstNode[];
  const index = body.findIndex(
    (s) =>
      s.type === 'ExportNamedDeclaration' &&
      s.declaration?.type === 'VariableDeclaration' &&
      (s.declaration.declarations as AstNode[]).some((d) => d.id.type === 'Identifier' && d.id.name === name),
  );
  if (index < 0) return false;
  const lists: { list: AstNode[]; at: number }[] = [];
  let otherUse = false;
  for (const [i, statement] of body.entries()) {
    if (i === index) continue;
    walk(statement, (node) => {
      if (node.type === 'ArrayExpression') {
        for (const [at, element] of (node.elements as (AstNode | null)[]).entries()) {
          if (element?.type === 'Identifier' && element.name === name)
            lists.push({ list: node.elements as AstNode[], at });
        }
        const others = (node.elements as (AstNode | null)[]).filter(
          (e) => !(e?.type === 'Identifier' && e.name === name),
        );
        for (const e of others) if (e && referencesName(e, name)) otherUse = true;
        return false;
      }
      if (node.type === 'Identifier' && node.name === name) otherUse = true;
      return undefined;
    });
  }
  if (otherUse) return false;
  for (const { list, at } of lists.reverse()) list.splice(at, 1);
  const declaration = body[index]!.declaration as AstNode;
  declaration.declarations = (declaration.declarations as AstNode[]).filter(
    (d) => !(d.id.type === 'Identifier' && d.id.name === name),
  );
  if ((declaration.declarations as AstNode[]).length === 0) body.splice(index, 1);
  return true;
}

function referencesName(node: AstNode, name: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'Identifier' && n.name === name) found = true;
  });
  return found;
}

export function resolveImportedKey(
  read: FlagRead,
  imports: ReadonlyMap<string, ImportBinding>,
  context: RewriteContext,
): string | undefined {
  if (!context.importedKey || !read.keyNode) return undefined;
  const keyNode = read.keyNode;
  if (keyNode.type === 'Identifier') {
    const binding = imports.get(keyNode.name);
    return binding ? context.importedKey(binding.source, binding.imported) : undefined;
  }
  if (
    keyNode.type === 'MemberExpression' &&
    keyNode.object.type === 'Identifier' &&
    !keyNode.computed &&
    keyNode.property.type === 'Identifier'
  ) {
    const binding = imports.get(keyNode.object.name);
    if (!binding) return undefined;
    const name = binding.imported === '*' ? keyNode.property.name : `${binding.imported}.${keyNode.property.name}`;
    return context.importedKey(binding.source, name);
  }
  return undefined;
}

/**
 * recast prints a destructuring it must reprint one property a line (`const {\n  a,\n} =
 * useFlags()`), whatever it was. One that was on one line before a property left it goes back on
 * one line: the pattern is swapped, just before printing, for a node recast prints as the text
 * `{ a, b }` (or `{a, b}`, as it was), made of its remaining properties as recast prints each (unchanged ones verbatim).
 * Patterns with comments or a type annotation keep recast's layout.
 */
export function keepPatternsOnOneLine(program: AstNode, patterns: WeakSet<object>, source: string): void {
  walk(program, (node) => {
    if (node.type !== 'VariableDeclarator' || !patterns.has(node.id as object)) return;
    const pattern = node.id as AstNode;
    const properties = pattern.properties as AstNode[];
    if (pattern.typeAnnotation || properties.length === 0 || properties.some((p) => p.comments?.length)) return;
    const printed = properties.map((p) => jscodeshift(p as never).toSource());
    if (printed.some((text) => text.includes('\n'))) return;
    // Spaces inside the braces as the file had them (`{a, b}` or `{ a, b }`).
    const space = typeof pattern.start === 'number' && source.charAt(pattern.start + 1) !== ' ' ? '' : ' ';
    node.id = { type: 'Identifier', name: `{${space}${printed.join(', ')}${space}}` };
  });
}

/**
 * recast reprints a parameter that lost a property one property a line; one written on one line
 * (`{ title, streaming }: { title: string; streaming?: boolean }`) is printed on one line again,
 * with the file's spacing inside braces and its member separator. Just before printing: the
 * parameter becomes a name holding its text.
 */
export function keepParametersOnOneLine(program: AstNode, patterns: WeakSet<object>, source: string): void {
  walk(program, (node) => {
    const params = node.params as AstNode[] | undefined;
    const pattern = params?.[0];
    if (!pattern || pattern.type !== 'ObjectPattern' || !patterns.has(pattern)) return;
    const properties = pattern.properties as AstNode[];
    if (properties.length === 0 || properties.some((p) => p.comments?.length)) return;
    const annotation = pattern.typeAnnotation?.typeAnnotation as AstNode | undefined;
    const original = (n: AstNode): string | undefined =>
      typeof n.start === 'number' && typeof n.end === 'number' ? source.slice(n.start, n.end) : undefined;
    const space = original(pattern)?.startsWith('{ ') === false ? '' : ' ';
    let type = '';
    if (annotation?.type === 'TSTypeLiteral') {
      const members = annotation.members as AstNode[];
      if (members.some((m) => m.comments?.length)) return;
      const separator = original(annotation)?.includes(',') && !original(annotation)?.includes(';') ? ', ' : '; ';
      const inner = members.map((m) => printed(m).replace(/[;,]$/, '')).join(separator);
      type = `: {${space}${inner}${space}}`;
    } else if (annotation) type = `: ${printed(annotation)}`;
    const text = `{${space}${properties.map(printed).join(', ')}${space}}${type}`;
    if (text.includes('\n')) return;
    params[0] = { type: 'Identifier', name: text };
  });
}

function printed(node: AstNode): string {
  return jscodeshift(node as never).toSource();
}
