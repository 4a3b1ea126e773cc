/**
 * Where registry documents come from. A source only delivers text; validation, compilation and the
 * decision to keep the last good snapshot belong to the flags client.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';

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
  const text = typeof document === 'string' ? document : JSON.stringify(document, null, 2);
  return { description: origin, readSync: () => ({ text, origin }) };
}

export interface FileSourceOptions {
  /**
   * How often the content hash is checked when no watch event arrives (default 1000 ms). File
   * watching misses events on some file systems and mounts; the poll is the safety net.
   */
  pollIntervalMs?: number;
  /** Delay after a watch event before reading, so bursts of events become one read (default 5 ms). */
  debounceMs?: number;
}

/**
 * A registry file, reloaded when its content changes. Watches the directory rather than the file,
 * because an atomic rename or a Kubernetes ConfigMap update (a `..data` symlink swapped in the
 * directory) replaces the inode a file watch would follow. Decides by content hash, never by
 * inode or mtime, which both lie under those update patterns.
 */
export function fileSource(path: string, options: FileSourceOptions = {}): FlagSource {
  const absolute = resolvePath(path);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const debounceMs = options.debounceMs ?? 5;

  const readNow = (): SourceDocument => ({ text: readFileSync(absolute, 'utf8'), origin: path });

  return {
    description: path,
    readSync: readNow,
    watch(sink) {
      let lastHash: string | undefined;
      let lastErrorMessage: string | undefined;
      let pending: NodeJS.Timeout | undefined;
      let stopped = false;
      const watchers: FSWatcher[] = [];

      try {
        lastHash = hashOf(readFileSync(absolute, 'utf8'));
      } catch {
        lastHash = undefined;
      }

      const check = (): void => {
        pending = undefined;
        if (stopped) return;
        let text: string;
        try {
          text = readFileSync(absolute, 'utf8');
        } catch (error) {
          const message = `cannot read ${path}: ${(error as Error).message}; still serving the last good registry`;
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
  return {
    description: options.description,
    read() {
      const result = options.poll(new AbortController().signal, true).then((r) => {
        if (r.status === 'unchanged') throw new Error(options.unchangedInitially);
        return r.doc;
      });
      initialRead = result.catch(() => undefined);
      return result;
    },
    watch(sink) {
      const controller = new AbortController();
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
          sink.error(new Error(`${options.label}: ${(error as Error).message}; still serving the last good registry, retrying in ${delay} ms (attempt ${failures} failed)`));
          schedule(delay);
          return;
        }
        schedule(options.intervalMs());
      };
      const schedule = (delay: number): void => {
        if (controller.signal.aborted) return;
        timer = setTimeout(() => void poll(), delay);
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
