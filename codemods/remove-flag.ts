/**
 * `remove-flag`: retires a flag across a codebase. Every read becomes the kept variant, what that
 * made constant is simplified away, the registry entry goes (or is collapsed while a human
 * finishes), the typed module is regenerated, and nothing is written unless it all parses and
 * type checks no worse than before. {@link removeFlag} lists the steps; each is a module of its own.
 */
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { CustomReader } from 'eslint-plugin-modelflags/detection';
import type { FlagValue } from 'modelflags/registry';
import { absentReads, looseValue, nearRegistryKey, unknownFlagMessage } from './absent-flags.js';
import { checkChanges } from './check-changes.js';
import { LineDiff } from './diff.js';
import { ignoreMarks } from './ignore-marks.js';
import { importGroups } from './import-graph.js';
import { readInputs, type Inputs } from './inputs.js';
import { removeKeyTableEntries } from './key-tables.js';
import { coversProject, isGenerated, readProjectFiles, type ProjectFiles } from './project-files.js';
import { ProjectRewrite } from './project-rewrite.js';
import { formatWithProjectPrettier } from './format.js';
import { editRegistry, generatedModulesFor, regeneratedFrom } from './registry-edit.js';
import { projectRootOf, remainingMentions, type MentionContext } from './remaining-reads.js';
import { emptyReport, type InputError, type RemovalReport } from './report.js';
import type { Site } from './rewrite.js';
import type { StreamPolicy } from './streams.js';
import {
  applyWritePlan,
  journalPathFor,
  recoverJournal,
  removeStaleTempFiles,
  type PlannedWrite,
  type Recovery,
  type WriteResult,
} from './write-plan.js';

export type { Site } from './rewrite.js';
export type { NewTypeError } from './verify.js';
export type { ChangedFile, InputError, RemovalReport } from './report.js';
export { formatJsonReport, formatReport } from './report.js';
export { parseKeep } from './inputs.js';

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
  /** Format changed files that were Prettier-clean with the project's own Prettier, when it has one (default true). */
  format?: boolean;
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

/** Paths as the report shows them: relative to the working directory, with `/`. */
type Display = (file: string) => string;

/** Retires flags; never throws for bad input, which comes back as `errors` with exit code 2. */
export async function removeFlag(options: RemoveFlagOptions): Promise<RemovalReport> {
  return run(options, options.verify === false ? 'unverified' : 'of');
}

/** One run; `streams` says whether stream reads may become `of(value)` (streams.ts). */
async function run(options: RemoveFlagOptions, streams: StreamPolicy): Promise<RemovalReport> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const registryPath = resolve(cwd, options.registry ?? 'flags.json');
  const paths = options.paths ?? ['.'];
  const report = emptyReport();
  const fail = (errors: InputError[]): RemovalReport => ({ ...report, errors, exitCode: 2 });
  const display: Display = (file) => relative(cwd, file).split(sep).join('/') || '.';
  const root = projectRootOf(registryPath);

  // 1. A run killed while writing is finished before anything else is read: its files are half
  //    written and its registry entry may already be gone.
  const journal = journalPathFor(registryPath);
  const interrupted = await finishInterruptedRun(journal, root, options, report, display);
  if (interrupted) return interrupted.errors ? fail(interrupted.errors) : interrupted.finished!;
  if (!options.dryRun) await removeStaleTempFiles(root);

  // 2. Input checks come first and all at once, so nothing is touched on bad input.
  const input = readInputs(registryPath, options.flags, cwd, paths, display);
  report.flags.push(...input.flags);
  if (!input.inputs) return fail(input.errors);
  const { registryText, registry, decisions, absent } = input.inputs;

  // 3. Read every source file once, as bytes.
  const read = await readProjectFiles(cwd, paths, root, display, options.onProgress);
  report.skipped.push(...read.skipped.map(({ file, reason }) => ({ file: display(file), reason })));
  if (read.error) return fail([read.error]);
  const { original } = read;
  const readers = [...registry.readers, ...(options.readers ?? [])];
  const passContext = { options, streams, read, root, cwd, paths, registryPath, display, readers };

  // 4. A flag that is not in the registry has nothing to remove, once no code reads it: the same
  //    search as a removal's, over a rewrite that is never written (absent-flags.ts).
  if (absent.size > 0) {
    report.notInRegistry.push(...absent.keys());
    const pass = await rewritePass({
      ...passContext,
      decisions: new Map([...absent].map(([flag, keep]) => [flag, looseValue(keep)])),
      registryKeys: new Set([...registry.byKey.keys(), ...absent.keys()]),
      context: 'absent',
    });
    report.notes.push(...pass.notes);
    report.registry = { file: display(registryPath), action: 'unchanged' };
    const sites = absentReads(pass, new Set(absent.keys()), original, display);
    // Code naming the key: nothing is done while it may read it, not even for the other flags
    // named. A typo is said before sites that only might read it (a dynamic key reads any flag).
    const blocked = { ...report, flags: [], unresolved: sites, exitCode: 1 as const };
    if (sites.some((s) => s.flag !== undefined)) return blocked;
    const typos = [...absent].flatMap(([flag, keep]) => {
      const near = nearRegistryKey(flag, keep, registry);
      return near === undefined
        ? []
        : [{ file: display(registryPath), message: unknownFlagMessage(flag, near, display(registryPath)) }];
    });
    if (typos.length > 0) return fail(typos);
    if (sites.length > 0) return blocked;
    if (decisions.size === 0) return report;
  }

  // 5. Rewrite the files that read the flags, and those importing what they now export as
  //    constants; feature-map members and key-table entries go with the flag; what still names
  //    a key keeps the entry, unless the user marked it as not a read.
  const pass = await rewritePass({
    ...passContext,
    decisions,
    registryKeys: new Set(registry.byKey.keys()),
    context: 'removal',
  });
  const { rewrite, current, tableEntriesRemoved } = pass;
  report.rewritten.push(...pass.rewritten);
  report.keyTableEntries.push(...pass.keyTableEntries);
  report.unresolved.push(...pass.unresolved);
  report.notes.push(...pass.notes);
  const generated = generatedModulesFor(registryPath, [...original.keys()].sort(), original);

  // 6. The registry: gone when no read remains, otherwise collapsed to the decision; `partial` is
  //    what gets written instead when some file cannot be.
  const newRegistryText = editRegistry(registryText, registry.file, decisions, (flag) =>
    report.unresolved.some((s) => s.flag === flag || s.flag === undefined),
  );
  const partialRegistryText = editRegistry(registryText, registry.file, decisions, () => true);
  const changes = new Map<string, string>();
  for (const [file, text] of current) if (text !== original.get(file)) changes.set(file, text);
  // The project's Prettier formats what it found clean before (format.ts); the diff, the
  // verification and the write all see the formatted text.
  if (options.format !== false && changes.size > 0) {
    const formatting = await formatWithProjectPrettier(changes, original, root);
    for (const [file, text] of changes) {
      current.set(file, text);
      if (text === original.get(file)) changes.delete(file);
    }
    report.formatting = {
      ...(formatting.prettier ? { prettier: formatting.prettier } : {}),
      formatted: formatting.formatted.filter((f) => changes.has(f)).map(display),
      notClean: formatting.notClean.map(display),
      failed: formatting.failed.map((f) => ({ file: display(f.file), reason: f.reason })),
    };
  }
  const codeFiles = [...changes.keys()];
  if (newRegistryText !== registryText) changes.set(registryPath, newRegistryText);
  const collapsed =
    newRegistryText !== registryText && report.unresolved.some((s) => s.flag === undefined || decisions.has(s.flag));
  report.registry = {
    file: display(registryPath),
    action: newRegistryText === registryText ? 'unchanged' : collapsed ? 'collapsed' : 'removed',
  };
  for (const [file, text] of regeneratedFrom(newRegistryText, registry.file, generated)) {
    changes.set(file, text);
    report.regenerated.push(display(file));
  }

  // 7. The diff of every change, and how much each file changed.
  const diffs = new Map(
    [...changes].map(([file, text]) => [
      file,
      new LineDiff(file === registryPath ? registryText : (original.get(file) ?? ''), text),
    ]),
  );
  for (const file of changes.keys()) {
    if (file === registryPath || !original.has(file)) continue;
    report.changedFiles.push({
      file: display(file),
      sitesRewritten: (rewrite.results.get(file)?.rewritten.length ?? 0) + (tableEntriesRemoved.get(file) ?? 0),
      linesRemoved: diffs.get(file)!.removedLines,
    });
  }
  report.diff = [...diffs].map(([file, diff]) => diff.unified(display(file))).join('');

  // 8. Verification: a change that breaks the build is never written.
  const check = await checkChanges({
    changes,
    registryPath,
    results: rewrite.results,
    current,
    diffs,
    cwd,
    typeCheck: options.verify !== false,
    display,
  });
  if (
    streams === 'of' &&
    check.verification.errors.length > 0 &&
    [...rewrite.results.values()].some((r) => r.streamsAsOf.length > 0)
  ) {
    // of(value) where a stream was may be what the type check refused: the same run again with
    // those reads left for a human (a run that finished an interrupted one says so still).
    const again = await run(options, 'refused');
    return report.recovered && !again.recovered ? { ...again, recovered: report.recovered } : again;
  }
  report.verification = check.verification;
  report.unresolved.push(...check.blockers);
  const verified = check.blockers.length === 0;
  report.exitCode = report.unresolved.length > 0 ? 1 : 0;
  if (!verified || options.dryRun || changes.size === 0) {
    if (!verified) report.registry = { file: display(registryPath), action: 'unchanged' };
    return report;
  }

  // 9. Write, source files in groups that must change together, the registry and typed modules last.
  const sourceWrites = codeFiles.filter((f) => !generated.has(f));
  const registryWrites = (text: string): Map<string, string> =>
    new Map([
      ...regeneratedFrom(text, registry.file, generated),
      ...(text !== registryText ? [[registryPath, text] as const] : []),
    ]);
  return writeChanges({
    report,
    fail,
    cwd,
    display,
    journal,
    registryPath,
    generated,
    inputs: input.inputs,
    originalBytes: read.originalBytes,
    groups: importGroups(sourceWrites, original, current),
    current,
    complete: registryWrites(newRegistryText),
    partial: registryWrites(partialRegistryText),
  });
}

/**
 * The report of a run killed in its write phase, finished now when this is the same command;
 * `errors` when it cannot be finished; undefined when there is none or another command is run
 * (then `report.recovered` says what was finished).
 */
async function finishInterruptedRun(
  journal: string,
  root: string,
  options: RemoveFlagOptions,
  report: RemovalReport,
  display: Display,
): Promise<{ finished?: RemovalReport; errors?: InputError[] } | undefined> {
  if (!existsSync(journal)) return undefined;
  if (options.dryRun)
    return {
      errors: [
        {
          file: display(journal),
          message: `${display(journal)} is left by a remove-flag run that was interrupted while writing: run the command again without --dry-run to finish it`,
        },
      ],
    };
  let recovery: Recovery | undefined;
  try {
    recovery = recoverJournal(journal);
  } catch (error) {
    return {
      errors: [{ file: display(journal), message: (error as Error).message.replaceAll(journal, display(journal)) }],
    };
  }
  if (!recovery) return undefined;
  report.recovered = {
    journal: display(journal),
    finished: recovery.finished.map(display),
    notWritten: recovery.notWritten.map((n) => displayed(n, display)),
  };
  const interrupted = recovery.summary as RemovalReport;
  const sameCommand =
    Array.isArray(interrupted?.flags) &&
    interrupted.flags.length === options.flags.length &&
    interrupted.flags.every((f, i) => f.flag === options.flags[i]!.flag && String(f.kept) === options.flags[i]!.keep);
  if (!sameCommand) return undefined;
  const finished: RemovalReport = { ...interrupted, recovered: report.recovered };
  if (recovery.notWritten.length > 0) {
    finished.notWritten = [...finished.notWritten, ...report.recovered.notWritten];
    finished.unresolved = [
      ...finished.unresolved,
      ...report.recovered.notWritten.map((n) => ({
        file: n.file,
        line: 1,
        column: 1,
        flag: undefined,
        reason: n.reason,
      })),
    ];
    if (!recovery.complete && finished.registry) finished.registry = { ...finished.registry, action: 'collapsed' };
    finished.exitCode = 1;
  }
  await removeStaleTempFiles(root);
  return { finished };
}

function displayed(n: { path: string; reason: string }, display: Display): { file: string; reason: string } {
  return { file: display(n.path), reason: n.reason.replaceAll(n.path, display(n.path)) };
}

/** What a pass of the rewrite over the files read found and changed in memory; paths as displayed. */
interface Pass {
  rewrite: ProjectRewrite;
  /** Every file's text after the pass. */
  current: Map<string, string>;
  tableEntriesRemoved: Map<string, number>;
  rewritten: Site[];
  keyTableEntries: Site[];
  /** Sites left for a human, and those the user marked as not reads (`notes`). */
  unresolved: Site[];
  notes: Site[];
}

/**
 * Rewrites the files read (those that read the flags, and those importing what they now export as
 * constants), removes the key-table entries, then lists what still names a key. For a removal the
 * mentions are looked for in the rewritten text, which is what gets written; for flags not in the
 * registry (`absent`), nothing is written, so in the text as it is.
 */
async function rewritePass(p: {
  options: RemoveFlagOptions;
  streams: StreamPolicy;
  read: ProjectFiles;
  root: string;
  cwd: string;
  paths: readonly string[];
  registryPath: string;
  display: Display;
  readers: readonly CustomReader[];
  decisions: ReadonlyMap<string, FlagValue>;
  registryKeys: ReadonlySet<string>;
  context: MentionContext;
}): Promise<Pass> {
  const { options, read, display, decisions } = p;
  const current = new Map(read.original);
  const unresolved: Site[] = read.skipped.flatMap(({ file, bytes, reason }) =>
    skippedMentions(display(file), bytes, reason, [...decisions.keys()], p.context),
  );
  const covers = coversProject(p.root, p.cwd, p.paths);
  const rewrite = new ProjectRewrite(p.registryKeys, decisions, current, p.readers, p.streams, covers);
  await rewrite.run(options.onProgress);
  for (const [file, message] of rewrite.unparsable) {
    unresolved.push({
      file: display(file),
      line: message.line,
      column: message.column,
      flag: undefined,
      reason: `${message.text}; the file was skipped, fix the syntax error and run again`,
    });
  }
  const rewritten: Site[] = [];
  for (const [file, result] of rewrite.results) {
    rewritten.push(...result.rewritten.map((s) => ({ ...s, file: display(file) })));
    unresolved.push(...result.unresolved.map((s) => ({ ...s, file: display(file) })));
  }
  const tables = { keyTableEntries: [] as Site[] };
  const tableEntriesRemoved = removeTableEntries(current, decisions, p.registryKeys, covers, tables, display);
  const searched = p.context === 'absent' ? read.original : current;
  const known = p.context === 'absent' ? [...unresolved, ...rewritten, ...tables.keyTableEntries] : unresolved;
  const mentions = await remainingMentions(
    p.root,
    p.cwd,
    p.paths,
    new Set(read.files),
    searched,
    rewrite,
    p.registryPath,
    known,
    p.context,
  );
  unresolved.push(...mentions.sites.map((s) => ({ ...s, file: display(s.file) })));
  const ignoredBy = await ignoreMarks(p.cwd, options.ignore ?? [], read.original, current);
  const pass: Pass = {
    rewrite,
    current,
    tableEntriesRemoved,
    rewritten,
    keyTableEntries: tables.keyTableEntries,
    unresolved: [],
    notes: [],
  };
  for (const site of unresolved) {
    const why = ignoredBy(site);
    if (why) pass.notes.push({ ...site, reason: `${site.reason ?? ''} (not blocking: ${why})` });
    else pass.unresolved.push(site);
  }
  // Text that names the flag (a tour step, a log message) is not a read, and a human may want to
  // reword it; a prop left carrying a constant may go by hand: listed, never blocking.
  pass.notes.push(...[...mentions.prose, ...rewrite.notes].map((s) => ({ ...s, file: display(s.file) })));
  return pass;
}

/** A file neither read nor written that names a key: a read may be in it, so the entry must stay. */
function skippedMentions(
  file: string,
  bytes: Buffer | undefined,
  reason: string,
  keys: readonly string[],
  context: MentionContext,
): Site[] {
  const text = bytes?.toString('latin1') ?? '';
  return keys.flatMap((flag) => {
    const at = text.indexOf(flag);
    if (at < 0) return [];
    return [
      {
        file,
        line: text.slice(0, at).split('\n').length,
        column: 1,
        flag,
        reason: `${reason}; it names ${flag}, ${context === 'absent' ? 'which is not in the registry: a read may be in it' : 'so the entry was kept'}`,
      },
    ];
  });
}

/** Removes the key-table entries and feature-map members of the retired flags from `current`; returns how many went per file. */
function removeTableEntries(
  current: Map<string, string>,
  decisions: ReadonlyMap<string, FlagValue>,
  registryKeys: ReadonlySet<string>,
  coversProject: boolean,
  report: Pick<RemovalReport, 'keyTableEntries'>,
  display: Display,
): Map<string, number> {
  const removedPerFile = new Map<string, number>();
  // A member holding the key goes only once no code names it: every file that could is among
  // those read, which is so when the paths cover the project.
  const isReferenced = (member: string): boolean => {
    if (!coversProject) return true;
    const use = new RegExp(`(?:\\??\\.|\\[\\s*['"\`])\\s*${member.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`);
    return [...current.values()].some((text) => use.test(text));
  };
  for (const [file, text] of current) {
    if (isGenerated(text)) continue;
    const { output, removed } = removeKeyTableEntries(
      file,
      text,
      new Set(decisions.keys()),
      registryKeys,
      isReferenced,
    );
    if (removed.length === 0) continue;
    current.set(file, output);
    removedPerFile.set(file, removed.length);
    report.keyTableEntries.push(
      ...removed.map((r) => ({ file: display(file), line: r.line, column: r.column, flag: r.flag })),
    );
  }
  return removedPerFile;
}

/** Writes the change (write-plan.ts) and reports what was written, not what was planned: a file not written keeps its reads and the entry. */
async function writeChanges(w: {
  report: RemovalReport;
  fail: (errors: InputError[]) => RemovalReport;
  cwd: string;
  display: Display;
  journal: string;
  registryPath: string;
  generated: ReadonlyMap<string, string>;
  inputs: Inputs;
  originalBytes: ReadonlyMap<string, Buffer>;
  groups: string[][];
  current: ReadonlyMap<string, string>;
  /** The registry and typed modules when every source file is written, and when some is not. */
  complete: ReadonlyMap<string, string>;
  partial: ReadonlyMap<string, string>;
}): Promise<RemovalReport> {
  const { report, registryPath, display } = w;
  const planned = (file: string, text: string): PlannedWrite => ({
    path: file,
    original: file === registryPath ? w.inputs.registryBytes : w.originalBytes.get(file)!,
    text,
  });
  const reportWritten = (outcome: WriteResult): RemovalReport => {
    const written = new Set(outcome.written);
    const notWritten = outcome.notWritten.map((n) => displayed(n, display));
    const unresolved: Site[] = [
      ...report.unresolved,
      ...notWritten.map((n) => ({ file: n.file, line: 1, column: 1, flag: undefined, reason: n.reason })),
    ];
    const registryAction = !written.has(registryPath)
      ? 'unchanged'
      : outcome.complete
        ? report.registry!.action
        : 'collapsed';
    return {
      ...report,
      written: written.size > 0,
      notWritten,
      unresolved,
      changedFiles: report.changedFiles.filter((f) => written.has(resolve(w.cwd, f.file))),
      formatting: {
        ...report.formatting,
        formatted: report.formatting.formatted.filter((f) => written.has(resolve(w.cwd, f))),
        notClean: report.formatting.notClean.filter((f) => written.has(resolve(w.cwd, f))),
        failed: report.formatting.failed.filter((f) => written.has(resolve(w.cwd, f.file))),
      },
      regenerated: outcome.written.filter((f) => w.generated.has(f)).map(display),
      registry: { file: display(registryPath), action: registryAction },
      exitCode: unresolved.length > 0 ? 1 : 0,
    };
  };
  const result = await applyWritePlan({
    groups: w.groups.map((group) => group.map((f) => planned(f, w.current.get(f)!))),
    complete: [...w.complete].map(([file, text]) => planned(file, text)),
    partial: [...w.partial].map(([file, text]) => planned(file, text)),
    journal: w.journal,
    summary: (outcome: WriteResult): RemovalReport => ({ ...reportWritten(outcome), diff: '' }),
  });
  if (result.abort) return w.fail([{ message: result.abort.replaceAll(w.cwd + sep, '') }]);
  return reportWritten(result);
}
