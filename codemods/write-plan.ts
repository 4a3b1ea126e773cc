/**
 * remove-flag's write phase: every file of a run is replaced or none is, as far as a process that
 * can be killed at any instruction allows. The order:
 *
 * 1. Pre-check every file (still the bytes read, a regular file, writable). A source file that
 *    fails takes its group with it (files whose changes depend on each other through imports),
 *    and the registry is then collapsed instead of losing the entry.
 * 2. Stage every new file as a synced temporary file next to its target: a full disk or an
 *    unwritable folder fails here, with nothing replaced.
 * 3. Write the journal (`.remove-flag-journal.json` next to the registry): each target with the
 *    hash of the bytes read, the hash of the new bytes and its staged temporary file.
 * 4. Rename the source files, then the typed modules, then the registry, each compare-and-swap
 *    against the bytes read. A group whose file changed meanwhile is put back as it was.
 * 5. Delete the journal.
 *
 * A run killed before 3 left the tree as it was plus temporary files of a dead process, which the
 * next run removes. A run killed after 3 is rolled forward by the next run ({@link recoverJournal}):
 * a target holding its new bytes is done, one holding the bytes read gets its staged file, and one
 * holding anything else (a user edited it since) is left alone and reported, which makes the
 * registry collapse rather than lose the entry. Rolling forward rather than back because the
 * change was complete and verified when the journal was written, and because the staged files
 * are the only copy of it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { globby } from 'globby';
import {
  checkWritable,
  commitStagedFile,
  FileWriteError,
  isProcessGone,
  isStaleTempFile,
  stageFileWrites,
  writeFileAtomic,
  type StagedWrite,
} from 'modelflags/io';

export interface PlannedWrite {
  path: string;
  /** The bytes read, which must still be there when the file is replaced. */
  original: Uint8Array;
  text: string;
}

export interface WritePlan {
  /** Source files in groups written all or none. */
  groups: PlannedWrite[][];
  /** Typed modules then the registry, written last when every group was written. */
  complete: PlannedWrite[];
  /** The same with the entry collapsed, written last when some group was not. */
  partial: PlannedWrite[];
  journal: string;
  /**
   * What the run reports if every write from here on succeeds (`outcome`: the writes as planned
   * after the pre-checks); kept in the journal for the run that finishes this one to report.
   */
  summary: (outcome: WriteResult) => unknown;
}

export interface NotWritten {
  path: string;
  reason: string;
  /** The file holds what the user put there, not the bytes read: the read may have changed. */
  failure: FileWriteError['failure'] | 'depends';
}

export interface WriteResult {
  written: string[];
  notWritten: NotWritten[];
  /** Whether `complete` (rather than `partial`) was written last. */
  complete: boolean;
  /** Set when nothing could be written at all (the tree is as it was). */
  abort?: string;
}

interface JournalEntry {
  path: string;
  target: string;
  temp: string;
  original: string;
  new: string;
}

interface Journal {
  version: 1;
  pid: number;
  summary: unknown;
  groups: JournalEntry[][];
  last: JournalEntry[];
  lastIsComplete: boolean;
  /** What to write last instead when a group turns out unwritable while finishing. */
  partial: { path: string; original: string; text: string }[];
}

/** The journal of runs retiring flags from this registry. */
export function journalPathFor(registryPath: string): string {
  return join(dirname(registryPath), '.remove-flag-journal.json');
}

/** Writes the plan (see the module comment); never throws for file-system failures. */
export async function applyWritePlan(plan: WritePlan): Promise<WriteResult> {
  const result: WriteResult = { written: [], notWritten: [], complete: true };
  const writable: PlannedWrite[][] = [];
  for (const group of plan.groups) {
    const refused = group.map((w) => [w, precheck(w)] as const).find(([, problem]) => problem);
    if (!refused) {
      writable.push(group);
      continue;
    }
    const [culprit, problem] = refused;
    for (const w of group)
      result.notWritten.push(
        w === culprit
          ? { path: w.path, ...problem! }
          : {
              path: w.path,
              failure: 'depends',
              reason: `not written because ${culprit.path} was not, and this change depends on it`,
            },
      );
  }
  result.complete = writable.length === plan.groups.length;
  const last = result.complete ? plan.complete : plan.partial;
  for (const w of last) {
    const problem = precheck(w);
    if (problem)
      return {
        ...result,
        written: [],
        notWritten: [],
        abort: problem.reason.replace('it was not written', 'nothing was written'),
      };
  }

  const staged = new Map<PlannedWrite, StagedWrite>();
  const discardAll = (): void => {
    for (const s of staged.values()) s.discard();
  };
  const toStage = [...writable.flat(), ...last];
  try {
    for (const [i, s] of (await stageFileWrites(toStage.map((w) => ({ path: w.path, data: w.text })))).entries())
      staged.set(toStage[i]!, s);
  } catch (error) {
    return { ...result, notWritten: [], abort: `${(error as Error).message}; nothing was written` };
  }
  const entry = (w: PlannedWrite): JournalEntry => ({
    path: w.path,
    target: staged.get(w)!.target,
    temp: staged.get(w)!.temp,
    original: sha256(w.original),
    new: sha256(Buffer.from(w.text, 'utf8')),
  });
  const journal: Journal = {
    version: 1,
    pid: process.pid,
    summary: plan.summary({
      written: [...writable.flat(), ...last].map((w) => w.path),
      notWritten: result.notWritten,
      complete: result.complete,
    }),
    groups: writable.map((g) => g.map(entry)),
    last: last.map(entry),
    lastIsComplete: result.complete,
    partial: result.complete
      ? plan.partial.map((w) => ({ path: w.path, original: sha256(w.original), text: w.text }))
      : [],
  };
  await pauseForTest(-1);
  try {
    writeFileAtomic(plan.journal, JSON.stringify(journal), { expected: null });
  } catch (error) {
    discardAll();
    return {
      ...result,
      notWritten: [],
      abort: `cannot write the journal: ${(error as Error).message}; nothing was written`,
    };
  }

  let renames = 0;
  await pauseForTest(renames);
  for (const group of writable) {
    const done: PlannedWrite[] = [];
    for (const [i, w] of group.entries()) {
      try {
        staged.get(w)!.commit(w.original);
        done.push(w);
        await pauseForTest(++renames);
      } catch (error) {
        // Put the group back as it was: half of a cross-file change does not build.
        for (const d of done) restore(d, result);
        for (const rest of group.slice(i + 1)) staged.get(rest)!.discard();
        for (const other of group) {
          if (other === w)
            result.notWritten.push({ path: w.path, failure: failureOf(error), reason: (error as Error).message });
          else if (!result.notWritten.some((n) => n.path === other.path))
            result.notWritten.push({
              path: other.path,
              failure: 'depends',
              reason: `not written because ${w.path} was not, and this change depends on it`,
            });
        }
        break;
      }
    }
    if (done.length === group.length) result.written.push(...done.map((d) => d.path));
  }

  let lastWrites = last;
  if (result.complete && result.notWritten.length > 0) {
    for (const w of last) staged.get(w)!.discard();
    result.complete = false;
    lastWrites = plan.partial;
  }
  for (const w of lastWrites) {
    try {
      const s = staged.get(w);
      if (s) s.commit(w.original);
      else writeFileAtomic(w.path, w.text, { expected: w.original });
      result.written.push(w.path);
      await pauseForTest(++renames);
    } catch (error) {
      result.notWritten.push({ path: w.path, failure: failureOf(error), reason: (error as Error).message });
    }
  }
  rmSync(plan.journal, { force: true });
  return result;
}

export interface Recovery {
  journal: string;
  /** The report of the run that was interrupted. */
  summary: unknown;
  /** Files this recovery wrote (the interrupted run's remaining renames). */
  finished: string[];
  notWritten: NotWritten[];
  /** Whether the registry ended as the interrupted run planned (false: collapsed instead). */
  complete: boolean;
}

/**
 * Finishes the run a journal describes (see the module comment). Undefined when there is no
 * journal; throws {@link FileWriteError} when the journal cannot be read, for a human to look at.
 */
export function recoverJournal(journalPath: string): Recovery | undefined {
  if (!existsSync(journalPath)) return undefined;
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
    if (journal.version !== 1 || !Array.isArray(journal.groups) || !Array.isArray(journal.last))
      throw new Error('not a journal of this version');
  } catch (error) {
    throw new FileWriteError(
      journalPath,
      'io',
      `${journalPath} is left from an interrupted remove-flag run but cannot be read (${(error as Error).message}); check the files it names, then delete it and run again`,
    );
  }
  if (typeof journal.pid === 'number' && !isProcessGone(journal.pid)) {
    throw new FileWriteError(
      journalPath,
      'changed',
      `another remove-flag run (process ${journal.pid}) is writing this project (${journalPath}): wait for it to finish, then run again (if no such run exists, check the files the journal names and delete it)`,
    );
  }
  const recovery: Recovery = {
    journal: journalPath,
    summary: journal.summary,
    finished: [],
    notWritten: [],
    complete: journal.lastIsComplete,
  };
  const finish = (e: JournalEntry): boolean => {
    const current = readIfExists(e.target);
    const hash = current && sha256(current);
    if (hash === e.new) return true;
    if (hash === e.original && existsSync(e.temp) && sha256(readFileSync(e.temp)) === e.new) {
      try {
        commitStagedFile(e.path, e.temp, e.target, current);
        recovery.finished.push(e.path);
        return true;
      } catch (error) {
        recovery.notWritten.push({ path: e.path, failure: failureOf(error), reason: (error as Error).message });
        return false;
      }
    }
    const reason =
      hash === e.original
        ? 'its new contents, staged by the interrupted run, are gone'
        : 'it was edited after the interrupted run read it';
    recovery.notWritten.push({ path: e.path, failure: 'changed', reason: `${e.path} was not written: ${reason}` });
    return false;
  };
  // The registry goes last: when it holds its new bytes, every other rename had happened.
  const registryDone =
    journal.last.length > 0 &&
    sha256(readIfExists(journal.last.at(-1)!.target) ?? Buffer.alloc(0)) === journal.last.at(-1)!.new;
  if (!registryDone) {
    let allGroups = true;
    for (const group of journal.groups) for (const e of group) allGroups = finish(e) && allGroups;
    if (allGroups || !journal.lastIsComplete) {
      for (const e of journal.last) finish(e);
    } else {
      recovery.complete = false;
      for (const p of journal.partial) {
        const current = readIfExists(p.path);
        if (current && sha256(current) === sha256(Buffer.from(p.text, 'utf8'))) continue;
        try {
          if (!current || sha256(current) !== p.original)
            throw new FileWriteError(
              p.path,
              'changed',
              `${p.path} was edited after the interrupted run read it; it was not written`,
            );
          writeFileAtomic(p.path, p.text, { expected: current });
          recovery.finished.push(p.path);
        } catch (error) {
          recovery.notWritten.push({ path: p.path, failure: failureOf(error), reason: (error as Error).message });
        }
      }
    }
  }
  for (const e of [...journal.groups.flat(), ...journal.last]) rmSync(e.temp, { force: true });
  rmSync(journalPath, { force: true });
  return recovery;
}

/** Removes temporary files of this project's writer left by killed processes; returns them. */
export async function removeStaleTempFiles(root: string): Promise<string[]> {
  const temps = await globby(['**/.*.mf-tmp', '**/.*.remove-flag.tmp'], {
    cwd: root,
    absolute: true,
    dot: true,
    ignore: ['**/node_modules/**'],
    suppressErrors: true,
  });
  return temps.filter((t) => {
    if (!isStaleTempFile(basename(t))) return false;
    try {
      rmSync(t, { force: true });
      return true;
    } catch {
      // Left for whoever may delete it: it is not a file of the project.
      return false;
    }
  });
}

function precheck(w: PlannedWrite): Omit<NotWritten, 'path'> | undefined {
  try {
    checkWritable(w.path);
  } catch (error) {
    return { failure: failureOf(error), reason: (error as Error).message };
  }
  const current = readIfExists(w.path);
  if (!current || !Buffer.from(w.original).equals(current)) {
    return {
      failure: 'changed',
      reason: `${w.path} changed on disk after it was read (saved in an editor?); it was not written, run again`,
    };
  }
  return undefined;
}

function restore(w: PlannedWrite, result: WriteResult): void {
  try {
    writeFileAtomic(w.path, w.original, { expected: w.text });
  } catch (error) {
    result.notWritten.push({
      path: w.path,
      failure: failureOf(error),
      reason: `written, but could not be put back as it was (${(error as Error).message}): its group is half written`,
    });
  }
}

function failureOf(error: unknown): NotWritten['failure'] {
  return error instanceof FileWriteError ? error.failure : 'io';
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Test seam for a kill at a chosen point of the write phase: with
 * `REMOVE_FLAG_TEST_PAUSE_AFTER_RENAMES=<n>` the process says so on stderr and waits for SIGUSR2
 * once `n` files are renamed (0: the journal is written, nothing renamed; -1: every file staged,
 * no journal yet). Tests kill it there, or change a file and let it go on.
 */
async function pauseForTest(renames: number): Promise<void> {
  const at = process.env['REMOVE_FLAG_TEST_PAUSE_AFTER_RENAMES'];
  if (at === undefined || Number(at) !== renames) return;
  await new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    process.once('SIGUSR2', () => {
      clearInterval(keepAlive);
      resolve();
    });
    writeSync(2, `remove-flag: paused after ${renames} renames\n`);
  });
}
