/**
 * How the command-line entry points talk to the outside: through an explicit IO object, so tests
 * and `modelflags remove` (which hands over to remove-flag) can run them in process.
 */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  /**
   * The streams behind `out` and `err` and the environment, for colour and progress. Absent when a
   * caller only captures text: then there is no terminal, so no colour unless `env` forces it.
   */
  stdout?: TerminalStream;
  stderr?: TerminalStream;
  env?: Readonly<Record<string, string | undefined>>;
  /** Ends a long-running command (`modelflags guard`); without it, such a command stops on SIGINT and SIGTERM. */
  signal?: AbortSignal;
}

export interface TerminalStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Runs a command against the real process: stdout, stderr, cwd, and the exit code it returns. */
export function runAsProcess(name: string, command: (argv: string[], io: CliIO) => Promise<number>): void {
  command(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A stack trace is for whoever fixes the bug, not whoever ran the command: only on request.
      const detail = process.env['MODELFLAGS_DEBUG']
        ? (error as Error)?.stack
        : error instanceof Error
          ? error.message
          : typeof error === 'string'
            ? error
            : undefined;
      process.stderr.write(
        `${name}: internal error: ${detail ?? 'a non-error value was thrown'}\n(a bug in ${name}: run again with MODELFLAGS_DEBUG=1 for the stack trace, and report it)\n`,
      );
      process.exitCode = 2;
    },
  );
}
