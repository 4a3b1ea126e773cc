/**
 * Where registry documents come from. A source only delivers text; validation, compilation and the
 * decision to keep the last good snapshot belong to the flags client.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { describeErrno } from '../../io/file-write.js';

/**
 * Registry documents larger than this are refused unless a source's `maxBytes` says otherwise. A
 * registry of a thousand flags is well under 1 MiB; the cap is what stops a misplaced log file or
 * a hostile server from costing the process its memory.
 */
const DEFAULT_MAX_REGISTRY_BYTES = 8 * 1024 * 1024;

/**
 * The longest delay a Node timer holds (2^31-1 ms, about 24.8 days). Node fires a longer timer
 * after 1 ms, which turned `pollIntervalMs: Infinity` into polling every millisecond; every delay
 * is clamped to this instead.
 */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * A duration option, checked when the source is created, so that a mistake is an error at startup
 * rather than a timer that misfires later. Whole milliseconds (`AbortSignal.timeout` refuses
 * fractions), clamped to {@link MAX_TIMER_DELAY_MS}: a huge interval means, in effect, never.
 */
export function durationOption(name: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${describeOption(value)}`);
  }
  return Math.min(Math.ceil(value), MAX_TIMER_DELAY_MS);
}

/** A `maxBytes` option: a positive number of bytes (`Infinity` lifts the cap). */
export function sizeOption(name: string, value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_REGISTRY_BYTES;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new Error(`${name} must be a positive number of bytes, got ${describeOption(value)}`);
  }
  return Math.ceil(value);
}

function describeOption(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : `a ${value === null ? 'null' : typeof value}`;
}

export interface SourceDocument {
  /** The registry JSON text. */
  text: string;
  /** Where it came from, for messages (a path, a URL). */
  origin: string;
}

export interface SourceSink {
  document(doc: SourceDocument): void;
  error(error: Error): void;
}

export interface FlagSource {
  readonly description: string;
  /** The current document, read synchronously, for sources that can (files, objects). */
  readSync?(): SourceDocument;
  /** The current document, for sources that can only read asynchronously (HTTP, AppConfig). */
  read?(): Promise<SourceDocument>;
  /** Starts delivering new documents; returns a function that stops it. */
  watch?(sink: SourceSink): () => void;
}

/** A fixed registry: a document object or JSON text. Useful in tests and for embedded defaults. */
export function staticSource(document: object | string, origin = '<static registry>'): FlagSource {
  let text: string | undefined;
  let problem: string | undefined;
  try {
    text = typeof document === 'string' ? document : (JSON.stringify(document, null, 2) as string | undefined);
    if (text === undefined) problem = 'the registry is not a JSON object';
  } catch (error) {
    // A cyclic or absurdly deep object: `createFlags` reports it like any unreadable registry.
    problem = `the registry object cannot be written as JSON (${describeErrno(error)})`;
  }
  return {
    description: origin,
    readSync: () => {
      if (text === undefined) throw new Error(problem);
      return { text, origin };
    },
  };
}

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
  const notAFile = (stats: Stats): Error => new UnreadableFile(`it is ${fileKind(stats)}, not a regular file; point the source at the registry file itself`);
  const tooLarge = (size?: number): Error =>
    new UnreadableFile(`it is ${size === undefined ? 'larger than maxBytes' : `${size} bytes, more than maxBytes`} (${maxBytes} bytes); raise maxBytes if the registry really is that large`);
  const describe = (error: unknown): Error => (error instanceof UnreadableFile ? error : new Error(describeErrno(error)));
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
 * The sink as sources call it: from timers and promise callbacks, where a throw would kill the
 * process or vanish. The flags client's sink never throws; this keeps a custom one from doing harm.
 */
function guarded(sink: SourceSink): SourceSink {
  const error = (problem: Error): void => {
    try {
      sink.error(problem);
    } catch {
      /* nowhere left to report it; the process must live on */
    }
  };
  const document = (doc: SourceDocument): void => {
    try {
      sink.document(doc);
    } catch (problem) {
      error(new Error(`rejected ${doc.origin}: ${describeErrno(problem)}`));
    }
  };
  return { document, error };
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

/** One poll's outcome: a new document, or the server saying nothing changed. */
export type PollResult = { status: 'changed'; doc: SourceDocument } | { status: 'unchanged' };

export interface PollingSourceOptions {
  description: string;
  /** Fetches the document; `initial` is the first read, which must return one. */
  poll(signal: AbortSignal, initial: boolean): Promise<PollResult>;
  /** Why an initial read that reported "unchanged" is a problem, for the error. */
  unchangedInitially: string;
  /** Delay between successful polls (read on every poll: some servers set it per response). */
  intervalMs(): number;
  maxBackoffMs: number;
  /** Prefix of failure messages, such as `GET https://config/flags.json`. */
  label: string;
}

/**
 * Delay before the next poll after `failures` consecutive failures: the poll interval doubled per
 * failure, capped, then scaled into [50%, 100%] by `random` so that many instances that lost the
 * same server do not all come back at the same instant.
 */
export function backoffDelay(failures: number, pollIntervalMs: number, maxBackoffMs: number, random: number = Math.random()): number {
  const ceiling = Math.max(pollIntervalMs, maxBackoffMs);
  const exponential = Math.min(ceiling, pollIntervalMs * 2 ** Math.min(failures, 30));
  return Math.round(exponential * (0.5 + random / 2));
}

/**
 * A source that polls a server: an initial read, then polls at the interval, with exponential
 * backoff and jitter after failures, reported through the sink while the client keeps serving the
 * last good registry.
 */
export function pollingSource(options: PollingSourceOptions): FlagSource {
  let initialRead: Promise<unknown> | undefined;
  // One for the initial read and the polls: stopping the watch (the client's close()) also
  // abandons a first read still in flight, instead of leaving it to run until its timeout.
  const controller = new AbortController();
  return {
    description: options.description,
    read() {
      const result = options.poll(controller.signal, true).then((r) => {
        if (r.status === 'unchanged') throw new Error(options.unchangedInitially);
        return r.doc;
      });
      initialRead = result.catch(() => undefined);
      return result;
    },
    watch(target) {
      const sink = guarded(target);
      let timer: NodeJS.Timeout | undefined;
      let failures = 0;
      const poll = async (): Promise<void> => {
        timer = undefined;
        try {
          const result = await options.poll(controller.signal, false);
          failures = 0;
          if (result.status === 'changed') sink.document(result.doc);
        } catch (error) {
          if (controller.signal.aborted) return;
          failures++;
          const delay = backoffDelay(failures, options.intervalMs(), options.maxBackoffMs);
          sink.error(new Error(`${options.label}: ${describeErrno(error)}; still serving the last good registry, retrying in ${delay} ms (attempt ${failures} failed)`));
          schedule(delay);
          return;
        }
        schedule(options.intervalMs());
      };
      const schedule = (delay: number): void => {
        if (controller.signal.aborted) return;
        // Server-chosen intervals (AppConfig's NextPollIntervalInSeconds) are not validated options.
        timer = setTimeout(() => void poll(), Math.min(delay, MAX_TIMER_DELAY_MS));
        timer.unref?.();
      };
      // The first poll waits for the initial read, so the two never race over a validator or token.
      void (initialRead ?? Promise.resolve()).then(() => schedule(options.intervalMs()));
      return () => {
        controller.abort();
        if (timer) clearTimeout(timer);
      };
    },
  };
}
