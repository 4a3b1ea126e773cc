/**
 * What every simplification pass reads and writes: which nodes the codemod introduced (only those
 * seed folding, so a constant the user wrote on purpose, `if (false)`, is left alone), how to make
 * a new constant, the module's top-level declarations, and whether a round changed anything.
 */
import type { FlagValue } from 'modelflags/registry';
import { declaredNamesWithin, literalValue, unwrapTypeWrappers, type AstNode } from '../ast.js';

export type Scalar = FlagValue | null;

export interface SimplifyOptions {
  marked: WeakSet<object>;
  quote: "'" | '"';
  /** Test files also lose assertions about the flag's value and emptied test cases. */
  isTestFile: boolean;
  /** Exports that no other module uses any more, so their declarations may go. */
  removableExports: ReadonlySet<string>;
}

export class Simplifier {
  /** Set by a pass that changed the tree; the driver runs another round until none does. */
  changed = false;
  /** Literals standing for the flag value itself (a replaced read, or a binding of one). */
  readonly readLiterals = new WeakSet<object>();
  /** Nodes a pass replaced a child of; JSX children are only cleaned inside these. */
  readonly touched = new WeakSet<object>();
  /** Destructurings on one line that lost a property: printed on one line again (read-replacement.ts). */
  readonly oneLinePatterns = new WeakSet<object>();
  /** Module-level `const` declarators and functions by unambiguous name, as of this round. */
  topLevel = new Map<string, AstNode>();

  constructor(
    readonly program: AstNode,
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
      const abs: AstNode = {
        type: 'NumericLiteral',
        value: Math.abs(value),
        extra: { raw: String(Math.abs(value)), rawValue: Math.abs(value) },
      };
      node =
        value < 0 || Object.is(value, -0)
          ? { type: 'UnaryExpression', operator: '-', prefix: true, argument: abs }
          : abs;
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

  isMarked(node: AstNode | null | undefined): boolean {
    return node !== null && node !== undefined && this.options.marked.has(unwrapTypeWrappers(node));
  }

  /** A constant operand: one the codemod introduced, or a literal written next to one. */
  operand(node: AstNode): Scalar | undefined {
    const v = this.constant(node);
    return v !== undefined ? v : literalValue(unwrapTypeWrappers(node));
  }

  /** Elements of a literal array, written inline or as a module-level `const`. */
  literalArray(node: AstNode): Scalar[] | undefined {
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
}

/**
 * A fold of one expression (or single-statement body) whose value the codemod made constant:
 * returns the replacement, `null` to drop an optional child (an `else` branch), or undefined to
 * leave it to the next pass.
 */
export interface ExpressionPass {
  name: string;
  /** The node types the pass looks at. */
  types: readonly string[];
  fold(node: AstNode, parent: AstNode, key: string, s: Simplifier): AstNode | null | undefined;
}

/**
 * What a statement pass did to the statement at `index` of its list: `replace` splices the
 * statements in its place (its leading comments go along when `keepComments`), `revisit` says the
 * pass changed the list itself and the statement now at `index` is to be looked at again.
 * Undefined leaves the statement to the next pass.
 */
/**
 * A pass folding a call of a global conversion function (`Boolean`, `String`) on a constant the
 * codemod made, unless the module declares its own function of that name.
 */
export function conversionOfConstant(name: string, global: string, convert: (value: Scalar) => Scalar): ExpressionPass {
  return {
    name,
    types: ['CallExpression'],
    fold(node, _parent, _key, s) {
      const callee = node.callee as AstNode;
      const args = node.arguments as AstNode[];
      if (
        callee.type !== 'Identifier' ||
        callee.name !== global ||
        args.length !== 1 ||
        !s.isMarked(args[0]) ||
        s.topLevel.has(global)
      ) {
        return undefined;
      }
      const v = s.operand(args[0]!);
      return v === undefined ? undefined : s.literal(convert(v));
    },
  };
}

export type StatementOutcome = { replace: AstNode[]; keepComments: boolean } | 'revisit' | undefined;

/** A pass over one statement of a statement list (a block, a module, a `case`). */
export interface StatementPass {
  name: string;
  apply(statement: AstNode, list: AstNode[], index: number, owner: AstNode, s: Simplifier): StatementOutcome;
}

/** A pass over a whole list of children (`children` of a JSX element) or a container (a class body). */
export interface ContainerPass {
  name: string;
  /** Whether the pass applies to `node[key]` (an array), or to `node` itself when `key` is undefined. */
  appliesTo(node: AstNode, key: string | undefined): boolean;
  apply(node: AstNode, key: string | undefined, s: Simplifier): void;
}

/** Module-level `const` declarators and function declarations by name, when the name is unambiguous. */
export function collectTopLevel(program: AstNode): Map<string, AstNode> {
  const map = new Map<string, AstNode>();
  const counts = new Map<string, number>();
  for (const name of declaredNamesWithin(program)) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const statement of program.body as AstNode[]) {
    const s =
      statement.type === 'ExportNamedDeclaration' && statement.declaration
        ? (statement.declaration as AstNode)
        : statement;
    if (s.type === 'VariableDeclaration' && s.kind === 'const') {
      for (const d of s.declarations as AstNode[]) {
        if (d.id.type === 'Identifier' && counts.get(d.id.name as string) === 1)
          map.set(d.id.name as string, { ...d, kind: 'const' });
      }
    } else if (s.type === 'FunctionDeclaration' && s.id && counts.get(s.id.name as string) === 1) {
      map.set(s.id.name as string, s);
    }
  }
  // Variable declarators stand in for arrow helpers too.
  for (const [name, node] of map) {
    if (
      node.type === 'VariableDeclarator' &&
      node.init &&
      (node.init.type === 'ArrowFunctionExpression' || node.init.type === 'FunctionExpression')
    )
      map.set(name, node.init as AstNode);
  }
  return map;
}
