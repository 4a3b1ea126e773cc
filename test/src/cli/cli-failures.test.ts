/**
 * The CLI fails clearly: a write it cannot make is a message naming the file (exit 2), never
 * "internal error" and a stack trace; the last-resort handler keeps stacks for MODELFLAGS_DEBUG.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const repo = resolve(import.meta.dirname, '../../..');
const tsx = join(repo, 'node_modules/tsx/dist/esm/index.mjs');
const execFileAsync = promisify(execFile);

/** Runs a TypeScript entry point as a real process; resolves with its exit code and output whatever the code. */
async function runNode(
  script: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { MODELFLAGS_DEBUG: _unset, ...base } = process.env;
  return execFileAsync(process.execPath, ['--conditions=modelflags-source', '--import', tsx, script, ...args], {
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

const STACK_FRAME = /^\s+at /m;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-cli-failures-'));
  copyFileSync(join(repo, 'examples/inference-service/flags.json'), join(dir, 'flags.json'));
  mkdirSync(join(dir, 'a-directory'));
  writeFileSync(join(dir, 'read-only.json'), 'kept\n');
  chmodSync(join(dir, 'read-only.json'), 0o444);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--out to a path that cannot be written', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a missing directory',
      'no-such-dir/out.json',
      /^modelflags: cannot write .*\/no-such-dir\/out\.json: no such directory .*\/no-such-dir\n$/,
    ],
    ['a directory', 'a-directory', /^modelflags: .*\/a-directory is not a regular file; it was not written\n$/],
    ['/dev/full', '/dev/full', /^modelflags: \/dev\/full is not a regular file; it was not written\n$/],
    [
      'a read-only file',
      'read-only.json',
      /^modelflags: .*\/read-only\.json is read-only; it was not written \(make it writable and run again\)\n$/,
    ],
  ];
  for (const [what, out, message] of cases) {
    it(`export and generate say so for ${what}, exit 2, and leave it as it was`, async () => {
      for (const argv of [
        ['export', '--to', 'flagd', '--out', out],
        ['generate', '--out', out],
      ]) {
        const result = await runCli(argv, dir);
        expect(result.err).toMatch(message);
        expect(result).toMatchObject({ code: 2, out: '' });
      }
      expect(readFileSync(join(dir, 'read-only.json'), 'utf8')).toBe('kept\n');
      expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
      expect(readdirSync(join(dir, 'a-directory'))).toEqual([]);
    });
  }

  it('check names an --out it cannot read', async () => {
    const result = await runCli(['check', '--out', 'a-directory'], dir);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /^modelflags: .*\/a-directory: cannot read the generated module: EISDIR: illegal operation on a directory\b/,
    );
  });

  it('report says so for an --html it cannot write', async () => {
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      '{"at":1,"metric":"latency_ms","value":3,"variants":{"inference_model":"claude-3-haiku"}}\n',
    );
    const result = await runCli(['report', '--html', '/dev/full'], dir);
    expect(result.code).toBe(2);
    expect(result.err).toBe('modelflags: /dev/full is not a regular file; it was not written\n');
  });

  it('the installed command prints the message without a stack trace', async () => {
    const { code, stdout, stderr } = await runNode(
      join(repo, 'src/cli/bin.ts'),
      ['export', '--to', 'flagd', '--out', '/dev/full'],
      dir,
    );
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'modelflags: /dev/full is not a regular file; it was not written\n',
    });
  });
});

describe('the last-resort handler', () => {
  let script: string;
  beforeAll(() => {
    script = join(dir, 'crash.mts');
    writeFileSync(
      script,
      `import { runAsProcess } from ${JSON.stringify(join(repo, 'src/io/process-io.ts'))};\n` +
        `runAsProcess('modelflags', async (argv) => { throw argv[0] === 'null-prototype' ? Object.create(null) : new Error('the bug'); });\n`,
    );
  });

  it('prints the error without a stack trace, says how to get one, and exits 2', async () => {
    const { code, stderr } = await runNode(script, [], dir);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'modelflags: internal error: the bug\n(a bug in modelflags: run again with MODELFLAGS_DEBUG=1 for the stack trace, and report it)\n',
    );
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it('prints the stack trace when MODELFLAGS_DEBUG is set', async () => {
    const { code, stderr } = await runNode(script, [], dir, { MODELFLAGS_DEBUG: '1' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^modelflags: internal error: Error: the bug\n\s+at /);
  });

  it('survives a thrown value that cannot be turned into text', async () => {
    const { code, stderr } = await runNode(script, ['null-prototype'], dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^modelflags: internal error: a non-error value was thrown\n/);
  });
});
