import { describeErrno } from '../../io/file-write.js';
/** The polling loop the HTTP and AppConfig sources share: backoff with jitter, and stopping cleanly. */
import { MAX_TIMER_DELAY_MS } from '../limits.js';
import { guarded, type FlagSource, type SourceDocument } from './source.js';

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
export function backoffDelay(
  failures: number,
  pollIntervalMs: number,
  maxBackoffMs: number,
  random: number = Math.random(),
): number {
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
          sink.error(
            new Error(
              `${options.label}: ${describeErrno(error)}; still serving the last good registry, retrying in ${delay} ms (attempt ${failures} failed)`,
            ),
          );
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
