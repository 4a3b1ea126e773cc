/** What a run did, for people (`formatReport`) and for tools (`formatJsonReport`, the `--json` output). */
import type { FlagValue } from 'modelflags/registry';
import type { Site } from './rewrite.js';
import type { NewTypeError } from './verify.js';

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
  /**
   * Flags named that are not in the registry: retired already, or never flags. Nothing is done for
   * them; with exit 0, no code reads them (the removal's own search found nothing), with exit 1
   * `unresolved` lists what may.
   */
  notInRegistry: string[];
  /** Files changed (for a real run: written). */
  changedFiles: ChangedFile[];
  /** Reads replaced by the kept value. */
  rewritten: Site[];
  /** Members that held a retired key and went with it: of key tables, enums, typed feature maps. Not reads. */
  keyTableEntries: Site[];
  /** Sites a human has to finish, with the reason (also files that could not be parsed or written). */
  unresolved: Site[];
  /** Sites the user marked as not reading the flag (`--ignore`, `// remove-flag-ignore`): listed, not blocking. */
  notes: Site[];
  /** What happened to the registry entry (for a real run: what was written). */
  registry: { file: string; action: 'removed' | 'collapsed' | 'unchanged' } | undefined;
  /** Typed modules regenerated from the edited registry. */
  regenerated: string[];
  /**
   * The project's own Prettier (its version, when one was found) formatted `formatted`, changed
   * files that were Prettier-clean before the run; `notClean` were not and `failed` Prettier could
   * not check or format, and are as the rewrite made them. Empty with `--no-format`.
   */
  formatting: {
    prettier?: string;
    formatted: string[];
    notClean: string[];
    failed: { file: string; reason: string }[];
  };
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

/** A report with nothing in it yet. */
export function emptyReport(): RemovalReport {
  return {
    exitCode: 0,
    errors: [],
    flags: [],
    notInRegistry: [],
    changedFiles: [],
    rewritten: [],
    keyTableEntries: [],
    unresolved: [],
    notes: [],
    registry: undefined,
    regenerated: [],
    formatting: { formatted: [], notClean: [], failed: [] },
    verification: { typeChecked: false, errors: [] },
    written: false,
    skipped: [],
    notWritten: [],
    diff: '',
  };
}

/** The human-readable report printed by the CLI. */
export function formatReport(report: RemovalReport, options: { dryRun?: boolean } = {}): string {
  const lines: string[] = [];
  if (report.recovered) {
    const { journal, finished, notWritten } = report.recovered;
    const refused = notWritten.length > 0 ? `; ${notWritten.length} could not be (under "Not written")` : '';
    lines.push(
      `Finished a remove-flag run that was interrupted while writing (${journal}): ${finished.length} file(s) written now${refused}.`,
    );
  }
  if (report.errors.length > 0) {
    for (const e of report.errors)
      lines.push(
        e.message.startsWith(`${e.file}:`) || !e.file
          ? e.message
          : `${e.file}${e.line ? `:${e.line}:${e.column ?? 1}` : ''}: ${e.message}`,
      );
    lines.push(report.recovered ? 'Nothing else was changed.' : 'Nothing was changed.');
    return lines.join('\n') + '\n';
  }
  const decided = report.flags.map((f) => `${f.flag} → ${JSON.stringify(f.kept)}`).join(', ');
  if (options.dryRun && report.diff) lines.push(report.diff.trimEnd(), '');
  const verb = report.written ? 'Changed' : options.dryRun ? 'Would change' : 'Did not change';
  if (report.notInRegistry.length > 0) lines.push(notInRegistry(report));
  if (report.flags.length > 0)
    lines.push(
      `remove-flag ${decided}: ${report.rewritten.length} read(s) rewritten${tableEntries(report.keyTableEntries.length)} in ${report.changedFiles.length} file(s).`,
    );
  if (report.changedFiles.length > 0) {
    lines.push(`${verb}:`);
    for (const f of report.changedFiles)
      lines.push(`  ${f.file} (${f.sitesRewritten} site(s), ${f.linesRemoved} line(s) removed)`);
  }
  const { prettier, formatted, notClean, failed } = report.formatting;
  if (formatted.length > 0) {
    lines.push(`Formatted with the project's Prettier ${prettier}: ${formatted.length} file(s).`);
    // Said only where the project evidently formats with Prettier: a Prettier installed for
    // another tool formats nothing, and then every changed file is "not clean" to it.
    if (notClean.length > 0) {
      lines.push(`Not Prettier-clean before the run, so left as rewritten (${notClean.length}):`);
      for (const f of notClean) lines.push(`  ${f}`);
    }
  }
  if (failed.length > 0) {
    lines.push(`Prettier failed, so left as rewritten (${failed.length}):`);
    for (const f of failed) lines.push(`  ${f.file}: ${f.reason}`);
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
    lines.push(
      report.registry.action === 'removed'
        ? `Registry: ${would}removed from ${report.registry.file}.`
        : `Registry: ${would}collapsed in ${report.registry.file} to serve the kept value to everyone; run remove-flag again once the sites below are fixed.`,
    );
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
  if (report.verification.typeChecked && report.verification.errors.length === 0)
    lines.push('Type check: no new errors.');
  return lines.join('\n') + '\n';
}

/** The report as `--json` prints it. */
export function formatJsonReport(report: RemovalReport): string {
  return JSON.stringify(report, null, 2);
}

/** The line for flags named that are not in the registry: nothing to do, or the sites that may still read them. */
function notInRegistry(report: RemovalReport): string {
  const keys = report.notInRegistry.join(', ');
  const where = report.registry?.file ?? 'the registry';
  // Sites listed before the removal of the other flags ran are all about these (remove-flag.ts).
  return report.flags.length === 0 && report.unresolved.length > 0
    ? `remove-flag ${keys}: not in ${where}, but ${report.unresolved.length} site(s) may still read it; nothing changed.`
    : `remove-flag ${keys}: not in ${where}, and no code reads it; nothing ${report.flags.length === 0 ? 'changed' : 'to do for it'}.`;
}

/** The key-table members removed, for the summary line: counted apart from reads, which they are not. */
function tableEntries(count: number): string {
  return count === 0 ? '' : `, ${count} key-table ${count === 1 ? 'entry' : 'entries'} removed`;
}
