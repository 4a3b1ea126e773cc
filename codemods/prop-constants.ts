/**
 * A React component's prop that only carried the flag value: `<Chat streaming={flags.streaming} />`
 * becomes `<Chat streaming={false} />`, and the prop now carries a constant. When every use of the
 * component in the project is a JSX element passing that same constant, the prop goes: the value
 * is inlined in the component (and folded there like any constant the codemod made), its binding
 * and its member of the props type go, and so does the attribute at each use. When one use cannot
 * be seen or passes something else, nothing changes and the prop is listed as a note.
 *
 * Three steps: {@link collectPropConstants} in each rewritten file, {@link planPropRemovals} over
 * the project once the rewrite is done, then {@link inlineProps} and {@link dropAttributes} in the
 * files the plan names (project-rewrite.ts runs them through rewrite.ts).
 */
import { diskProject, parseBabel } from 'eslint-plugin-modelflags/detection';
import type { FlagValue } from 'modelflags/registry';
import {
  children,
  declaredNamesWithin,
  exportedByName,
  isReference,
  literalValue,
  referenceCounts,
  replaceWithin,
  walk,
  type AstNode,
} from './ast.js';
import { importSources, reExports, resolveImport } from './import-graph.js';
import type { Simplifier } from './simplify/index.js';

/** A JSX attribute whose value the rewrite made constant. */
export interface PropConstant {
  /** The element's name in the file. */
  local: string;
  /** The module it is imported from, or undefined for a component of the file itself. */
  source: string | undefined;
  /** Its exported name (`default` for a default import); for a component of the file, `local`. */
  imported: string;
  prop: string;
  value: FlagValue;
  line: number;
  column: number;
}

/** Component name → prop → the constant every use passes. */
export type PropValues = ReadonlyMap<string, ReadonlyMap<string, FlagValue>>;

/** A prop that can go: inlined in `name` of `file`, its attribute dropped where `uses` says (file → local names). */
export interface PropRemoval {
  file: string;
  name: string;
  prop: string;
  value: FlagValue;
  uses: Map<string, Set<string>>;
}

export interface PropPlan {
  removals: PropRemoval[];
  /** Props left as they are, and why: at the attribute the rewrite made constant. */
  notes: { file: string; line: number; column: number; reason: string }[];
}

/**
 * Before: `<Chat streaming={flags.streaming} />` whose read became `false` → the attribute, the
 * component and where it comes from. Only values the codemod made (`s.isMarked`): a constant the
 * user passed was a choice, not the flag's.
 */
export function collectPropConstants(program: AstNode, s: Simplifier): PropConstant[] {
  const imports = new Map<string, { source: string; imported: string }>();
  for (const statement of program.body as AstNode[]) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type') continue;
    for (const sp of statement.specifiers as AstNode[]) {
      if (sp.type === 'ImportSpecifier')
        imports.set(sp.local.name as string, {
          source: statement.source.value as string,
          imported: (sp.imported.name ?? sp.imported.value) as string,
        });
      else if (sp.type === 'ImportDefaultSpecifier')
        imports.set(sp.local.name as string, { source: statement.source.value as string, imported: 'default' });
    }
  }
  const found: PropConstant[] = [];
  walk(program, (node) => {
    if (node.type !== 'JSXOpeningElement' || node.name.type !== 'JSXIdentifier') return;
    const local = node.name.name as string;
    if (!/^[A-Z]/.test(local)) return;
    for (const attribute of node.attributes as AstNode[]) {
      if (attribute.type !== 'JSXAttribute' || attribute.name.type !== 'JSXIdentifier') continue;
      const v = attribute.value as AstNode | null;
      const expression = v?.type === 'JSXExpressionContainer' ? (v.expression as AstNode) : v;
      if (!expression || !s.isMarked(expression)) continue;
      const value = literalValue(expression);
      if (value === undefined || value === null) continue;
      const from = imports.get(local);
      found.push({
        local,
        source: from?.source,
        imported: from?.imported ?? local,
        prop: attribute.name.name as string,
        value,
        line: attribute.loc?.start.line ?? node.loc?.start.line ?? 1,
        column: (attribute.loc?.start.column ?? 0) + 1,
      });
    }
  });
  return found;
}

/**
 * Which of the collected props can go: the component is a function of a project file whose first
 * parameter destructures the prop, and every use of it in the project (`texts` holds every file,
 * `coversProject`) is a JSX element passing the same constant.
 */
export function planPropRemovals(
  found: ReadonlyMap<string, readonly PropConstant[]>,
  texts: ReadonlyMap<string, string>,
  coversProject: boolean,
): PropPlan {
  const plan: PropPlan = { removals: [], notes: [] };
  // One decision per component and prop, from every file whose rewrite made it constant.
  const groups = new Map<string, { file: string; name: string; prop: string; at: [string, PropConstant][] }>();
  for (const [file, constants] of found) {
    for (const c of constants) {
      const target = c.source === undefined ? file : resolveImport(file, c.source, texts);
      if (target === undefined) {
        // A component of a package is not this project's to change; one of a file left out of the
        // paths is, but its other uses cannot be seen.
        if (!coversProject && diskProject.resolve(file, c.source!) !== undefined)
          plan.notes.push({ file, line: c.line, column: c.column, reason: propNote(c, NOT_COVERED) });
        continue;
      }
      const name = c.source === undefined ? c.local : c.imported;
      const id = `${target}\0${name}\0${c.prop}`;
      const group = groups.get(id) ?? { file: target, name, prop: c.prop, at: [] };
      group.at.push([file, c]);
      groups.set(id, group);
    }
  }
  for (const group of groups.values()) {
    const value = group.at[0]![1].value;
    const uses = new Map<string, Set<string>>();
    const why = !coversProject
      ? NOT_COVERED
      : group.at.some(([, c]) => c.value !== value)
        ? 'the rewrite passes it different values'
        : whyNot(group.file, group.name, group.prop, value, texts, uses);
    if (why === undefined) {
      plan.removals.push({ file: group.file, name: group.name, prop: group.prop, value, uses });
      continue;
    }
    for (const [file, c] of group.at)
      plan.notes.push({ file, line: c.line, column: c.column, reason: propNote(c, why) });
  }
  return plan;
}

const NOT_COVERED = 'the paths given do not cover the project, so not every use of the component can be seen';

function propNote(c: PropConstant, why: string): string {
  return `${c.local}'s prop ${c.prop} now always gets ${JSON.stringify(c.value)} here, but ${why}: the prop stays; remove it by hand once nothing else passes it`;
}

/** Why the prop cannot go, or undefined when it can: then `uses` holds where it is passed (file → local names). */
function whyNot(
  file: string,
  name: string,
  prop: string,
  value: FlagValue,
  texts: ReadonlyMap<string, string>,
  uses: Map<string, Set<string>>,
): string | undefined {
  const program = parsed(file, texts.get(file)!);
  if (!program) return `${display(file)} does not parse`;
  const fn = componentFunction(program, name);
  if (!fn) return `${name} in ${display(file)} is not a function component remove-flag can follow`;
  const problem = destructured(program, fn, prop).problem;
  if (problem) return problem;
  const local = name === 'default' ? defaultExportName(program) : name;
  // Uses in the component's own module, then in every module importing it.
  const own = local === undefined ? undefined : usesIn(program, local, prop, value, fn);
  if (typeof own === 'string') return `${own} in ${display(file)}`;
  if (own && own.size > 0) uses.set(file, new Set([local!]));
  for (const [other, text] of texts) {
    if (other === file || !importSources(text).some((s) => resolveImport(other, s, texts) === file)) continue;
    for (const re of reExports(text))
      if (resolveImport(other, re.source, texts) === file && (re.star || [...re.names.values()].includes(name)))
        return `${display(other)} re-exports it`;
    const otherProgram = parsed(other, text);
    if (!otherProgram) return `${display(other)}, which imports it, does not parse`;
    const locals: string[] = [];
    for (const statement of otherProgram.body as AstNode[]) {
      const source = statement.type === 'ImportDeclaration' ? (statement.source.value as string) : undefined;
      if (source === undefined || resolveImport(other, source, texts) !== file) continue;
      for (const sp of statement.specifiers as AstNode[]) {
        if (sp.type === 'ImportNamespaceSpecifier') return `${display(other)} imports its module as a namespace`;
        const imported =
          sp.type === 'ImportDefaultSpecifier' ? 'default' : ((sp.imported.name ?? sp.imported.value) as string);
        if (imported === name) locals.push(sp.local.name as string);
      }
    }
    for (const m of text.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]/g))
      if (resolveImport(other, m[1]!, texts) === file) return `${display(other)} loads its module dynamically`;
    for (const l of locals) {
      const elements = usesIn(otherProgram, l, prop, value, undefined);
      if (typeof elements === 'string') return `${elements} in ${display(other)}`;
      if (elements.size > 0) uses.set(other, (uses.get(other) ?? new Set()).add(l));
    }
  }
  return undefined;
}

/**
 * The JSX elements naming `local` in `program`, when every reference to it is one (its
 * declaration `fn`, and exports of it, aside) and each passes `prop` as `value` and spreads
 * nothing; otherwise why not.
 */
function usesIn(
  program: AstNode,
  local: string,
  prop: string,
  value: FlagValue,
  fn: AstNode | undefined,
): Set<AstNode> | string {
  if (declaredNamesWithin(program).filter((n) => n === local).length > 1) return `${local} is declared twice`;
  const elements = new Set<AstNode>();
  let problem: string | undefined;
  const visit = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    if (problem) return;
    if (node === fn) return;
    if ((node.type === 'Identifier' || node.type === 'JSXIdentifier') && node.name === local) {
      const line = node.loc?.start.line ?? 1;
      if (parent?.type === 'JSXOpeningElement' && key === 'name') {
        const attributes = parent.attributes as AstNode[];
        const passed = attributes.filter((a) => a.type === 'JSXAttribute' && a.name.name === prop);
        if (attributes.some((a) => a.type === 'JSXSpreadAttribute'))
          problem = `the use at line ${line} spreads props into it`;
        else if (passed.length !== 1 || attributeValue(passed[0]!) !== value)
          problem = `the use at line ${line} does not pass it ${JSON.stringify(value)}`;
        else elements.add(parent);
      } else if (
        !(parent?.type === 'JSXClosingElement') &&
        !(parent?.type === 'ExportSpecifier' && key === 'local') &&
        !(parent?.type === 'ExportDefaultDeclaration') &&
        !(parent && (parent.type === 'ImportSpecifier' || parent.type === 'ImportDefaultSpecifier')) &&
        isReference(node, parent, key)
      )
        problem = `it is used other than as a JSX element at line ${line}`;
    }
    for (const c of children(node)) visit(c.child, node, c.key);
  };
  visit(program, undefined, '');
  return problem ?? elements;
}

/** The value a JSX attribute passes, when it is a literal: `a` alone is `true`. */
function attributeValue(attribute: AstNode): FlagValue | null | undefined {
  const v = attribute.value as AstNode | null;
  if (v === null) return true;
  return literalValue(v.type === 'JSXExpressionContainer' ? (v.expression as AstNode) : v);
}

/** The function an export name stands for: `export function Chat`, `export const Chat = (...) =>`, `export default function`. */
function componentFunction(program: AstNode, name: string): AstNode | undefined {
  const body = program.body as AstNode[];
  if (name === 'default') {
    const d = body.find((s) => s.type === 'ExportDefaultDeclaration')?.declaration as AstNode | undefined;
    if (d?.type === 'FunctionDeclaration') return d;
    return d?.type === 'Identifier' ? topLevelFunction(body, d.name as string) : undefined;
  }
  return topLevelFunction(body, name);
}

function topLevelFunction(body: readonly AstNode[], name: string): AstNode | undefined {
  for (const statement of body) {
    const s =
      (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') &&
      statement.declaration
        ? (statement.declaration as AstNode)
        : statement;
    if (s.type === 'FunctionDeclaration' && s.id?.name === name) return s;
    if (s.type === 'VariableDeclaration' && s.kind === 'const')
      for (const d of s.declarations as AstNode[])
        if (
          d.id.type === 'Identifier' &&
          d.id.name === name &&
          (d.init?.type === 'ArrowFunctionExpression' || d.init?.type === 'FunctionExpression')
        )
          return d.init as AstNode;
  }
  return undefined;
}

function defaultExportName(program: AstNode): string | undefined {
  const d = (program.body as AstNode[]).find((s) => s.type === 'ExportDefaultDeclaration')?.declaration as
    AstNode | undefined;
  return d?.type === 'FunctionDeclaration'
    ? (d.id?.name as string | undefined)
    : d?.type === 'Identifier'
      ? (d.name as string)
      : undefined;
}

/**
 * The prop's place in the component's first parameter (`{ title, streaming }: { title: string;
 * streaming?: boolean }`) and in its type (written inline, or a module-local interface or type
 * alias nothing else uses), or why remove-flag cannot take it out.
 */
function destructured(
  program: AstNode,
  fn: AstNode,
  prop: string,
): {
  problem?: string;
  pattern?: AstNode;
  property?: AstNode;
  binding?: string;
  members?: AstNode[];
  member?: AstNode;
} {
  const pattern = (fn.params as AstNode[])[0];
  if (pattern?.type !== 'ObjectPattern' || (fn.params as AstNode[]).length !== 1)
    return { problem: `its props are not one destructured parameter` };
  const properties = pattern.properties as AstNode[];
  if (properties.some((p) => p.type === 'RestElement')) return { problem: 'its props are spread into a rest element' };
  const property = properties.find((p) => p.type === 'ObjectProperty' && !p.computed && keyName(p) === prop);
  const target = property?.value.type === 'AssignmentPattern' ? property.value.left : property?.value;
  if (!property || target?.type !== 'Identifier') return { problem: `it does not destructure ${prop} as a name` };
  const binding = target.name as string;
  if (declaredNamesWithin(program).filter((n) => n === binding).length > 1)
    return { problem: `${binding} is declared more than once in its module` };
  let assigned = false;
  walk(fn.body as AstNode, (n) => {
    if (
      (n.type === 'AssignmentExpression' && n.left.type === 'Identifier' && n.left.name === binding) ||
      (n.type === 'UpdateExpression' && n.argument.type === 'Identifier' && n.argument.name === binding)
    )
      assigned = true;
  });
  if (assigned) return { problem: `${binding} is assigned in it` };
  const annotation = pattern.typeAnnotation?.typeAnnotation as AstNode | undefined;
  if (!annotation) return { pattern, property, binding };
  let members: AstNode[] | undefined;
  if (annotation.type === 'TSTypeLiteral') members = annotation.members as AstNode[];
  else if (
    annotation.type === 'TSTypeReference' &&
    annotation.typeName.type === 'Identifier' &&
    !annotation.typeParameters
  ) {
    const typeName = annotation.typeName.name as string;
    const declaration = (program.body as AstNode[]).find(
      (s) => (s.type === 'TSInterfaceDeclaration' || s.type === 'TSTypeAliasDeclaration') && s.id.name === typeName,
    );
    // Exported, or used elsewhere in the module, the type describes more than this component.
    if (
      declaration &&
      (referenceCounts(program).get(typeName) ?? 0) === 1 &&
      !exportedByName(program.body as AstNode[], typeName)
    ) {
      if (declaration.type === 'TSInterfaceDeclaration' && !(declaration.extends as AstNode[] | undefined)?.length)
        members = declaration.body.body as AstNode[];
      else if (declaration.type === 'TSTypeAliasDeclaration' && declaration.typeAnnotation.type === 'TSTypeLiteral')
        members = declaration.typeAnnotation.members as AstNode[];
    }
  }
  const member = members?.find((m) => m.type === 'TSPropertySignature' && !m.computed && keyName(m) === prop);
  if (!members || !member) return { problem: `its props type is not one remove-flag can take ${prop} out of` };
  // A parameter left destructuring nothing while its type still lists props would read oddly.
  if (properties.length === 1 && members.length > 1) return { problem: `${prop} is the only prop it destructures` };
  return { pattern, property, binding, members, member };
}

function keyName(node: AstNode): string | undefined {
  const key = node.key as AstNode;
  return key.type === 'Identifier'
    ? (key.name as string)
    : key.type === 'StringLiteral'
      ? (key.value as string)
      : undefined;
}

/**
 * In the component file: each prop of `values` becomes its constant inside the component (marked,
 * so the simplifier folds it), and leaves the parameter and the props type; a parameter left
 * empty goes. Returns `name\0prop` of each prop that went: only their attributes may go at the uses.
 */
export function inlineProps(program: AstNode, values: PropValues, s: Simplifier): string[] {
  const done: string[] = [];
  for (const [name, props] of values) {
    const fn = componentFunction(program, name);
    if (!fn) continue;
    for (const [prop, value] of props) {
      const place = destructured(program, fn, prop);
      if (place.problem || !place.pattern || !place.property) continue;
      replaceWithin(fn.body as AstNode, (child, parent, key) =>
        child.type === 'Identifier' && child.name === place.binding && isReference(child, parent, key)
          ? s.literal(value)
          : undefined,
      );
      const properties = place.pattern.properties as AstNode[];
      const loc = place.pattern.loc as { start: { line: number }; end: { line: number } } | undefined;
      if (loc && loc.start.line === loc.end.line) s.oneLinePatterns.add(place.pattern);
      properties.splice(properties.indexOf(place.property), 1);
      if (place.members && place.member) place.members.splice(place.members.indexOf(place.member), 1);
      if (properties.length === 0 && (place.members?.length ?? 0) === 0) fn.params = [];
      done.push(`${name}\0${prop}`);
    }
  }
  return done;
}

/** At each use: the attributes of props that went. Returns whether anything changed. */
export function dropAttributes(program: AstNode, drop: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  let changed = false;
  walk(program, (node) => {
    if (node.type !== 'JSXOpeningElement' || node.name.type !== 'JSXIdentifier') return;
    const props = drop.get(node.name.name as string);
    if (!props) return;
    const attributes = node.attributes as AstNode[];
    const kept = attributes.filter((a) => !(a.type === 'JSXAttribute' && props.has(a.name.name as string)));
    if (kept.length === attributes.length) return;
    node.attributes = kept;
    changed = true;
  });
  return changed;
}

function parsed(file: string, text: string): AstNode | undefined {
  try {
    return parseBabel(text, file) as unknown as AstNode;
  } catch {
    return undefined;
  }
}

function display(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
