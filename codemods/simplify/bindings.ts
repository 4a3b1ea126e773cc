/** Bindings that now hold the kept value: `const`s (and `let`s never reassigned), class fields. */
import {
  boundNames,
  declaredNamesWithin,
  exportedByName,
  isReference,
  replaceWithin,
  unwrapTypeWrappers,
  walk,
  type AstNode,
} from '../ast.js';
import type { ContainerPass, Scalar, Simplifier, StatementPass } from './context.js';

/**
 * Before: `const model = 'claude-sonnet-4-6'; send(model, model);` → After:
 * `send('claude-sonnet-4-6', 'claude-sonnet-4-6');`. A `let` only when nothing reassigns it; not
 * when an inner scope redeclares the name, a type (`typeof model`) or an `export { model }` uses
 * it. A module-level export stays (inlined in this module) while another module imports it.
 */
export const bindingOfConstant: StatementPass = {
  name: 'binding-of-constant',
  apply(statement, list, index, owner, s) {
    if (
      statement.type !== 'VariableDeclaration' &&
      !(statement.type === 'ExportNamedDeclaration' && statement.declaration?.type === 'VariableDeclaration')
    )
      return undefined;
    const exported = statement.type === 'ExportNamedDeclaration';
    const declaration = (exported ? statement.declaration : statement) as AstNode;
    const declarators = declaration.declarations as AstNode[];
    let removedAny = false;
    for (const declarator of [...declarators]) {
      if (declarator.id.type !== 'Identifier' || !s.isMarked(declarator.init)) continue;
      const name = declarator.id.name as string;
      const scope = list.slice(index + 1);
      const laterDeclarators = declarators.slice(declarators.indexOf(declarator) + 1);
      const region: AstNode[] = [...laterDeclarators, ...scope];
      if (declaration.kind !== 'const' && region.some((n) => writes(n, name))) continue;
      if (region.some((n) => declaredNamesWithin(n).includes(name))) continue;
      if (region.some((n) => usedInTypeOrExport(n, name))) continue;
      const value = s.constant(declarator.init)!;
      const isRead = s.readLiterals.has(unwrapTypeWrappers(declarator.init as AstNode));
      for (const n of region) replaceReferences(n, name, value, isRead, s);
      const keep =
        owner.type === 'Program' && (exported || exportedByName(list, name)) && !s.options.removableExports.has(name);
      if (keep) continue;
      declarators.splice(declarators.indexOf(declarator), 1);
      removedAny = true;
      s.changed = true;
    }
    if (removedAny && declarators.length === 0) {
      list.splice(index, 1);
      return 'revisit';
    }
    return undefined;
  },
};

/**
 * Before: `private readonly model = 'claude-sonnet-4-6';` and `send(this.model)` → After:
 * `send('claude-sonnet-4-6')`, the field gone. Only private (`private`, `#model`) or readonly
 * instance fields that nothing in the class writes.
 */
export const classFieldOfConstant: ContainerPass = {
  name: 'class-field-of-constant',
  appliesTo: (node, key) => key === undefined && node.type === 'ClassBody',
  apply(body, _key, s) {
    const members = body.body as AstNode[];
    for (const member of [...members]) {
      const isPrivateName = member.type === 'ClassPrivateProperty';
      if (member.type !== 'ClassProperty' && !isPrivateName) continue;
      if (member.static || !s.isMarked(member.value)) continue;
      if (!isPrivateName && member.accessibility !== 'private' && !member.readonly) continue;
      const name = (isPrivateName ? member.key.id.name : member.key.name) as string | undefined;
      if (!name) continue;
      const matches = (n: AstNode): boolean =>
        n.type === 'MemberExpression' &&
        n.object.type === 'ThisExpression' &&
        !n.computed &&
        (isPrivateName
          ? n.property.type === 'PrivateName' && n.property.id.name === name
          : n.property.type === 'Identifier' && n.property.name === name);
      let written = false;
      walk(body, (n) => {
        if (
          (n.type === 'AssignmentExpression' && matches(n.left as AstNode)) ||
          (n.type === 'UpdateExpression' && matches(n.argument as AstNode))
        )
          written = true;
      });
      if (written) continue;
      const value = s.constant(member.value)!;
      for (const m of members) {
        if (m === member) continue;
        for (const parent of replaceWithin(m, (child) => (matches(child) ? s.literal(value) : undefined)))
          s.touched.add(parent);
      }
      members.splice(members.indexOf(member), 1);
      s.changed = true;
    }
  },
};

/** Every reference to `name` under `root` becomes the constant `value` (a read of the flag when `isRead`). */
export function replaceReferences(root: AstNode, name: string, value: Scalar, isRead: boolean, s: Simplifier): void {
  const parents = replaceWithin(root, (child, parent, key) => {
    if (child.type !== 'Identifier' || child.name !== name || !isReference(child, parent, key)) return undefined;
    const replacement = s.literal(value);
    if (isRead) s.readLiterals.add(replacement);
    return replacement;
  });
  for (const parent of parents) s.touched.add(parent);
  if (parents.length > 0) s.changed = true;
}

/** Whether anything under `node` assigns `name`. */
export function writes(node: AstNode, name: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'AssignmentExpression' && boundNames(n.left as AstNode).includes(name)) found = true;
    if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier' && n.argument.name === name) found = true;
    if (
      (n.type === 'ForInStatement' || n.type === 'ForOfStatement') &&
      n.left.type === 'Identifier' &&
      n.left.name === name
    )
      found = true;
  });
  return found;
}

/** Whether `name` is used in a type (`typeof name`) or exported under `node`: a literal cannot take its place there. */
export function usedInTypeOrExport(node: AstNode, name: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'TSTypeQuery' && n.exprName.type === 'Identifier' && n.exprName.name === name) found = true;
    if (n.type === 'ExportSpecifier' && n.local.name === name) found = true;
    if (n.type === 'ExportDefaultDeclaration' && n.declaration.type === 'Identifier' && n.declaration.name === name)
      found = true;
  });
  return found;
}
