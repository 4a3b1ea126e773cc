/**
 * `remove-flag`: retires a flag across a codebase. Every read becomes the kept variant, what that
 * made constant is simplified away, the registry entry goes (or is collapsed while a human
 * finishes), the typed module is regenerated, and nothing is written unless it all parses and
 * type checks no worse than before.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { globby, isGitIgnored } from 'globby';
import { camelCase, findFlagReads, mightContainReads, type CustomReader } from 'eslint-plugin-modelflags/detection';
import { diskProject } from 'eslint-plugin-modelflags/detection';
import { checkSyntax, parseForDetection } from 'eslint-plugin-modelflags/detection';
import { describeErrno } from 'modelflags/io';
import { generateTypedModule, parseGeneratedHeader } from 'modelflags/registry';
import { didYouMean, formatIssue, parseRegistry, type FlagDefinition, type FlagValue, type Registry } from 'modelflags/registry';
import { LineDiff } from './diff.js';
import { collapseFlagEntry, removeFlagEntry } from 'modelflags/registry';
import { removeKeyTableEntries } from './key-tables.js';
import { keyMentions, projectRootOf } from './remaining-reads.js';
import { applyWritePlan, journalPathFor, recoverJournal, removeStaleTempFiles, type PlannedWrite, type Recovery, type WriteResult } from './write-plan.js';
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
  /** Called as files are read and rewritten, for a progress line. */
  onProgress?: (done: number, total: number, stage: 'reading' | 'rewriting') => void;
  /**
   * Globs (relative to `cwd`) of files known not to read the retired flags, such as a flag
   * service's own evaluation path: what is left in them is a note, not a reason to keep the entry.
   */
  ignore?: readonly string[];
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
  /** Bad input, or a write that could not start: nothing was changed (see `recovered` for a finished earlier run). */
  errors: InputError[];
  flags: { flag: string; kept: FlagValue }[];
  /** Files changed (for a real run: written). */
  changedFiles: ChangedFile[];
  rewritten: Site[];
  /** Sites a human has to finish, with the reason (also files that could not be parsed or written). */
  unresolved: Site[];
  /** Sites the user marked as not reading the flag (`--ignore`, `// remove-flag-ignore`): listed, not blocking. */
  notes: Site[];
  /** What happened to the registry entry (for a real run: what was written). */
  registry: { file: string; action: 'removed' | 'collapsed' | 'unchanged' } | undefined;
  /** Typed modules regenerated from the edited registry. */
  regenerated: string[];
  /** `typeChecked` only when a type check ran over changed source files. */
  verification: { typeChecked: boolean; errors: NewTypeError[] };
  /** Whether any file was written (false for `--dry-run` and for failed verification). */
  written: boolean;
  /** Files neither read nor written: outside the project, not UTF-8. */
  skipped: { file: string; reason: string }[];
  /** Planned changes that were not written (changed since read, read-only, a write error). */
  notWritten: { file: string; reason: string }[];
  /** Set when this run first finished a run killed in its write phase. */
  recovered?: { journal: string; finished: string[]; notWritten: { file: string; reason: string }[] };
  /** The unified diff of every change, for `--dry-run`. */
  diff: string;
}

/** Retires flags; never throws for bad input, which comes back as `errors` with exit code 2. */
export async function removeFlag(options: RemoveFlagOptions): Promise<RemovalReport> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const registryPath = resolve(cwd, options.registry ?? 'flags.json');
  const paths = options.paths ?? ['.'];
  const report: RemovalReport = {
    exitCode: 0,
    errors: [],
    flags: [],
    changedFiles: [],
    rewritten: [],
    unresolved: [],
    notes: [],
    registry: undefined,
    regenerated: [],
    verification: { typeChecked: false, errors: [] },
    written: false,
    skipped: [],
    notWritten: [],
    diff: '',
  };
  const fail = (errors: InputError[]): RemovalReport => ({ ...report, errors, exitCode: 2 });
  const display = (file: string): string => relative(cwd, file).split(sep).join('/') || '.';
  const displayed = (n: { path: string; reason: string }): { file: string; reason: string } => ({ file: display(n.path), reason: n.reason.replaceAll(n.path, display(n.path)) });

  // A run killed while writing is finished before anything else is read: its files are half
  // written and its registry entry may already be gone.
  const journal = journalPathFor(registryPath);
  const root = projectRootOf(registryPath);
  if (existsSync(journal)) {
    if (options.dryRun) return fail([{ file: display(journal), message: `${display(journal)} is left by a remove-flag run that was interrupted while writing: run the command again without --dry-run to finish it` }]);
    let recovery: Recovery | undefined;
    try {
      recovery = recoverJournal(journal);
    } catch (error) {
      return fail([{ file: display(journal), message: (error as Error).message.replaceAll(journal, display(journal)) }]);
    }
    if (recovery) {
      report.recovered = { journal: display(journal), finished: recovery.finished.map(display), notWritten: recovery.notWritten.map(displayed) };
      const interrupted = recovery.summary as RemovalReport;
      const sameCommand = Array.isArray(interrupted?.flags) && interrupted.flags.length === options.flags.length && interrupted.flags.every((f, i) => f.flag === options.flags[i]!.flag && String(f.kept) === options.flags[i]!.keep);
      if (sameCommand) {
        const finished: RemovalReport = { ...interrupted, recovered: report.recovered };
        if (recovery.notWritten.length > 0) {
          finished.notWritten = [...finished.notWritten, ...report.recovered.notWritten];
          finished.unresolved = [...finished.unresolved, ...report.recovered.notWritten.map((n) => ({ file: n.file, line: 1, column: 1, flag: undefined, reason: n.reason }))];
          if (!recovery.complete && finished.registry) finished.registry = { ...finished.registry, action: 'collapsed' };
          finished.exitCode = 1;
        }
        await removeStaleTempFiles(root);
        return finished;
      }
    }
  }
  if (!options.dryRun) await removeStaleTempFiles(root);

  // Input checks come first and all at once, so nothing is touched on bad input.
  let registryBytes: Buffer;
  try {
    registryBytes = readFileSync(registryPath);
  } catch {
    return fail([{ file: display(registryPath), message: `cannot read the registry ${display(registryPath)}: pass the path of your flags.json with --registry` }]);
  }
  const registryText = decodeUtf8(registryBytes);
  if (registryText === undefined) return fail([{ file: display(registryPath), message: `${display(registryPath)} is not UTF-8 text: save it as UTF-8 and run again` }]);
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
  for (const p of paths) if (!existsSync(resolve(cwd, p))) missing.push({ file: p, message: `path not found: ${p}` });
  if (errors.length > 0 || missing.length > 0) return fail([...errors, ...missing]);

  // Read once, as bytes: the compare-and-swap before each rename checks these very bytes.
  const inBounds = [root, ...paths.map((p) => resolve(cwd, p))].map(realPathOf);
  const keys = [...decisions.keys()];
  const skip = (file: string, bytes: Buffer | undefined, reason: string): void => {
    report.skipped.push({ file: display(file), reason });
    // Skipped but naming the key: a read may be in it, so the entry must stay.
    const text = bytes?.toString('latin1') ?? '';
    for (const flag of keys) {
      const at = text.indexOf(flag);
      if (at >= 0) report.unresolved.push({ file: display(file), line: text.slice(0, at).split('\n').length, column: 1, flag, reason: `${reason}; it names ${flag}, so the entry was kept` });
    }
  };
  const discovered = await discoverFiles(cwd, paths);
  const realOf = new Map(discovered.map((f) => [f, realPathOf(f)]));
  // The file itself before a symlink to it, so that imports resolve to the path they name.
  const files = [...discovered].sort((a, b) => Number(realOf.get(a) !== a) - Number(realOf.get(b) !== b) || (a < b ? -1 : a > b ? 1 : 0));
  const originalBytes = new Map<string, Buffer>();
  const original = new Map<string, string>();
  const current = new Map<string, string>();
  const targets = new Set<string>();
  let read = 0;
  for (const file of files) {
    options.onProgress?.(read++, files.length, 'reading');
    const real = realOf.get(file)!;
    if (targets.has(real)) continue;
    targets.add(real);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      return fail([{ file: display(file), message: `cannot read ${display(file)}: ${describeErrno(error)}` }]);
    }
    if (!inBounds.some((dir) => real === dir || real.startsWith(dir + sep))) {
      skip(file, bytes, `resolves to ${real}, outside the project (${display(root)}) and the paths given: not rewritten`);
      continue;
    }
    const text = decodeUtf8(bytes);
    if (text === undefined) {
      skip(file, bytes, 'not UTF-8 text (Latin-1 or binary?): not rewritten, save it as UTF-8 to have it cleaned');
      continue;
    }
    originalBytes.set(file, bytes);
    original.set(file, text);
    current.set(file, text);
  }
  const sources = [...original.keys()].sort();

  const context = new ProjectRewrite(registry, decisions, current, [...registry.readers, ...(options.readers ?? [])]);
  await context.run(options.onProgress);
  for (const [file, message] of context.unparsable) {
    report.unresolved.push({ file: display(file), line: message.line, column: message.column, flag: undefined, reason: `${message.text}; the file was skipped, fix the syntax error and run again` });
  }
  for (const [file, result] of context.results) {
    report.rewritten.push(...result.rewritten.map((s) => ({ ...s, file: display(file) })));
    report.unresolved.push(...result.unresolved.map((s) => ({ ...s, file: display(file) })));
  }
  // Feature-map members and key-table entries go with the flag (see key-tables.ts).
  const tableEntriesRemoved = new Map<string, number>();
  // A member holding the key goes only once no code names it: every file that could is among
  // those read, which is so when the paths cover the project.
  const coversProject = paths.some((p) => root === resolve(cwd, p) || root.startsWith(resolve(cwd, p) + sep));
  const isReferenced = (member: string): boolean => {
    if (!coversProject) return true;
    const use = new RegExp(`(?:\\??\\.|\\[\\s*['"\`])\\s*${member.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`);
    return [...current.values()].some((text) => use.test(text));
  };
  for (const [file, text] of current) {
    if (isGenerated(text)) continue;
    const { output, removed } = removeKeyTableEntries(file, text, new Set(keys), new Set(registry.byKey.keys()), isReferenced);
    if (removed.length === 0) continue;
    current.set(file, output);
    tableEntriesRemoved.set(file, removed.length);
    report.rewritten.push(...removed.map((r) => ({ file: display(file), line: r.line, column: r.column, flag: r.flag })));
  }
  const generated = generatedModulesFor(registryPath, sources, original);
  report.unresolved.push(...(await remainingMentions(root, cwd, paths, new Set(files), current, context, registryPath, report.unresolved)).map((s) => ({ ...s, file: display(s.file) })));
  const ignoredBy = await ignoreMarks(cwd, options.ignore ?? [], original, current);
  for (const site of report.unresolved.splice(0)) {
    const why = ignoredBy(site);
    (why ? report.notes : report.unresolved).push(why ? { ...site, reason: `${site.reason ?? ''} (not blocking: ${why})` } : site);
  }

  // The registry: gone when no read remains, otherwise collapsed to the decision; `partial` is
  // what gets written instead when some file cannot be.
  const editRegistry = (collapseAll: boolean): string => {
    let text = registryText;
    for (const [flag, kept] of decisions) {
      const def = parseRegistry(text, registry.file).registry?.byKey.get(flag);
      if (!def) continue;
      const needsHuman = collapseAll || report.unresolved.some((s) => s.flag === flag || s.flag === undefined);
      text = needsHuman ? collapseFlagEntry(text, def, kept) : removeFlagEntry(text, def);
    }
    return text;
  };
  const regeneratedFrom = (text: string): Map<string, string> => {
    const out = new Map<string, string>();
    const edited = parseRegistry(text, registry.file).registry;
    if (edited) for (const [file, module] of generated) if (regenerate(module, edited) !== module) out.set(file, regenerate(module, edited));
    return out;
  };
  const newRegistryText = editRegistry(false);
  const partialRegistryText = editRegistry(true);
  const changes = new Map<string, string>();
  for (const [file, text] of current) if (text !== original.get(file)) changes.set(file, text);
  const codeFiles = [...changes.keys()];
  if (newRegistryText !== registryText) changes.set(registryPath, newRegistryText);
  const collapsed = newRegistryText !== registryText && report.unresolved.some((s) => s.flag === undefined || decisions.has(s.flag));
  report.registry = { file: display(registryPath), action: newRegistryText === registryText ? 'unchanged' : collapsed ? 'collapsed' : 'removed' };
  for (const [file, text] of regeneratedFrom(newRegistryText)) {
    changes.set(file, text);
    report.regenerated.push(display(file));
  }

  const diffs = new Map([...changes].map(([file, text]) => [file, new LineDiff(file === registryPath ? registryText : original.get(file) ?? '', text)]));
  for (const file of changes.keys()) {
    if (file === registryPath || !original.has(file)) continue;
    report.changedFiles.push({
      file: display(file),
      sitesRewritten: (context.results.get(file)?.rewritten.length ?? 0) + (tableEntriesRemoved.get(file) ?? 0),
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
        // A file rewritten through a window is checked on the window: the rest is its own code.
        const windowText = context.results.get(file)?.output === changes.get(file) ? context.results.get(file)?.syntaxCheckText : undefined;
        checkSyntax(windowText ?? changes.get(file)!, file);
      } catch (error) {
        broken.push({ file: display(file), line: 1, column: 1, flag: undefined, reason: `internal error: the rewritten file does not parse (${(error as Error).message}); nothing was written, please report this` });
      }
    }
  }
  const sourceChanges = codeChanges.filter((f) => isSourceFile(f));
  if (broken.length === 0 && options.verify !== false && sourceChanges.length > 0) {
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
  report.exitCode = report.unresolved.length > 0 ? 1 : 0;
  if (!verified || options.dryRun || changes.size === 0) {
    if (!verified) report.registry = { file: display(registryPath), action: 'unchanged' };
    return report;
  }

  const planned = (file: string, text: string): PlannedWrite => ({ path: file, original: file === registryPath ? registryBytes : originalBytes.get(file)!, text });
  const lastWrites = (registryText2: string, modules: Map<string, string>): PlannedWrite[] => [
    ...[...modules].map(([file, text]) => planned(file, text)),
    ...(registryText2 !== registryText ? [planned(registryPath, registryText2)] : []),
  ];
  const sourceWrites = codeFiles.filter((f) => !generated.has(f));
  const plan = {
    groups: importGroups(sourceWrites, original, current).map((group) => group.map((f) => planned(f, current.get(f)!))),
    complete: lastWrites(newRegistryText, regeneratedFrom(newRegistryText)),
    partial: lastWrites(partialRegistryText, regeneratedFrom(partialRegistryText)),
    journal,
    summary: (outcome: WriteResult): RemovalReport => ({ ...reportWritten(outcome), diff: '' }),
  };
  // What was written, not what was planned: a file not written keeps its reads and the entry.
  const reportWritten = (outcome: WriteResult): RemovalReport => {
    const written = new Set(outcome.written);
    const notWritten = outcome.notWritten.map(displayed);
    const unresolved = [...report.unresolved, ...notWritten.map((n) => ({ file: n.file, line: 1, column: 1, flag: undefined, reason: n.reason }))];
    const registryAction = !written.has(registryPath) ? 'unchanged' : outcome.complete ? report.registry!.action : 'collapsed';
    return {
      ...report,
      written: written.size > 0,
      notWritten,
      unresolved,
      changedFiles: report.changedFiles.filter((f) => written.has(resolve(cwd, f.file))),
      regenerated: outcome.written.filter((f) => generated.has(f)).map(display),
      registry: { file: display(registryPath), action: registryAction },
      exitCode: unresolved.length > 0 ? 1 : 0,
    };
  };
  const result = await applyWritePlan(plan);
  if (result.abort) return fail([{ message: result.abort.replaceAll(cwd + sep, '') }]);
  return reportWritten(result);
}

/** Marks a site or a whole file as not reading the flag: on the site's line or the line above, or in the file's leading comments. */
const IGNORE_MARK = /\/[/*]\s*remove-flag-ignore(?![\w-])/;

/**
 * Why a site left over is not a blocker, if the user said so: its file matches an `--ignore`
 * glob, or a `remove-flag-ignore` comment marks its line or its file. Site lines are those of
 * the original text or, for what the project-wide search found after the rewrite, of the
 * rewritten one; a mark in either counts.
 */
async function ignoreMarks(cwd: string, globs: readonly string[], original: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>): Promise<(site: Site) => string | undefined> {
  const matched = await Promise.all(globs.map(async (glob) => ({ glob, files: new Set((await globby(glob, { cwd, absolute: true, dot: true })).map((f) => resolve(f))) })));
  return (site) => {
    const file = resolve(cwd, site.file);
    const glob = matched.find((m) => m.files.has(file))?.glob;
    if (glob !== undefined) return `--ignore ${glob}`;
    let texts = [original.get(file), current.get(file)].filter((t): t is string => t !== undefined);
    if (texts.length === 0) {
      try {
        texts = [readFileSync(file, 'latin1')];
      } catch {
        return undefined;
      }
    }
    for (const text of texts) {
      if (IGNORE_MARK.test(leadingComments(text))) return 'the file is marked // remove-flag-ignore';
      const lines = text.split('\n');
      if ([lines[site.line - 1], lines[site.line - 2]].some((l) => l !== undefined && IGNORE_MARK.test(l))) return 'marked // remove-flag-ignore';
    }
    return undefined;
  };
}

/** The comments (and blank lines, `#!`) a file starts with, before its first code. */
function leadingComments(text: string): string {
  const m = /^(?:#![^\n]*\n)?(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(text.replace(/^\uFEFF/, ''));
  return m?.[0] ?? '';
}

/** UTF-8 text, or undefined for bytes that are not (decoding would put U+FFFD in their place). A BOM stays in the text. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Source files whose changes must be written together: a file and the files it imports or that
 * import it, among the changed ones (an inlined constant whose export went, a wrapper inlined at
 * its call sites). Half of such a change does not build.
 */
function importGroups(files: readonly string[], before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[][] {
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

/**
 * Sites still naming a retired key once the rewrite is done: in the files it rewrote (a read
 * through something it does not recognise) and in project files outside the paths given (other
 * workspace packages, folders left out), which it did not rewrite. The entry stays while any is
 * left: removing it is only safe once nothing in the project can still read the flag.
 */
async function remainingMentions(
  root: string,
  cwd: string,
  paths: readonly string[],
  discovered: ReadonlySet<string>,
  rewritten: ReadonlyMap<string, string>,
  context: ProjectRewrite,
  registryPath: string,
  known: readonly Site[],
): Promise<Site[]> {
  const names = [...context.decisions.keys()].map((flag) => ({
    flag,
    holders: [...context.keyExports.values()].flatMap((exports) => [...exports].filter(([, key]) => key === flag).map(([name]) => name)),
  }));
  // A script that drives remove-flag names the flags it retires: that is not a read.
  const isExempt = (file: string, text: string): boolean =>
    isGenerated(text) || generatedModulesFor(registryPath, [file], new Map([[file, text]])).size > 0 || importSources(text).some((s) => /(^|\/)(codemods\/)?remove-flag(\.[cm]?[jt]s)?$/.test(s));
  // A file with a site already left for a human keeps the entry anyway, and the human reading it
  // sees the rest: one report a file and flag is enough.
  const siteKey = (file: string, flag: string | undefined): string => `${file}\0${flag ?? ''}`;
  const reported = new Set(known.map((s) => siteKey(s.file, s.flag)));
  const sites: Site[] = [];
  for (const [file, text] of rewritten) {
    if (isExempt(file, text)) continue;
    const shown = relative(cwd, file).split(sep).join('/');
    sites.push(...keyMentions(file, text, names, true).filter((s) => !reported.has(siteKey(shown, s.flag)) && !reported.has(siteKey(shown, undefined))));
  }
  if (paths.some((p) => { const abs = resolve(cwd, p); return root === abs || root.startsWith(abs + sep); })) return sites;
  for (const file of await discoverFiles(root, ['.'], ['**/dist/**'])) {
    if (discovered.has(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    if (isExempt(file, text)) continue;
    sites.push(...keyMentions(file, text, names, false));
  }
  return sites;
}

/** `--keep` read as the flag's type, or undefined when it is not one of its variants. */
export function parseKeep(def: FlagDefinition, keep: string): FlagValue | undefined {
  let value: FlagValue | undefined = keep;
  if (def.type === 'number') value = keep.trim() === '' || !Number.isFinite(Number(keep)) ? undefined : Number(keep);
  else if (def.type === 'boolean') value = keep === 'true' ? true : keep === 'false' ? false : undefined;
  return value !== undefined && def.variants.includes(value) ? value : undefined;
}

async function discoverFiles(cwd: string, paths: readonly string[], ignore: readonly string[] = []): Promise<string[]> {
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
  const options = { cwd, absolute: true, ignore: ['**/node_modules/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts', ...ignore] };
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
  readonly keyExports = new Map<string, Map<string, string>>();
  private readonly registryKeys: ReadonlySet<string>;
  private readonly originalTexts: ReadonlyMap<string, string>;
  private rewriter: typeof import('./rewrite.js') | undefined;

  constructor(
    registry: Registry,
    readonly decisions: ReadonlyMap<string, FlagValue>,
    private readonly texts: Map<string, string>,
    private readonly readers: readonly CustomReader[] | undefined,
  ) {
    this.registryKeys = new Set(registry.byKey.keys());
    this.originalTexts = new Map(texts);
  }

  async run(onProgress?: RemoveFlagOptions['onProgress']): Promise<void> {
    const terms = [...this.decisions.keys()].flatMap((k) => [k, camelCase(k)]);
    const queue = new Set<string>();
    for (const [file, text] of this.texts) {
      if (isGenerated(text)) continue;
      if (terms.some((t) => text.includes(t)) || this.hasUnknownKeyRead(file, text)) queue.add(file);
    }
    if (queue.size === 0) return;
    // jscodeshift, recast and Babel load only once some file mentions a retired key.
    this.rewriter = await import('./rewrite.js');
    let guard = 0;
    let done = 0;
    while (queue.size > 0 && guard++ < 10 * this.texts.size + 10) {
      onProgress?.(done, done++ + queue.size, 'rewriting');
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

  /**
   * A file that never names a retired key can still read it through a key computed at run time
   * (`flags.get(key)`) or a constant whose value detection could not see (`Keys.Model` of a
   * package it cannot read): it goes through the rewrite too, which reports such a site, so the
   * entry is not removed while it might be read there.
   */
  private hasUnknownKeyRead(file: string, text: string): boolean {
    const options = { registryKeys: this.registryKeys, text, ...(this.readers ? { readers: this.readers } : {}) };
    if (!mightContainReads(options)) return false;
    try {
      const { ast, scopeManager } = parseForDetection(text, file);
      return findFlagReads(ast, scopeManager, options).some((read) => read.keyKind === 'dynamic' || (read.keyKind === 'constant' && read.key === undefined));
    } catch {
      // A file that does not parse is reported by the rewrite only when it names a key; detection cannot see into it either.
      return false;
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
        project: diskProject,
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
    // The window of this pass holds the earlier passes' output unchecked: check the whole text.
    if (previous) delete result.syntaxCheckText;
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

// A clause stops at `;`, `(`, `)` or `=`: scanning on to the next `from` of the file instead made
// every `export const`/`export function` of a large module read to its end (quadratic).
const IMPORT_CLAUSE = /\b(?:import|export)\s+(?:type\s+)?([^;()=]*?)\s+from\s+['"]([^'"]+)['"]/g;
const BARE_SOURCE = /\b(?:import|export)\s*(?:[^;()=]*?from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

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
  if (!source.startsWith('.')) {
    // A workspace package or a tsconfig `paths` alias of this project.
    const target = diskProject.resolve(from, source);
    return target !== undefined && known.has(target) ? target : undefined;
  }
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

/** The human-readable report printed by the CLI. */
export function formatReport(report: RemovalReport, options: { dryRun?: boolean } = {}): string {
  const lines: string[] = [];
  if (report.recovered) {
    const { journal, finished, notWritten } = report.recovered;
    const refused = notWritten.length > 0 ? `; ${notWritten.length} could not be (under "Not written")` : '';
    lines.push(`Finished a remove-flag run that was interrupted while writing (${journal}): ${finished.length} file(s) written now${refused}.`);
  }
  if (report.errors.length > 0) {
    for (const e of report.errors) lines.push(e.message.startsWith(`${e.file}:`) || !e.file ? e.message : `${e.file}${e.line ? `:${e.line}:${e.column ?? 1}` : ''}: ${e.message}`);
    lines.push(report.recovered ? 'Nothing else was changed.' : 'Nothing was changed.');
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
  if (report.notWritten.length > 0) {
    lines.push(`Not written (${report.notWritten.length}), as they are on disk:`);
    for (const n of report.notWritten) lines.push(`  ${n.file}: ${n.reason}`);
  }
  if (report.skipped.length > 0) {
    lines.push(`Skipped, neither read nor written (${report.skipped.length}):`);
    for (const s of report.skipped) lines.push(`  ${s.file}: ${s.reason}`);
  }
  if (report.registry && report.registry.action !== 'unchanged') {
    const would = options.dryRun ? 'would be ' : '';
    lines.push(report.registry.action === 'removed' ? `Registry: ${would}removed from ${report.registry.file}.` : `Registry: ${would}collapsed in ${report.registry.file} to serve the kept value to everyone; run remove-flag again once the sites below are fixed.`);
  }
  for (const g of report.regenerated) lines.push(`${options.dryRun ? 'Would regenerate' : 'Regenerated'} ${g}.`);
  if (report.notes.length > 0) {
    lines.push(`Notes, not blocking (${report.notes.length}):`);
    for (const s of report.notes) lines.push(`  ${s.file}:${s.line}:${s.column}: ${s.reason ?? ''}`);
  }
  if (report.unresolved.length > 0) {
    lines.push(`Needs a human (${report.unresolved.length}):`);
    for (const s of report.unresolved) lines.push(`  ${s.file}:${s.line}:${s.column}: ${s.reason ?? ''}`);
  }
  if (report.verification.typeChecked && report.verification.errors.length === 0) lines.push('Type check: no new errors.');
  return lines.join('\n') + '\n';
}
