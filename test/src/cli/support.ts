import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runModelflagsCli } from '../../../src/cli/main.js';
import type { CliIO, TerminalStream } from '../../../src/io/process-io.js';

export const repo = resolve(import.meta.dirname, '../../..');
const tsx = join(repo, 'node_modules/tsx/dist/esm/index.mjs');
export const MODELFLAGS_BIN = join(repo, 'src/cli/bin.ts');
export const REMOVE_FLAG_BIN = join(repo, 'codemods/bin.ts');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a bin as a real process with piped output; the colour variables are cleared unless given. */
export async function runBin(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const { MODELFLAGS_DEBUG: _d, NO_COLOR: _n, FORCE_COLOR: _f, ...base } = process.env;
  return promisify(execFile)(process.execPath, ['--conditions=modelflags-source', '--import', tsx, bin, ...args], {
    cwd,
    env: { ...base, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

export const modelflags = (args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> =>
  runBin(MODELFLAGS_BIN, args, cwd, env);

/** A stderr that claims to be a terminal and records what was drawn on it. */
export function fakeTerminal(): TerminalStream & { written: string } {
  const stream = {
    isTTY: true,
    written: '',
    write(text: string) {
      stream.written += text;
      return true;
    },
  };
  return stream;
}

/** The CLI in process, with the streams behind stdout and stderr given (for TTY behaviour). */
export async function runInProcess(
  argv: string[],
  cwd: string,
  streams: Pick<CliIO, 'stdout' | 'stderr' | 'env'> = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runModelflagsCli(argv, {
    out: (t) => (stdout += `${t}\n`),
    err: (t) => (stderr += `${t}\n`),
    cwd,
    ...streams,
  });
  return { code, stdout, stderr };
}
