/** The JSON-lines exporter: what `modelflags report` reads. */
import type { TrackEvent, TrackSource } from './definitions.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { describeErrno } from '../../io/file-write.js';
import { MAX_TIMER_DELAY_MS } from '../limits.js';

// ---------------------------------------------------------------------------------------------
// JSON-lines exporter: what `modelflags report` reads

export interface JsonlExporterOptions {
  /** Buffered lines are written once they reach this many bytes (default 64 KiB). */
  flushBytes?: number;
  /** Buffered lines are also written this often (default 1000 ms); beyond about 24.8 days, only by size and on close. */
  flushIntervalMs?: number;
  /**
   * Most bytes held while the file cannot be written (full disk, lost mount); lines tracked beyond
   * it are dropped and counted (default 4 MiB).
   */
  maxBufferBytes?: number;
  /** Context attributes copied into each line (default none: contexts may hold personal data). */
  contextAttributes?: readonly string[];
}

/** The exporter could not write, dropped lines, or wrote again after a failure. */
export interface JsonlExporterErrorEvent {
  message: string;
  /** The file-system error, or undefined for a report of dropped lines. */
  error: unknown;
  /** Lines dropped so far because the buffer was full (or still unwritten at `close`). */
  dropped: number;
}

export interface JsonlExporter {
  attach(source: TrackSource): () => void;
  write(event: TrackEvent): void;
  /** Writes buffered lines now; false when some could not be written (they stay buffered). */
  flush(): boolean;
  /** Flushes, stops the timer and closes the file. Lines that still cannot be written are reported and dropped. */
  close(): void;
  /**
   * Write failures and dropped lines. Without a listener they go to `process.emitWarning`, so a
   * full disk is never silent; the exporter never throws from its timer either way.
   */
  on(event: 'error', listener: (event: JsonlExporterErrorEvent) => void): () => void;
  /** Lines dropped so far. */
  readonly dropped: number;
}

/**
 * Appends one JSON line per track event to a file:
 * `{"at":1732500000000,"metric":"latency_ms","value":412,"variants":{"inference_model":"claude-sonnet-4-6"}}`.
 * Lines are buffered so a request does not pay for a write, and each flush appends whole lines to
 * a file opened for append, so several processes can share one file.
 *
 * A failing write (a full disk) must not take the service down with it: the exporter keeps what it
 * could not write, up to `maxBufferBytes`, retries on the next flush and reports through `error`
 * events. Bytes a short write did put on disk are not written again, so a line is never doubled.
 */
export function jsonlExporter(path: string, options: JsonlExporterOptions = {}): JsonlExporter {
  const flushBytes = options.flushBytes ?? 64 * 1024;
  const maxBufferBytes = options.maxBufferBytes ?? 4 * 1024 * 1024;
  const intervalMs = options.flushIntervalMs ?? 1000;
  if (!(intervalMs > 0))
    throw new RangeError(
      `jsonlExporter: flushIntervalMs must be a positive number of milliseconds (got ${intervalMs})`,
    );
  if (!(maxBufferBytes >= flushBytes))
    throw new RangeError(
      `jsonlExporter: maxBufferBytes (${maxBufferBytes}) must be at least flushBytes (${flushBytes})`,
    );
  const attributes = options.contextAttributes ?? [];
  const fd = openSync(path, 'a');
  let lines = '';
  // The rest of a flush that failed part-way, as bytes: a short write may end inside a character.
  let unwritten: Buffer | undefined;
  let closed = false;
  let dropped = 0;
  let droppedReported = 0;
  let failing: string | undefined;
  const listeners = new Set<(event: JsonlExporterErrorEvent) => void>();

  const report = (message: string, error: unknown): void => {
    const event: JsonlExporterErrorEvent = { message, error, dropped };
    if (listeners.size === 0) {
      process.emitWarning(message, 'ModelflagsWarning');
      return;
    }
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        /* a failing listener must not turn a reported failure into a crash */
      }
    }
  };

  const flush = (): boolean => {
    if (closed || (lines.length === 0 && unwritten === undefined)) return true;
    const fresh = Buffer.from(lines, 'utf8');
    const bytes = unwritten ? Buffer.concat([unwritten, fresh]) : fresh;
    lines = '';
    unwritten = undefined;
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      unwritten = bytes.subarray(offset);
      // Reported when the failure starts or changes, not on every timer tick of a full disk.
      const reason = describeErrno(error);
      if (failing !== reason) {
        report(
          `jsonlExporter: cannot write ${path}: ${reason}; ${unwritten.length} bytes kept to retry (at most ${maxBufferBytes}), ${dropped} lines dropped so far`,
          error,
        );
      }
      failing = reason;
      return false;
    }
    if (failing !== undefined || dropped > droppedReported) {
      report(
        `jsonlExporter: writing ${path} again${dropped > 0 ? `; ${dropped} lines were dropped while it could not be written` : ''}`,
        undefined,
      );
    }
    failing = undefined;
    droppedReported = dropped;
    return true;
  };

  const buffered = (): number => (unwritten?.length ?? 0) + lines.length;

  const timer = intervalMs <= MAX_TIMER_DELAY_MS ? setInterval(flush, intervalMs) : undefined;
  timer?.unref?.();
  const exporter: JsonlExporter = {
    attach(source) {
      return source.on('track', (event) => exporter.write(event));
    },
    write(event) {
      if (closed) return;
      let text: string;
      try {
        const line: Record<string, unknown> = {
          at: event.at,
          metric: event.metric,
          value: event.value,
          variants: event.variants,
        };
        if (attributes.length > 0) {
          const context: Record<string, unknown> = {};
          for (const a of attributes) if (event.context[a] !== undefined) context[a] = event.context[a];
          line['context'] = context;
        }
        text = `${JSON.stringify(line)}\n`;
      } catch (error) {
        // A context attribute JSON cannot hold (a BigInt) or a getter that throws: that line only.
        report(
          `jsonlExporter: a ${String(event.metric)} event could not be written as JSON (${describeErrno(error)}); it was skipped`,
          error,
        );
        return;
      }
      if (buffered() + text.length > maxBufferBytes && failing === undefined) flush();
      if (buffered() + text.length > maxBufferBytes) {
        // Newest lines are the ones dropped: dropping the oldest would cost a copy of the buffer per line.
        if (dropped++ === droppedReported)
          report(
            `jsonlExporter: ${path} cannot be written and ${maxBufferBytes} bytes are buffered; new lines are dropped (and counted) until it can`,
            undefined,
          );
        return;
      }
      lines += text;
      if (lines.length >= flushBytes && failing === undefined) flush();
    },
    flush,
    close() {
      if (closed) return;
      flush();
      const lost = (unwritten?.length ?? 0) + lines.length;
      closed = true;
      if (timer) clearInterval(timer);
      try {
        closeSync(fd);
      } catch (error) {
        report(`jsonlExporter: closing ${path}: ${describeErrno(error)}`, error);
      }
      if (lost > 0)
        report(`jsonlExporter: closed with ${lost} bytes of ${path} still unwritten; they are lost`, undefined);
    },
    on(_event, listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get dropped() {
      return dropped;
    },
  };
  return exporter;
}
