/**
 * Colour and progress for both bins. Colour follows the conventions people set once in their
 * shell or CI (`FORCE_COLOR`, then `NO_COLOR`, then whether the stream is a terminal); progress is
 * for a person watching a terminal, so it never reaches a pipe, a file or `--json` output.
 */
import { styleText } from 'node:util';
import type { CliIO, TerminalStream } from '../io/process-io.js';

type Format = Parameters<typeof styleText>[0];
export type Paint = (format: Format, text: string) => string;

/** Whether to colour what goes to `stream`, given the environment. */
export function colorEnabled(
  stream: TerminalStream | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
): boolean {
  const force = env['FORCE_COLOR'];
  // As Node and chalk read it: set to anything but 0/false forces colour, even over NO_COLOR.
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream?.isTTY === true && env['TERM'] !== 'dumb';
}

/** A painter for stdout: `styleText` when colour is on, the text unchanged when it is off. */
export function painter(enabled: boolean): Paint {
  // Our own decision above replaces styleText's check of process.stdout, which in-process callers do not write to.
  return enabled ? (format, text) => styleText(format, text, { validateStream: false }) : (_format, text) => text;
}

export function stdoutPainter(io: CliIO): Paint {
  return painter(colorEnabled(io.stdout, io.env));
}

export interface Progress {
  /**
   * Reports `done` of `total` items, under `verb` (default: the line's own); drawn at most every
   * {@link PROGRESS_INTERVAL_MS}, and always for the first and last item and a new verb.
   */
  update(done: number, total: number, verb?: string): void;
  /** Erases the line, so what the command prints next starts clean. */
  end(): void;
}

export const PROGRESS_INTERVAL_MS = 100;
const NO_PROGRESS: Progress = { update: () => {}, end: () => {} };
const count = new Intl.NumberFormat('en-US');

/**
 * A one-line "scanning 1,234/5,000 files" counter on stderr, redrawn in place. Silent unless stderr
 * is a terminal, and when `quiet` (machine-readable output was asked for).
 */
export function progressLine(
  io: CliIO,
  verb: string,
  noun: string,
  quiet: boolean,
  now: () => number = Date.now,
): Progress {
  const stream = io.stderr;
  if (quiet || stream?.isTTY !== true) return NO_PROGRESS;
  let last = -Infinity;
  let lastVerb = verb;
  let drawn = false;
  return {
    update(done, total, stage = verb) {
      const t = now();
      if (done !== 0 && done !== total && stage === lastVerb && t - last < PROGRESS_INTERVAL_MS) return;
      last = t;
      lastVerb = stage;
      drawn = true;
      stream.write(`\r\u001b[K${stage} ${count.format(done)}/${count.format(total)} ${noun}`);
    },
    end() {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}
