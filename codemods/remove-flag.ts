/**
 * `remove-flag`: retires a flag across a codebase. Every read becomes the kept variant, what that
 * made constant is simplified away, the registry entry goes (or is collapsed while a human
 * finishes), the typed module is regenerated, and nothing is written unless it all parses and
 * type checks no worse than before.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { globby, isGitIgnored } from 'globby';
import { camelCase, type CustomReader } from '../rules/detection.js';
import { checkSyntax } from '../rules/source-parser.js';
import { generateTypedModule, parseGeneratedHeader } from '../src/generate.js';
import { didYouMean, formatIssue, parseRegistry, type FlagDefinition, type FlagValue, type Registry } from '../src/registry.js';
import { LineDiff } from './diff.js';
import { collapseFlagEntry, removeFlagEntry } from './registry-edit.js';
import type { ConstantExport, RewriteResult, Site } from './rewrite.js';
import type { NewTypeError } from './verify.js';

export type { Site } from './rewrite.js';
export type { NewTypeError } from './verify.js';

export const SOURCE_EXTENSIONS = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'] as const;

export interface FlagToRemove {
  flag: string;
  /** The variant to keep, as typed on the command line; read as the flag's type (`true`, `10`). */
  keep: string;
}

export interface RemoveFlagOptions {
  /** One or more flags retired in the same run. */
  flags: readonly FlagToRemove[];
  /** Files and directories to rewrite; default: the working directory. */
  paths?: readonly string[];
  cwd?: string;
  /** The registry; default `flags.json` in the working directory. */
  registry?: string;
  dryRun?: boolean;
  /** Type-check the change before writing (default true). */
  verify?: boolean;
  /** In-house flag readers, as in the ESLint settings. */
  readers?: readonly CustomReader[];
}

export interface InputError {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface ChangedFile {
  file: string;
  sitesRewritten: number;
  linesRemoved: number;
}

export interface RemovalReport {
  exitCode: 0 | 1 | 2;
  /** Bad input: nothing was done. */
  errors: InputError[];
  flags: { flag: string; kept: FlagValue }[];
  changedFiles: ChangedFile[];
  rewritten: Site[];
  /** Sites a human has to finish, with the reason (also files that could not be parsed). */
  unresolved: Site[];
  registry: { file: string; action: 'removed' | 'collapsed' | 'unchanged' } | undefined;
  /** Typed modules regenerated from the edited registry. */
  regenerated: string[];
  verification: { typeChecked: boolean; errors: NewTypeError[] };
  /** Whether files were written (false for `--dry-run` and for failed verification). */
  written: boolean;
  /** The unified diff of every change, for `--dry-run`. */
  diff: string;
}

/** Retires flags; never throws for bad input, which comes back as `errors` with exit code 2. */
export async function removeFlag(options: RemoveFlagOptions): Promise<RemovalReport> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const registryPath = resolve(cwd, options.registry ?? 'flags.json');
  const report: RemovalReport = {
    exitCode: 0,
    errors: [],
    flags: [],
    changedFiles: [],
    rewritten: [],
    unresolved: [],
    registry: undefined,
    regenerated: [],
    verification: { typeChecked: false, errors: [] },
    written: false,
    diff: '',
  };
  const fail = (errors: InputError[]): RemovalReport => ({ ...report, errors, exitCode: 2 });
  const display = (file: string): string => relative(cwd, file).split(sep).join('/') || '.';

  // Input checks come first and all at once, so nothing is touched on bad input.
  let registryText: string;
  try {
    registryText = readFileSync(registryPath, 'utf8');
  } catch {
    return fail([{ file: display(registryPath), message: `cannot read the registry ${display(registryPath)}: pass the path of your flags.json with --registry` }]);
  }
  const parsed = parseRegistry(registryText, display(registryPath));
  if (!parsed.registry) return fail(parsed.issues.map((i) => ({ file: i.file, line: i.line, column: i.column, message: formatIssue(i) })));
  const registry = parsed.registry;
  if (options.flags.length === 0) return fail([{ message: 'name the flag to remove: remove-flag <flag> --keep <variant>' }]);
  const decisions = new Map<string, FlagValue>();
  const errors: InputError[] = [];
  for (const { flag, keep } of options.flags) {
    const def = registry.byKey.get(flag);
    if (!def) {
      errors.push({ file: display(registryPath), message: `unknown flag "${flag}"${didYouMean(flag, [...registry.byKey.keys()])}: it is not in ${display(registryPath)} (flags: ${[...registry.byKey.keys()].join(', ')})` });
      continue;
    }
    const kept = parseKeep(def, keep);
    if (kept === undefined) {
      const pos = registry.json.positionOf(`${def.pointer}/variants`) ?? registry.json.positionOf(def.pointer);
      const strings = def.variants.filter((v): v is string => typeof v === 'string');
      errors.push({
        file: display(registryPath),
        ...(pos ? { line: pos.line, column: pos.column } : {}),
        message: `--keep ${JSON.stringify(keep)} is not a variant of ${flag}${didYouMean(keep, strings)}; its variants are ${def.variants.map((v) => JSON.stringify(v)).join(', ')}`,
      });
      continue;
    }
    decisions.set(flag, kept);
    report.flags.push({ flag, kept });
  }
  const missing: InputError[] = [];
  for (const p of options.paths ?? ['.']) if (!existsSync(resolve(cwd, p))) missing.push({ file: p, message: `path not found: ${p}` });
  if (errors.length > 0 || missing.length > 0) return fail([...errors, ...missing]);

  const files = await discoverFiles(cwd, options.paths ?? ['.']);
  const original = new Map<string, string>();
  const current = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return fail([{ file: display(file), message: `cannot read ${display(file)}: ${(error as Error).message}` }]);
    }
    original.set(file, text);
    current.set(file, text);
  }

  const context = new ProjectRewrite(registry, decisions, current, options.readers);
  await context.run();
  for (const [file, message] of context.unparsable) {
    report.unresolved.push({ file: display(file), line: message.line, column: message.column, flag: undefined, reason: `${message.text}; the file was skipped, fix the syntax error and run again` });
  }
  for (const [file, result] of context.results) {
    report.rewritten.push(...result.rewritten.map((s) => ({ ...s, file: display(file) })));
    report.unresolved.push(...result.unresolved.map((s) => ({ ...s, file: display(file) })));
  }

  // The registry: gone when every read is clean, otherwise collapsed to the decision.
  const changes = new Map<string, string>();
  for (const [file, text] of current) if (text !== original.get(file)) changes.set(file, text);
  let newRegistryText = registryText;
  let collapsed = false;
  for (const [flag, kept] of decisions) {
    const def = parseRegistry(newRegistryText, registry.file).registry?.byKey.get(flag);
    if (!def) continue;
    const needsHuman = report.unresolved.some((s) => s.flag === flag || s.flag === undefined);
    newRegistryText = needsHuman ? collapseFlagEntry(newRegistryText, def, kept) : removeFlagEntry(newRegistryText, def);
    collapsed ||= needsHuman;
  }
  if (newRegistryText !== registryText) changes.set(registryPath, newRegistryText);
  report.registry = { file: display(registryPath), action: newRegistryText === registryText ? 'unchanged' : collapsed ? 'collapsed' : 'removed' };

  const newRegistry = parseRegistry(newRegistryText, registry.file).registry;
  if (newRegistry) {
    for (const [file, text] of generatedModulesFor(registryPath, files, original)) {
      const regenerated = regenerate(text, newRegistry);
      if (regenerated !== text) {
        changes.set(file, regenerated);
        report.regenerated.push(display(file));
      }
    }
  }

  const diffs = new Map([...changes].map(([file, text]) => [file, new LineDiff(file === registryPath ? registryText : original.get(file) ?? '', text)]));
  for (const file of changes.keys()) {
    if (file === registryPath || !original.has(file)) continue;
    report.changedFiles.push({
      file: display(file),
      sitesRewritten: context.results.get(file)?.rewritten.length ?? 0,
      linesRemoved: diffs.get(file)!.removedLines,
    });
  }
  report.diff = [...diffs].map(([file, diff]) => diff.unified(display(file))).join('');

  // Verification: a change that breaks the build is never written.
  const broken: Site[] = [];
  const codeChanges = [...changes.keys()].filter((f) => f !== registryPath);
  if (codeChanges.length > 0) {
    for (const file of codeChanges) {
      try {
        checkSyntax(changes.get(file)!, file);
      } catch (error) {
        broken.push({ file: display(file), line: 1, column: 1, flag: undefined, reason: `internal error: the rewritten file does not parse (${(error as Error).message}); nothing was written, please report this` });
      }
    }
  }
  if (broken.length === 0 && options.verify !== false && changes.size > 0) {
    const sourceChanges = codeChanges.filter((f) => isSourceFile(f));
    const roots = [...new Set([...sourceChanges, ...dependentsOf(sourceChanges, current)])];
    report.verification.typeChecked = true;
    // Loaded only to verify: --no-verify runs never evaluate the type checker's wrapper.
    const { compilerOptionsFor, newTypeErrors } = await import('./verify.js');
    // Reported at the line of the file as it is on disk (nothing is written), not of the rewritten text.
    report.verification.errors = newTypeErrors(roots, changes, compilerOptionsFor(cwd)).map((e) => {
      const at = diffs.get(e.file)?.originalLine(e.line) ?? { line: e.line, rewritten: false };
      if (!at.rewritten) return { ...e, file: display(e.file), line: at.line };
      return { file: display(e.file), line: at.line, column: 1, message: e.message, rewritten: { line: e.line, column: e.column } };
    });
  }
  report.unresolved.push(...broken);
  const verified = broken.length === 0 && report.verification.errors.length === 0;
  if (!verified) {
    for (const e of report.verification.errors) {
      const where = e.rewritten ? `in what the codemod rewrote this line to (line ${e.rewritten.line}:${e.rewritten.column} of the rewritten file)` : 'at this line';
      report.unresolved.push({ file: e.file, line: e.line, column: e.column, flag: undefined, reason: `the change would add a type error ${where} (${e.message}); nothing was written` });
    }
  }
  if (verified && !options.dryRun && changes.size > 0) {
    await writeAllAtomically(changes);
    report.written = true;
  }
  report.exitCode = report.unresolved.length > 0 ? 1 : 0;
  return report;
}

/** `--keep` read as the flag's type, or undefined when it is not one of its variants. */
export function parseKeep(def: FlagDefinition, keep: string): FlagValue | undefined {
  let value: FlagValue | undefined = keep;
  if (def.type === 'number') value = keep.trim() === '' || !Number.isFinite(Number(keep)) ? undefined : Number(keep);
  else if (def.type === 'boolean') value = keep === 'true' ? true : keep === 'false' ? false : undefined;
  return value !== undefined && def.variants.includes(value) ? value : undefined;
}

async function discoverFiles(cwd: string, paths: readonly string[]): Promise<string[]> {
  const patterns: string[] = [];
  const explicit: string[] = [];
  const glob = `*.{${SOURCE_EXTENSIONS.join(',')}}`;
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (statSync(abs).isDirectory()) {
      const rel = relative(cwd, abs).split(sep).join('/');
      patterns.push(rel === '' ? `**/${glob}` : `${rel}/**/${glob}`);
    } else if (isSourceFile(abs)) explicit.push(abs);
  }
  const options = { cwd, absolute: true, ignore: ['**/node_modules/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'] };
  let found: string[] = [];
  if (patterns.length > 0 && (gitRootOf(cwd) ?? cwd) === cwd) {
    // globby's gitignore option stats every file found to rule out directories, several times
    // the cost of the glob on a large tree. With no repository root above cwd, no .gitignore
    // outside it applies, and matching against the .gitignore files under cwd is the same filter.
    const [all, ignored] = await Promise.all([globby(patterns, options), isGitIgnored({ cwd })]);
    found = all.filter((f) => !ignored(f));
  } else if (patterns.length > 0) {
    found = await globby(patterns, { ...options, gitignore: true });
  }
  return [...new Set([...found.map((f) => resolve(f)), ...explicit])].sort();
}

/** The nearest directory at or above `directory` holding `.git`, as globby finds the repository root. */
function gitRootOf(directory: string): string | undefined {
  for (let dir = directory; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function isSourceFile(file: string): boolean {
  return (SOURCE_EXTENSIONS as readonly string[]).includes(extname(file).slice(1)) && !/\.d\.[cm]?ts$/.test(file);
}

function isGenerated(text: string): boolean {
  const firstLine = text.slice(0, 200).split('\n', 1)[0] ?? '';
  return firstLine.includes('@generated');
}

/**
 * The rewrite across files: files mentioning a retired key first, then, to a fixed point, files
 * importing something those files now export as a constant (a key constant, a constant value, a
 * wrapper), and last the exporting files again to drop exports nobody imports any more.
 */
class ProjectRewrite {
  readonly results = new Map<string, RewriteResult>();
  readonly unparsable = new Map<string, { line: number; column: number; text: string }>();
  private readonly constantExports = new Map<string, Map<string, ConstantExport>>();
  private readonly keyExports = new Map<string, Map<string, string>>();
  private readonly registryKeys: ReadonlySet<string>;
  private readonly originalTexts: ReadonlyMap<string, string>;
  private rewriter: typeof import('./rewrite.js') | undefined;

  constructor(
    registry: Registry,
    private readonly decisions: ReadonlyMap<string, FlagValue>,
    private readonly texts: Map<string, string>,
    private readonly readers: readonly CustomReader[] | undefined,
  ) {
    this.registryKeys = new Set(registry.byKey.keys());
    this.originalTexts = new Map(texts);
  }

  async run(): Promise<void> {
    const terms = [...this.decisions.keys()].flatMap((k) => [k, camelCase(k)]);
    const queue = new Set<string>();
    for (const [file, text] of this.texts) if (!isGenerated(text) && terms.some((t) => text.includes(t))) queue.add(file);
    if (queue.size === 0) return;
    // jscodeshift, recast and Babel load only once some file mentions a retired key.
    this.rewriter = await import('./rewrite.js');
    let guard = 0;
    while (queue.size > 0 && guard++ < 10 * this.texts.size + 10) {
      const file = queue.values().next().value as string;
      queue.delete(file);
      const fresh = this.rewrite(file, new Set());
      for (const importer of this.importersOf(file, fresh)) queue.add(importer);
    }
    if (this.constantExports.size > 0 || this.keyExports.size > 0) this.dropUnusedReExports();
    for (const file of new Set([...this.constantExports.keys(), ...this.keyExports.keys()])) {
      const names = [...(this.constantExports.get(file)?.keys() ?? []), ...(this.keyExports.get(file)?.keys() ?? [])].map((n) => n.split('.')[0]!);
      // Only exports the rewrite made redundant go: one nobody imported was public API or an entry point.
      const unused = new Set(names.filter((name) => isImportedAnywhere(this.originalTexts, file, name) && !isImportedAnywhere(this.texts, file, name)));
      if (unused.size > 0) this.rewrite(file, unused);
    }
  }

  /** Rewrites one file; returns the export names that are new since the file was last rewritten. */
  private rewrite(file: string, removableExports: ReadonlySet<string>): string[] {
    const text = this.texts.get(file)!;
    const { rewriteSource, SourceParseError } = this.rewriter!;
    let result: RewriteResult;
    try {
      result = rewriteSource(file, text, {
        decisions: this.decisions,
        registryKeys: this.registryKeys,
        ...(this.readers ? { readers: this.readers } : {}),
        importedConstant: (source, name) => this.lookup(this.constantExports, file, source, name),
        importedKey: (source, name) => this.lookup(this.keyExports, file, source, name),
        removableExports,
      });
    } catch (error) {
      if (error instanceof SourceParseError) {
        this.unparsable.set(file, { line: error.line, column: error.column, text: error.message.slice(error.message.indexOf(': ') + 2) });
        return [];
      }
      throw error;
    }
    const previous = this.results.get(file);
    // A second pass over a file sees the first pass's output: keep the sites it rewrote then.
    if (previous) result.rewritten.unshift(...previous.rewritten);
    this.results.set(file, result);
    this.texts.set(file, result.output);
    const fresh: string[] = [];
    const merge = <T>(store: Map<string, Map<string, T>>, found: Map<string, T>): void => {
      const known = store.get(file) ?? new Map<string, T>();
      for (const [name, value] of found) {
        if (!known.has(name)) fresh.push(name);
        known.set(name, value);
      }
      if (known.size > 0) store.set(file, known);
    };
    merge(this.constantExports, result.constantExports);
    merge(this.keyExports, result.keyExports);
    return fresh;
  }

  /**
   * Re-exports (`export { MODEL } from './config'`) of a constant the importers no longer import
   * go, outermost first, so that the declaration they forwarded is seen as unused next.
   */
  private dropUnusedReExports(): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const [file, text] of this.texts) {
        if (isGenerated(text)) continue;
        const unused = new Set<string>();
        for (const re of reExports(text)) {
          for (const [exported, local] of re.names) {
            if (local === '*' || !this.forwardsConstant(file, re.source, local)) continue;
            if (isImportedAnywhere(this.originalTexts, file, exported) && !isImportedAnywhere(this.texts, file, exported)) unused.add(exported);
          }
        }
        if (unused.size === 0) continue;
        this.rewrite(file, unused);
        changed ||= this.texts.get(file) !== text;
      }
    }
  }

  private forwardsConstant(from: string, source: string, name: string): boolean {
    return this.lookup(this.constantExports, from, source, name) !== undefined || this.lookup(this.keyExports, from, source, name) !== undefined;
  }

  /** What `name` imported from `source` holds, following re-export chains to the declaration. */
  private lookup<T>(store: Map<string, Map<string, T>>, from: string, source: string, name: string, seen = new Set<string>()): T | undefined {
    const target = resolveImport(from, source, this.texts);
    if (target === undefined || seen.has(target)) return undefined;
    seen.add(target);
    const own = store.get(target)?.get(name);
    if (own !== undefined) return own;
    const [head, ...rest] = name.split('.');
    for (const re of reExports(this.texts.get(target)!)) {
      const local = re.names.get(head!) ?? (re.star ? head : undefined);
      // `export * as keys from './keys'` forwards the module itself: `keys.MODEL_FLAG` is its `MODEL_FLAG`.
      const forwarded = local === '*' ? rest.join('.') : [local, ...rest].join('.');
      if (local === undefined || forwarded === '') continue;
      const found = this.lookup(store, target, re.source, forwarded, seen);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Files importing `names` from `file`, directly or through files that re-export them. */
  private importersOf(file: string, names: readonly string[], seen = new Set([file])): string[] {
    if (names.length === 0) return [];
    const out: string[] = [];
    for (const [candidate, text] of this.texts) {
      if (seen.has(candidate) || isGenerated(text)) continue;
      if (!names.some((n) => text.includes(n.split('.')[0]!)) && !STAR_EXPORT.test(text)) continue;
      if (!importSources(text).some((s) => resolveImport(candidate, s, this.texts) === file)) continue;
      seen.add(candidate);
      out.push(candidate);
      const forwarded = reExports(text)
        .filter((re) => resolveImport(candidate, re.source, this.texts) === file)
        .flatMap((re) => (re.star ? names : [...re.names].filter(([, local]) => local === '*' || names.some((n) => n.split('.')[0] === local)).map(([exported]) => exported)));
      out.push(...this.importersOf(candidate, forwarded, seen));
    }
    return out;
  }

}

function isImportedAnywhere(texts: ReadonlyMap<string, string>, file: string, name: string): boolean {
  for (const [candidate, text] of texts) {
    if (candidate === file || !text.includes(name)) continue;
    for (const { names, source } of importClauses(text)) {
      if ((names.includes(name) || names.includes('*')) && resolveImport(candidate, source, texts) === file) return true;
    }
  }
  return false;
}

const STAR_EXPORT = /\bexport\s*\*/;
const RE_EXPORT = /\bexport\s+(type\s+)?(?:\*\s*(?:as\s+([\w$]+)\s*)?|\{([^}]*)\}\s*)from\s*['"]([^'"]+)['"]/g;

/**
 * Value re-exports in a module: `export { a as b } from` maps exported `b` to `a`, `export * as
 * ns from` maps `ns` to `*` (the whole module), and `export * from` forwards every name.
 */
function reExports(text: string): { source: string; names: Map<string, string>; star: boolean }[] {
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

const IMPORT_CLAUSE = /\b(?:import|export)\s+(?:type\s+)?([\s\S]*?)\s+from\s+['"]([^'"]+)['"]/g;
const BARE_SOURCE = /\b(?:import|export)\s*(?:[\s\S]*?from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function importSources(text: string): string[] {
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
    if (braces) for (const part of braces[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
      if (name) names.push(name);
    }
    if (/^[A-Za-z_$][\w$]*\s*(,|$)/.test(clause.trim())) names.push('default');
    out.push({ names, source: m[2]! });
  }
  for (const m of text.matchAll(/\b(?:import\(|require\()\s*['"]([^'"]+)['"]/g)) out.push({ names: ['*'], source: m[1]! });
  return out;
}

/** Resolves a relative import the way TypeScript's NodeNext/bundler resolution finds sources. */
function resolveImport(from: string, source: string, known: ReadonlyMap<string, string>): string | undefined {
  if (!source.startsWith('.')) return undefined;
  const base = resolve(dirname(from), source);
  const swapped = base.replace(/\.js$/, '.ts').replace(/\.jsx$/, '.tsx').replace(/\.mjs$/, '.mts').replace(/\.cjs$/, '.cts');
  const candidates = [base, swapped, base.replace(/\.js$/, '.tsx'), ...SOURCE_EXTENSIONS.map((e) => `${base}.${e}`), ...SOURCE_EXTENSIONS.map((e) => join(base, `index.${e}`))];
  return candidates.find((c) => known.has(c));
}

/** Files that import one of `files`, so their types are checked against the change too. */
function dependentsOf(files: readonly string[], texts: ReadonlyMap<string, string>): string[] {
  const targets = new Set(files);
  const out: string[] = [];
  for (const [file, text] of texts) {
    if (targets.has(file)) continue;
    if (importSources(text).some((s) => targets.has(resolveImport(file, s, texts) ?? ''))) out.push(file);
  }
  return out;
}

/** Typed modules whose header says they were generated from this registry. */
function generatedModulesFor(registryPath: string, files: readonly string[], texts: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) {
    const text = texts.get(file)!;
    const header = parseGeneratedHeader(text);
    if (header && resolve(dirname(file), header.registryImportPath) === registryPath) out.set(file, text);
  }
  return out;
}

/** The module regenerated with the options it was generated with (read back from its text). */
function regenerate(text: string, registry: Registry): string {
  const header = parseGeneratedHeader(text)!;
  const runtime = /import \{ createFlags as createUntypedFlags \} from '([^']+)'/.exec(text)?.[1];
  return generateTypedModule(registry, {
    registryImportPath: header.registryImportPath,
    ...(runtime ? { runtimeModule: runtime } : {}),
    openFeature: text.includes("declare module '@openfeature/core'"),
  });
}

/**
 * Temp file in the same directory, then rename: readers never see a half-written file. The
 * files are written concurrently, a few at a time, because each rename waits on the file system.
 */
async function writeAllAtomically(changes: ReadonlyMap<string, string>): Promise<void> {
  const pending = [...changes];
  const writeNext = async (): Promise<void> => {
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [file, text] = next;
      const temp = join(dirname(file), `.${file.slice(file.lastIndexOf(sep) + 1)}.${process.pid}.remove-flag.tmp`);
      try {
        await writeFile(temp, text);
        await rename(temp, file);
      } catch (error) {
        // Like a sequential loop, stop at the first failure rather than write the rest.
        pending.length = 0;
        await rm(temp, { force: true });
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, writeNext));
}

/** The human-readable report printed by the CLI. */
export function formatReport(report: RemovalReport, options: { dryRun?: boolean } = {}): string {
  const lines: string[] = [];
  if (report.errors.length > 0) {
    for (const e of report.errors) lines.push(e.message.startsWith(`${e.file}:`) || !e.file ? e.message : `${e.file}${e.line ? `:${e.line}:${e.column ?? 1}` : ''}: ${e.message}`);
    lines.push('Nothing was changed.');
    return lines.join('\n') + '\n';
  }
  const decided = report.flags.map((f) => `${f.flag} → ${JSON.stringify(f.kept)}`).join(', ');
  if (options.dryRun && report.diff) lines.push(report.diff.trimEnd(), '');
  const verb = report.written ? 'Changed' : options.dryRun ? 'Would change' : 'Did not change';
  lines.push(`remove-flag ${decided}: ${report.rewritten.length} read(s) rewritten in ${report.changedFiles.length} file(s).`);
  if (report.changedFiles.length > 0) {
    lines.push(`${verb}:`);
    for (const f of report.changedFiles) lines.push(`  ${f.file} (${f.sitesRewritten} site(s), ${f.linesRemoved} line(s) removed)`);
  }
  if (report.registry && report.registry.action !== 'unchanged') {
    lines.push(report.registry.action === 'removed' ? `Registry: removed from ${report.registry.file}.` : `Registry: collapsed in ${report.registry.file} to serve the kept value to everyone; run remove-flag again once the sites below are fixed.`);
  }
  for (const g of report.regenerated) lines.push(`Regenerated ${g}.`);
  if (report.unresolved.length > 0) {
    lines.push(`Needs a human (${report.unresolved.length}):`);
    for (const s of report.unresolved) lines.push(`  ${s.file}:${s.line}:${s.column}: ${s.reason ?? ''}`);
  }
  if (report.verification.typeChecked && report.verification.errors.length === 0) lines.push('Type check: no new errors.');
  return lines.join('\n') + '\n';
}
