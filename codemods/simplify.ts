/**
 * Simplification passes: once flag reads are replaced by the kept value, fold everything that
 * became constant because of it, to a fixed point. Only nodes the codemod introduced (the
 * `marked` set) seed folding, so a constant the user wrote on purpose (`if (false)`) is left alone.
 */
import type { FlagValue } from 'modelflags/registry';
import {
  boundNames,
  children,
  declaredNamesWithin,
  isFunctionNode,
  isNode,
  isPure,
  isReference,
  isTerminator,
  lexicalNames,
  literalValue,
  propertyKeyName,
  referenceCounts,
  unwrapTypeWrappers,
  walk,
  type AstNode,
} from './ast.js';

/** An export that now always evaluates to the kept value, so importers can inline it. */
export interface ConstantExport {
  /** `value`: a constant binding; `call`: a wrapper returning it; `await`: an async wrapper. */
  kind: 'value' | 'call' | 'await';
  value: FlagValue;
}

export interface SimplifyOptions {
  marked: WeakSet<object>;
  quote: "'" | '"';
  /** Test files also lose assertions about the flag's value and emptied test cases. */
  isTestFile: boolean;
  /** Exports that no other module uses any more, so their declarations may go. */
  removableExports: ReadonlySet<string>;
}

type Scalar = FlagValue | null;

export class Simplifier {
  private changed = false;
  /** Literals standing for the flag value itself (a replaced read, or a binding of one). */
  readonly readLiterals = new WeakSet<object>();
  private readonly touched = new WeakSet<object>();
  private topLevel = new Map<string, AstNode>();

  constructor(
    private readonly program: AstNode,
    readonly options: SimplifyOptions,
  ) {}

  /** A literal node for a value the codemod made constant. */
  literal(value: Scalar): AstNode {
    let node: AstNode;
    if (typeof value === 'string') {
      const q = this.options.quote;
      const body = JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"');
      const raw = q === '"' ? JSON.stringify(value) : `'${body.replace(/'/g, "\\'")}'`;
      node = { type: 'StringLiteral', value, extra: { raw, rawValue: value } };
    } else if (typeof value === 'number') {
      const abs: AstNode = { type: 'NumericLiteral', value: Math.abs(value), extra: { raw: String(Math.abs(value)), rawValue: Math.abs(value) } };
      node = value < 0 || Object.is(value, -0) ? { type: 'UnaryExpression', operator: '-', prefix: true, argument: abs } : abs;
    } else if (typeof value === 'boolean') {
      node = { type: 'BooleanLiteral', value };
    } else {
      node = { type: 'NullLiteral' };
    }
    this.options.marked.add(node);
    return node;
  }

  /** The value of an expression the codemod made constant, or undefined. */
  constant(node: AstNode | null | undefined): Scalar | undefined {
    if (!node) return undefined;
    const inner = unwrapTypeWrappers(node);
    if (!this.options.marked.has(inner)) return undefined;
    return literalValue(inner);
  }

  private isMarked(node: AstNode | null | undefined): boolean {
    return node !== null && node !== undefined && this.options.marked.has(unwrapTypeWrappers(node));
  }

  /** A constant operand: one the codemod introduced, or a literal written next to one. */
  private operand(node: AstNode): Scalar | undefined {
    const v = this.constant(node);
    return v !== undefined ? v : literalValue(unwrapTypeWrappers(node));
  }

  run(): void {
    for (let round = 0; round < 100; round++) {
      this.changed = false;
      this.topLevel = collectTopLevel(this.program);
      this.visit(this.program);
      if (!this.changed) return;
    }
  }

  private visit(node: AstNode): void {
    for (const key of Object.keys(node)) {
      const value: unknown = node[key];
      if (key === 'comments' || key === 'loc' || key === 'extra' || key === 'tokens') continue;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const child: unknown = value[i];
          if (!isNode(child)) continue;
          this.visit(child);
          const replacement = this.fold(child, node, key);
          if (replacement !== undefined && replacement !== null) this.replaceAt(value, i, replacement, node);
        }
        if (isStatementList(node, key)) this.simplifyStatements(value as AstNode[], node);
        if (key === 'children' && (node.type === 'JSXElement' || node.type === 'JSXFragment')) this.simplifyJsxChildren(value as AstNode[]);
      } else if (isNode(value)) {
        this.visit(value);
        const replacement = this.fold(value, node, key);
        if (replacement !== undefined) {
          node[key] = replacement;
          this.touched.add(node);
          this.changed = true;
        }
      }
    }
    if (node.type === 'ClassBody') this.inlineClassFields(node);
  }

  private replaceAt(list: unknown[], index: number, replacement: AstNode, owner: AstNode): void {
    list[index] = replacement;
    this.touched.add(owner);
    this.changed = true;
  }

  /** Expression-level folds; returns the replacement, `null` to drop an optional child, or undefined. */
  private fold(node: AstNode, parent: AstNode, key: string): AstNode | null | undefined {
    switch (node.type) {
      case 'BinaryExpression': {
        if (!this.isMarked(node.left) && !this.isMarked(node.right)) return undefined;
        const l = this.operand(node.left);
        const r = this.operand(node.right);
        if (l === undefined || r === undefined) return undefined;
        const v = evaluateBinary(node.operator as string, l, r);
        return v === undefined ? undefined : this.literal(v);
      }
      case 'UnaryExpression': {
        const v = this.constant(node.argument);
        if (v === undefined) return undefined;
        if (node.operator === '!') return this.literal(!v);
        if (node.operator === 'typeof') return this.literal(v === null ? 'object' : typeof v);
        return undefined;
      }
      case 'LogicalExpression': {
        const l = this.constant(node.left);
        if (l === undefined) {
          // `x && true` / `x || false` in a condition: the constant adds nothing.
          const r = this.constant(node.right);
          if (r !== undefined && (isTestPosition(parent, key) || isBooleanValued(node.left as AstNode))) {
            if ((node.operator === '&&' && r) || (node.operator === '||' && !r)) return node.left as AstNode;
            if (isPure(node.left) && ((node.operator === '&&' && !r) || (node.operator === '||' && r))) return this.literal(Boolean(r));
          }
          return undefined;
        }
        if (node.operator === '&&') return l ? node.right : node.left;
        if (node.operator === '||') return l ? node.left : node.right;
        return l === null ? node.right : node.left;
      }
      case 'ConditionalExpression': {
        const t = this.constant(node.test);
        if (t === undefined) return undefined;
        return t ? node.consequent : node.alternate;
      }
      case 'TemplateLiteral':
        return this.foldTemplate(node);
      case 'CallExpression':
        return this.foldCall(node, parent);
      case 'MemberExpression':
      case 'OptionalMemberExpression':
        return this.foldLookup(node);
      case 'IfStatement':
        if (isStatementList(parent, key)) return undefined;
        return this.foldIfInPlace(node, key);
      case 'JSXAttribute': {
        const value = node.value as AstNode | null;
        if (value?.type !== 'JSXExpressionContainer' || !this.isMarked(value.expression)) return undefined;
        const v = this.constant(value.expression);
        if (typeof v !== 'string' || /["\\\n{}<>&]/.test(v)) return undefined;
        // An estree `Literal` keeps its raw text when printed; JSX attributes take double quotes.
        return { ...node, value: { type: 'Literal', value: v, extra: { raw: JSON.stringify(v), rawValue: v } } };
      }
      default:
        return undefined;
    }
  }

  private foldTemplate(node: AstNode): AstNode | undefined {
    const expressions = node.expressions as AstNode[];
    if (!expressions.some((e) => this.constant(e) !== undefined)) return undefined;
    const quasis = node.quasis as AstNode[];
    const newQuasis: { raw: string; cooked: string }[] = [{ raw: quasis[0]!.value.raw as string, cooked: quasis[0]!.value.cooked as string }];
    const newExpressions: AstNode[] = [];
    expressions.forEach((e, i) => {
      const v = this.constant(e);
      const next = quasis[i + 1]!.value as { raw: string; cooked: string };
      if (v === undefined) {
        newExpressions.push(e);
        newQuasis.push({ raw: next.raw, cooked: next.cooked });
      } else {
        const last = newQuasis[newQuasis.length - 1]!;
        const text = String(v);
        last.raw += text.replace(/[\\`]/g, '\\$&').replace(/\$\{/g, '\\${') + next.raw;
        last.cooked += text + next.cooked;
      }
    });
    const template: AstNode = {
      type: 'TemplateLiteral',
      expressions: newExpressions,
      quasis: newQuasis.map((value, i) => ({ type: 'TemplateElement', value, tail: i === newQuasis.length - 1 })),
    };
    // Once every hole is filled the template is just a string; write it as one.
    if (newExpressions.length === 0) return this.literal(newQuasis[0]!.cooked);
    return template;
  }

  private foldCall(node: AstNode, parent: AstNode): AstNode | undefined {
    const callee = node.callee as AstNode;
    const args = node.arguments as AstNode[];
    if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
      const method = callee.property.name as string;
      const receiver = this.constant(callee.object);
      if (typeof receiver === 'string' && args.every((a) => literalValue(a) !== undefined)) {
        const a = args.map((x) => literalValue(x));
        const s = a[0];
        if (method === 'startsWith' && typeof s === 'string') return this.literal(receiver.startsWith(s));
        if (method === 'endsWith' && typeof s === 'string') return this.literal(receiver.endsWith(s));
        if (method === 'includes' && typeof s === 'string') return this.literal(receiver.includes(s));
        if (method === 'toLowerCase' && a.length === 0) return this.literal(receiver.toLowerCase());
        if (method === 'toUpperCase' && a.length === 0) return this.literal(receiver.toUpperCase());
      }
      if (method === 'includes' && args.length === 1) {
        const needle = this.constant(args[0]);
        const list = this.literalArray(callee.object as AstNode);
        if (needle !== undefined && list) return this.literal(list.includes(needle));
      }
    }
    if (callee.type === 'Identifier') {
      const values = args.map((a) => this.operand(a));
      if (!args.some((a) => this.isMarked(a)) || values.some((v) => v === undefined)) return undefined;
      if ((callee.name === 'Boolean' || callee.name === 'String') && args.length === 1 && !this.topLevel.has(callee.name as string)) {
        return this.literal(callee.name === 'Boolean' ? Boolean(values[0]) : String(values[0]));
      }
      const helper = this.topLevel.get(callee.name as string);
      const body = helper && singleReturnExpression(helper);
      if (!helper || !body || helper.async || helper.generator) return undefined;
      const params = helper.params as AstNode[];
      if (!params.every((p) => p.type === 'Identifier')) return undefined;
      const env = new Map<string, Scalar>(params.map((p, i) => [p.name as string, values[i] ?? null]));
      const v = this.evaluate(body, env);
      void parent;
      return v === undefined ? undefined : this.literal(v);
    }
    return undefined;
  }

  /** Evaluates a helper's return expression once its parameters are known constants. */
  private evaluate(node: AstNode, env: ReadonlyMap<string, Scalar>): Scalar | undefined {
    const n = unwrapTypeWrappers(node);
    const lit = literalValue(n);
    if (lit !== undefined) return lit;
    switch (n.type) {
      case 'Identifier':
        return env.has(n.name as string) ? env.get(n.name as string) : undefined;
      case 'BinaryExpression': {
        const l = this.evaluate(n.left, env);
        const r = this.evaluate(n.right, env);
        return l === undefined || r === undefined ? undefined : evaluateBinary(n.operator as string, l, r);
      }
      case 'LogicalExpression': {
        const l = this.evaluate(n.left, env);
        if (l === undefined) return undefined;
        if (n.operator === '&&') return l ? this.evaluate(n.right, env) : l;
        if (n.operator === '||') return l ? l : this.evaluate(n.right, env);
        return l === null ? this.evaluate(n.right, env) : l;
      }
      case 'UnaryExpression': {
        const v = this.evaluate(n.argument, env);
        return v === undefined || n.operator !== '!' ? undefined : !v;
      }
      case 'ConditionalExpression': {
        const t = this.evaluate(n.test, env);
        return t === undefined ? undefined : this.evaluate(t ? n.consequent : n.alternate, env);
      }
      case 'CallExpression': {
        const callee = n.callee as AstNode;
        if (callee.type === 'MemberExpression' && !callee.computed && callee.property.name === 'includes' && n.arguments.length === 1) {
          const list = this.literalArray(callee.object as AstNode);
          const needle = this.evaluate(n.arguments[0], env);
          return list && needle !== undefined ? list.includes(needle) : undefined;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** Elements of a literal array, written inline or as a module-level `const`. */
  private literalArray(node: AstNode): Scalar[] | undefined {
    let n = unwrapTypeWrappers(node);
    if (n.type === 'Identifier') {
      const decl = this.topLevel.get(n.name as string);
      if (decl?.type !== 'VariableDeclarator' || !decl.init) return undefined;
      n = unwrapTypeWrappers(decl.init as AstNode);
    }
    if (n.type !== 'ArrayExpression') return undefined;
    const values = (n.elements as (AstNode | null)[]).map((e) => literalValue(e));
    return values.every((v) => v !== undefined) ? (values as Scalar[]) : undefined;
  }

  /** `MODELS[model]` with a constant key into a module-level table of literals. */
  private foldLookup(node: AstNode): AstNode | undefined {
    if (!node.computed) return undefined;
    const key = this.constant(node.property);
    if (key === undefined || key === null) return undefined;
    let table = unwrapTypeWrappers(node.object as AstNode);
    if (table.type === 'Identifier') {
      const decl = this.topLevel.get(table.name as string);
      if (decl?.type !== 'VariableDeclarator' || !decl.init || decl.kind !== 'const') return undefined;
      table = unwrapTypeWrappers(decl.init as AstNode);
    }
    if (table.type !== 'ObjectExpression') return undefined;
    const property = (table.properties as AstNode[]).find((p) => p.type === 'ObjectProperty' && propertyKeyName(p) === String(key));
    if (!property) return undefined;
    const v = literalValue(property.value as AstNode);
    return v === undefined ? undefined : this.literal(v);
  }

  /** An `if` that is a single-statement body (`else if`, unbraced loop body): swap in the branch. */
  private foldIfInPlace(node: AstNode, key: string): AstNode | null | undefined {
    const t = this.constant(node.test);
    if (t === undefined) return undefined;
    const branch = (t ? node.consequent : node.alternate) as AstNode | null;
    if (branch) return branch;
    return key === 'alternate' ? null : { type: 'BlockStatement', body: [], directives: [] };
  }

  private simplifyStatements(list: AstNode[], owner: AstNode): void {
    for (let i = 0; i < list.length; i++) {
      const statement = list[i]!;
      let replacement: AstNode[] | undefined;
      let keepComments = true;
      if (statement.type === 'IfStatement') {
        const t = this.constant(statement.test);
        if (t !== undefined) {
          const branch = (t ? statement.consequent : statement.alternate) as AstNode | null;
          replacement = branch ? this.unwrapBlock(branch, list, i) : [];
          keepComments = Boolean(t);
        }
      } else if (statement.type === 'SwitchStatement') {
        replacement = this.foldSwitch(statement, list, i);
      } else if (statement.type === 'ExpressionStatement' && (this.isMarked(statement.expression) || (this.options.isTestFile && this.assertsConstant(statement.expression as AstNode)))) {
        replacement = [];
        keepComments = false;
      } else if (statement.type === 'VariableDeclaration' || (statement.type === 'ExportNamedDeclaration' && statement.declaration?.type === 'VariableDeclaration')) {
        if (this.inlineConstants(statement, list, i, owner)) {
          i--;
          continue;
        }
        if (isWrapperDeclaration(statement)) this.inlineWrapperCalls(statement, list, i);
      } else if (isWrapperDeclaration(statement)) {
        this.inlineWrapperCalls(statement, list, i);
      }
      if (replacement === undefined) continue;
      const comments = (statement.comments as AstNode[] | undefined)?.filter((c) => c.leading);
      if (keepComments && comments?.length && replacement[0]) {
        replacement[0].comments = [...comments, ...((replacement[0].comments as AstNode[] | undefined) ?? [])];
      }
      list.splice(i, 1, ...replacement);
      this.changed = true;
      this.touched.add(owner);
      const stop = replacement.findIndex((s) => isTerminator(s));
      if (stop >= 0) {
        // What followed the surviving early return became unreachable because of this change.
        const after = list.slice(i + stop + 1);
        list.splice(i + stop + 1, after.length, ...after.filter(isHoisted));
      }
      i--;
    }
  }

  /** Statements of a surviving block, spliced in place unless that would clash on a name. */
  private unwrapBlock(branch: AstNode, list: AstNode[], index: number): AstNode[] {
    if (branch.type !== 'BlockStatement') return [branch];
    const body = branch.body as AstNode[];
    const names = lexicalNames(body);
    if (names.length === 0) return body;
    const siblings = list.filter((_, i) => i !== index);
    const used = new Set<string>();
    for (const s of siblings) for (const name of referenceCounts(s).keys()) used.add(name);
    for (const s of siblings) for (const name of declaredNamesWithin(s)) used.add(name);
    return names.some((n) => used.has(n)) ? [branch] : body;
  }

  private foldSwitch(statement: AstNode, list: AstNode[], index: number): AstNode[] | undefined {
    const v = this.constant(statement.discriminant);
    if (v === undefined) return undefined;
    const cases = statement.cases as AstNode[];
    let start = -1;
    for (let i = 0; i < cases.length; i++) {
      const test = cases[i]!.test as AstNode | null;
      if (!test) continue;
      const tv = literalValue(unwrapTypeWrappers(test));
      if (tv === undefined) return undefined;
      if (start < 0 && tv === v) start = i;
    }
    if (start < 0) start = cases.findIndex((c) => !c.test);
    if (start < 0) return [];
    const collected: AstNode[] = [];
    for (let i = start; i < cases.length; i++) {
      const consequent = (cases[i]!.consequent as AstNode[]).flatMap((s) => (s.type === 'BlockStatement' && cases[i]!.consequent.length === 1 ? (s.body as AstNode[]) : [s]));
      const end = consequent.findIndex((s) => isTerminator(s));
      if (end >= 0) {
        const last = consequent[end]!;
        collected.push(...consequent.slice(0, end));
        if (last.type !== 'BreakStatement' || last.label) collected.push(last);
        break;
      }
      collected.push(...consequent);
    }
    // A `break` left inside a nested branch would now leave an enclosing loop instead.
    if (collected.some((s) => containsBreakOutOf(s))) return undefined;
    const block: AstNode = { type: 'BlockStatement', body: collected, directives: [] };
    return this.unwrapBlock(block, list, index);
  }

  /** Inlines `const x = <kept value>` into its uses and drops the binding. Returns true if the list changed. */
  private inlineConstants(statement: AstNode, list: AstNode[], index: number, owner: AstNode): boolean {
    const exported = statement.type === 'ExportNamedDeclaration';
    const declaration = (exported ? statement.declaration : statement) as AstNode;
    const declarators = declaration.declarations as AstNode[];
    let removedAny = false;
    for (const declarator of [...declarators]) {
      if (declarator.id.type !== 'Identifier' || !this.isMarked(declarator.init)) continue;
      const name = declarator.id.name as string;
      const scope = list.slice(index + 1);
      const laterDeclarators = declarators.slice(declarators.indexOf(declarator) + 1);
      const region: AstNode[] = [...laterDeclarators, ...scope];
      if (declaration.kind !== 'const' && region.some((n) => writes(n, name))) continue;
      if (region.some((n) => declaredNamesWithin(n).includes(name))) continue;
      if (region.some((n) => usedInTypeOrExport(n, name))) continue;
      const value = this.constant(declarator.init)!;
      const isRead = this.readLiterals.has(unwrapTypeWrappers(declarator.init as AstNode));
      for (const n of region) this.replaceReferences(n, name, value, isRead);
      const keep = owner.type === 'Program' && (exported || exportedByName(list, name)) && !this.options.removableExports.has(name);
      if (keep) continue;
      declarators.splice(declarators.indexOf(declarator), 1);
      removedAny = true;
      this.changed = true;
    }
    if (removedAny && declarators.length === 0) {
      list.splice(index, 1);
      return true;
    }
    return false;
  }

  private replaceReferences(root: AstNode, name: string, value: Scalar, isRead: boolean): void {
    const visit = (node: AstNode): void => {
      for (const { child, key, index } of children(node)) {
        if (child.type === 'Identifier' && child.name === name && isReference(child, node, key)) {
          const replacement = this.literal(value);
          if (isRead) this.readLiterals.add(replacement);
          if (node.type === 'ObjectProperty' && node.shorthand) {
            node.shorthand = false;
            node.key = { type: 'Identifier', name };
            node.value = replacement;
          } else if (index === undefined) node[key] = replacement;
          else (node[key] as AstNode[])[index] = replacement;
          this.touched.add(node);
          this.changed = true;
        } else {
          visit(child);
        }
      }
    };
    const wrapper: AstNode = { type: 'Wrapper', body: [root] };
    visit(wrapper);
  }

  /** Replaces calls of a function that only returns the kept value, then drops the function once unused. */
  private inlineWrapperCalls(statement: AstNode, list: AstNode[], index: number): void {
    const fn = wrapperFunction(statement)!;
    const name = fn.name;
    const value = this.constant(fn.returned);
    if (value === undefined) return;
    const region = list.filter((_, i) => i !== index);
    if (region.some((n) => declaredNamesWithin(n).includes(name))) return;
    const visit = (node: AstNode): void => {
      for (const { child, key, index: i } of children(node)) {
        let target: AstNode | undefined;
        if (fn.async) {
          if (child.type === 'AwaitExpression' && isCallOf(child.argument as AstNode, name)) target = child;
        } else if (isCallOf(child, name)) target = child;
        if (target && ((fn.async ? target.argument : target).arguments as AstNode[]).every(isPure)) {
          const replacement = this.literal(value);
          if (i === undefined) node[key] = replacement;
          else (node[key] as AstNode[])[i] = replacement;
          this.touched.add(node);
          this.changed = true;
        } else visit(child);
      }
    };
    for (const n of region) visit({ type: 'Wrapper', body: [n] });
    const declaredAt = statement.type === 'ExportNamedDeclaration' ? undefined : statement;
    if (!declaredAt || exportedByName(list, name)) {
      if (!this.options.removableExports.has(name)) return;
    }
    if (region.some((n) => (referenceCounts(n).get(name) ?? 0) > 0)) return;
    list.splice(index, 1);
    this.changed = true;
  }

  /** `expect(<kept value>)...` in a test: an assertion about the retired flag's behaviour. */
  private assertsConstant(expression: AstNode): boolean {
    let n = expression;
    while (n.type === 'AwaitExpression') n = n.argument as AstNode;
    while (n.type === 'CallExpression' || n.type === 'MemberExpression') {
      if (n.type === 'CallExpression' && n.callee.type === 'Identifier' && n.callee.name === 'expect') {
        return n.arguments.length >= 1 && this.isMarked(n.arguments[0]);
      }
      n = (n.type === 'CallExpression' ? n.callee : n.object) as AstNode;
    }
    return false;
  }

  private simplifyJsxChildren(list: AstNode[]): void {
    for (let i = 0; i < list.length; i++) {
      const child = list[i]!;
      if (child.type !== 'JSXExpressionContainer' || !this.touched.has(child)) continue;
      const expression = child.expression as AstNode;
      const v = this.constant(expression);
      if (v === false || v === null || v === true) {
        list.splice(i, 1);
        // Two runs of indentation would now meet and print as a blank line.
        const prev = list[i - 1];
        const next = list[i];
        if (prev && next && isBlankJsxText(prev) && isBlankJsxText(next)) list.splice(i, 1);
        this.changed = true;
        i--;
      } else if (expression.type === 'JSXElement' || expression.type === 'JSXFragment') {
        list[i] = expression;
        this.changed = true;
      }
    }
  }

  /** Private or readonly fields initialised with the kept value: inline `this.field` reads. */
  private inlineClassFields(body: AstNode): void {
    const members = body.body as AstNode[];
    for (const member of [...members]) {
      const isPrivateName = member.type === 'ClassPrivateProperty';
      if (member.type !== 'ClassProperty' && !isPrivateName) continue;
      if (member.static || !this.isMarked(member.value)) continue;
      if (!isPrivateName && member.accessibility !== 'private' && !member.readonly) continue;
      const name = (isPrivateName ? member.key.id.name : member.key.name) as string | undefined;
      if (!name) continue;
      const matches = (n: AstNode): boolean =>
        n.type === 'MemberExpression' &&
        n.object.type === 'ThisExpression' &&
        !n.computed &&
        (isPrivateName ? n.property.type === 'PrivateName' && n.property.id.name === name : n.property.type === 'Identifier' && n.property.name === name);
      let written = false;
      walk(body, (n) => {
        if ((n.type === 'AssignmentExpression' && matches(n.left as AstNode)) || (n.type === 'UpdateExpression' && matches(n.argument as AstNode))) written = true;
      });
      if (written) continue;
      const value = this.constant(member.value)!;
      const visit = (node: AstNode): void => {
        for (const { child, key, index } of children(node)) {
          if (matches(child)) {
            const replacement = this.literal(value);
            if (index === undefined) node[key] = replacement;
            else (node[key] as AstNode[])[index] = replacement;
            this.touched.add(node);
          } else visit(child);
        }
      };
      for (const m of members) if (m !== member) visit({ type: 'Wrapper', body: [m] });
      members.splice(members.indexOf(member), 1);
      this.changed = true;
    }
  }
}

function isBlankJsxText(node: AstNode): boolean {
  return node.type === 'JSXText' && /^\s*$/.test(node.value as string) && (node.value as string).includes('\n');
}

export function isStatementList(node: AstNode, key: string): boolean {
  return (
    (key === 'body' && (node.type === 'Program' || node.type === 'BlockStatement' || node.type === 'StaticBlock' || node.type === 'TSModuleBlock')) ||
    (key === 'consequent' && node.type === 'SwitchCase')
  );
}

/** An expression whose value is always a boolean, so `x || false` and `x && true` are `x` anywhere. */
function isBooleanValued(node: AstNode): boolean {
  if (node.type === 'UnaryExpression') return node.operator === '!';
  if (node.type === 'BinaryExpression') return ['===', '!==', '==', '!=', '<', '>', '<=', '>=', 'instanceof', 'in'].includes(node.operator as string);
  return node.type === 'BooleanLiteral';
}

function isTestPosition(parent: AstNode, key: string): boolean {
  return (
    (key === 'test' && (parent.type === 'IfStatement' || parent.type === 'ConditionalExpression' || parent.type === 'WhileStatement' || parent.type === 'ForStatement' || parent.type === 'DoWhileStatement')) ||
    (parent.type === 'UnaryExpression' && parent.operator === '!')
  );
}

function isHoisted(node: AstNode): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'TSTypeAliasDeclaration' || node.type === 'TSInterfaceDeclaration' || node.type === 'TSDeclareFunction';
}

function evaluateBinary(operator: string, l: Scalar, r: Scalar): Scalar | undefined {
  switch (operator) {
    case '===':
      return l === r;
    case '!==':
      return l !== r;
    case '==':
      return l == r;
    case '!=':
      return l != r;
    case '<':
      return l !== null && r !== null ? l < r : undefined;
    case '<=':
      return l !== null && r !== null ? l <= r : undefined;
    case '>':
      return l !== null && r !== null ? l > r : undefined;
    case '>=':
      return l !== null && r !== null ? l >= r : undefined;
    case '+':
      if (typeof l === 'string' || typeof r === 'string') return String(l) + String(r);
      return typeof l === 'number' && typeof r === 'number' ? l + r : undefined;
    default:
      return undefined;
  }
}

/** Module-level `const` declarators and function declarations by name, when the name is unambiguous. */
function collectTopLevel(program: AstNode): Map<string, AstNode> {
  const map = new Map<string, AstNode>();
  const counts = new Map<string, number>();
  for (const name of declaredNamesWithin(program)) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const statement of program.body as AstNode[]) {
    const s = statement.type === 'ExportNamedDeclaration' && statement.declaration ? (statement.declaration as AstNode) : statement;
    if (s.type === 'VariableDeclaration' && s.kind === 'const') {
      for (const d of s.declarations as AstNode[]) {
        if (d.id.type === 'Identifier' && counts.get(d.id.name as string) === 1) map.set(d.id.name as string, { ...d, kind: 'const' });
      }
    } else if (s.type === 'FunctionDeclaration' && s.id && counts.get(s.id.name as string) === 1) {
      map.set(s.id.name as string, s);
    }
  }
  // Variable declarators stand in for arrow helpers too.
  for (const [name, node] of map) {
    if (node.type === 'VariableDeclarator' && node.init && (node.init.type === 'ArrowFunctionExpression' || node.init.type === 'FunctionExpression')) map.set(name, node.init as AstNode);
    else if (node.type === 'VariableDeclarator') map.set(name, node);
  }
  return map;
}

function singleReturnExpression(fn: AstNode): AstNode | undefined {
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
  const s = statement.type === 'ExportNamedDeclaration' && statement.declaration ? (statement.declaration as AstNode) : statement;
  let fn: AstNode | undefined;
  let name: string | undefined;
  if (s.type === 'FunctionDeclaration' && s.id) {
    fn = s;
    name = s.id.name as string;
  } else if (s.type === 'VariableDeclaration' && s.kind === 'const' && s.declarations.length === 1) {
    const d = s.declarations[0] as AstNode;
    if (d.id.type === 'Identifier' && d.init && (d.init.type === 'ArrowFunctionExpression' || d.init.type === 'FunctionExpression')) {
      fn = d.init as AstNode;
      name = d.id.name as string;
    }
  }
  if (!fn || !name || fn.generator) return undefined;
  const returned = singleReturnExpression(fn);
  if (!returned) return undefined;
  return { name, async: Boolean(fn.async), returned };
}

function isWrapperDeclaration(statement: AstNode): boolean {
  return wrapperFunction(statement) !== undefined;
}

/** A function that does nothing but return the flag value: callers elsewhere can inline it. */
export function wrapperOf(statement: AstNode, readLiterals: WeakSet<object>): { name: string; kind: 'call' | 'await' } | undefined {
  const fn = wrapperFunction(statement);
  if (!fn || !readLiterals.has(unwrapTypeWrappers(fn.returned))) return undefined;
  return { name: fn.name, kind: fn.async ? 'await' : 'call' };
}

function isCallOf(node: AstNode, name: string): boolean {
  return node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === name;
}

function writes(node: AstNode, name: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'AssignmentExpression' && boundNames(n.left as AstNode).includes(name)) found = true;
    if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier' && n.argument.name === name) found = true;
    if ((n.type === 'ForInStatement' || n.type === 'ForOfStatement') && n.left.type === 'Identifier' && n.left.name === name) found = true;
  });
  return found;
}

function usedInTypeOrExport(node: AstNode, name: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'TSTypeQuery' && n.exprName.type === 'Identifier' && n.exprName.name === name) found = true;
    if (n.type === 'ExportSpecifier' && n.local.name === name) found = true;
    if (n.type === 'ExportDefaultDeclaration' && n.declaration.type === 'Identifier' && n.declaration.name === name) found = true;
  });
  return found;
}

function exportedByName(list: readonly AstNode[], name: string): boolean {
  return list.some(
    (s) =>
      (s.type === 'ExportNamedDeclaration' && !s.source && (s.specifiers as AstNode[]).some((sp) => sp.local?.name === name)) ||
      (s.type === 'ExportDefaultDeclaration' && s.declaration.type === 'Identifier' && s.declaration.name === name),
  );
}

function containsBreakOutOf(statement: AstNode): boolean {
  let found = false;
  const visit = (n: AstNode): void => {
    if (found) return;
    if (n.type === 'BreakStatement' && !n.label) {
      found = true;
      return;
    }
    if (isFunctionNode(n) || n.type === 'SwitchStatement' || n.type === 'ForStatement' || n.type === 'ForInStatement' || n.type === 'ForOfStatement' || n.type === 'WhileStatement' || n.type === 'DoWhileStatement') return;
    for (const { child } of children(n)) visit(child);
  };
  visit(statement);
  return found;
}

/**
 * Removes imports, helpers, types and variables that the rewrite left without a single use.
 * Only names that had uses before the rewrite and have none now go: something already unused was
 * the author's business, not the codemod's.
 */
export function removeUnused(
  program: AstNode,
  usesBefore: ReadonlyMap<string, number>,
  // `externalUses`: names code outside `program` uses (the rewrite's window leaves it out).
  options: { isTestFile: boolean; keepExports: boolean; externalUses?: ReadonlySet<string> },
): boolean {
  let removedAny = false;
  for (let round = 0; round < 20; round++) {
    const uses = referenceCounts(program);
    const gone = (name: string): boolean => (usesBefore.get(name) ?? 0) > 0 && (uses.get(name) ?? 0) === 0 && options.externalUses?.has(name) !== true;
    let removed = false;
    const prune = (list: AstNode[], topLevel: boolean): void => {
      for (let i = list.length - 1; i >= 0; i--) {
        const s = list[i]!;
        if (topLevel && s.type === 'ImportDeclaration' && (s.specifiers as AstNode[]).length > 0) {
          const specifiers = s.specifiers as AstNode[];
          const kept = specifiers.filter((sp) => !gone(sp.local.name as string));
          if (kept.length === specifiers.length) continue;
          removed = true;
          if (kept.length === 0) list.splice(i, 1);
          else s.specifiers = kept;
        } else if (s.type === 'VariableDeclaration' && !s.declare) {
          const declarators = s.declarations as AstNode[];
          const kept = declarators.filter((d) => !(d.id.type === 'Identifier' && gone(d.id.name as string) && removableInitializer(d.init as AstNode | null)));
          if (kept.length === declarators.length) continue;
          removed = true;
          if (kept.length === 0) list.splice(i, 1);
          else s.declarations = kept;
        } else if (
          (s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration' || s.type === 'TSTypeAliasDeclaration' || s.type === 'TSInterfaceDeclaration' || s.type === 'TSEnumDeclaration') &&
          s.id &&
          gone(s.id.name as string)
        ) {
          list.splice(i, 1);
          removed = true;
        } else if (options.isTestFile && isEmptyTestCase(s)) {
          list.splice(i, 1);
          removed = true;
        }
      }
    };
    const visit = (node: AstNode): void => {
      for (const key of Object.keys(node)) {
        const value: unknown = node[key];
        if (Array.isArray(value)) {
          for (const child of value) if (isNode(child)) visit(child);
          if (isStatementList(node, key)) prune(value as AstNode[], node.type === 'Program');
        } else if (isNode(value) && key !== 'loc') visit(value);
      }
    };
    visit(program);
    void options.keepExports;
    if (!removed) break;
    removedAny = true;
  }
  return removedAny;
}

/** Initialisers whose only purpose was to feed the removed read (a client, a context object). */
function removableInitializer(init: AstNode | null): boolean {
  if (!init) return true;
  let found = false;
  walk(init, (n) => {
    if (n.type === 'AwaitExpression' || n.type === 'AssignmentExpression' || n.type === 'UpdateExpression' || n.type === 'YieldExpression') found = true;
    return !isFunctionNode(n);
  });
  return !found;
}

const TEST_FUNCTIONS = new Set(['it', 'test', 'describe']);

/** `it('...', () => {})` left empty once its assertions about the retired flag are gone. */
function isEmptyTestCase(statement: AstNode): boolean {
  if (statement.type !== 'ExpressionStatement') return false;
  const call = statement.expression as AstNode;
  if (call.type !== 'CallExpression') return false;
  let callee = call.callee as AstNode;
  while (callee.type === 'MemberExpression') callee = callee.object as AstNode;
  if (callee.type !== 'Identifier' || !TEST_FUNCTIONS.has(callee.name as string)) return false;
  const fn = (call.arguments as AstNode[]).find((a) => a.type === 'ArrowFunctionExpression' || a.type === 'FunctionExpression');
  return fn !== undefined && fn.body.type === 'BlockStatement' && fn.body.body.length === 0 && (fn.body.comments?.length ?? 0) === 0 && (fn.body.innerComments?.length ?? 0) === 0;
}
