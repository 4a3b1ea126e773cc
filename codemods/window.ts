/**
 * The rewrite's window on a large file. Most of a large file holds no read of the retired flag and
 * nothing the rewrite may change, yet the detection's parse and scope analysis and recast's parse,
 * copy and reprint cost the same for every statement. The window is the file with each run of such
 * top-level statements replaced by one placeholder statement over the same lines and columns
 * (`$mf$0$` at the run's start, spaces, `;` at its end), so every position, gap and comment
 * attachment the detection and recast compute is what they compute on the whole file; after the
 * rewrite, each placeholder is replaced by its run's text.
 *
 * Which statements are in the window comes from one plain Babel parse of the whole file: those that
 * mention a word a read needs (as the detection's pre-filter), a retired key or a name the rewrite
 * may remove, every import, and, by name, what they declare and what they use. The rewrite's passes
 * decide by name across the whole program ("is this import still used?", "is this name declared
 * once?"), so a plan is made only when names declared on one side are never written on the other,
 * except imports the left-out code really uses, which the passes then treat as used. Anything
 * else gives no plan: the whole file.
 */
import { camelCase, TRIGGER, type CustomReader } from 'eslint-plugin-modelflags/detection';
import { parseBabel } from 'eslint-plugin-modelflags/detection';
import { boundNames, declaredNamesWithin, isNode, referenceCounts, walk, type AstNode } from './ast.js';

export interface WindowPlan {
  /** The text to rewrite: the file with each left-out run replaced by its placeholder. */
  text: string;
  runs: { start: number; end: number; placeholder: string }[];
  /** What every placeholder starts with, and the file never contains. */
  prefix: string;
  /** Imports the left-out code references: used, whatever the window says. */
  externalUses: ReadonlySet<string>;
  /** String literals in the left-out code, by quote, for the file's quote style. */
  quotes: { single: number; double: number };
}

export interface WindowInput {
  text: string;
  file: string;
  registryKeys: Iterable<string>;
  readers: readonly CustomReader[];
  /** Words whose statements must be in the window: retired keys, removable export names. */
  terms: Iterable<string>;
  /** The window is only worth it when at least this share of the text is left out. */
  minLeftOut: number;
  /** Whether an import binding may be inlined as a constant (its uses are then rewritten). */
  isConstantImport: (source: string, importedName: string) => boolean;
}

// A read needs one of the detection's pre-filter words, a registry key or a custom reader's name in
// its statement, or a name bound where one is.
const escape = (w: string): string => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function planWindow(input: WindowInput): WindowPlan | undefined {
  const { text } = input;
  if (/[\u2028\u2029]/.test(text)) return undefined;
  let body: AstNode[];
  try {
    body = parseBabel(text, input.file).body as AstNode[];
  } catch {
    return undefined;
  }
  if (body.length < 2) return undefined;
  const indexAt = (offset: number): number => {
    let lo = 0;
    let hi = body.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((body[mid]!.start as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return offset >= (body[lo]!.start as number) && offset < (body[lo]!.end as number) ? lo : -1;
  };

  const inWindow = new Uint8Array(body.length);
  const queue: number[] = [];
  const add = (index: number): void => {
    if (index < 0 || inWindow[index]) return;
    inWindow[index] = 1;
    queue.push(index);
  };
  // The first statement stays: the rewrite keeps the file's header with it.
  add(0);
  const keys = [...input.registryKeys];
  const words = [
    ...input.readers.map((r) => r.callee.slice(r.callee.lastIndexOf('.') + 1)),
    ...keys,
    ...keys.map(camelCase),
    ...input.terms,
  ];
  if (words.includes('')) return undefined;
  const seeds = new RegExp([TRIGGER.source, ...words.map(escape)].join('|'), 'gi');
  for (let match = seeds.exec(text); match; match = seeds.exec(text)) {
    add(indexAt(match.index));
    if (match[0] === '') seeds.lastIndex++;
  }
  for (const [i, s] of body.entries()) {
    if (
      s.type === 'ImportDeclaration' ||
      s.type === 'TSImportEqualsDeclaration' ||
      s.type === 'ExportAllDeclaration' ||
      (s.type === 'ExportNamedDeclaration' && s.source)
    )
      add(i);
  }

  // Names tie statements together: what a window statement declares at the top level may be
  // inlined or removed, or bind a flags client (its users join); what a window statement uses may
  // lose its last use (its declarations join). Imports pull in their users only when they are
  // the client's (they mention a trigger word) or constants the rewrite inlines.
  const scans = body.map(scan);
  const names = scans.map((scanned) => scanned.names);
  const topLevel = body.map(topLevelNames);
  const declaredAt = new Map<string, number[]>();
  for (const [i, declared] of topLevel.entries())
    for (const name of declared) (declaredAt.get(name) ?? declaredAt.set(name, []).get(name)!).push(i);
  const pulling = new Set<string>();
  const usersOf = new Map<string, number[]>();
  for (const [i, s] of body.entries()) {
    for (const name of names[i]!) (usersOf.get(name) ?? usersOf.set(name, []).get(name)!).push(i);
    if (s.type !== 'ImportDeclaration') continue;
    const clientImport = TRIGGER.test(text.slice(s.start as number, s.end as number));
    for (const specifier of s.specifiers as AstNode[]) {
      const imported =
        specifier.type === 'ImportSpecifier'
          ? ((specifier.imported.name ?? specifier.imported.value) as string)
          : undefined;
      if (clientImport || (imported !== undefined && input.isConstantImport(s.source.value as string, imported)))
        pulling.add(specifier.local.name as string);
    }
  }
  while (queue.length > 0) {
    const index = queue.pop()!;
    const s = body[index]!;
    for (const name of topLevel[index]!)
      if (s.type !== 'ImportDeclaration' || pulling.has(name)) for (const user of usersOf.get(name) ?? []) add(user);
    for (const name of names[index]!) for (const declaring of declaredAt.get(name) ?? []) add(declaring);
  }

  const runs: { start: number; end: number; placeholder: string }[] = [];
  let leftOut = 0;
  for (let i = 1; i < body.length; i++) {
    if (inWindow[i]) continue;
    let j = i;
    while (j + 1 < body.length && !inWindow[j + 1]) j++;
    runs.push({ start: body[i]!.start as number, end: body[j]!.end as number, placeholder: '' });
    leftOut += (body[j]!.end as number) - (body[i]!.start as number);
    i = j;
  }
  if (runs.length === 0 || leftOut < text.length * input.minLeftOut) return undefined;

  // By-name decisions: a name declared on one side and written on the other could decide
  // differently on the window, unless it is an import the left-out code really uses. Only names
  // written on both sides can, so only the left-out statements writing one are looked into.
  const windowNames = new Set<string>();
  const outsideNames = new Set<string>();
  const quotes = { single: 0, double: 0 };
  for (const [i, scanned] of scans.entries()) {
    for (const name of scanned.names) (inWindow[i] ? windowNames : outsideNames).add(name);
    if (inWindow[i]) continue;
    quotes.single += scanned.single;
    quotes.double += scanned.double;
  }
  const shared = [...windowNames].filter((name) => outsideNames.has(name));
  const declaredInside = new Map<string, number>();
  for (const [i, s] of body.entries())
    if (inWindow[i] && shared.some((name) => scans[i]!.names.has(name)))
      for (const name of declaredNamesWithin(s)) declaredInside.set(name, (declaredInside.get(name) ?? 0) + 1);
  const imports = new Set(body.flatMap((s, i) => (inWindow[i] && s.type === 'ImportDeclaration' ? topLevel[i]! : [])));
  const externalUses = new Set<string>();
  const declaredBy = new Map<number, Set<string>>();
  const declaresName = (i: number, name: string): boolean =>
    (declaredBy.get(i) ?? declaredBy.set(i, new Set(declaredNamesWithin(body[i]!))).get(i)!).has(name);
  for (const name of shared) {
    const outside = (usersOf.get(name) ?? []).filter((i) => !inWindow[i]);
    if (outside.some((i) => declaresName(i, name))) return undefined;
    if (!declaredInside.has(name)) continue;
    const usedOutside = outside.some((i) => (referenceCounts(body[i]!).get(name) ?? 0) > 0);
    if (declaredInside.get(name) !== 1 || !imports.has(name) || pulling.has(name) || !usedOutside) return undefined;
    externalUses.add(name);
  }

  let prefix = '$mf$';
  while (text.includes(prefix)) prefix += '$';
  const parts: string[] = [];
  let at = 0;
  for (const [i, run] of runs.entries()) {
    const ident = `${prefix}${i.toString(36)}$`;
    const original = text.slice(run.start, run.end);
    const breaks = original.match(/\r\n|\r|\n/g) ?? [];
    const firstLine = /^[^\r\n]*/.exec(original)![0];
    if (firstLine.length < ident.length + (breaks.length === 0 ? 1 : 0)) return undefined;
    // Lines inside the run hold nothing; its last line keeps its length, so what follows the run
    // on that line keeps its column.
    const lastLine = original.length - Math.max(original.lastIndexOf('\n'), original.lastIndexOf('\r')) - 1;
    run.placeholder =
      breaks.length === 0
        ? ident + ' '.repeat(original.length - ident.length - 1) + ';'
        : ident + breaks.join('') + ' '.repeat(lastLine - 1) + ';';
    parts.push(text.slice(at, run.start), run.placeholder);
    at = run.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), runs, prefix, externalUses, quotes };
}

/**
 * Every identifier's name in `node`, whatever its role (a superset of what any pass reads by name),
 * and its string literals by quote, counted as the rewrite counts them for new literals' quote.
 */
function scan(node: AstNode): { names: Set<string>; single: number; double: number } {
  const out = { names: new Set<string>(), single: 0, double: 0 };
  const addName = (n: AstNode): void => {
    if (n.type === 'Identifier' || n.type === 'JSXIdentifier') out.names.add(n.name as string);
  };
  walk(node, (n) => {
    // A JSX attribute's strings take double quotes whatever the file's habit: names only.
    if (n.type === 'JSXAttribute') {
      walk(n, addName);
      return false;
    }
    addName(n);
    if (n.type === 'StringLiteral' && typeof n.extra?.raw === 'string') {
      if ((n.extra.raw as string).startsWith("'")) out.single++;
      else out.double++;
    }
    return true;
  });
  return out;
}

/** The names a top-level statement binds in the module (imports, declarations, exported ones). */
function topLevelNames(statement: AstNode): string[] {
  let s = statement;
  if ((s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration') && isNode(s.declaration))
    s = s.declaration as AstNode;
  if (s.type === 'ImportDeclaration') return (s.specifiers as AstNode[]).map((sp) => sp.local.name as string);
  if (s.type === 'VariableDeclaration')
    return (s.declarations as AstNode[]).flatMap((d) => boundNames(d.id as AstNode));
  if (isNode(s.id) && typeof s.id.name === 'string') return [s.id.name as string];
  if (s.type === 'TSImportEqualsDeclaration' && isNode(s.id)) return [s.id.name as string];
  return [];
}

/** String literals by quote, for the quote of new literals (outside JSX attributes, as {@link scan}). */
export function countQuotes(
  node: AstNode,
  into: { single: number; double: number },
): { single: number; double: number } {
  walk(node, (n) => {
    if (n.type === 'StringLiteral' && typeof n.extra?.raw === 'string') {
      if ((n.extra.raw as string).startsWith("'")) into.single++;
      else into.double++;
    }
    return n.type !== 'JSXAttribute';
  });
  return into;
}

/** The rewritten window with each placeholder replaced by its run; undefined if one is missing. */
export function restoreWindow(printed: string, plan: WindowPlan, original: string): string | undefined {
  const parts: string[] = [];
  let at = 0;
  for (const run of plan.runs) {
    const ident = /^[^\s;]*/.exec(run.placeholder)![0];
    const start = printed.indexOf(ident, at);
    if (start < 0) return undefined;
    const end = /^\s*;/.exec(printed.slice(start + ident.length, start + ident.length + run.placeholder.length + 1024));
    if (!end) return undefined;
    parts.push(printed.slice(at, start), original.slice(run.start, run.end));
    at = start + ident.length + end[0].length;
  }
  parts.push(printed.slice(at));
  const restored = parts.join('');
  return restored.includes(plan.prefix) ? undefined : restored;
}
