/**
 * Reads through a reader declared with `returns: 'observable'`: the read is a stream, never the
 * value, so it never becomes a bare value.
 * - An element of `combineLatest([a$, flag$])` (or `combineLatest(a$, flag$)`) whose tuple is
 *   destructured by the callbacks that receive it (`.pipe(tap(...), map(([a, flag]) => ...))`,
 *   `.subscribe(([a, flag]) => ...)`) leaves the list, its binding leaves each pattern, and the
 *   binding's uses become the kept value, for the simplifier to fold.
 * - Anywhere else the read becomes `of(<kept value>)`, with `of` imported from `rxjs`, but only
 *   when the run type checks the change: remove-flag verifies, and when the change adds a type
 *   error it runs again with these sites left for a human (`StreamPolicy`).
 */
import type { TSESTree } from '@typescript-eslint/types';
import type { FlagRead } from 'eslint-plugin-modelflags/detection';
import type { FlagValue } from 'modelflags/registry';
import { declaredNamesWithin, type AstNode } from './ast.js';
import { indexByRange, type Located } from './read-replacement.js';
import { replaceReferences, usedInTypeOrExport, writes } from './simplify/bindings.js';
import type { Simplifier } from './simplify/index.js';

/**
 * Whether a stream read outside `combineLatest` may become `of(value)`: `of` when the change is
 * type checked before it is written; `unverified` under `--no-verify`; `refused` when a first
 * attempt added type errors.
 */
export type StreamPolicy = 'of' | 'unverified' | 'refused';

/** Operators that pass the tuple on as it is, with no callback seeing it. */
const PASS_THROUGH = new Set([
  'debounceTime',
  'throttleTime',
  'auditTime',
  'sampleTime',
  'delay',
  'take',
  'skip',
  'takeUntil',
  'share',
  'shareReplay',
  'observeOn',
  'subscribeOn',
]);
/** Operators whose callback sees the tuple and pass it on. */
const SEE_AND_PASS = new Set(['tap', 'filter']);
/** Operators whose callback sees the tuple and emit something else. */
const CONSUME = new Set(['map', 'switchMap', 'mergeMap', 'concatMap', 'exhaustMap']);

type FunctionNode = TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression;

/** Replaces one stream read: its element left a `combineLatest`, it became `of(value)`, or why a human has to. */
export function replaceStreamRead(
  read: FlagRead,
  value: FlagValue,
  byRange: Map<string, Located>,
  simplifier: Simplifier,
  program: AstNode,
  policy: StreamPolicy,
): 'element' | 'of' | { reason: string } {
  if (removeFromCombineLatest(read, value, simplifier, program)) return 'element';
  const why = streamLeft(read, policy);
  if (why) return { reason: why };
  const located = byRange.get(key(read.call));
  if (!located) return { reason: 'could not map the read onto the rewritable syntax tree' };
  const of = importedOf(program);
  if (of === undefined)
    return {
      reason: `${read.method}() returns a stream, and this file declares its own \`of\`, so of(<kept value>) from rxjs cannot take its place; rewrite this use by hand`,
    };
  const literal = simplifier.literal(value);
  // The stream's value is not for folding: nothing around `of(...)` became constant.
  simplifier.options.marked.delete(literal);
  located.set({ type: 'CallExpression', callee: { type: 'Identifier', name: of }, arguments: [literal] });
  return 'of';
}

function streamLeft(read: FlagRead, policy: StreamPolicy): string | undefined {
  if (policy === 'unverified')
    return `${read.method}() returns a stream: remove-flag puts of(<kept value>) in its place only when it can type check the change; run it without --no-verify, or rewrite this use by hand`;
  if (policy === 'refused')
    return `${read.method}() returns a stream, and of(<kept value>) in its place does not type check here; rewrite this use by hand`;
  return undefined;
}

function key(node: TSESTree.Node): string {
  return `${node.loc.start.line}:${node.loc.start.column}:${node.loc.end.line}:${node.loc.end.column}`;
}

function isCombineLatest(callee: TSESTree.Node): boolean {
  if (callee.type === 'Identifier') return callee.name === 'combineLatest';
  return (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    callee.property.type === 'Identifier' &&
    callee.property.name === 'combineLatest'
  );
}

/** The callbacks receiving the tuple of `combine`, or undefined when the tuple goes somewhere this cannot follow. */
function tupleCallbacks(combine: TSESTree.CallExpression): FunctionNode[] | undefined {
  const member = combine.parent;
  if (member?.type !== 'MemberExpression' || member.object !== combine || member.property.type !== 'Identifier')
    return undefined;
  const call = member.parent;
  if (call?.type !== 'CallExpression' || call.callee !== member) return undefined;
  const isFunction = (n: TSESTree.Node | undefined): n is FunctionNode =>
    n?.type === 'ArrowFunctionExpression' || n?.type === 'FunctionExpression';
  if (member.property.name === 'subscribe') return isFunction(call.arguments[0]) ? [call.arguments[0]] : undefined;
  if (member.property.name !== 'pipe') return undefined;
  const callbacks: FunctionNode[] = [];
  for (const operator of call.arguments) {
    if (operator.type !== 'CallExpression' || operator.callee.type !== 'Identifier') return undefined;
    const name = operator.callee.name;
    if (PASS_THROUGH.has(name)) continue;
    if (name === 'distinctUntilChanged' && operator.arguments.length === 0) continue;
    if (!SEE_AND_PASS.has(name) && !CONSUME.has(name)) return undefined;
    const callback = operator.arguments[0];
    if (!isFunction(callback)) return undefined;
    callbacks.push(callback);
    if (CONSUME.has(name)) return callbacks;
  }
  // The tuple leaves the pipe as it is: whoever subscribes to it sees every element.
  return undefined;
}

/**
 * The read as an element of a `combineLatest` whose tuple every receiving callback destructures:
 * the element and its bindings go, the bindings' uses become the kept value. False when the read
 * is not such an element (it is the only one, the tuple is used whole, a binding is shadowed).
 */
function removeFromCombineLatest(read: FlagRead, value: FlagValue, s: Simplifier, program: AstNode): boolean {
  const parent = read.call.parent;
  let combine: TSESTree.CallExpression | undefined;
  let container: TSESTree.ArrayExpression | TSESTree.CallExpression | undefined;
  let elements: readonly (TSESTree.Node | null)[] = [];
  if (
    parent?.type === 'ArrayExpression' &&
    parent.parent?.type === 'CallExpression' &&
    parent.parent.arguments.length === 1 &&
    parent.parent.arguments[0] === parent &&
    isCombineLatest(parent.parent.callee)
  ) {
    combine = parent.parent;
    container = parent;
    elements = parent.elements;
  } else if (parent?.type === 'CallExpression' && parent.callee !== read.call && isCombineLatest(parent.callee)) {
    combine = parent;
    container = parent;
    elements = parent.arguments;
  }
  if (!combine || !container || elements.length < 2 || elements.some((e) => e?.type === 'SpreadElement')) return false;
  const at = elements.indexOf(read.call);
  const callbacks = tupleCallbacks(combine);
  if (at < 0 || !callbacks) return false;
  const names: (string | undefined)[] = [];
  for (const callback of callbacks) {
    const param = callback.params[0];
    if (!param) {
      names.push(undefined);
      continue;
    }
    if (param.type !== 'ArrayPattern' || param.typeAnnotation) return false;
    if (param.elements.slice(0, at + 1).some((e) => e?.type === 'RestElement')) return false;
    const element = param.elements[at];
    const target = element?.type === 'AssignmentPattern' ? element.left : element;
    if (target && target.type !== 'Identifier') return false;
    names.push(target?.name);
  }
  const located = indexByRange(program, [container, ...callbacks]);
  const containerNode = located.get(key(container))?.node;
  const callbackNodes = callbacks.map((c) => located.get(key(c))?.node);
  if (!containerNode || callbackNodes.some((c) => !c)) return false;
  for (const [i, callback] of callbackNodes.entries()) {
    const name = names[i];
    if (name === undefined) continue;
    const body = callback!.body as AstNode;
    if (declaredNamesWithin(body).includes(name) || writes(body, name) || usedInTypeOrExport(body, name)) return false;
  }
  (containerNode[container.type === 'ArrayExpression' ? 'elements' : 'arguments'] as AstNode[]).splice(at, 1);
  for (const [i, callback] of callbackNodes.entries()) {
    const pattern = (callback!.params as AstNode[])[0];
    if (!pattern) continue;
    const patternElements = pattern.elements as (AstNode | null)[];
    if (at < patternElements.length) patternElements.splice(at, 1);
    // Trailing holes left by the removal (`[a, , ]`) go too.
    while (patternElements.length > 0 && patternElements[patternElements.length - 1] === null) patternElements.pop();
    const name = names[i];
    if (name !== undefined) replaceReferences(callback!.body as AstNode, name, value, true, s);
  }
  return true;
}

/**
 * The local name of rxjs's `of` in the module, imported now if it was not: added to an rxjs
 * import the module has, or as a new import after its imports. Undefined when the module
 * declares an `of` of its own.
 */
function importedOf(program: AstNode): string | undefined {
  const body = program.body as AstNode[];
  const imports = body.filter((s) => s.type === 'ImportDeclaration');
  const rxjs = imports.filter((s) => s.source.value === 'rxjs' && s.importKind !== 'type');
  for (const declaration of rxjs)
    for (const specifier of declaration.specifiers as AstNode[])
      if (
        specifier.type === 'ImportSpecifier' &&
        specifier.importKind !== 'type' &&
        (specifier.imported.name ?? specifier.imported.value) === 'of'
      )
        return specifier.local.name as string;
  if (declaredNamesWithin(program).includes('of')) return undefined;
  const specifier: AstNode = {
    type: 'ImportSpecifier',
    imported: { type: 'Identifier', name: 'of' },
    local: { type: 'Identifier', name: 'of' },
  };
  const named = rxjs.find((d) => (d.specifiers as AstNode[]).every((sp) => sp.type === 'ImportSpecifier'));
  if (named && (named.specifiers as AstNode[]).length > 0) (named.specifiers as AstNode[]).push(specifier);
  else {
    const last = imports[imports.length - 1];
    body.splice(last ? body.indexOf(last) + 1 : 0, 0, {
      type: 'ImportDeclaration',
      specifiers: [specifier],
      source: { type: 'StringLiteral', value: 'rxjs' },
    });
  }
  return 'of';
}
