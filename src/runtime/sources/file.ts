/** A registry file on disk, hot reloaded: watch events, a content-hash poll, and symlink swaps. */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  statSync,
  watch,
  type FSWatcher,
  type Stats,
} from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { describeErrno } from '../../io/file-write.js';
import { durationOption, sizeOption } from '../limits.js';
import { guarded, type FlagSource, type SourceDocument } from './source.js';

export interface FileSourceOptions {
  /**
   * How often the content hash is checked when no watch event arrives (default 1000 ms). File
   * watching misses events on some file systems and mounts; the poll is the safety net.
   */
  pollIntervalMs?: number;
  /** Delay after a watch event before reading, so bursts of events become one read (default 5 ms). */
  debounceMs?: number;
  /** A file larger than this is refused with an `error` event (default 8 MiB, {@link DEFAULT_MAX_REGISTRY_BYTES}). */
  maxBytes?: number;
}

const NON_BLOCKING = (constants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0;

/**
 * Reads a registry file: a regular file (or a symlink to one) of at most `maxBytes`, or an error
 * saying why not. Reading a FIFO blocks the event loop until a writer appears, and `/dev/zero`
 * never ends. So: `stat` first, which keeps devices from even being opened (opening some has
 * effects); then, because the file can be swapped between the two calls, open non-blocking and
 * check again with `fstat` on the open descriptor. Reads at most `maxBytes + 1` bytes even when the
 * file grows while it is read.
 */
function readRegularFile(path: string, maxBytes: number): string {
  const notAFile = (stats: Stats): Error =>
    new UnreadableFile(`it is ${fileKind(stats)}, not a regular file; point the source at the registry file itself`);
  const tooLarge = (size?: number): Error =>
    new UnreadableFile(
      `it is ${size === undefined ? 'larger than maxBytes' : `${size} bytes, more than maxBytes`} (${maxBytes} bytes); raise maxBytes if the registry really is that large`,
    );
  const describe = (error: unknown): Error =>
    error instanceof UnreadableFile ? error : new Error(describeErrno(error));
  let fd: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw notAFile(stats);
    fd = openSync(path, constants.O_RDONLY | NON_BLOCKING);
  } catch (error) {
    throw describe(error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notAFile(stats);
    if (stats.size > maxBytes) throw tooLarge(stats.size);
    let buffer = Buffer.allocUnsafe(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge();
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return buffer.toString('utf8', 0, length);
      length += read;
    }
  } catch (error) {
    throw describe(error);
  } finally {
    closeSync(fd);
  }
}

/** Why a registry file was refused, already phrased for the user (an fs error is not). */
class UnreadableFile extends Error {}

function fileKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

/**
 * A registry file, reloaded when its content changes. Watches the directory rather than the file,
 * because an atomic rename or a Kubernetes ConfigMap update (a `..data` symlink swapped in the
 * directory) replaces the inode a file watch would follow. Decides by content hash, never by
 * inode or mtime, which both lie under those update patterns.
 */
export function fileSource(path: string, options: FileSourceOptions = {}): FlagSource {
  const absolute = resolvePath(path);
  const pollIntervalMs = durationOption('fileSource: pollIntervalMs', options.pollIntervalMs, 1000);
  const debounceMs = durationOption('fileSource: debounceMs', options.debounceMs, 5, true);
  const maxBytes = sizeOption('fileSource: maxBytes', options.maxBytes);

  const readNow = (): SourceDocument => ({ text: readRegularFile(absolute, maxBytes), origin: path });

  return {
    description: path,
    readSync: readNow,
    watch(target) {
      const sink = guarded(target);
      let lastHash: string | undefined;
      let lastErrorMessage: string | undefined;
      let pending: NodeJS.Timeout | undefined;
      let stopped = false;
      const watchers: FSWatcher[] = [];

      try {
        lastHash = hashOf(readRegularFile(absolute, maxBytes));
      } catch {
        lastHash = undefined;
      }

      const check = (): void => {
        pending = undefined;
        if (stopped) return;
        let text: string;
        try {
          text = readRegularFile(absolute, maxBytes);
        } catch (error) {
          const message = `cannot read ${path}: ${describeErrno(error)}; still serving the last good registry`;
          // A missing file is reported once, not on every poll, until it comes back.
          if (message !== lastErrorMessage) sink.error(new Error(message));
          lastErrorMessage = message;
          lastHash = undefined;
          return;
        }
        lastErrorMessage = undefined;
        const hash = hashOf(text);
        if (hash === lastHash) return;
        lastHash = hash;
        sink.document({ text, origin: path });
      };
      const schedule = (): void => {
        if (stopped || pending) return;
        pending = setTimeout(check, debounceMs);
        pending.unref?.();
      };

      const directory = dirname(absolute);
      const watchDirectory = (dir: string): void => {
        try {
          const w = watch(dir, { persistent: false }, schedule);
          w.on('error', () => {
            /* the poll keeps working when a watched directory disappears */
          });
          watchers.push(w);
        } catch {
          /* unwatchable (permissions, missing): the poll still sees changes */
        }
      };
      watchDirectory(directory);
      // When the directory itself is a symlink that gets swapped, its parent sees the swap.
      if (isSymlink(directory)) watchDirectory(dirname(directory));

      const poll = setInterval(schedule, pollIntervalMs);
      poll.unref?.();
      return () => {
        stopped = true;
        clearInterval(poll);
        if (pending) clearTimeout(pending);
        for (const w of watchers) w.close();
      };
    },
  };
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
