/**
 * Options every timer and reader of the runtime takes, checked when a source or exporter is
 * created, so that a mistake is an error at startup rather than a timer that misfires later.
 */
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
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * A duration option, checked when the source is created, so that a mistake is an error at startup
 * rather than a timer that misfires later. Whole milliseconds (`AbortSignal.timeout` refuses
 * fractions), clamped to {@link MAX_TIMER_DELAY_MS}: a huge interval means, in effect, never.
 */
export function durationOption(name: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new Error(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${describeOption(value)}`,
    );
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
  return typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'number'
      ? String(value)
      : `a ${value === null ? 'null' : typeof value}`;
}
