/**
 * Constants across modules: an export that now always holds (or returns) the kept value is inlined
 * in the modules importing it, an export naming a retired key makes its importers rewritten too,
 * and an export nobody imports any more is removed from the module that declares it.
 */
import type { FlagValue } from 'modelflags/registry';
import {
  isCallOf,
  isPure,
  isReference,
  literalValue,
  propertyKeyName,
  replaceWithin,
  unwrapTypeWrappers,
  type AstNode,
} from './ast.js';
import type { RewriteContext } from './rewrite.js';
import { singleReturnExpression, wrapperOf, type Simplifier } from './simplify/index.js';

/** An export that now always evaluates to the kept value, so importers can inline it. */
export interface ConstantExport {
  /** `value`: a constant binding; `call`: a wrapper returning it; `await`: an async wrapper. */
  kind: 'value' | 'call' | 'await';
  value: FlagValue;
}

/** Inlines bindings imported from modules whose export now holds or returns the kept value. */
export function inlineImportedConstants(
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
      for (const s of program.body as AstNode[]) {
        if (s === statement) continue;
        count += replaceWithin(s, (child, parent, key) => {
          const isUse =
            child.type === 'Identifier' &&
            child.name === local &&
            isReference(child, parent, key) &&
            parent.type !== 'ImportSpecifier';
          const replace =
            constant.kind === 'value'
              ? isUse
              : constant.kind === 'call'
                ? isPureCallOf(child, local)
                : child.type === 'AwaitExpression' && isPureCallOf(child.argument as AstNode, local);
          if (replace) return simplifier.literal(constant.value);
          if (isUse && !(parent.type === 'CallExpression' && key === 'callee')) {
            left.push({
              line: child.loc?.start.line ?? 1,
              column: (child.loc?.start.column ?? 0) + 1,
              reason: `${local} (imported from ${statement.source.value as string}) now always ${constant.kind === 'value' ? 'holds' : 'returns'} ${JSON.stringify(constant.value)}, but it is used in a way the codemod cannot inline`,
            });
          }
          return undefined;
        }).length;
      }
    }
  }
  return { count, left };
}

function isPureCallOf(node: AstNode, name: string): boolean {
  return isCallOf(node, name) && (node.arguments as AstNode[]).every(isPure);
}

/**
 * A later pass over a module whose constant exports nobody imports any more: re-exports and key constants go
 * at once; constant values and wrappers are marked again as codemod-made, so the simplifier
 * inlines and removes them like any other binding it created.
 */
export function markRemovableExports(
  program: AstNode,
  removable: ReadonlySet<string>,
  keyExports: Map<string, string>,
  marked: WeakSet<object>,
  readLiterals: WeakSet<object>,
): boolean {
  let changed = false;
  const body = program.body as AstNode[];
  for (let i = body.length - 1; i >= 0; i--) {
    const statement = body[i]!;
    if (statement.type === 'ExportNamedDeclaration' && statement.source && statement.exportKind !== 'type') {
      // `export { MODEL } from './config'`: a re-export of a constant nobody imports from here any more.
      const specifiers = statement.specifiers as AstNode[];
      const kept = specifiers.filter(
        (s) => s.type !== 'ExportSpecifier' || !removable.has((s.exported.name ?? s.exported.value) as string),
      );
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
        if (declarator.id.type !== 'Identifier' || !removable.has(declarator.id.name as string) || !declarator.init)
          continue;
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
          const returned =
            declarator.init.type === 'ArrowFunctionExpression' || declarator.init.type === 'FunctionExpression'
              ? returnedExpression(declarator.init as AstNode)
              : undefined;
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

/** What a function of a single `return` returns, without its type wrappers. */
function returnedExpression(fn: AstNode): AstNode | undefined {
  const returned = singleReturnExpression(fn);
  return returned && unwrapTypeWrappers(returned);
}

/** Module-level exports that name a retired flag key, so files importing them are rewritten too. */
export function collectKeyExports(
  program: AstNode,
  decisions: ReadonlyMap<string, FlagValue>,
  out: Map<string, string>,
): void {
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

export function constantExportsOf(
  program: AstNode,
  marked: WeakSet<object>,
  readLiterals: WeakSet<object>,
): Map<string, ConstantExport> {
  const out = new Map<string, ConstantExport>();
  for (const statement of program.body as AstNode[]) {
    if (statement.type !== 'ExportNamedDeclaration' || !statement.declaration) continue;
    const d = statement.declaration as AstNode;
    if (d.type === 'VariableDeclaration' && d.kind === 'const') {
      for (const declarator of d.declarations as AstNode[]) {
        if (
          declarator.id.type === 'Identifier' &&
          declarator.init &&
          marked.has(unwrapTypeWrappers(declarator.init as AstNode))
        ) {
          const v = literalValue(unwrapTypeWrappers(declarator.init as AstNode));
          if (v !== undefined && v !== null) out.set(declarator.id.name as string, { kind: 'value', value: v });
        }
      }
    }
    const wrapper = wrapperOf(statement, readLiterals);
    if (wrapper) {
      const v = literalValue(unwrapTypeWrappers(wrapper.returned));
      if (v !== undefined && v !== null) out.set(wrapper.name, { kind: wrapper.kind, value: v });
    }
  }
  return out;
}
