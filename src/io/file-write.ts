/**
 * The one way this project replaces a user's file: the CLI's `--out` files, the guardrail's
 * write-back into the registry and remove-flag's rewrites all go through {@link writeFileAtomic}.
 *
 * What a user had must survive a write: a reader never sees half a file (temporary file in the
 * same directory, then a rename), a symlink stays a symlink (the target is written), the mode and
 * owner stay, a read-only file is refused rather than replaced, and a save the user made after the
 * tool read the file is never overwritten (compare-and-swap against the bytes the tool read).
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fsync,
  fchownSync,
  fsyncSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type FileWriteFailure = 'changed' | 'read-only' | 'not-a-file' | 'io';

/** A write that was refused or failed; the file on disk is as it was. */
export class FileWriteError extends Error {
  constructor(
    readonly file: string,
    readonly failure: FileWriteFailure,
    message: string,
  ) {
    super(message);
    this.name = 'FileWriteError';
  }
}

export interface WriteOptions {
  /**
   * The bytes the file held when the caller read it. The write is refused with `changed` when the
   * file holds anything else just before the rename; `null` means the file must not exist yet.
   * Omitted: no check.
   */
  expected?: string | Uint8Array | null;
}

/** Temporary files this writer creates are named `.<file>.<pid>.<random>.mf-tmp`, next to the file. */
export const TEMP_FILE_PATTERN = /^\..+\.(\d+)\.[0-9a-f]{12}\.mf-tmp$/;

/** remove-flag 0.1's temporary files (`.<file>.<pid>.remove-flag.tmp`), which a failed run left behind. */
export const LEGACY_REMOVE_FLAG_TEMP_PATTERN = /^\..+\.(\d+)\.remove-flag\.tmp$/;

/**
 * Replaces the contents of `path` (the file a symlink points to, for a symlink) with `data`.
 * Returns the path actually written. Throws {@link FileWriteError}; on any failure the file is
 * unchanged and no temporary file is left.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): string {
  const staged = stageFileWrite(path, data, options);
  staged.commit(options.expected);
  return staged.target;
}

/**
 * A write prepared up to its last step: the new contents are in a synced temporary file next to
 * the target, with the target's mode and owner. Writers of several files stage them all first,
 * so that a full disk or an unwritable folder fails before any file is replaced.
 */
export interface StagedWrite {
  /** The path asked for. */
  readonly path: string;
  /** The file that will be replaced (a symlink's target). */
  readonly target: string;
  readonly temp: string;
  /** Compare-and-swap (see {@link WriteOptions.expected}), then rename; throws {@link FileWriteError}, leaving the target as it was. */
  commit(expected?: string | Uint8Array | null): void;
  /** Removes the temporary file; the target is untouched. */
  discard(): void;
}

/**
 * Throws the {@link FileWriteError} a write of `path` would fail with before writing anything
 * (not a regular file, read-only, a folder that cannot take a new file), without writing.
 */
export function checkWritable(path: string): void {
  const target = realTarget(path);
  refuseUnwritable(path, statIfExists(target), undefined);
  try {
    accessSync(dirname(target), constants.W_OK);
  } catch (error) {
    throw ioFailure(path, error);
  }
}

/** Stages a write (see {@link StagedWrite}); throws {@link FileWriteError} and leaves nothing behind. */
export function stageFileWrite(path: string, data: string | Uint8Array, options: WriteOptions = {}): StagedWrite {
  const { staged, fd } = stageUnsynced(path, data, options);
  try {
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    staged.discard();
    throw ioFailure(path, error);
  }
  closeSync(fd);
  return staged;
}

/**
 * Stages many writes (see {@link StagedWrite}), in order; on the first failure every one staged
 * is discarded and its {@link FileWriteError} thrown. The same as {@link stageFileWrite} in a
 * loop, but the files are synced to disk concurrently, a batch at a time: one by one, each sync
 * waits for its own journal commit (about 1.5 s for 300 files on this project's machine).
 */
export async function stageFileWrites(
  writes: readonly { path: string; data: string | Uint8Array }[],
): Promise<StagedWrite[]> {
  const staged: StagedWrite[] = [];
  try {
    for (let start = 0; start < writes.length; start += SYNC_BATCH) {
      const batch: { staged: StagedWrite; fd: number }[] = [];
      try {
        for (const w of writes.slice(start, start + SYNC_BATCH)) {
          const one = stageUnsynced(w.path, w.data, {});
          batch.push(one);
          staged.push(one.staged);
        }
        const synced = await Promise.allSettled(
          batch.map(
            ({ fd }) =>
              new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))),
          ),
        );
        const failed = synced.findIndex((r) => r.status === 'rejected');
        if (failed >= 0) throw ioFailure(batch[failed]!.staged.path, (synced[failed] as PromiseRejectedResult).reason);
      } finally {
        for (const { fd } of batch) closeSync(fd);
      }
    }
  } catch (error) {
    for (const s of staged) s.discard();
    throw error;
  }
  return staged;
}

const SYNC_BATCH = 64;

/** A staged write with its temporary file still open and not yet synced. */
function stageUnsynced(
  path: string,
  data: string | Uint8Array,
  options: WriteOptions,
): { staged: StagedWrite; fd: number } {
  const target = realTarget(path);
  const existing = statIfExists(target);
  refuseUnwritable(path, existing, options.expected);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.mf-tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', existing ? existing.mode & 0o777 : 0o666);
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (existing) {
      fchmodSync(fd, existing.mode & 0o7777);
      keepOwner(fd, existing);
    }
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw ioFailure(path, error);
  }
  const staged: StagedWrite = {
    path,
    target,
    temp,
    commit: (expected) => commitStagedFile(path, temp, target, expected),
    discard: () => rmSync(temp, { force: true }),
  };
  return { staged, fd };
}

/**
 * The last step of a staged write, also for a temporary file staged by an earlier process (a
 * journal's): checks the target against `expected` and renames `temp` over it. On failure the
 * target is as it was and `temp` is removed.
 */
export function commitStagedFile(
  path: string,
  temp: string,
  target: string,
  expected?: string | Uint8Array | null,
): void {
  try {
    const existing = statIfExists(target);
    refuseUnwritable(path, existing, expected);
    if (expected !== undefined && expected !== null && !sameBytes(readIfExists(target), expected)) {
      throw new FileWriteError(
        path,
        'changed',
        `${path} changed on disk after it was read (saved in an editor?); it was not written, run again`,
      );
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw ioFailure(path, error);
  }
}

function refuseUnwritable(
  path: string,
  existing: Stats | undefined,
  expected: string | Uint8Array | null | undefined,
): void {
  if (existing && !existing.isFile())
    throw new FileWriteError(path, 'not-a-file', `${path} is not a regular file; it was not written`);
  // Root passes every permission check, so the mode bits are what say "do not touch this file".
  if (existing && (existing.mode & 0o222) === 0)
    throw new FileWriteError(
      path,
      'read-only',
      `${path} is read-only; it was not written (make it writable and run again)`,
    );
  if (expected === null && existing)
    throw new FileWriteError(path, 'changed', `${path} was created by someone else while this ran; it was not written`);
}

function ioFailure(path: string, error: unknown): FileWriteError {
  if (error instanceof FileWriteError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new FileWriteError(
    path,
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'read-only' : 'io',
    `cannot write ${path}: ${describeErrno(error)}`,
  );
}

/**
 * Whether `name` is a temporary file of this writer whose process is gone (killed mid-write), so
 * that removing it cannot disturb a write in progress.
 */
export function isStaleTempFile(name: string): boolean {
  const match = TEMP_FILE_PATTERN.exec(name) ?? LEGACY_REMOVE_FLAG_TEMP_PATTERN.exec(name);
  return match !== null && isProcessGone(Number(match[1]));
}

/** Whether no process `pid` runs any more (this process never counts as gone). */
export function isProcessGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Short, stack-free text for a file-system error (`EACCES: permission denied`), or the message of
 * any other thrown value. Never throws: it formats errors inside error handlers and timers, and
 * thrown values include null-prototype objects, revoked proxies and objects whose getters or
 * `toString` throw.
 */
export function describeErrno(error: unknown): string {
  try {
    const e = error as NodeJS.ErrnoException;
    if (typeof e?.code === 'string') {
      const reason =
        typeof e.message === 'string' ? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') : e.code;
      return `${e.code}: ${reason}`;
    }
    return String((error as Error)?.message ?? error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return 'a value that cannot be printed';
    }
  }
}

function realTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // A file that does not exist yet: its directory may still be reached through a symlink.
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `no such directory ${dirname(path)}`
          : describeErrno(error);
      throw new FileWriteError(path, 'io', `cannot write ${path}: ${reason}`);
    }
  }
}

function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function sameBytes(actual: Buffer | undefined, expected: string | Uint8Array): boolean {
  if (actual === undefined) return false;
  return actual.equals(typeof expected === 'string' ? Buffer.from(expected, 'utf8') : expected);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

function keepOwner(fd: number, existing: Stats): void {
  if (typeof process.getuid !== 'function') return;
  if (existing.uid === process.getuid() && existing.gid === process.getgid?.()) return;
  try {
    fchownSync(fd, existing.uid, existing.gid);
  } catch {
    // Only root may give a file away; anyone else writes the file as themselves, as an editor would.
  }
}
