/**
 * Which source file imports which, over the texts being rewritten (not the disk): who imports a
 * name a rewritten module exports, which re-exports forward it, which files must be written or
 * type-checked together.
 *
 * Import clauses are found with regular expressions on the text, not a parse: the graph is asked
 * about every file of the project, also files that do not parse, and a Babel parse costs ~0.7 ms
 * per small file against ~0.03 ms (2,000 files: 1.35 s against 0.06 s, in a run that takes 1.7 s).
 * Relative specifiers resolve among the files read (TypeScript's `.js` → `.ts` spelling, index
 * files); others, workspace packages and tsconfig `paths`, through the detection's project
 * resolution.
 */
import { dirname, join, resolve } from 'node:path';
import { diskProject, SOURCE_EXTENSIONS } from 'eslint-plugin-modelflags/detection';

/** Whether a file other than `file` imports `name` (or everything) from it. */
export function isImportedAnywhere(texts: ReadonlyMap<string, string>, file: string, name: string): boolean {
  for (const [candidate, text] of texts) {
    if (candidate === file || !text.includes(name)) continue;
    for (const { names, source } of importClauses(text)) {
      if ((names.includes(name) || names.includes('*')) && resolveImport(candidate, source, texts) === file)
        return true;
    }
  }
  return false;
}

export const STAR_EXPORT = /\bexport\s*\*/;
const RE_EXPORT = /\bexport\s+(type\s+)?(?:\*\s*(?:as\s+([\w$]+)\s*)?|\{([^}]*)\}\s*)from\s*['"]([^'"]+)['"]/g;

/**
 * Value re-exports in a module: `export { a as b } from` maps exported `b` to `a`, `export * as
 * ns from` maps `ns` to `*` (the whole module), and `export * from` forwards every name.
 */
export function reExports(text: string): { source: string; names: Map<string, string>; star: boolean }[] {
  if (!text.includes('export')) return [];
  const out: { source: string; names: Map<string, string>; star: boolean }[] = [];
  for (const m of text.matchAll(RE_EXPORT)) {
    if (m[1]) continue;
    const names = new Map<string, string>();
    if (m[2]) names.set(m[2], '*');
    for (const part of m[3]?.split(',') ?? []) {
      if (/^\s*type\s/.test(part)) continue;
      const [local, exported] = part.trim().split(/\s+as\s+/);
      if (local) names.set((exported ?? local).trim(), local.trim());
    }
    out.push({ source: m[4]!, names, star: m[3] === undefined && m[2] === undefined });
  }
  return out;
}

// A clause stops at `;`, `(`, `)` or `=`: scanning on to the next `from` of the file instead made
// every `export const`/`export function` of a large module read to its end (quadratic).
const IMPORT_CLAUSE = /\b(?:import|export)\s+(?:type\s+)?([^;()=]*?)\s+from\s+['"]([^'"]+)['"]/g;
const BARE_SOURCE =
  /\b(?:import|export)\s*(?:[^;()=]*?from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier the text imports or re-exports from, statically or with `import()`/`require()`. */
export function importSources(text: string): string[] {
  return [...text.matchAll(BARE_SOURCE)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** Names an import or re-export clause binds from its module (`*` for namespaces and `export *`). */
function importClauses(text: string): { names: string[]; source: string }[] {
  const out: { names: string[]; source: string }[] = [];
  for (const m of text.matchAll(IMPORT_CLAUSE)) {
    const clause = m[1]!;
    const names: string[] = [];
    if (clause.includes('*')) names.push('*');
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces)
      for (const part of braces[1]!.split(',')) {
        const name = part
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0]!
          .trim();
        if (name) names.push(name);
      }
    if (/^[A-Za-z_$][\w$]*\s*(,|$)/.test(clause.trim())) names.push('default');
    out.push({ names, source: m[2]! });
  }
  for (const m of text.matchAll(/\b(?:import\(|require\()\s*['"]([^'"]+)['"]/g))
    out.push({ names: ['*'], source: m[1]! });
  return out;
}

/** Resolves a relative import the way TypeScript's NodeNext/bundler resolution finds sources. */
export function resolveImport(from: string, source: string, known: ReadonlyMap<string, string>): string | undefined {
  if (!source.startsWith('.')) {
    // A workspace package or a tsconfig `paths` alias of this project.
    const target = diskProject.resolve(from, source);
    return target !== undefined && known.has(target) ? target : undefined;
  }
  const base = resolve(dirname(from), source);
  const swapped = base
    .replace(/\.js$/, '.ts')
    .replace(/\.jsx$/, '.tsx')
    .replace(/\.mjs$/, '.mts')
    .replace(/\.cjs$/, '.cts');
  const candidates = [
    base,
    swapped,
    base.replace(/\.js$/, '.tsx'),
    ...SOURCE_EXTENSIONS.map((e) => `${base}.${e}`),
    ...SOURCE_EXTENSIONS.map((e) => join(base, `index.${e}`)),
  ];
  return candidates.find((c) => known.has(c));
}

/** Files that import one of `files`, so their types are checked against the change too. */
export function dependentsOf(files: readonly string[], texts: ReadonlyMap<string, string>): string[] {
  const targets = new Set(files);
  const out: string[] = [];
  for (const [file, text] of texts) {
    if (targets.has(file)) continue;
    if (importSources(text).some((s) => targets.has(resolveImport(file, s, texts) ?? ''))) out.push(file);
  }
  return out;
}

/**
 * Source files whose changes must be written together: a file and the files it imports or that
 * import it, among the changed ones (an inlined constant whose export went, a wrapper inlined at
 * its call sites). Half of such a change does not build.
 */
export function importGroups(
  files: readonly string[],
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[][] {
  const leader = new Map(files.map((f) => [f, f]));
  const find = (f: string): string => {
    while (leader.get(f) !== f) f = leader.get(f)!;
    return f;
  };
  for (const file of files) {
    for (const texts of [before, after]) {
      for (const source of importSources(texts.get(file) ?? '')) {
        const target = resolveImport(file, source, texts);
        if (target !== undefined && leader.has(target)) leader.set(find(target), find(file));
      }
    }
  }
  const groups = new Map<string, string[]>();
  for (const file of files) groups.set(find(file), [...(groups.get(find(file)) ?? []), file]);
  return [...groups.values()];
}
