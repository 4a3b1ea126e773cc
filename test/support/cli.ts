import { runModelflagsCli } from '../../src/cli/main.js';

/** Runs the `modelflags` CLI in-process in `cwd`; each line it prints ends with a newline, as on a terminal. */
export async function runCli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runModelflagsCli(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), cwd });
  return { code, out, err };
}
