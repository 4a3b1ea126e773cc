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
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
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
export const TEMP_FILE_PATTERN = /^\..+\.\d+\.[0-9a-f]{12}\.mf-tmp$/;

/**
 * Replaces the contents of `path` (the file a symlink points to, for a symlink) with `data`.
 * Returns the path actually written. Throws {@link FileWriteError}; on any failure the file is
 * unchanged and no temporary file is left.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): string {
  const target = realTarget(path);
  const existing = statIfExists(target);
  if (existing && !existing.isFile()) throw new FileWriteError(path, 'not-a-file', `${path} is not a regular file; it was not written`);
  // Root passes every permission check, so the mode bits are what say "do not touch this file".
  if (existing && (existing.mode & 0o222) === 0) throw new FileWriteError(path, 'read-only', `${path} is read-only; it was not written (make it writable and run again)`);
  if (options.expected === null && existing) throw new FileWriteError(path, 'changed', `${path} was created by someone else while this ran; it was not written`);

  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.mf-tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', existing ? existing.mode & 0o777 : 0o666);
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (existing) {
      fchmodSync(fd, existing.mode & 0o7777);
      keepOwner(fd, existing);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.expected !== undefined && options.expected !== null && !sameBytes(readIfExists(target), options.expected)) {
      throw new FileWriteError(path, 'changed', `${path} changed on disk after it was read (saved in an editor?); it was not written, run again`);
    }
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    if (error instanceof FileWriteError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileWriteError(path, code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'read-only' : 'io', `cannot write ${path}: ${describeErrno(error)}`);
  }
  return target;
}

/** Short, stack-free text for a file-system error (`EACCES: permission denied`). */
export function describeErrno(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code === 'string') {
    const reason = typeof e.message === 'string' ? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') : e.code;
    return `${e.code}: ${reason}`;
  }
  return String((error as Error)?.message ?? error);
}

function realTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // A file that does not exist yet: its directory may still be reached through a symlink.
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch (error) {
      throw new FileWriteError(path, 'io', `cannot write ${path}: ${describeErrno(error)}`);
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
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
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
