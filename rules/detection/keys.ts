/**
 * What a flag key argument is: written out, a constant the linter can resolve (a `const`, an enum
 * member, an entry of a key table, an element of a constant list, a parameter of a narrow type),
 * or computed at run time. Constants are followed through namespaces and into the files of the
 * project they are imported from.
 */
import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/types';
import { DefinitionType, type ScopeManager } from '@typescript-eslint/scope-manager';
import {
  findProperty,
  isFunctionNode,
  memberName,
  outerParent,
  typeAnnotationOf,
  unwrapExpression,
  variablesOf,
  type Variable,
} from './ast.js';
import { sdkPackage } from './sdks/index.js';
import type { DetectionOptions, KeyKind } from './types.js';

/** A module that re-exports others (`export * from './flags'`), through which an export may come. */
const RE_EXPORTS = /export\s*(?:\*|\{[^}]*\})\s*from/;

/** A node and the analysis of the file it is in (constants and flag definitions can live in other files). */
export interface Owned<A, N extends TSESTree.Node = TSESTree.Node> {
  owner: A;
  node: N;
}

/**
 * Key resolution in one file, and the lookups across the project it needs; the detector extends
 * it with tracing where values come from.
 */
export abstract class KeyResolver {
  protected readonly variables: ReadonlyMap<TSESTree.Node, Variable>;
  /** The file's text, when known, for the cheap checks made before following an import into it. */
  readonly text: string;

  constructor(
    protected readonly ast: TSESTree.Program,
    scopeManager: ScopeManager,
    protected readonly options: DetectionOptions,
  ) {
    this.variables = variablesOf(scopeManager);
    this.text = options.text ?? '';
  }

  /** The analysis of another file of the project, read through {@link DetectionOptions.project}. */
  protected abstract analysisOf(file: string): this | undefined;

  /** Whether `fn` is a method of a class that evaluates flags for an SDK: its key is whichever its caller names. */
  protected abstract isInProvider(fn: TSESTree.Node): boolean;

  /** What a flag key argument is: a literal, a constant the linter can resolve, or computed at run time. */
  resolveKey(node: TSESTree.Node, depth = 0): { key: string | undefined; kind: KeyKind } {
    const n = unwrapExpression(node);
    const dynamic = { key: undefined, kind: 'dynamic' as const };
    if (depth > 8) return dynamic;
    if (n.type === AST_NODE_TYPES.Literal)
      return typeof n.value === 'string' ? { key: n.value, kind: depth === 0 ? 'literal' : 'constant' } : dynamic;
    if (n.type === AST_NODE_TYPES.TemplateLiteral) {
      if (n.expressions.length === 0)
        return { key: n.quasis[0]?.value.cooked ?? '', kind: depth === 0 ? 'literal' : 'constant' };
      let out = '';
      for (let i = 0; i < n.quasis.length; i++) {
        out += n.quasis[i]!.value.cooked ?? '';
        const expression = n.expressions[i];
        if (expression) {
          const part = this.resolveKey(expression, depth + 1);
          if (part.key === undefined) return part.kind === 'constant' ? { key: undefined, kind: 'constant' } : dynamic;
          out += part.key;
        }
      }
      return { key: out, kind: 'constant' };
    }
    if (n.type === AST_NODE_TYPES.BinaryExpression && n.operator === '+') {
      const left = this.resolveKey(n.left, depth + 1);
      const right = this.resolveKey(n.right, depth + 1);
      if (left.key !== undefined && right.key !== undefined) return { key: left.key + right.key, kind: 'constant' };
      return left.kind === 'constant' && right.kind === 'constant' ? { key: undefined, kind: 'constant' } : dynamic;
    }
    if (n.type === AST_NODE_TYPES.Identifier) {
      const variable = this.variables.get(n);
      const def = variable?.defs[0];
      if (!variable || !def) return dynamic;
      if (def.type === DefinitionType.ImportBinding) {
        const target = this.importedValue(def, depth);
        const inner = target?.owner.resolveKey(target.node, depth + 1);
        return { key: inner?.kind === 'dynamic' ? undefined : inner?.key, kind: 'constant' };
      }
      if (
        def.type === DefinitionType.Variable &&
        def.node.type === AST_NODE_TYPES.VariableDeclarator &&
        def.node.id === def.name &&
        def.node.init
      ) {
        const writes = variable.references.filter((r) => r.isWrite()).length;
        if (def.parent?.type === AST_NODE_TYPES.VariableDeclaration && (def.parent.kind === 'const' || writes <= 1)) {
          const inner = this.resolveKey(def.node.init, depth + 1);
          return inner.kind === 'dynamic' ? dynamic : { key: inner.key, kind: 'constant' };
        }
      }
      if (def.type === DefinitionType.Parameter && isNarrowKeyType(typeAnnotationOf(def.name)))
        return { key: undefined, kind: 'constant' };
      if (def.type === DefinitionType.Parameter && isContextuallyTypedParameter(def.node, def.name))
        return { key: undefined, kind: 'constant' };
      // A flag provider (OpenFeature's) evaluates whichever flag its caller names: its key is the caller's.
      if (def.type === DefinitionType.Parameter && this.isInProvider(def.node))
        return { key: undefined, kind: 'constant' };
      if (this.iteratesConstants(def, depth)) return { key: undefined, kind: 'constant' };
      return dynamic;
    }
    if (n.type === AST_NODE_TYPES.ConditionalExpression) {
      const [a, b] = [this.resolveKey(n.consequent, depth + 1), this.resolveKey(n.alternate, depth + 1)];
      if (a.kind === 'dynamic' || b.kind === 'dynamic') return dynamic;
      return { key: a.key !== undefined && a.key === b.key ? a.key : undefined, kind: 'constant' };
    }
    if (n.type === AST_NODE_TYPES.MemberExpression) {
      if (isNarrowKeyType(this.parameterMemberType(n))) return { key: undefined, kind: 'constant' };
      if (this.isConstantElementMember(n, depth)) return { key: undefined, kind: 'constant' };
      const member = this.memberOfConstant(n, depth);
      if (member === undefined)
        return n.computed && this.isConstantTable(n.object, depth) ? { key: undefined, kind: 'constant' } : dynamic;
      if (member === IMPORTED) return { key: undefined, kind: 'constant' };
      const inner = member.owner.resolveKey(member.node, depth + 1);
      return inner.kind === 'dynamic' ? dynamic : { key: inner.key, kind: 'constant' };
    }
    return dynamic;
  }

  /**
   * What `a.b.c` (or `a[K]` with a constant `K`) is when `a` is a constant namespace: an `as const`
   * or frozen object, an enum, a class's static fields, a TypeScript namespace, nested to any
   * depth. {@link IMPORTED} when the namespace comes from another module (constant, value unseen);
   * undefined when the member is not a constant.
   */
  private memberOfConstant(
    member: TSESTree.MemberExpression,
    depth: number,
  ): Owned<this> | typeof IMPORTED | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    const container = this.constantContainer(member.object, depth + 1);
    if (container === undefined) return undefined;
    let name = memberName(member);
    if (name === undefined && member.computed) {
      const property = this.resolveKey(member.property, depth + 1);
      if (property.kind === 'dynamic') return undefined;
      name = property.key;
    }
    if (container === IMPORTED) return IMPORTED;
    if (name === undefined) return undefined;
    const found = memberOfContainer(container.node, name);
    return found ? { owner: container.owner, node: found } : undefined;
  }

  /** The constant namespace an expression names, if it names one. */
  private constantContainer(
    node: TSESTree.Node,
    depth: number,
  ): Owned<this, ConstantContainer> | typeof IMPORTED | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    let n = unwrapExpression(node);
    if (n.type === AST_NODE_TYPES.CallExpression && isObjectFreeze(n.callee) && n.arguments[0])
      n = unwrapExpression(n.arguments[0]);
    switch (n.type) {
      case AST_NODE_TYPES.ObjectExpression:
      case AST_NODE_TYPES.TSEnumDeclaration:
      case AST_NODE_TYPES.ClassDeclaration:
      case AST_NODE_TYPES.ClassExpression:
      case AST_NODE_TYPES.TSModuleDeclaration:
        return { owner: this, node: n };
      case AST_NODE_TYPES.MemberExpression: {
        const member = this.memberOfConstant(n, depth + 1);
        return member === undefined || member === IMPORTED
          ? member
          : member.owner.constantContainer(member.node, depth + 1);
      }
      case AST_NODE_TYPES.Identifier: {
        const variable = this.variables.get(n);
        const def = variable?.defs[0];
        if (!variable || !def) return undefined;
        if (def.type === DefinitionType.ImportBinding) {
          const target = this.importedValue(def, depth);
          return (target && target.owner.constantContainer(target.node, depth + 1)) ?? IMPORTED;
        }
        if (
          def.type === DefinitionType.TSEnumName ||
          def.type === DefinitionType.ClassName ||
          def.type === DefinitionType.TSModuleName
        ) {
          return this.constantContainer(def.node as TSESTree.Node, depth + 1);
        }
        if (
          def.type === DefinitionType.Variable &&
          def.node.type === AST_NODE_TYPES.VariableDeclarator &&
          def.node.id === def.name &&
          def.node.init &&
          def.parent?.type === AST_NODE_TYPES.VariableDeclaration &&
          def.parent.kind === 'const'
        ) {
          return this.constantContainer(def.node.init, depth + 1);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * A loop variable or callback parameter that takes each element of a constant collection:
   * `for (const flag of Object.values(FLAGS))`, `FLAGS_USED.map((flag) => read(flag))`. The key is
   * one of a fixed, visible set, not computed.
   */
  private iteratesConstants(def: Variable['defs'][number], depth: number): boolean {
    const collection = this.iteratedCollection(def);
    return collection !== undefined && this.isConstantCollection(collection, depth + 1);
  }

  private isConstantCollection(node: TSESTree.Node, depth: number): boolean {
    if (depth > MAX_NAMESPACE_DEPTH) return false;
    const n = unwrapExpression(node);
    if (n.type === AST_NODE_TYPES.ArrayExpression) {
      return n.elements.every(
        (e) =>
          e !== null && e.type !== AST_NODE_TYPES.SpreadElement && this.resolveKey(e, depth + 1).kind !== 'dynamic',
      );
    }
    if (n.type === AST_NODE_TYPES.CallExpression && n.arguments[0]) {
      const callee = unwrapExpression(n.callee);
      // `Object.values(FLAGS)`, `Object.keys(FLAGS)`
      if (
        callee.type === AST_NODE_TYPES.MemberExpression &&
        callee.object.type === AST_NODE_TYPES.Identifier &&
        callee.object.name === 'Object' &&
        ['values', 'keys'].includes(memberName(callee) ?? '')
      ) {
        return this.constantContainer(n.arguments[0], depth + 1) !== undefined;
      }
      return false;
    }
    if (n.type === AST_NODE_TYPES.Identifier) {
      const def = this.variables.get(n)?.defs[0];
      if (def?.type === DefinitionType.ImportBinding) return true;
      if (def?.type === DefinitionType.Parameter && isNarrowKeyArrayType(typeAnnotationOf(def.name))) return true;
      return (
        def?.type === DefinitionType.Variable &&
        def.node.type === AST_NODE_TYPES.VariableDeclarator &&
        def.node.id === def.name &&
        def.node.init !== null &&
        def.parent?.type === AST_NODE_TYPES.VariableDeclaration &&
        def.parent.kind === 'const' &&
        this.isConstantCollection(def.node.init, depth + 1)
      );
    }
    if (n.type === AST_NODE_TYPES.MemberExpression) {
      if (isNarrowKeyArrayType(this.parameterMemberType(n))) return true;
      const member = this.memberOfConstant(n, depth + 1);
      return member === IMPORTED || (member !== undefined && member.owner.isConstantCollection(member.node, depth + 1));
    }
    return false;
  }

  /**
   * What an import from a file of this project is bound to there: the exported initialiser or
   * declaration, with the analysis of its file. Undefined for packages outside the project.
   */
  protected importedValue(def: Variable['defs'][number], depth: number, mentions?: RegExp): Owned<this> | undefined {
    const { file, project } = this.options;
    const declaration = def.parent;
    if (
      !file ||
      !project ||
      depth > MAX_NAMESPACE_DEPTH ||
      declaration?.type !== AST_NODE_TYPES.ImportDeclaration ||
      typeof declaration.source.value !== 'string'
    )
      return undefined;
    const spec = def.node;
    const name =
      spec.type === AST_NODE_TYPES.ImportSpecifier
        ? spec.imported.type === AST_NODE_TYPES.Identifier
          ? spec.imported.name
          : String(spec.imported.value)
        : spec.type === AST_NODE_TYPES.ImportDefaultSpecifier
          ? 'default'
          : undefined;
    if (name === undefined) return undefined;
    return this.exportFrom(declaration.source.value, name, depth + 1, mentions);
  }

  /** `mentions`: follow only into files whose text matches it (or that re-export), so most imports are never parsed. */
  private exportFrom(specifier: string, name: string, depth: number, mentions?: RegExp): Owned<this> | undefined {
    const { file, project } = this.options;
    if (!file || !project || depth > MAX_NAMESPACE_DEPTH || sdkPackage(specifier)) return undefined;
    const target = project.resolve(file, specifier);
    if (!target) return undefined;
    if (mentions) {
      const text = project.read(target);
      if (text === undefined || !(mentions.test(text) || RE_EXPORTS.test(text))) return undefined;
    }
    return this.analysisOf(target)?.exported(name, depth + 1, mentions);
  }

  /** The value this module exports as `name`: `export const`, `export enum`, `export { a as name }`, re-exports. */
  private exported(name: string, depth: number, mentions?: RegExp): Owned<this> | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    const local = (id: string): Owned<this> | undefined => {
      const variable = this.moduleVariable(id);
      const def = variable?.defs[0];
      if (!def) return undefined;
      if (def.type === DefinitionType.ImportBinding) return this.importedValue(def, depth + 1, mentions);
      if (
        def.type === DefinitionType.Variable &&
        def.node.type === AST_NODE_TYPES.VariableDeclarator &&
        def.node.id === def.name &&
        def.node.init
      )
        return { owner: this, node: def.node.init };
      if (
        def.type === DefinitionType.TSEnumName ||
        def.type === DefinitionType.ClassName ||
        def.type === DefinitionType.TSModuleName
      )
        return { owner: this, node: def.node as TSESTree.Node };
      return undefined;
    };
    for (const statement of this.ast.body) {
      if (statement.type === AST_NODE_TYPES.ExportNamedDeclaration) {
        const declaration = statement.declaration;
        if (declaration?.type === AST_NODE_TYPES.VariableDeclaration) {
          for (const d of declaration.declarations)
            if (d.id.type === AST_NODE_TYPES.Identifier && d.id.name === name && d.init)
              return { owner: this, node: d.init };
        } else if (
          declaration &&
          'id' in declaration &&
          declaration.id?.type === AST_NODE_TYPES.Identifier &&
          declaration.id.name === name
        ) {
          return { owner: this, node: declaration };
        }
        for (const specifier of statement.specifiers) {
          const exportedName =
            specifier.exported.type === AST_NODE_TYPES.Identifier
              ? specifier.exported.name
              : String(specifier.exported.value);
          if (exportedName !== name) continue;
          const localName =
            specifier.local.type === AST_NODE_TYPES.Identifier ? specifier.local.name : String(specifier.local.value);
          if (statement.source && typeof statement.source.value === 'string')
            return this.exportFrom(statement.source.value, localName, depth + 1, mentions);
          return local(localName);
        }
      } else if (statement.type === AST_NODE_TYPES.ExportDefaultDeclaration && name === 'default') {
        const declaration = statement.declaration;
        return declaration.type === AST_NODE_TYPES.Identifier
          ? local(declaration.name)
          : { owner: this, node: declaration };
      }
    }
    for (const statement of this.ast.body) {
      if (
        statement.type === AST_NODE_TYPES.ExportAllDeclaration &&
        statement.exported === null &&
        typeof statement.source.value === 'string'
      ) {
        const found = this.exportFrom(statement.source.value, name, depth + 1, mentions);
        if (found) return found;
      }
    }
    return undefined;
  }

  private moduleVariable(name: string): Variable | undefined {
    for (const variable of this.variables.values()) {
      if (variable.name === name && variable.scope.type === 'module') return variable;
    }
    return undefined;
  }

  /**
   * `media.feature` in `SOCIAL_MEDIA.map((media) => ...)` (or a `for...of`) where the array is a
   * constant list of object literals whose `feature` is a constant key in every element.
   */
  private isConstantElementMember(member: TSESTree.MemberExpression, depth: number): boolean {
    const object = unwrapExpression(member.object);
    const name = memberName(member);
    if (object.type !== AST_NODE_TYPES.Identifier || name === undefined) return false;
    const def = this.variables.get(object)?.defs[0];
    const collection = def && this.iteratedCollection(def);
    if (!collection) return false;
    const list = this.constantArray(collection, depth + 1);
    return (
      list !== undefined &&
      list.node.elements.length > 0 &&
      list.node.elements.every((e) => {
        const element = e && unwrapExpression(e);
        const value =
          element?.type === AST_NODE_TYPES.ObjectExpression ? findProperty(element, name)?.value : undefined;
        return value !== undefined && list.owner.resolveKey(value, depth + 1).kind !== 'dynamic';
      })
    );
  }

  /** The array literal a constant (here or exported by a project file) is bound to. */
  private constantArray(node: TSESTree.Node, depth: number): Owned<this, TSESTree.ArrayExpression> | undefined {
    if (depth > MAX_NAMESPACE_DEPTH) return undefined;
    const n = unwrapExpression(node);
    if (n.type === AST_NODE_TYPES.ArrayExpression) return { owner: this, node: n };
    if (n.type !== AST_NODE_TYPES.Identifier) return undefined;
    const def = this.variables.get(n)?.defs[0];
    if (def?.type === DefinitionType.ImportBinding) {
      const target = this.importedValue(def, depth);
      return target?.owner.constantArray(target.node, depth + 1);
    }
    if (
      def?.type === DefinitionType.Variable &&
      def.node.type === AST_NODE_TYPES.VariableDeclarator &&
      def.node.init &&
      def.parent?.type === AST_NODE_TYPES.VariableDeclaration &&
      def.parent.kind === 'const'
    ) {
      return this.constantArray(def.node.init, depth + 1);
    }
    return undefined;
  }

  /** The collection a loop variable or an element callback's parameter walks through. */
  private iteratedCollection(def: Variable['defs'][number]): TSESTree.Node | undefined {
    if (def.type === DefinitionType.Variable) {
      const loop = def.parent?.parent;
      return loop?.type === AST_NODE_TYPES.ForOfStatement && loop.left === def.parent && def.node.id === def.name
        ? loop.right
        : undefined;
    }
    if (def.type !== DefinitionType.Parameter || !isFunctionNode(def.node) || def.node.params[0] !== def.name)
      return undefined;
    const { node, parent } = outerParent(def.node);
    if (parent?.type !== AST_NODE_TYPES.CallExpression || parent.arguments[0] !== node) return undefined;
    const callee = unwrapExpression(parent.callee);
    return callee.type === AST_NODE_TYPES.MemberExpression && ELEMENT_CALLBACKS.has(memberName(callee) ?? '')
      ? callee.object
      : undefined;
  }

  /** `FLOW_FLAGS[flowId]`: a lookup, by any index, in a constant table whose every value is a constant key. */
  private isConstantTable(node: TSESTree.Node, depth: number): boolean {
    const container = this.constantContainer(node, depth + 1);
    if (container === IMPORTED) return true;
    const table = container?.node;
    const constant = (value: TSESTree.Node | undefined): boolean =>
      value !== undefined && container!.owner.resolveKey(value, depth + 1).kind !== 'dynamic';
    // `FeatureFlag[name as keyof typeof FeatureFlag]`: one of a string enum's values.
    if (table?.type === AST_NODE_TYPES.TSEnumDeclaration)
      return (table.body?.members ?? []).every((m) => constant(m.initializer));
    return (
      table?.type === AST_NODE_TYPES.ObjectExpression &&
      table.properties.every((p) => p.type === AST_NODE_TYPES.Property && constant(p.value))
    );
  }

  /** `props.feature` where the parameter is declared `props: { feature: FeatureKey }`: the member's declared type. */
  private parameterMemberType(member: TSESTree.MemberExpression): TSESTree.TSTypeAnnotation | undefined {
    const object = unwrapExpression(member.object);
    const name = memberName(member);
    if (object.type !== AST_NODE_TYPES.Identifier || name === undefined) return undefined;
    const def = this.variables.get(object)?.defs[0];
    if (def?.type !== DefinitionType.Parameter) return undefined;
    const type = typeAnnotationOf(def.name)?.typeAnnotation;
    if (type?.type !== AST_NODE_TYPES.TSTypeLiteral) return undefined;
    for (const m of type.members) {
      if (
        m.type === AST_NODE_TYPES.TSPropertySignature &&
        !m.computed &&
        m.key.type === AST_NODE_TYPES.Identifier &&
        m.key.name === name
      )
        return m.typeAnnotation;
    }
    return undefined;
  }
}

/** A namespace of constants: an object literal, an enum, a class (its static fields) or a TypeScript namespace. */
type ConstantContainer =
  | TSESTree.ObjectExpression
  | TSESTree.TSEnumDeclaration
  | TSESTree.ClassDeclaration
  | TSESTree.ClassExpression
  | TSESTree.TSModuleDeclaration;

function memberOfContainer(container: ConstantContainer, name: string): TSESTree.Node | undefined {
  switch (container.type) {
    case AST_NODE_TYPES.ObjectExpression:
      return findProperty(container, name)?.value;
    case AST_NODE_TYPES.TSEnumDeclaration:
      return container.body?.members.find(
        (m) => (m.id.type === AST_NODE_TYPES.Identifier ? m.id.name : m.id.value) === name,
      )?.initializer;
    case AST_NODE_TYPES.ClassDeclaration:
    case AST_NODE_TYPES.ClassExpression:
      return (
        container.body.body.find(
          (e): e is TSESTree.PropertyDefinition =>
            e.type === AST_NODE_TYPES.PropertyDefinition &&
            e.static &&
            !e.computed &&
            e.key.type === AST_NODE_TYPES.Identifier &&
            e.key.name === name,
        )?.value ?? undefined
      );
    case AST_NODE_TYPES.TSModuleDeclaration:
      return namespaceMember(container, name);
  }
}

/**
 * How far a constant is followed through namespaces and files (`config.unleash.flags.x.name` in
 * another package takes a dozen steps); deeper is taken as not constant.
 */
const MAX_NAMESPACE_DEPTH = 40;

/** A member of a namespace imported from another module: a constant whose value is not in this file. */
const IMPORTED = Symbol('imported');

/** Array methods whose callback's first parameter is each element in turn. */
const ELEMENT_CALLBACKS = new Set(['map', 'forEach', 'filter', 'flatMap', 'some', 'every', 'find', 'findIndex']);

/**
 * An unannotated parameter of a function written as an object literal's property
 * (`{ evaluatedFeatureFlag: (flag) => reader(flag) }`) takes its type from the object's declared
 * type, which only the type-checked config can see; it is not evidence of a computed key.
 */
function isContextuallyTypedParameter(fn: TSESTree.Node, name: TSESTree.Node): boolean {
  if (!isFunctionNode(fn) || typeAnnotationOf(name) !== undefined || !fn.params.includes(name as TSESTree.Parameter))
    return false;
  const { node, parent } = outerParent(fn);
  return (
    parent?.type === AST_NODE_TYPES.Property &&
    parent.value === node &&
    parent.parent?.type === AST_NODE_TYPES.ObjectExpression
  );
}

/** `namespace Settings { export const X = ...; export namespace Inner {...} }`: the initialiser or declaration named `name`. */
function namespaceMember(namespace: TSESTree.TSModuleDeclaration, name: string): TSESTree.Node | undefined {
  const body = namespace.body;
  if (body?.type !== AST_NODE_TYPES.TSModuleBlock) return undefined;
  for (const statement of body.body) {
    const declaration = statement.type === AST_NODE_TYPES.ExportNamedDeclaration ? statement.declaration : undefined;
    if (!declaration) continue;
    if (declaration.type === AST_NODE_TYPES.VariableDeclaration && declaration.kind === 'const') {
      for (const d of declaration.declarations)
        if (d.id.type === AST_NODE_TYPES.Identifier && d.id.name === name && d.init) return d.init;
    } else if (
      (declaration.type === AST_NODE_TYPES.TSEnumDeclaration ||
        declaration.type === AST_NODE_TYPES.ClassDeclaration ||
        declaration.type === AST_NODE_TYPES.TSModuleDeclaration) &&
      declaration.id?.type === AST_NODE_TYPES.Identifier &&
      declaration.id.name === name
    ) {
      return declaration;
    }
  }
  return undefined;
}

function isObjectFreeze(callee: TSESTree.Node): boolean {
  return (
    callee.type === AST_NODE_TYPES.MemberExpression &&
    callee.object.type === AST_NODE_TYPES.Identifier &&
    callee.object.name === 'Object' &&
    memberName(callee) === 'freeze'
  );
}

/**
 * A parameter typed as something narrower than `string` (a literal union, `keyof Flags`, a
 * generated `FlagKey` alias) holds one of a known set of keys; the type checker, not the
 * linter, guarantees which.
 */
function isNarrowKeyType(annotation: TSESTree.TSTypeAnnotation | undefined): boolean {
  return annotation !== undefined && isNarrowKeyTypeNode(annotation.typeAnnotation);
}

function isNarrowKeyTypeNode(type: TSESTree.TypeNode): boolean {
  switch (type.type) {
    case AST_NODE_TYPES.TSLiteralType:
    case AST_NODE_TYPES.TSTypeOperator:
    case AST_NODE_TYPES.TSIndexedAccessType:
      return true;
    case AST_NODE_TYPES.TSUnionType:
      return type.types.every(
        (t) => t.type === AST_NODE_TYPES.TSLiteralType || t.type === AST_NODE_TYPES.TSTypeReference,
      );
    case AST_NODE_TYPES.TSTypeReference:
      return true;
    default:
      return false;
  }
}

/** `FeatureKey[]`, `readonly FeatureKey[]`, `Array<FeatureKey>`: a list of keys from a known set. */
function isNarrowKeyArrayType(annotation: TSESTree.TSTypeAnnotation | undefined): boolean {
  let type = annotation?.typeAnnotation;
  if (type?.type === AST_NODE_TYPES.TSTypeOperator && type.operator === 'readonly') type = type.typeAnnotation;
  if (type?.type === AST_NODE_TYPES.TSArrayType) return isNarrowKeyTypeNode(type.elementType);
  if (
    type?.type === AST_NODE_TYPES.TSTypeReference &&
    type.typeName.type === AST_NODE_TYPES.Identifier &&
    /^(Readonly)?Array$/.test(type.typeName.name)
  ) {
    const element = type.typeArguments?.params[0];
    return element !== undefined && isNarrowKeyTypeNode(element);
  }
  return false;
}
