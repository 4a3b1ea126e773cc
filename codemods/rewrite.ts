/**
 * Rewrites one source file: every read of a retired flag becomes the kept value, then the
 * simplifier folds what that made constant. Reads are located with the shared detection (on the
 * typescript-estree AST) and rewritten on the recast AST, matched by source range, so recast
 * reprints only what changed.
 */
import type { TSESTree } from '@typescript-eslint/types';
import { DefinitionType, type ScopeManager } from '@typescript-eslint/scope-manager';
import type { FlagValue } from 'modelflags/registry';
import { findFlagReads, type CustomReader, type FlagRead, type ProjectView } from 'eslint-plugin-modelflags/detection';
import { allowsJsx, parseForDetection, SourceSyntaxError } from 'eslint-plugin-modelflags/detection';
import { children, isNode, isPure, isReference, literalValue, propertyKeyName, referenceCounts, unwrapTypeWrappers, walk, type AstNode } from './ast.js';
import { parseForRewrite } from './recast-lists.js';
import { isStatementList, removeUnused, Simplifier, wrapperOf, type ConstantExport } from './simplify.js';
import { countQuotes, planWindow, restoreWindow, type WindowPlan } from './window.js';

export type { ConstantExport } from './simplify.js';

export interface Site {
  file: string;
  line: number;
  column: number;
  flag: string | undefined;
  /** Why a human has to finish this site; absent for rewritten sites. */
  reason?: string;
}

export interface RewriteContext {
  /** Retired flag key → kept value. */
  decisions: ReadonlyMap<string, FlagValue>;
  registryKeys: ReadonlySet<string>;
  readers?: readonly CustomReader[];
  /** A binding exported by another module that now always holds (or returns) the kept value. */
  importedConstant?: (source: string, importedName: string) => ConstantExport | undefined;
  /** An exported constant of another module that names a retired flag key (`FLAGS.MODEL`). */
  importedKey?: (source: string, importedName: string) => string | undefined;
  /** Exports nothing imports any more: their declarations may be removed once inlined. */
  removableExports?: ReadonlySet<string>;
  /** The rest of the project, so that detection resolves keys imported from other files and workspace packages. */
  project?: ProjectView;
}

export interface RewriteResult {
  output: string;
  rewritten: Site[];
  unresolved: Site[];
  /** Exports of this file that now hold or return the kept value, for importers to inline. */
  constantExports: Map<string, ConstantExport>;
  /** Exports of this file that name a retired flag key, by (qualified) name. */
  keyExports: Map<string, string>;
  /**
   * When the output parses if this text does: the rewritten window, with every run of statements
   * the rewrite left out (the input's own code, verbatim) still a placeholder. Absent: the output.
   */
  syntaxCheckText?: string;
}

export class SourceParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(`${file}:${line}:${column}: ${message}`);
    this.name = 'SourceParseError';
  }
}

export function parserFor(file: string): 'ts' | 'tsx' {
  return allowsJsx(file) ? 'tsx' : 'ts';
}

export function isTestFile(file: string): boolean {
  return /(\.|\/)(test|spec)\.[cm]?[jt]sx?$/.test(file) || /(^|\/)__tests__\//.test(file);
}

/**
 * Files at least this long are rewritten through a window (codemods/window.ts). The environment
 * variable MODELFLAGS_REWRITE_WINDOW_FROM overrides it: the tests set 0 to send every file through
 * the window and compare with the whole-file rewrite.
 */
const WINDOW_FROM = 100_000;
/** Below this share of the file left out, the window saves too little to be worth it. */
const WINDOW_MIN_LEFT_OUT = 0.3;

function windowFrom(): number {
  const value = process.env['MODELFLAGS_REWRITE_WINDOW_FROM'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : WINDOW_FROM;
}

export function rewriteSource(file: string, text: string, context: RewriteContext, useWindow = text.length >= windowFrom()): RewriteResult {
  if (text.charCodeAt(0) === 0xfeff) {
    // The byte order mark belongs to the encoding, not the code (and editors do not count it as a
    // column): the code after it is rewritten, and the mark put back.
    const result = rewriteSource(file, text.slice(1), context, useWindow);
    result.output = `\uFEFF${result.output}`;
    if (result.syntaxCheckText !== undefined) result.syntaxCheckText = `\uFEFF${result.syntaxCheckText}`;
    return result;
  }
  const plan = useWindow && !isTestFile(file)
    ? planWindow({
        text,
        file,
        registryKeys: context.registryKeys,
        readers: context.readers ?? [],
        terms: [...context.decisions.keys(), ...(context.removableExports ?? [])],
        minLeftOut: windowFrom() === 0 ? 0 : WINDOW_MIN_LEFT_OUT,
        isConstantImport: (from, name) => context.importedConstant?.(from, name) !== undefined,
      })
    : undefined;
  if (!plan) return rewriteWhole(file, text, context, undefined);
  const result = rewriteWhole(file, plan.text, context, plan);
  if (result.output === plan.text) return { ...result, output: text };
  const restored = restoreWindow(result.output, plan, text);
  if (restored === undefined) return rewriteSource(file, text, context, false);
  return { ...result, output: restored, syntaxCheckText: result.output };
}

/** The rewrite of `text` as one program: the whole file, or the window `plan` made of it. */
function rewriteWhole(file: string, text: string, context: RewriteContext, plan: WindowPlan | undefined): RewriteResult {
  const result: RewriteResult = { output: text, rewritten: [], unresolved: [], constantExports: new Map(), keyExports: new Map() };
  let detection: ReturnType<typeof parseForDetection>;
  try {
    detection = parseForDetection(text, file);
  } catch (error) {
    if (!(error instanceof SourceSyntaxError)) throw error;
    throw new SourceParseError(file, error.line, error.column, `cannot parse: ${error.reason}`);
  }
  // The file's header (`#!` line, licence and tool comments, directives) is blanked out for the
  // rewrite and put back verbatim: recast attaches leading comments to the first statement and
  // reprints the `#!` line and directives with it, so removing that statement took them along or
  // glued them to the next line. Blanking keeps every offset, line and column.
  const headerEnd = codeStart(text, detection.ast);
  const blanked = text.slice(0, headerEnd).replace(/[^\r\n\u2028\u2029]/g, ' ') + text.slice(headerEnd);
  let source = blanked;
  let edited = false;
  {
    // Done on the text, not through recast, so the lists keep their exact layout.
    const clients = new Set<string>();
    // With the same options as the reads below: detection caches its answer per tree and key set.
    for (const read of findFlagReads(detection.ast, detection.scopeManager, { registryKeys: context.registryKeys, ...(context.project ? { file, project: context.project } : {}) })) {
      if (read.call.type === 'CallExpression' && read.call.callee.type === 'MemberExpression' && read.call.callee.object.type === 'Identifier') clients.add(read.call.callee.object.name);
    }
    const edits = [...keyListEdits(detection.ast, clients, context.decisions), ...(isTestFile(file) ? testOverrideEdits(detection.ast, blanked, context.decisions) : [])];
    if (edits.length > 0) {
      source = applyEdits(blanked, edits);
      detection = parseForDetection(source, file);
      edited = true;
    }
  }
  const importsByLocal = importMap(detection.ast);
  const reads = findFlagReads(detection.ast, detection.scopeManager, { registryKeys: context.registryKeys, ...(context.readers ? { readers: context.readers } : {}), ...(context.project ? { file, project: context.project } : {}) });
  const site = (node: TSESTree.Node, flag: string | undefined, reason?: string): Site => ({
    file,
    line: node.loc.start.line,
    column: node.loc.start.column + 1,
    flag,
    ...(reason === undefined ? {} : { reason }),
  });

  const root = parseForRewrite(parserFor(file), source);
  const fileNode = root.get().node as AstNode;
  const program = fileNode.program as AstNode;
  // Uses are counted on the file as written, so imports only test set-up needed still count as used before.
  const usesBefore = referenceCounts(source === blanked ? program : ((parseForRewrite(parserFor(file), blanked).get().node as AstNode).program as AstNode));
  const marked = new WeakSet<object>();
  const quotes = countQuotes(program, { ...(plan?.quotes ?? { single: 0, double: 0 }) });
  const simplifier = new Simplifier(program, {
    marked,
    quote: quotes.double > quotes.single ? '"' : "'",
    isTestFile: isTestFile(file),
    removableExports: context.removableExports ?? new Set(),
  });
  const byRange = indexByRange(
    program,
    reads.flatMap((r) => [...(r.valueNode ? [r.valueNode] : []), r.call, ...(r.call.parent?.type === 'AwaitExpression' ? [r.call.parent] : [])]),
  );

  for (const read of reads) {
    if (isShadowedReceiver(read, detection.scopeManager)) continue;
    const key = read.key ?? resolveImportedKey(read, importsByLocal, context);
    if (key === undefined) {
      if (read.keyKind === 'dynamic' && context.decisions.size > 0) {
        result.unresolved.push(site(read.call, undefined, `dynamic flag key: cannot tell whether this ${read.method}() reads ${[...context.decisions.keys()].join(', ')}; use a literal key or a constant`));
      }
      const imported = read.keyKind === 'constant' ? importedRoot(read.keyNode, importsByLocal) : undefined;
      if (imported && context.decisions.size > 0) {
        result.unresolved.push(site(read.call, undefined, `the key of this ${read.method}() is imported from ${imported.source}, where remove-flag cannot read its value: it may read ${[...context.decisions.keys()].join(', ')}; use a literal key or a constant remove-flag can follow`));
      }
      continue;
    }
    if (!context.decisions.has(key)) continue;
    const value = context.decisions.get(key)!;
    const definedAs = read.valueKind === 'definition' ? exportedDefinitionName(read.call) : undefined;
    if (definedAs !== undefined) {
      // An exported Vercel `flag()`: its callers, once inlined, no longer import it, and then it goes.
      result.constantExports.set(definedAs, { kind: 'await', value });
      if (context.removableExports?.has(definedAs) && removeDefinition(program, definedAs)) {
        result.rewritten.push(site(read.call, key));
        edited = true;
        continue;
      }
    }
    const replaced = replaceRead(read, value, byRange, simplifier, program);
    if (replaced === true) {
      result.rewritten.push(site(read.call, key));
      edited = true;
    } else {
      result.unresolved.push(site(read.call, key, replaced));
    }
  }

  if (context.importedConstant) {
    const inlined = inlineImportedConstants(program, context.importedConstant, simplifier);
    for (const left of inlined.left) result.unresolved.push({ file, line: left.line, column: left.column, flag: undefined, reason: left.reason });
    if (inlined.count > 0) edited = true;
  }

  collectKeyExports(program, context.decisions, result.keyExports);
  if (context.removableExports && context.removableExports.size > 0 && markRemovableExports(program, context.removableExports, result.keyExports, marked, simplifier.readLiterals)) edited = true;
  if (!edited) return result;

  simplifier.run();
  removeUnused(program, usesBefore, { isTestFile: simplifier.options.isTestFile, keepExports: true, externalUses: plan?.externalUses ?? new Set() });
  for (const [name, constant] of constantExportsOf(program, marked, simplifier.readLiterals)) result.constantExports.set(name, constant);

  const printed = root.toSource({
    quote: simplifier.options.quote === "'" ? 'single' : 'double',
    lineTerminator: source.includes('\r\n') ? '\r\n' : '\n',
    // Lists recast reprints follow the file's habit of a comma after the last multi-line item.
    trailingComma: /,\r?\n\s*[}\])]/.test(source),
  });
  const blankHeader = blanked.slice(0, headerEnd);
  // recast keeps the text before the first statement as it was; were it ever to reprint the file
  // from scratch, the header's blank lines would be gone and the code would start at once.
  const code = printed.startsWith(blankHeader) ? printed.slice(headerEnd) : printed.trimStart();
  // A file left with nothing but its header ends where the header does.
  result.output = text.slice(0, headerEnd) + (code.trim() === '' && /\n$/.test(text.slice(0, headerEnd)) ? '' : code);
  return result;
}

/**
 * Where the file's header ends: the `#!` line, comments, and the directive prologue
 * (`'use client'`), which the rewrite never changes, up to the line of the first statement. What
 * shares that line with the statement goes with it: recast takes the statement's column for the
 * file's indentation, so the header must not end in the middle of a line.
 */
function codeStart(text: string, ast: TSESTree.Program): number {
  const directiveEnds = new Map<number, number>();
  for (const statement of ast.body) {
    if (statement.type !== 'ExpressionStatement' || statement.directive === undefined) break;
    directiveEnds.set(statement.range[0], statement.range[1]);
  }
  let at = text.startsWith('#!') ? lineEndOf(text, 0) : 0;
  // The last line start reached between the header's comments and directives.
  let lineStart = 0;
  for (;;) {
    if (isLineTerminator(text.charAt(at))) lineStart = ++at;
    else if (/\s/.test(text.charAt(at))) at++;
    else if (text.startsWith('//', at)) at = lineEndOf(text, at);
    else if (text.startsWith('/*', at)) {
      const end = text.indexOf('*/', at + 2);
      at = end < 0 ? text.length : end + 2;
    }
    else if (directiveEnds.has(at)) at = directiveEnds.get(at)!;
    else return /^[ \t]*$/.test(text.slice(lineStart, at)) ? at : lineStart;
  }
}

function isLineTerminator(char: string): boolean {
  return char !== '' && '\r\n\u2028\u2029'.includes(char);
}

function lineEndOf(text: string, from: number): number {
  let at = from;
  while (at < text.length && !isLineTerminator(text.charAt(at))) at++;
  return at;
}

/**
 * Works around the shared detection taking `flags.get('<registry key>')` as a read even when
 * `flags` is a parameter or a local alias of something else (a `Map`): a local binding with no
 * flags client in sight is not the runtime client.
 */
function isShadowedReceiver(read: FlagRead, scopeManager: ScopeManager): boolean {
  if (read.sdk !== 'modelflags' || read.call.type !== 'CallExpression' || read.call.callee.type !== 'MemberExpression') return false;
  return read.call.callee.object.type === 'Identifier' && isMapBinding(read.call.callee.object, scopeManager, 0);
}

const MAP_TYPES = new Set(['Map', 'WeakMap', 'ReadonlyMap', 'URLSearchParams', 'Headers', 'FormData']);

function isMapBinding(identifier: TSESTree.Identifier, scopeManager: ScopeManager, depth: number): boolean {
  if (depth > 5) return false;
  let scope = undefined as ReturnType<ScopeManager['acquire']> | undefined;
  for (let node: TSESTree.Node | undefined = identifier; !scope && node; node = node.parent) scope = scopeManager.acquire(node, true) ?? undefined;
  for (let s = scope; s; s = s.upper ?? undefined) {
    const variable = s.set.get(identifier.name);
    if (!variable) continue;
    const def = variable.defs[0];
    if (def?.type === DefinitionType.Parameter) {
      const annotation = (def.name as TSESTree.Identifier).typeAnnotation?.typeAnnotation;
      return annotation?.type === 'TSTypeReference' && annotation.typeName.type === 'Identifier' && MAP_TYPES.has(annotation.typeName.name);
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

// The program's tokens and comments look like nodes (a type and a range) but hold no calls.
const NOT_CHILDREN = new Set(['parent', 'tokens', 'comments', 'loc', 'range']);

/** `flags.record(ctx, ['inference_model', 'system_prompt_version'])`: a retired key in a key list of a flags call. */
function keyListEdits(ast: TSESTree.Program, clients: ReadonlySet<string>, decisions: ReadonlyMap<string, FlagValue>): TextEdit[] {
  const edits: TextEdit[] = [];
  if (clients.size === 0) return edits;
  const visit = (node: TSESTree.Node): void => {
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.object.type === 'Identifier' && clients.has(node.callee.object.name)) {
      for (const arg of node.arguments) {
        if (arg.type !== 'ArrayExpression') continue;
        const elements = arg.elements.filter((e): e is TSESTree.Expression | TSESTree.SpreadElement => e !== null);
        const doomed = elements.filter((e) => e.type === 'Literal' && typeof e.value === 'string' && decisions.has(e.value));
        if (doomed.length > 0 && doomed.length < elements.length) edits.push(...listItemEdits('', arg, elements, doomed));
      }
    }
    forEachEstreeChild(node, visit);
  };
  visit(ast);
  return edits;
}

/** Replaces one read with the kept value; returns true, or the reason it could not. */
function replaceRead(read: FlagRead, kept: FlagValue, byRange: Map<string, Located>, simplifier: Simplifier, program: AstNode): true | string {
  if (read.valueKind === 'definition') return `${read.method}() defines the flag; remove the definition and its callers by hand`;
  if (read.valueKind === 'bundle') return `${read.method}() reads a multi-value config; inline the kept configuration by hand`;
  if (read.valueKind === 'enabled' && typeof kept !== 'boolean') return `${read.method}() asks whether a ${typeof kept} flag is on; decide what the kept variant means here`;
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
function replacePromiseAllElement(read: FlagRead, value: FlagValue, byRange: Map<string, Located>, simplifier: Simplifier, program: AstNode): true | string | undefined {
  const list = read.call.parent;
  const all = list?.parent;
  if (list?.type !== 'ArrayExpression' || all?.type !== 'CallExpression' || all.arguments[0] !== list) return undefined;
  if (all.callee.type !== 'MemberExpression' || all.callee.object.type !== 'Identifier' || all.callee.object.name !== 'Promise' || all.callee.property.type !== 'Identifier' || all.callee.property.name !== 'all') return undefined;
  const declarator = all.parent?.type === 'AwaitExpression' ? all.parent.parent : undefined;
  if (declarator?.type !== 'VariableDeclarator' || declarator.id.type !== 'ArrayPattern' || declarator.parent?.type !== 'VariableDeclaration' || declarator.parent.declarations.length !== 1) return undefined;
  const at = list.elements.indexOf(read.call as TSESTree.Expression);
  const bound = declarator.id.elements[at];
  if (list.elements.some((e) => e?.type === 'SpreadElement') || declarator.id.elements.some((e) => e?.type === 'RestElement') || (bound && bound.type !== 'Identifier')) {
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
      if (init?.type === 'AwaitExpression' && (init.argument as AstNode).type === 'CallExpression' && ((init.argument as AstNode).arguments as AstNode[])[0] === located.parent) {
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
    replacement.push({ type: 'VariableDeclaration', kind: 'const', declarations: [{ type: 'VariableDeclarator', id: { type: 'Identifier', name: bound.name }, init: literal }] });
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
function replaceDestructuredRead(read: FlagRead, value: FlagValue, byRange: Map<string, Located>, simplifier: Simplifier, program: AstNode): true | string | undefined {
  let holder = byRange.get(rangeKey(read.call));
  if (holder?.parent.type === 'AwaitExpression') holder = byRange.get(babelKey(holder.parent));
  const declarator = holder?.parent;
  if (declarator?.type !== 'VariableDeclarator' || declarator.id.type !== 'ObjectPattern') return undefined;
  const wanted = read.valueKind === 'details' ? 'value' : read.keyNode?.type === 'Identifier' ? read.keyNode.name : read.key;
  const properties = declarator.id.properties as AstNode[];
  const property = properties.find((p) => p.type === 'ObjectProperty' && propertyKeyName(p) === wanted);
  const target = property?.value.type === 'AssignmentPattern' ? property.value.left : property?.value;
  if (!property || target?.type !== 'Identifier') return undefined;
  if (read.valueKind === 'details' && properties.length > 1) return `${read.method}() details are used beyond .value (variant, reason); rewrite this use by hand`;
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
    for (const key of Object.keys(node)) {
      const value: unknown = node[key];
      if (key === 'loc' || key === 'comments') continue;
      if (Array.isArray(value)) {
        const isList = isStatementList(node, key);
        for (let i = 0; i < value.length; i++) {
          const child: unknown = value[i];
          if (isNode(child) && visit(child, isList ? (value as AstNode[]) : list, isList ? i : index)) return true;
        }
      } else if (isNode(value) && visit(value, list, index)) return true;
    }
    return false;
  };
  visit(program, undefined, -1);
  return found;
}

interface Located {
  node: AstNode;
  parent: AstNode;
  set(replacement: AstNode): void;
}

/** Nodes of the two trees are matched by line and column: offsets differ once recast normalises CRLF. */
function rangeKey(node: TSESTree.Node): string {
  return `${node.loc.start.line}:${node.loc.start.column}:${node.loc.end.line}:${node.loc.end.column}`;
}

function babelKey(node: AstNode): string {
  const loc = node.loc as { start: { line: number; column: number }; end: { line: number; column: number } } | undefined;
  return loc ? `${loc.start.line}:${loc.start.column}:${loc.end.line}:${loc.end.column}` : '';
}

/**
 * The outermost expression at the source range of each of `wanted`, with a way to replace it in
 * its parent. Only subtrees spanning a line where one of them starts are walked: the rest of a
 * large file holds none of them.
 */
function indexByRange(program: AstNode, wanted: readonly TSESTree.Node[]): Map<string, Located> {
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

interface ImportBinding {
  source: string;
  imported: string;
}

function importMap(ast: TSESTree.Program): Map<string, ImportBinding> {
  const map = new Map<string, ImportBinding>();
  for (const statement of ast.body) {
    if (statement.type !== 'ImportDeclaration') continue;
    for (const s of statement.specifiers) {
      const imported = s.type === 'ImportSpecifier' ? (s.imported.type === 'Identifier' ? s.imported.name : s.imported.value) : s.type === 'ImportDefaultSpecifier' ? 'default' : '*';
      map.set(s.local.name, { source: statement.source.value, imported });
    }
  }
  return map;
}

/** A key written as an imported constant (`MODEL_FLAG`, `FLAGS.MODEL`, `keys.MODEL_FLAG`). */
/** The import a key expression (`KEY`, `Keys.Model`, `keys.Keys.Model`) is read off, if any. */
function importedRoot(keyNode: TSESTree.Node | undefined, imports: ReadonlyMap<string, ImportBinding>): ImportBinding | undefined {
  let node = keyNode;
  while (node?.type === 'MemberExpression') node = node.object;
  return node?.type === 'Identifier' ? imports.get(node.name) : undefined;
}

/** `export const premiumModel = flag({ ... })` at the top of a module → `premiumModel`. */
function exportedDefinitionName(call: TSESTree.Node): string | undefined {
  const declarator = call.parent;
  if (declarator?.type !== 'VariableDeclarator' || declarator.init !== call || declarator.id.type !== 'Identifier') return undefined;
  const declaration = declarator.parent;
  if (declaration?.type !== 'VariableDeclaration' || declaration.kind !== 'const' || declaration.parent?.type !== 'ExportNamedDeclaration' || declaration.parent.parent?.type !== 'Program') return undefined;
  return declarator.id.name;
}

/**
 * Removes the exported definition `name` and its elements in the module's own top-level lists
 * (`export const precompute = [premiumModel, other]`). False when `name` is used otherwise in
 * the module, where removing it would leave a dangling reference.
 */
function removeDefinition(program: AstNode, name: string): boolean {
  const body = program.body as AstNode[];
  const index = body.findIndex((s) => s.type === 'ExportNamedDeclaration' && s.declaration?.type === 'VariableDeclaration' && (s.declaration.declarations as AstNode[]).some((d) => d.id.type === 'Identifier' && d.id.name === name));
  if (index < 0) return false;
  const lists: { list: AstNode[]; at: number }[] = [];
  let otherUse = false;
  for (const [i, statement] of body.entries()) {
    if (i === index) continue;
    walk(statement, (node) => {
      if (node.type === 'ArrayExpression') {
        for (const [at, element] of (node.elements as (AstNode | null)[]).entries()) {
          if (element?.type === 'Identifier' && element.name === name) lists.push({ list: node.elements as AstNode[], at });
        }
        const others = (node.elements as (AstNode | null)[]).filter((e) => !(e?.type === 'Identifier' && e.name === name));
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
  declaration.declarations = (declaration.declarations as AstNode[]).filter((d) => !(d.id.type === 'Identifier' && d.id.name === name));
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

function resolveImportedKey(read: FlagRead, imports: ReadonlyMap<string, ImportBinding>, context: RewriteContext): string | undefined {
  if (!context.importedKey || !read.keyNode) return undefined;
  const keyNode = read.keyNode;
  if (keyNode.type === 'Identifier') {
    const binding = imports.get(keyNode.name);
    return binding ? context.importedKey(binding.source, binding.imported) : undefined;
  }
  if (keyNode.type === 'MemberExpression' && keyNode.object.type === 'Identifier' && !keyNode.computed && keyNode.property.type === 'Identifier') {
    const binding = imports.get(keyNode.object.name);
    if (!binding) return undefined;
    const name = binding.imported === '*' ? keyNode.property.name : `${binding.imported}.${keyNode.property.name}`;
    return context.importedKey(binding.source, name);
  }
  return undefined;
}

/** Inlines bindings imported from modules whose export now holds or returns the kept value. */
function inlineImportedConstants(
  program: AstNode,
  lookup: NonNullable<RewriteContext['importedConstant']>,
  simplifier: Simplifier,
): { count: number; left: { line: number; column: number; reason: string }[] } {
  const left: { line: number; column: number; reason: string }[] = [];
  let count = 0;
  for (const statement of program.body as AstNode[]) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type') continue;
    for (const specifier of statement.specifiers as AstNode[]) {
      if (specifier.type !== 'ImportSpecifier') continue;
      const importedName = (specifier.imported.name ?? specifier.imported.value) as string;
      const constant = lookup(statement.source.value as string, importedName);
      if (!constant) continue;
      const local = specifier.local.name as string;
      const visit = (node: AstNode): void => {
        for (const { child, key, index } of children(node)) {
          let replace = false;
          if (constant.kind === 'value') replace = child.type === 'Identifier' && child.name === local && isReference(child, node, key) && node.type !== 'ImportSpecifier';
          else if (constant.kind === 'call') replace = isCallTo(child, local);
          else replace = child.type === 'AwaitExpression' && isCallTo(child.argument as AstNode, local);
          if (replace) {
            const literal = simplifier.literal(constant.value);
            if (node.type === 'ObjectProperty' && node.shorthand) {
              node.shorthand = false;
              node.key = { type: 'Identifier', name: local };
              node.value = literal;
            } else if (index === undefined) node[key] = literal;
            else (node[key] as AstNode[])[index] = literal;
            count++;
          } else {
            if (child.type === 'Identifier' && child.name === local && isReference(child, node, key) && node.type !== 'ImportSpecifier' && !(node.type === 'CallExpression' && key === 'callee')) {
              left.push({ line: child.loc?.start.line ?? 1, column: (child.loc?.start.column ?? 0) + 1, reason: `${local} (imported from ${statement.source.value as string}) now always ${constant.kind === 'value' ? 'holds' : 'returns'} ${JSON.stringify(constant.value)}, but it is used in a way the codemod cannot inline` });
            }
            visit(child);
          }
        }
      };
      for (const s of program.body as AstNode[]) if (s !== statement) visit({ type: 'Wrapper', body: [s] });
    }
  }
  return { count, left };
}

function isCallTo(node: AstNode, name: string): boolean {
  return node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === name && (node.arguments as AstNode[]).every(isPure);
}

/**
 * A later pass over a module whose constant exports nobody imports any more: re-exports and key constants go
 * at once; constant values and wrappers are marked again as codemod-made, so the simplifier
 * inlines and removes them like any other binding it created.
 */
function markRemovableExports(program: AstNode, removable: ReadonlySet<string>, keyExports: Map<string, string>, marked: WeakSet<object>, readLiterals: WeakSet<object>): boolean {
  let changed = false;
  const body = program.body as AstNode[];
  for (let i = body.length - 1; i >= 0; i--) {
    const statement = body[i]!;
    if (statement.type === 'ExportNamedDeclaration' && statement.source && statement.exportKind !== 'type') {
      // `export { MODEL } from './config'`: a re-export of a constant nobody imports from here any more.
      const specifiers = statement.specifiers as AstNode[];
      const kept = specifiers.filter((s) => s.type !== 'ExportSpecifier' || !removable.has((s.exported.name ?? s.exported.value) as string));
      if (kept.length === specifiers.length) continue;
      if (kept.length === 0) body.splice(i, 1);
      else statement.specifiers = kept;
      changed = true;
      continue;
    }
    if (statement.type !== 'ExportNamedDeclaration' || !statement.declaration) continue;
    const d = statement.declaration as AstNode;
    if (d.type === 'VariableDeclaration') {
      const declarators = d.declarations as AstNode[];
      for (const declarator of [...declarators]) {
        if (declarator.id.type !== 'Identifier' || !removable.has(declarator.id.name as string) || !declarator.init) continue;
        const name = declarator.id.name as string;
        if (keyExports.has(name)) {
          declarators.splice(declarators.indexOf(declarator), 1);
          keyExports.delete(name);
          changed = true;
        } else if (literalValue(unwrapTypeWrappers(declarator.init as AstNode)) !== undefined) {
          marked.add(unwrapTypeWrappers(declarator.init as AstNode));
          readLiterals.add(unwrapTypeWrappers(declarator.init as AstNode));
          changed = true;
        } else {
          const returned = declarator.init.type === 'ArrowFunctionExpression' || declarator.init.type === 'FunctionExpression' ? returnedExpression(declarator.init as AstNode) : undefined;
          if (returned && literalValue(returned) !== undefined) {
            marked.add(returned);
            readLiterals.add(returned);
            changed = true;
          }
        }
      }
      if (declarators.length === 0) body.splice(i, 1);
    } else if (d.type === 'FunctionDeclaration' && d.id && removable.has(d.id.name as string)) {
      const returned = returnedExpression(d);
      if (returned && literalValue(returned) !== undefined) {
        marked.add(returned);
        readLiterals.add(returned);
        changed = true;
      }
    }
  }
  return changed;
}

function returnedExpression(fn: AstNode): AstNode | undefined {
  const body = fn.body as AstNode;
  if (body.type !== 'BlockStatement') return unwrapTypeWrappers(body);
  const only = body.body.length === 1 ? (body.body[0] as AstNode) : undefined;
  return only?.type === 'ReturnStatement' && only.argument ? unwrapTypeWrappers(only.argument as AstNode) : undefined;
}

/** Module-level exports that name a retired flag key, so files importing them are rewritten too. */
function collectKeyExports(program: AstNode, decisions: ReadonlyMap<string, FlagValue>, out: Map<string, string>): void {
  for (const statement of program.body as AstNode[]) {
    if (statement.type !== 'ExportNamedDeclaration' || !statement.declaration) continue;
    const d = statement.declaration as AstNode;
    if (d.type === 'VariableDeclaration') {
      for (const declarator of d.declarations as AstNode[]) {
        if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
        const name = declarator.id.name as string;
        const init = unwrapTypeWrappers(declarator.init as AstNode);
        const v = literalValue(init);
        if (typeof v === 'string' && decisions.has(v)) out.set(name, v);
        if (init.type === 'ObjectExpression') {
          for (const p of init.properties as AstNode[]) {
            const pv = p.type === 'ObjectProperty' ? literalValue(p.value as AstNode) : undefined;
            const pk = p.type === 'ObjectProperty' ? propertyKeyName(p) : undefined;
            if (pk !== undefined && typeof pv === 'string' && decisions.has(pv)) out.set(`${name}.${pk}`, pv);
          }
        }
      }
    } else if (d.type === 'TSEnumDeclaration') {
      for (const member of (d.body?.members ?? d.members) as AstNode[]) {
        const v = literalValue(member.initializer as AstNode | null);
        const memberName = (member.id.name ?? member.id.value) as string;
        if (typeof v === 'string' && decisions.has(v)) out.set(`${d.id.name as string}.${memberName}`, v);
      }
    }
  }
}

function constantExportsOf(program: AstNode, marked: WeakSet<object>, readLiterals: WeakSet<object>): Map<string, ConstantExport> {
  const out = new Map<string, ConstantExport>();
  for (const statement of program.body as AstNode[]) {
    if (statement.type !== 'ExportNamedDeclaration' || !statement.declaration) continue;
    const d = statement.declaration as AstNode;
    if (d.type === 'VariableDeclaration' && d.kind === 'const') {
      for (const declarator of d.declarations as AstNode[]) {
        if (declarator.id.type === 'Identifier' && declarator.init && marked.has(unwrapTypeWrappers(declarator.init as AstNode))) {
          const v = literalValue(unwrapTypeWrappers(declarator.init as AstNode));
          if (v !== undefined && v !== null) out.set(declarator.id.name as string, { kind: 'value', value: v });
        }
      }
    }
    const wrapper = wrapperOf(statement, readLiterals);
    if (wrapper) {
      const fn = statement.declaration as AstNode;
      const body = fn.type === 'FunctionDeclaration' ? fn.body.body[0].argument : fn.declarations[0].init.body.type === 'BlockStatement' ? fn.declarations[0].init.body.body[0].argument : fn.declarations[0].init.body;
      const v = literalValue(unwrapTypeWrappers(body as AstNode));
      if (v !== undefined && v !== null) out.set(wrapper.name, { kind: wrapper.kind, value: v });
    }
  }
  return out;
}

interface TextEdit {
  start: number;
  end: number;
}

/**
 * Test set-up that pins a retired flag has nothing left to configure: a property named by the key
 * (`staticSource({ inference_model: ... })`, an in-memory provider), a registry entry
 * `{ flag: 'inference_model', ... }` in a list, or a statement calling something with the key
 * (`mockFlag('inference_model', ...)`, `td.update(td.flag('inference_model')...)`).
 */
function testOverrideEdits(ast: TSESTree.Program, text: string, decisions: ReadonlyMap<string, FlagValue>): TextEdit[] {
  const edits: TextEdit[] = [];
  const namesFlag = (n: TSESTree.Node | null | undefined): boolean => n?.type === 'Literal' && typeof n.value === 'string' && decisions.has(n.value);
  const propertyName = (p: TSESTree.Node): string | undefined => {
    if (p.type !== 'Property' || p.computed) return undefined;
    if (p.key.type === 'Identifier') return p.key.name;
    return p.key.type === 'Literal' && typeof p.key.value === 'string' ? p.key.value : undefined;
  };
  const visit = (node: TSESTree.Node): void => {
    if (node.type === 'ObjectExpression') {
      const doomed = node.properties.filter((p) => {
        const name = propertyName(p);
        return name !== undefined && decisions.has(name);
      });
      if (doomed.length > 0) {
        edits.push(...listItemEdits(text, node, node.properties, doomed));
        for (const p of node.properties) if (!doomed.includes(p)) visit(p);
        return;
      }
    }
    if (node.type === 'ArrayExpression') {
      const doomed = node.elements.filter(
        (e): e is TSESTree.ObjectExpression =>
          e?.type === 'ObjectExpression' && e.properties.some((p) => p.type === 'Property' && ['flag', 'key'].includes(propertyName(p) ?? '') && namesFlag(p.value)),
      );
      if (doomed.length > 0) {
        const elements = node.elements.filter((e): e is TSESTree.Expression | TSESTree.SpreadElement => e !== null);
        edits.push(...listItemEdits(text, node, elements, doomed));
        return;
      }
    }
    if (node.type === 'ExpressionStatement' && callsWithFlagKey(node.expression, namesFlag)) {
      edits.push(statementEdit(text, node));
      return;
    }
    forEachEstreeChild(node, visit);
  };
  visit(ast);
  return edits;
}

function forEachEstreeChild(node: TSESTree.Node, visit: (child: TSESTree.Node) => void): void {
  for (const key in node) {
    if (NOT_CHILDREN.has(key)) continue;
    const value: unknown = node[key as keyof TSESTree.Node];
    if (Array.isArray(value)) {
      for (const child of value) if (isEstreeNode(child)) visit(child);
    } else if (isEstreeNode(value)) visit(value);
  }
}

function isEstreeNode(value: unknown): value is TSESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && Array.isArray((value as { range?: unknown }).range);
}

/** Whether the statement's own call chain (not functions inside it) passes a retired key. */
function callsWithFlagKey(expression: TSESTree.Node, namesFlag: (n: TSESTree.Node) => boolean): boolean {
  let n: TSESTree.Node = expression;
  while (n.type === 'AwaitExpression' || n.type === 'ChainExpression') n = n.type === 'AwaitExpression' ? n.argument : n.expression;
  if (n.type !== 'CallExpression' && n.type !== 'NewExpression') return false;
  const args = n.arguments as TSESTree.Node[];
  if (args.some(namesFlag)) return true;
  if (args.some((a) => (a.type === 'CallExpression' || a.type === 'NewExpression') && callsWithFlagKey(a, namesFlag))) return true;
  return n.callee.type === 'MemberExpression' && callsWithFlagKey(n.callee.object, namesFlag);
}

/** Removes items from a comma-separated list, taking one separator with each and keeping the layout. */
function listItemEdits(text: string, container: TSESTree.Node, items: readonly TSESTree.Node[], doomed: readonly TSESTree.Node[]): TextEdit[] {
  if (doomed.length === items.length) return [{ start: container.range[0] + 1, end: container.range[1] - 1 }];
  const edits: TextEdit[] = [];
  for (const item of doomed) {
    const i = items.indexOf(item);
    const next = items[i + 1];
    if (next) edits.push({ start: item.range[0], end: next.range[0] });
    else edits.push({ start: items[i - 1]!.range[1], end: item.range[1] });
  }
  void text;
  return edits;
}

/** A whole statement with its line, when it stands alone on its lines. */
function statementEdit(text: string, statement: TSESTree.Node): TextEdit {
  let start = statement.range[0];
  let end = statement.range[1];
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (/^[ \t]*$/.test(text.slice(lineStart, start))) start = lineStart;
  const lineEnd = text.indexOf('\n', end);
  if (lineEnd >= 0 && /^[ \t\r]*$/.test(text.slice(end, lineEnd))) end = lineEnd + 1;
  return { start, end };
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + out.slice(e.end);
  return out;
}
