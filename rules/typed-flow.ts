/**
 * With type information (the `recommended-type-checked` config), follows flag values where one
 * file's syntax loses them: into functions declared elsewhere (`buildRequest(model)` in another
 * module) and out of wrappers whose result is a flag value (`currentModel(ctx)` returning
 * `flags.get('inference_model', ctx)`), through imports and re-exports, which the type checker
 * resolves. Declarations in other files are parsed with the detection's own parser, once per
 * version of the file.
 */
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type * as ts from 'typescript';
import { AST_NODE_TYPES, type TSESLint, type TSESTree } from '@typescript-eslint/utils';
import type { ScopeManager } from '@typescript-eslint/scope-manager';
import {
  bindingOf,
  findFlagReads,
  forEachNode,
  outerParent,
  parseForDetection,
  unwrapExpression,
  variablesOf,
  type CustomReader,
  type FlagRead,
} from './detection/index.js';
import { enclosingFunction, isFunction, usesOfPattern, type FollowCall, type Resolve } from './flow.js';

type FunctionNode = TSESTree.ArrowFunctionExpression | TSESTree.FunctionDeclaration | TSESTree.FunctionExpression;
type AnyContext = Readonly<TSESLint.RuleContext<string, readonly unknown[]>>;

/** A file as the flow sees it: its tree, bindings and reads. */
interface FlowFile {
  sourceFile: ts.SourceFile;
  ast: TSESTree.Program;
  resolve: Resolve;
  reads: FlagRead[];
  identifiersByStart?: Map<number, TSESTree.Identifier>;
}

/** A function the checker found behind a call, in the file that declares it. */
export interface CalledFunction {
  fn: FunctionNode;
  name: string;
  file: FlowFile;
  /** The declaring file, relative to ESLint's working directory. */
  path: string;
}

/** The uses of one parameter of a called function, in that function's file. */
export interface ParameterUses {
  uses: TSESTree.Node[];
  resolve: Resolve;
  callee: CalledFunction;
}

const MAX_DEPTH = 3;
const ALIAS = 2097152; // ts.SymbolFlags.Alias, without loading TypeScript for syntax-only configs.

let typescript: typeof ts | undefined;
function tsApi(): typeof ts {
  typescript ??= createRequire(import.meta.url)('typescript') as typeof ts;
  return typescript;
}

// Other files' parses, per version of the file (a new SourceFile after every edit) and of the
// registry and readers their reads were found with (an edited flags.json keeps the SourceFiles).
const parsedFiles = new WeakMap<
  ts.SourceFile,
  { registryKeys: ReadonlySet<string>; readers: string; file: FlowFile | null }
>();
const filesByTree = new WeakMap<TSESTree.Program, FlowFile>();

function fileOf(node: TSESTree.Node): FlowFile | undefined {
  let root: TSESTree.Node = node;
  while (root.parent) root = root.parent;
  return root.type === AST_NODE_TYPES.Program ? filesByTree.get(root) : undefined;
}

class TypedFlow {
  private readonly checker: ts.TypeChecker;
  private readonly calledFunctions = new Map<TSESTree.Node, CalledFunction | null>();
  private readonly wrappedReads = new WeakMap<FunctionNode, FlagRead | null>();
  /** Settings are merged per file, so readers are told apart by content; the key set is one per registry. */
  private readonly readersKey: string;

  constructor(
    private readonly program: ts.Program,
    private readonly current: FlowFile,
    private readonly registryKeys: ReadonlySet<string>,
    private readonly readers: readonly CustomReader[],
    private readonly cwd: string,
    private readonly nodeMap: { get(node: never): ts.Node | undefined } | undefined,
  ) {
    this.checker = program.getTypeChecker();
    this.readersKey = JSON.stringify(readers);
    filesByTree.set(current.ast, current);
  }

  /**
   * Reads this file makes through wrapper functions: each call of a function whose result is a
   * flag value, as a read of that flag at the call. `directReads` are the file's own reads.
   */
  wrapperReads(calls: Iterable<TSESTree.CallExpression>, directReads: readonly FlagRead[]): FlagRead[] {
    const direct = new Set(directReads.map((r) => r.call));
    const out: FlagRead[] = [];
    for (const call of calls) {
      if (direct.has(call) || !this.mayCallDeclaredFunction(call)) continue;
      const read = this.readThroughCall(call, this.current, 0);
      if (read) out.push(read);
    }
    return out;
  }

  /**
   * Where the value passed as argument `index` of `call` is used inside the function it calls,
   * for a call in this file or in a file the flow has followed a value into.
   */
  parameterUses(call: TSESTree.CallExpression | TSESTree.NewExpression, index: number): ParameterUses | undefined {
    const file = fileOf(call);
    if (call.type !== AST_NODE_TYPES.CallExpression || !file) return undefined;
    const callee = this.calledFunction(call, file);
    if (!callee) return undefined;
    let param: TSESTree.Node | undefined = callee.fn.params[index];
    if (param?.type === AST_NODE_TYPES.AssignmentPattern) param = param.left;
    if (param?.type !== AST_NODE_TYPES.Identifier && param?.type !== AST_NODE_TYPES.ObjectPattern) return undefined;
    return { uses: usesOfPattern(param, callee.file.resolve), resolve: callee.file.resolve, callee };
  }

  /** `sinkOf`'s way into called functions: the sinks found there are reported at the call. */
  readonly follow: FollowCall = (call, index) => {
    const inner = this.parameterUses(call, index);
    if (!inner) return undefined;
    return {
      uses: inner.uses,
      resolve: inner.resolve,
      describe: (sink) => `in \`${inner.callee.name}()\` at ${inner.callee.path}:${sink.node.loc.start.line}`,
    };
  };

  /**
   * Whether the callee could be a function of this program, so asking the checker is worth it:
   * an imported or locally declared function, a member of an import, or a method on `this`.
   * `res.json(…)` and `items.map(…)` are not.
   */
  private mayCallDeclaredFunction(call: TSESTree.CallExpression): boolean {
    const callee = unwrapExpression(call.callee);
    let root: TSESTree.Node = callee;
    while (root.type === AST_NODE_TYPES.MemberExpression) root = unwrapExpression(root.object);
    if (root.type === AST_NODE_TYPES.ThisExpression) return callee !== root;
    if (root.type !== AST_NODE_TYPES.Identifier) return false;
    const definition = this.current.resolve(root)?.defs[0];
    if (!definition) return false;
    const kind = (definition as { type?: string }).type;
    return kind === 'ImportBinding' || kind === 'FunctionName' || (kind === 'Variable' && callee === root);
  }

  private readThroughCall(call: TSESTree.CallExpression, file: FlowFile, depth: number): FlagRead | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const callee = this.calledFunction(call, file);
    if (!callee) return undefined;
    const inner = this.readReturnedBy(callee, depth);
    if (!inner) return undefined;
    let key = inner.key;
    let keyNode: TSESTree.Node | undefined;
    // A generic wrapper (`(key: FlagKey, ctx) => flags.get(key, ctx)`) reads the key it is given.
    if (key === undefined && inner.keyNode?.type === AST_NODE_TYPES.Identifier) {
      const index = callee.fn.params.findIndex(
        (p) => p.type === AST_NODE_TYPES.Identifier && p.name === (inner.keyNode as TSESTree.Identifier).name,
      );
      const argument = index >= 0 ? call.arguments[index] : undefined;
      if (argument) {
        keyNode = argument;
        const written = unwrapExpression(argument);
        if (written.type === AST_NODE_TYPES.Literal && typeof written.value === 'string') key = written.value;
      }
    }
    if (key === undefined) return undefined;
    const { node, parent } = outerParent(call);
    const valueNode = (parent?.type === AST_NODE_TYPES.AwaitExpression ? parent : node) as TSESTree.Expression;
    return {
      sdk: inner.sdk,
      method: callee.name,
      call,
      key,
      keyNode,
      keyKind: 'constant',
      defaultNode: undefined,
      contextNode: undefined,
      contextExpected: false,
      valueNode,
      valueKind: inner.valueKind,
      valueBinding: bindingOf(valueNode),
    };
  }

  /** The read whose value `callee` returns, directly or through a variable or another wrapper. */
  private readReturnedBy(callee: CalledFunction, depth: number): FlagRead | undefined {
    const cached = this.wrappedReads.get(callee.fn);
    if (cached !== undefined) return cached ?? undefined;
    this.wrappedReads.set(callee.fn, null); // recursion guard
    let found: FlagRead | undefined;
    for (const read of callee.file.reads) {
      if (!read.valueNode || read.valueKind === 'definition' || enclosingFunction(read.call) !== callee.fn) continue;
      if (
        this.isReturned(read.valueNode, callee) ||
        (read.valueBinding && this.isBindingReturned(read.valueBinding, callee))
      ) {
        found = read;
        break;
      }
    }
    if (!found) {
      for (const returned of returnedExpressions(callee.fn)) {
        const expression = unwrapExpression(
          returned.type === AST_NODE_TYPES.AwaitExpression ? returned.argument : returned,
        );
        if (expression.type !== AST_NODE_TYPES.CallExpression) continue;
        found = this.readThroughCall(expression, callee.file, depth + 1);
        if (found) break;
      }
    }
    this.wrappedReads.set(callee.fn, found ?? null);
    return found;
  }

  private isReturned(value: TSESTree.Node, callee: CalledFunction): boolean {
    let { node, parent } = outerParent(value);
    if (parent?.type === AST_NODE_TYPES.AwaitExpression) ({ node, parent } = outerParent(parent));
    if (parent?.type === AST_NODE_TYPES.ReturnStatement) return enclosingFunction(parent) === callee.fn;
    return parent === callee.fn && callee.fn.body === node;
  }

  private isBindingReturned(binding: TSESTree.Identifier, callee: CalledFunction): boolean {
    const variable = callee.file.resolve(binding);
    if (!variable || variable.references.some((r) => r.isWrite() && r.identifier !== binding)) return false;
    return variable.references.some((r) => r.isRead() && this.isReturned(r.identifier, callee));
  }

  /** The function a call runs, when the checker can see its declaration in a source file of the program. */
  private calledFunction(call: TSESTree.CallExpression, file: FlowFile): CalledFunction | undefined {
    const callee = unwrapExpression(call.callee);
    const nameNode =
      callee.type === AST_NODE_TYPES.Identifier
        ? callee
        : callee.type === AST_NODE_TYPES.MemberExpression && !callee.computed
          ? callee.property
          : undefined;
    if (!nameNode) return undefined;
    const cached = this.calledFunctions.get(nameNode);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.resolveCallee(nameNode, file);
    this.calledFunctions.set(nameNode, found ?? null);
    return found;
  }

  private resolveCallee(nameNode: TSESTree.Node, file: FlowFile): CalledFunction | undefined {
    const tsName =
      file === this.current && this.nodeMap
        ? this.nodeMap.get(nameNode as never)
        : tsNodeAt(file.sourceFile, nameNode.range[0], nameNode.range[1]);
    if (!tsName) return undefined;
    let symbol = this.checker.getSymbolAtLocation(tsName);
    if (symbol && symbol.flags & ALIAS) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (!declaration) return undefined;
    const sourceFile = declaration.getSourceFile();
    if (sourceFile.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(sourceFile)) return undefined;
    const declaredName = (declaration as ts.NamedDeclaration).name;
    if (!declaredName) return undefined;
    const target = this.flowFile(sourceFile);
    if (!target) return undefined;
    const id = identifierAt(target, declaredName.getStart(sourceFile));
    const fn = id ? functionNamedBy(id) : undefined;
    if (!fn || !id) return undefined;
    return { fn, name: id.name, file: target, path: relative(this.cwd, sourceFile.fileName).replaceAll('\\', '/') };
  }

  private flowFile(sourceFile: ts.SourceFile): FlowFile | undefined {
    if (sourceFile === this.current.sourceFile) return this.current;
    const cached = parsedFiles.get(sourceFile);
    if (cached && cached.registryKeys === this.registryKeys && cached.readers === this.readersKey)
      return cached.file ?? undefined;
    let parsed: FlowFile | null = null;
    try {
      const { ast, scopeManager } = parseForDetection(sourceFile.text, sourceFile.fileName);
      parsed = {
        sourceFile,
        ast,
        ...resolveAndReads(ast, scopeManager, sourceFile.text, this.registryKeys, this.readers),
      };
      filesByTree.set(ast, parsed);
    } catch {
      // A file the checker accepted but Babel cannot parse: values are not followed into it.
    }
    parsedFiles.set(sourceFile, { registryKeys: this.registryKeys, readers: this.readersKey, file: parsed });
    return parsed ?? undefined;
  }
}

function resolveAndReads(
  ast: TSESTree.Program,
  scopeManager: ScopeManager,
  text: string,
  registryKeys: ReadonlySet<string>,
  readers: readonly CustomReader[],
): { resolve: Resolve; reads: FlagRead[] } {
  const variables = variablesOf(scopeManager);
  return {
    resolve: (id) => variables.get(id),
    reads: findFlagReads(ast, scopeManager, { registryKeys, readers, text }),
  };
}

/**
 * The typed flow for the file being linted, or undefined without type information. `reads` are
 * the file's own reads and `resolve` its bindings, as the rules computed them; `flowOf` in
 * support.ts keeps the result for the file.
 */
export function typedFlowOf(
  context: AnyContext,
  reads: FlagRead[],
  resolve: Resolve,
  registryKeys: ReadonlySet<string>,
  readers: readonly CustomReader[],
): TypedFlow | undefined {
  const services = context.sourceCode.parserServices;
  const program = services?.program as ts.Program | null | undefined;
  const sourceFile = program?.getSourceFile(context.physicalFilename);
  if (!program || !sourceFile) return undefined;
  return new TypedFlow(
    program,
    { sourceFile, ast: context.sourceCode.ast, resolve, reads },
    registryKeys,
    readers,
    context.cwd,
    services?.esTreeNodeToTSNodeMap as never,
  );
}

/** The innermost TypeScript node spanning exactly [start, end), as typescript-estree ranges do. */
function tsNodeAt(sourceFile: ts.SourceFile, start: number, end: number): ts.Node | undefined {
  const api = tsApi();
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found || node.getStart(sourceFile) > start || node.end < end) return;
    if (node.getStart(sourceFile) === start && node.end === end && api.isIdentifier(node)) {
      found = node;
      return;
    }
    api.forEachChild(node, visit);
  };
  api.forEachChild(sourceFile, visit);
  return found;
}

function identifierAt(file: FlowFile, start: number): TSESTree.Identifier | undefined {
  if (!file.identifiersByStart) {
    const index = new Map<number, TSESTree.Identifier>();
    forEachNode(file.ast, (node) => {
      if (node.type === AST_NODE_TYPES.Identifier && !index.has(node.range[0])) index.set(node.range[0], node);
    });
    file.identifiersByStart = index;
  }
  return file.identifiersByStart.get(start);
}

/** The function a declaration's name introduces: `function f`, `const f = () => …`, a method. */
function functionNamedBy(id: TSESTree.Identifier): FunctionNode | undefined {
  const parent = id.parent;
  if (!parent) return undefined;
  if (
    (parent.type === AST_NODE_TYPES.FunctionDeclaration || parent.type === AST_NODE_TYPES.FunctionExpression) &&
    parent.id === id
  )
    return parent;
  let value: TSESTree.Node | null | undefined;
  if (parent.type === AST_NODE_TYPES.VariableDeclarator && parent.id === id) value = parent.init;
  else if (
    (parent.type === AST_NODE_TYPES.MethodDefinition ||
      parent.type === AST_NODE_TYPES.PropertyDefinition ||
      parent.type === AST_NODE_TYPES.Property) &&
    parent.key === id
  )
    value = parent.value;
  const fn = value ? unwrapExpression(value) : undefined;
  return fn && isFunction(fn) ? fn : undefined;
}

function returnedExpressions(fn: FunctionNode): TSESTree.Expression[] {
  if (fn.body.type !== AST_NODE_TYPES.BlockStatement) return [fn.body];
  const out: TSESTree.Expression[] = [];
  forEachNode(fn.body, (node) => {
    if (isFunction(node)) return false;
    if (node.type === AST_NODE_TYPES.ReturnStatement && node.argument) out.push(node.argument);
    return true;
  });
  return out;
}
