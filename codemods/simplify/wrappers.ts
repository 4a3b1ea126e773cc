/** Functions of a single `return`: helpers called with the kept value, and wrappers returning it. */
import {
  declaredNamesWithin,
  exportedByName,
  isCallOf,
  isFunctionNode,
  isPure,
  literalValue,
  referenceCounts,
  replaceWithin,
  unwrapTypeWrappers,
  type AstNode,
} from '../ast.js';
import { evaluateBinary } from './comparisons.js';
import type { ExpressionPass, Scalar, Simplifier, StatementPass } from './context.js';

/**
 * Before: `isLarge('claude-sonnet-4-6')` with `function isLarge(m: string) { return m.includes('opus') || m === 'x'; }`
 * → After: `false`. The helper is a module-level function or arrow of one `return`; its body is
 * evaluated with the constant arguments (comparisons, `&&`/`||`/`??`, `!`, `?:`, a literal list's
 * `includes`).
 */
export const helperCall: ExpressionPass = {
  name: 'helper-call',
  types: ['CallExpression'],
  fold(node, _parent, _key, s) {
    const callee = node.callee as AstNode;
    const args = node.arguments as AstNode[];
    if (callee.type !== 'Identifier') return undefined;
    const values = args.map((a) => s.operand(a));
    if (!args.some((a) => s.isMarked(a)) || values.some((v) => v === undefined)) return undefined;
    const helper = s.topLevel.get(callee.name as string);
    const body = helper && singleReturnExpression(helper);
    if (!helper || !body || helper.async || helper.generator) return undefined;
    const params = helper.params as AstNode[];
    if (!params.every((p) => p.type === 'Identifier')) return undefined;
    const env = new Map<string, Scalar>(params.map((p, i) => [p.name as string, values[i] ?? null]));
    const v = evaluate(body, env, s);
    return v === undefined ? undefined : s.literal(v);
  },
};

/**
 * Before: `function currentModel() { return 'claude-sonnet-4-6'; }` and `send(currentModel())`
 * → After: `send('claude-sonnet-4-6')`, and the function goes once nothing calls it (an export
 * only when no other module imports it any more). `async` wrappers are inlined at `await f()`.
 */
export const wrapperCalls: StatementPass = {
  name: 'wrapper-calls',
  apply(statement, list, index, _owner, s) {
    const fn = wrapperFunction(statement);
    if (!fn) return undefined;
    const name = fn.name;
    const value = s.constant(fn.returned);
    if (value === undefined) return undefined;
    const region = list.filter((_, i) => i !== index);
    if (region.some((n) => declaredNamesWithin(n).includes(name))) return undefined;
    for (const n of region) {
      const parents = replaceWithin(n, (child) => {
        const call = fn.async
          ? child.type === 'AwaitExpression' && isCallOf(child.argument as AstNode, name)
            ? (child.argument as AstNode)
            : undefined
          : isCallOf(child, name)
            ? child
            : undefined;
        return call && (call.arguments as AstNode[]).every(isPure) ? s.literal(value) : undefined;
      });
      for (const parent of parents) s.touched.add(parent);
      if (parents.length > 0) s.changed = true;
    }
    const declaredAt = statement.type === 'ExportNamedDeclaration' ? undefined : statement;
    if (!declaredAt || exportedByName(list, name)) {
      if (!s.options.removableExports.has(name)) return undefined;
    }
    if (region.some((n) => (referenceCounts(n).get(name) ?? 0) > 0)) return undefined;
    list.splice(index, 1);
    s.changed = true;
    // The statement after the removed one moved up to `index` and is left to the next round.
    return undefined;
  },
};

/** Evaluates a helper's return expression once its parameters are known constants. */
function evaluate(node: AstNode, env: ReadonlyMap<string, Scalar>, s: Simplifier): Scalar | undefined {
  const n = unwrapTypeWrappers(node);
  const lit = literalValue(n);
  if (lit !== undefined) return lit;
  switch (n.type) {
    case 'Identifier':
      return env.has(n.name as string) ? env.get(n.name as string) : undefined;
    case 'BinaryExpression': {
      const l = evaluate(n.left, env, s);
      const r = evaluate(n.right, env, s);
      return l === undefined || r === undefined ? undefined : evaluateBinary(n.operator as string, l, r);
    }
    case 'LogicalExpression': {
      const l = evaluate(n.left, env, s);
      if (l === undefined) return undefined;
      if (n.operator === '&&') return l ? evaluate(n.right, env, s) : l;
      if (n.operator === '||') return l ? l : evaluate(n.right, env, s);
      return l === null ? evaluate(n.right, env, s) : l;
    }
    case 'UnaryExpression': {
      const v = evaluate(n.argument, env, s);
      return v === undefined || n.operator !== '!' ? undefined : !v;
    }
    case 'ConditionalExpression': {
      const t = evaluate(n.test, env, s);
      return t === undefined ? undefined : evaluate(t ? n.consequent : n.alternate, env, s);
    }
    case 'CallExpression': {
      const callee = n.callee as AstNode;
      if (
        callee.type === 'MemberExpression' &&
        !callee.computed &&
        callee.property.name === 'includes' &&
        n.arguments.length === 1
      ) {
        const list = s.literalArray(callee.object as AstNode);
        const needle = evaluate(n.arguments[0], env, s);
        return list && needle !== undefined ? list.includes(needle) : undefined;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The expression a function of a single `return` (or an expression-bodied arrow) returns. */
export function singleReturnExpression(fn: AstNode): AstNode | undefined {
  if (!isFunctionNode(fn)) return undefined;
  const body = fn.body as AstNode;
  if (body.type !== 'BlockStatement') return body;
  const statements = body.body as AstNode[];
  if (statements.length !== 1 || statements[0]!.type !== 'ReturnStatement') return undefined;
  return (statements[0]!.argument as AstNode | null) ?? undefined;
}

interface Wrapper {
  name: string;
  async: boolean;
  returned: AstNode;
}

/** `function f(...) { return X; }` or `const f = (...) => X`, as a statement (maybe exported). */
function wrapperFunction(statement: AstNode): Wrapper | undefined {
  const s =
    statement.type === 'ExportNamedDeclaration' && statement.declaration
      ? (statement.declaration as AstNode)
      : statement;
  let fn: AstNode | undefined;
  let name: string | undefined;
  if (s.type === 'FunctionDeclaration' && s.id) {
    fn = s;
    name = s.id.name as string;
  } else if (s.type === 'VariableDeclaration' && s.kind === 'const' && s.declarations.length === 1) {
    const d = s.declarations[0] as AstNode;
    if (
      d.id.type === 'Identifier' &&
      d.init &&
      (d.init.type === 'ArrowFunctionExpression' || d.init.type === 'FunctionExpression')
    ) {
      fn = d.init as AstNode;
      name = d.id.name as string;
    }
  }
  if (!fn || !name || fn.generator) return undefined;
  const returned = singleReturnExpression(fn);
  if (!returned) return undefined;
  return { name, async: Boolean(fn.async), returned };
}

/** A function that does nothing but return the flag value: callers elsewhere can inline it. */
export function wrapperOf(
  statement: AstNode,
  readLiterals: WeakSet<object>,
): { name: string; kind: 'call' | 'await'; returned: AstNode } | undefined {
  const fn = wrapperFunction(statement);
  if (!fn || !readLiterals.has(unwrapTypeWrappers(fn.returned))) return undefined;
  return { name: fn.name, kind: fn.async ? 'await' : 'call', returned: fn.returned };
}
