/**
 * Where a flag read runs and where its value goes: when a read executes (module load or per
 * call), whether its result is kept in long-lived state, and which model or prompt parameters
 * its value reaches. Syntax only, within one file; `typed-flow.ts` extends `sinkOf` across files.
 */
import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/types';
import type { Scope } from '@typescript-eslint/scope-manager';
import { forEachNode, memberName, outerParent, unwrapExpression } from './detection/index.js';

type FunctionNode = TSESTree.ArrowFunctionExpression | TSESTree.FunctionDeclaration | TSESTree.FunctionExpression;

export function isFunction(node: TSESTree.Node): node is FunctionNode {
  return (
    node.type === AST_NODE_TYPES.ArrowFunctionExpression ||
    node.type === AST_NODE_TYPES.FunctionDeclaration ||
    node.type === AST_NODE_TYPES.FunctionExpression
  );
}

/** Array and promise callbacks run when the surrounding code runs, not later per request. */
const IMMEDIATE_CALLBACK_METHODS = new Set([
  'map',
  'forEach',
  'filter',
  'reduce',
  'flatMap',
  'find',
  'findIndex',
  'some',
  'every',
  'sort',
  'then',
  'catch',
  'finally',
]);

/** Callbacks that run again whenever flags change: keeping a value there is how refresh is done. */
const LISTENER_METHOD = /^(on|once|addListener|addEventListener|subscribe|watch|observe|setInterval)$|change|update/i;

const MEMO_WRAPPERS = new Set(['once', 'memoize', 'memoizeOne', 'moize', 'pMemoize', 'memoizee']);

export type ExecutionSite =
  | { kind: 'module-load'; where: string }
  | { kind: 'function'; fn: FunctionNode }
  /** Runs when a class is instantiated (constructor or instance field initialiser). */
  | { kind: 'construction'; cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression; fn: FunctionNode | undefined };

function isImmediatelyInvoked(fn: FunctionNode): boolean {
  const { node, parent } = outerParent(fn);
  if (parent?.type === AST_NODE_TYPES.CallExpression && parent.callee === node) return true;
  if (parent?.type === AST_NODE_TYPES.NewExpression && parent.callee === node) return true;
  // `(function () {}).call(this)`
  if (
    parent?.type === AST_NODE_TYPES.MemberExpression &&
    parent.object === node &&
    ['call', 'apply'].includes(memberName(parent) ?? '')
  ) {
    return parent.parent?.type === AST_NODE_TYPES.CallExpression && parent.parent.callee === parent;
  }
  return false;
}

function isImmediateCallback(fn: FunctionNode): boolean {
  const { node, parent } = outerParent(fn);
  if (parent?.type === AST_NODE_TYPES.NewExpression && parent.arguments[0] === node) {
    return parent.callee.type === AST_NODE_TYPES.Identifier && parent.callee.name === 'Promise';
  }
  if (
    parent?.type !== AST_NODE_TYPES.CallExpression ||
    !parent.arguments.includes(node as TSESTree.CallExpressionArgument)
  )
    return false;
  const callee = unwrapExpression(parent.callee);
  return callee.type === AST_NODE_TYPES.MemberExpression && IMMEDIATE_CALLBACK_METHODS.has(memberName(callee) ?? '');
}

/** When the code at `node` runs. */
export function executionSite(node: TSESTree.Node): ExecutionSite {
  let where = 'at the top level of the module';
  let n: TSESTree.Node = node;
  let sawAwait = false;
  let sawObject = false;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (p.type === AST_NODE_TYPES.AwaitExpression) sawAwait = true;
    if (p.type === AST_NODE_TYPES.ObjectExpression) sawObject = true;
    if (isFunction(p)) {
      if (isImmediatelyInvoked(p)) {
        where = 'in a function that is called immediately at module load';
        continue;
      }
      if (isImmediateCallback(p)) continue;
      const method = p.parent;
      if (method?.type === AST_NODE_TYPES.MethodDefinition && method.kind === 'constructor') {
        const cls = method.parent.parent;
        return { kind: 'construction', cls, fn: p };
      }
      return { kind: 'function', fn: p };
    }
    if (p.type === AST_NODE_TYPES.StaticBlock) where = 'in a class static block, which runs once when the module loads';
    if (p.type === AST_NODE_TYPES.PropertyDefinition && p.value === n) {
      if (p.static) where = 'in a static field initialiser, which runs once when the module loads';
      else return { kind: 'construction', cls: p.parent.parent, fn: undefined };
    }
    if (p.type === AST_NODE_TYPES.AccessorProperty && p.value === n && !p.static)
      return { kind: 'construction', cls: p.parent.parent, fn: undefined };
  }
  if (where === 'at the top level of the module') {
    if (sawAwait) where = 'in a top-level await, which runs once when the module loads';
    else if (sawObject) where = 'in an object built once when the module loads';
  }
  return { kind: 'module-load', where };
}

/** The function is a change listener / subscription callback (or nested in one). */
export function isInsideListener(node: TSESTree.Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (!isFunction(p)) continue;
    const { node: outer, parent } = outerParent(p);
    if (
      parent?.type === AST_NODE_TYPES.CallExpression &&
      parent.arguments.includes(outer as TSESTree.CallExpressionArgument)
    ) {
      const callee = unwrapExpression(parent.callee);
      const name =
        callee.type === AST_NODE_TYPES.Identifier
          ? callee.name
          : callee.type === AST_NODE_TYPES.MemberExpression
            ? memberName(callee)
            : undefined;
      if (
        name !== undefined &&
        LISTENER_METHOD.test(name) &&
        !(callee.type === AST_NODE_TYPES.Identifier && MEMO_WRAPPERS.has(name))
      )
        return true;
    }
  }
  return false;
}

/** A read wrapped in `once(() => ...)` / `memoize(...)`: computed on the first call, then kept. */
export function memoWrapper(node: TSESTree.Node): string | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (!isFunction(p)) continue;
    const { node: outer, parent } = outerParent(p);
    if (
      parent?.type !== AST_NODE_TYPES.CallExpression ||
      !parent.arguments.includes(outer as TSESTree.CallExpressionArgument)
    )
      continue;
    // `once(fn)` / `_.memoize(fn)`; `emitter.once('change', fn)` is a listener, not a memo.
    const callee = unwrapExpression(parent.callee);
    const name =
      callee.type === AST_NODE_TYPES.Identifier
        ? callee.name
        : callee.type === AST_NODE_TYPES.MemberExpression &&
            callee.object.type === AST_NODE_TYPES.Identifier &&
            /^(_|lodash|R)$/.test(callee.object.name)
          ? memberName(callee)
          : undefined;
    if (name !== undefined && MEMO_WRAPPERS.has(name)) return name;
  }
  return undefined;
}

export type Resolve = (id: TSESTree.Identifier) =>
  | {
      scope: Scope;
      references: readonly { identifier: TSESTree.Node; isWrite(): boolean; isRead(): boolean }[];
      defs: readonly { node: TSESTree.Node; name: TSESTree.Node }[];
    }
  | undefined;

const GLOBAL_OBJECTS = new Set(['globalThis', 'global', 'window', 'self']);

/** Where the expression's result is stored beyond the current call: a module variable, a module object, a singleton field. */
export function storedIn(
  expression: TSESTree.Node,
  resolve: Resolve,
): { target: string; kind: 'module' | 'this' } | undefined {
  let n: TSESTree.Node = expression;
  for (let p = n.parent; p && !isFunction(p); n = p, p = p.parent) {
    if (p.type === AST_NODE_TYPES.AssignmentExpression && p.right === n) {
      const target = assignmentTarget(p.left, resolve);
      if (target) return target;
    }
    if (p.type === AST_NODE_TYPES.CallExpression && p.arguments.includes(n as TSESTree.CallExpressionArgument)) {
      const callee = unwrapExpression(p.callee);
      if (callee.type === AST_NODE_TYPES.MemberExpression && memberName(callee) === 'set') {
        const target = assignmentTarget(callee.object, resolve);
        if (target) return target;
      }
      return undefined;
    }
    if (
      p.type === AST_NODE_TYPES.ExpressionStatement ||
      p.type === AST_NODE_TYPES.ReturnStatement ||
      p.type === AST_NODE_TYPES.VariableDeclaration
    )
      return undefined;
  }
  return undefined;
}

function assignmentTarget(
  left: TSESTree.Node,
  resolve: Resolve,
): { target: string; kind: 'module' | 'this' } | undefined {
  let root = unwrapExpression(left);
  const path: string[] = [];
  while (root.type === AST_NODE_TYPES.MemberExpression) {
    path.unshift(memberName(root) ?? '[…]');
    root = unwrapExpression(root.object);
  }
  if (root.type === AST_NODE_TYPES.ThisExpression)
    return path.length > 0 ? { target: `this.${path.join('.')}`, kind: 'this' } : undefined;
  if (root.type !== AST_NODE_TYPES.Identifier) return undefined;
  const variable = resolve(root);
  const text = [root.name, ...path].join('.');
  if (!variable) return GLOBAL_OBJECTS.has(root.name) && path.length > 0 ? { target: text, kind: 'module' } : undefined;
  const scopeType = variable.scope.type;
  return scopeType === 'module' || scopeType === 'global' ? { target: text, kind: 'module' } : undefined;
}

/** A readable name for the function that contains a node: `handleChat()`, `the POST /chat handler`. */
export function describeFunction(fn: TSESTree.Node | undefined): string | undefined {
  if (!fn) return undefined;
  if (fn.type === AST_NODE_TYPES.FunctionDeclaration && fn.id) return `\`${fn.id.name}()\``;
  const { node, parent } = outerParent(fn);
  if (!parent) return undefined;
  if (parent.type === AST_NODE_TYPES.VariableDeclarator && parent.id.type === AST_NODE_TYPES.Identifier)
    return `\`${parent.id.name}()\``;
  if (
    parent.type === AST_NODE_TYPES.MethodDefinition ||
    parent.type === AST_NODE_TYPES.Property ||
    parent.type === AST_NODE_TYPES.PropertyDefinition
  ) {
    const key = parent.key.type === AST_NODE_TYPES.Identifier ? parent.key.name : undefined;
    if (key !== undefined) return `\`${key}()\``;
  }
  if (parent.type === AST_NODE_TYPES.ExportDefaultDeclaration) return 'the default-exported handler';
  if (
    parent.type === AST_NODE_TYPES.CallExpression &&
    parent.arguments.includes(node as TSESTree.CallExpressionArgument)
  ) {
    const callee = unwrapExpression(parent.callee);
    const method = callee.type === AST_NODE_TYPES.MemberExpression ? memberName(callee) : undefined;
    const route = parent.arguments[0];
    if (
      method &&
      /^(get|post|put|patch|delete|all|use|route)$/.test(method) &&
      route?.type === AST_NODE_TYPES.Literal &&
      typeof route.value === 'string'
    ) {
      return `the ${method.toUpperCase()} ${route.value} handler`;
    }
  }
  return undefined;
}

export function enclosingFunction(node: TSESTree.Node): FunctionNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (isFunction(p)) return p;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Where a value goes: model and prompt parameters

export type Dimension = 'model' | 'prompt';

const MODEL_KEYS = new Set(['model', 'modelId', 'modelName', 'model_id', 'model_name']);
const PROMPT_KEYS = new Set([
  'system',
  'systemPrompt',
  'system_prompt',
  'instructions',
  'prompt',
  'messages',
  'systemInstruction',
  'system_instruction',
  'preamble',
]);
/** Provider factories of the Vercel AI SDK and similar: `model: openai(flag)` still selects the model. */
const MODEL_FACTORY =
  /^(openai|anthropic|bedrock|google|vertex|mistral|azure|groq|cohere|xai|deepseek|perplexity|ollama|fireworks|togetherai|createOpenAI|languageModel|chat)$/;
const PROMPT_CLASS = /^(SystemMessage|SystemMessagePromptTemplate|PromptTemplate|ChatPromptTemplate)$/;

export interface Sink {
  dimension: Dimension;
  node: TSESTree.Node;
  /** How the value got there, for messages: `model:`, `system:`, `a prompt lookup`, ... */
  via: string;
}

/**
 * With type information, where a value passed to a function goes inside it: the uses of the
 * parameter in the function's own file, and how to describe a sink found there at the call.
 */
export type FollowCall = (
  call: TSESTree.CallExpression | TSESTree.NewExpression,
  argumentIndex: number,
) => { uses: TSESTree.Node[]; resolve: Resolve; describe: (sink: Sink) => string } | undefined;

/**
 * Follows one use of a flag value outwards to the parameter it ends up in: within the file, and
 * with `follow` also into the functions it is passed to.
 */
export function sinkOf(use: TSESTree.Node, resolve: Resolve, follow?: FollowCall, depth = 0): Sink[] {
  let n: TSESTree.Node = use;
  for (let p = n.parent; p; n = p, p = p.parent) {
    switch (p.type) {
      case AST_NODE_TYPES.TSAsExpression:
      case AST_NODE_TYPES.TSNonNullExpression:
      case AST_NODE_TYPES.TSSatisfiesExpression:
      case AST_NODE_TYPES.ChainExpression:
      case AST_NODE_TYPES.TemplateLiteral:
      case AST_NODE_TYPES.AwaitExpression:
        continue;
      case AST_NODE_TYPES.LogicalExpression:
        continue;
      case AST_NODE_TYPES.ConditionalExpression:
        if (p.test === n) return [];
        continue;
      case AST_NODE_TYPES.MemberExpression:
        if (p.object === n) {
          if (!p.computed) continue;
          return [];
        }
        // `PROMPTS[model]`: the value selects a prompt template.
        if (p.property === n && p.computed && /prompt|system|instruction/i.test(textOfObject(p.object))) {
          return [{ dimension: 'prompt', node: p, via: `a prompt lookup (\`${textOfObject(p.object)}[…]\`)` }];
        }
        return [];
      case AST_NODE_TYPES.CallExpression:
      case AST_NODE_TYPES.NewExpression: {
        if (!p.arguments.includes(n as TSESTree.CallExpressionArgument)) return [];
        const name = calleeName(p.callee);
        if (name !== undefined && MODEL_FACTORY.test(name)) continue;
        if (
          name !== undefined &&
          (PROMPT_CLASS.test(name) ||
            /^(get|load|select|pick|render|build)[A-Za-z]*Prompt/.test(name) ||
            name === 'fromTemplate')
        ) {
          return [{ dimension: 'prompt', node: p, via: `\`${name}(…)\`` }];
        }
        const inside =
          follow && depth <= 3 ? follow(p, p.arguments.indexOf(n as TSESTree.CallExpressionArgument)) : undefined;
        if (!inside) return [];
        const call = p;
        return inside.uses
          .flatMap((u) => sinkOf(u, inside.resolve, follow, depth + 1))
          .map((sink) => ({ dimension: sink.dimension, node: call, via: `${sink.via} ${inside.describe(sink)}` }));
      }
      case AST_NODE_TYPES.Property: {
        if (p.value !== n) return [];
        const key = propertyKey(p);
        if (key === undefined) return [];
        if (MODEL_KEYS.has(key)) return [{ dimension: 'model', node: p, via: `\`${key}:\`` }];
        if (PROMPT_KEYS.has(key)) return [{ dimension: 'prompt', node: p, via: `\`${key}:\`` }];
        if (key === 'content' && p.parent.type === AST_NODE_TYPES.ObjectExpression && isSystemMessage(p.parent)) {
          return [{ dimension: 'prompt', node: p, via: 'a system message' }];
        }
        return [];
      }
      case AST_NODE_TYPES.ArrayExpression: {
        const first = p.elements[0];
        if (p.elements[1] === n && first?.type === AST_NODE_TYPES.Literal && first.value === 'system') {
          return [{ dimension: 'prompt', node: p, via: 'a system message' }];
        }
        return [];
      }
      case AST_NODE_TYPES.VariableDeclarator: {
        if (p.init !== n || depth > 3) return [];
        return usesOfPattern(p.id, resolve).flatMap((u) => sinkOf(u, resolve, follow, depth + 1));
      }
      default:
        return [];
    }
  }
  return [];
}

/** Identifiers reading the values a declaration binds (`const x = ...`, `const { model } = ...`). */
export function usesOfPattern(pattern: TSESTree.Node, resolve: Resolve): TSESTree.Node[] {
  const ids: TSESTree.Identifier[] = [];
  const collect = (p: TSESTree.Node): void => {
    if (p.type === AST_NODE_TYPES.Identifier) ids.push(p);
    else if (p.type === AST_NODE_TYPES.ObjectPattern) {
      for (const prop of p.properties) collect(prop.type === AST_NODE_TYPES.RestElement ? prop.argument : prop.value);
    } else if (p.type === AST_NODE_TYPES.AssignmentPattern) collect(p.left);
  };
  collect(pattern);
  const out: TSESTree.Node[] = [];
  for (const id of ids) {
    const variable = resolve(id);
    for (const ref of variable?.references ?? []) if (ref.isRead() && ref.identifier !== id) out.push(ref.identifier);
  }
  return out;
}

function isSystemMessage(object: TSESTree.ObjectExpression): boolean {
  return object.properties.some(
    (prop) =>
      prop.type === AST_NODE_TYPES.Property &&
      propertyKey(prop) === 'role' &&
      prop.value.type === AST_NODE_TYPES.Literal &&
      (prop.value.value === 'system' || prop.value.value === 'developer'),
  );
}

function propertyKey(property: TSESTree.Property): string | undefined {
  if (!property.computed && property.key.type === AST_NODE_TYPES.Identifier) return property.key.name;
  if (property.key.type === AST_NODE_TYPES.Literal && typeof property.key.value === 'string') return property.key.value;
  return undefined;
}

function calleeName(callee: TSESTree.Node): string | undefined {
  const c = unwrapExpression(callee);
  if (c.type === AST_NODE_TYPES.Identifier) return c.name;
  if (c.type === AST_NODE_TYPES.MemberExpression) return memberName(c);
  return undefined;
}

function textOfObject(node: TSESTree.Node): string {
  const n = unwrapExpression(node);
  if (n.type === AST_NODE_TYPES.Identifier) return n.name;
  if (n.type === AST_NODE_TYPES.MemberExpression) return memberName(n) ?? '';
  return '';
}

/**
 * Statements and expressions whose outcome depends on a comparison of the value: `if (model ===
 * 'x')`, `model === 'x' ? a : b`, `switch (model)`.
 */
export function branchesOn(
  use: TSESTree.Node,
): TSESTree.IfStatement | TSESTree.ConditionalExpression | TSESTree.SwitchStatement | undefined {
  let n: TSESTree.Node = use;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (p.type === AST_NODE_TYPES.SwitchStatement) return p.discriminant === n ? p : undefined;
    if (p.type === AST_NODE_TYPES.IfStatement) return p.test === n ? p : undefined;
    if (p.type === AST_NODE_TYPES.ConditionalExpression) return p.test === n ? p : undefined;
    if (
      p.type === AST_NODE_TYPES.BinaryExpression ||
      p.type === AST_NODE_TYPES.LogicalExpression ||
      p.type === AST_NODE_TYPES.UnaryExpression
    )
      continue;
    if (p.type === AST_NODE_TYPES.MemberExpression && p.object === n) continue;
    if (p.type === AST_NODE_TYPES.CallExpression && p.callee === n) continue;
    if (
      p.type === AST_NODE_TYPES.TSAsExpression ||
      p.type === AST_NODE_TYPES.TSNonNullExpression ||
      p.type === AST_NODE_TYPES.ChainExpression
    )
      continue;
    return undefined;
  }
  return undefined;
}

/** A branch that sets up a prompt: assigns a prompt-named variable, sets a prompt parameter or calls a prompt loader. */
export function choosesPrompt(branch: TSESTree.Node): boolean {
  let found = false;
  // A prompt is set up near the top of a branch; the bound keeps a huge generated branch cheap.
  const depths = new Map<TSESTree.Node, number>();
  forEachNode(branch, (node, parent) => {
    const depth = parent ? depths.get(parent)! + 1 : 0;
    if (found || depth > 40) return false;
    depths.set(node, depth);
    switch (node.type) {
      case AST_NODE_TYPES.VariableDeclarator:
        if (node.id.type === AST_NODE_TYPES.Identifier && /prompt|system|instruction/i.test(node.id.name)) found = true;
        break;
      case AST_NODE_TYPES.AssignmentExpression: {
        const left = unwrapExpression(node.left);
        const name =
          left.type === AST_NODE_TYPES.Identifier
            ? left.name
            : left.type === AST_NODE_TYPES.MemberExpression
              ? memberName(left)
              : undefined;
        if (name !== undefined && /prompt|system|instruction/i.test(name)) found = true;
        break;
      }
      case AST_NODE_TYPES.Property: {
        const key = propertyKey(node);
        if (key !== undefined && PROMPT_KEYS.has(key) && key !== 'messages') found = true;
        break;
      }
      case AST_NODE_TYPES.Identifier:
        if (/prompt/i.test(node.name) && node.parent?.type !== AST_NODE_TYPES.Property) found = true;
        break;
      default:
        break;
    }
    return !found;
  });
  return found;
}
