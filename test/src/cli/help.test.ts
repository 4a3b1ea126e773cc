/**
 * Every command answers --help with its usage, options (with defaults) and an example, and both
 * bins answer --version; an unknown option is one line naming it, then the usage, exit 2.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as runRemoveFlag } from '../../../codemods/cli.js';
import { modelflags, REMOVE_FLAG_BIN, repo, runBin, runInProcess } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'modelflags-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMANDS = [
  'init',
  'add',
  'check',
  'generate',
  'eval',
  'audit',
  'export',
  'rollout',
  'report',
  'guard',
  'remove',
] as const;
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

describe('--help', () => {
  it('lists the commands', async () => {
    const help = await runInProcess(['--help'], dir);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatchSnapshot();
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
  });

  it.each(COMMANDS)(
    'modelflags %s --help prints usage, options with defaults and an example, exit 0',
    async (command) => {
      const long = await runInProcess([command, '--help'], dir);
      expect(long).toMatchObject({ code: 0, stderr: '' });
      expect(await runInProcess([command, '-h'], dir)).toEqual(long);
      expect(long.stdout).toMatch(/^(Usage|usage): /);
      expect(long.stdout).toMatch(/\nExamples?:\n {2}npx /);
      expect(long.stdout).toMatchSnapshot();
    },
  );

  it('remove-flag --help, in process and as the real bin', async () => {
    let out = '';
    expect(await runRemoveFlag(['--help'], { out: (t) => (out += t), err: () => {}, cwd: dir })).toBe(0);
    expect(out).toMatchSnapshot();
    expect(out).toContain('--registry <file>');
    expect(out).toContain('(default: flags.json)');
    const real = await runBin(REMOVE_FLAG_BIN, ['-h'], dir);
    expect(real).toEqual({ code: 0, stdout: `${out}\n`, stderr: '' });
  });
});

describe('--version', () => {
  it("prints package.json's version from both bins", async () => {
    expect(await modelflags(['--version'], dir)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await modelflags(['-v'], dir)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await runBin(REMOVE_FLAG_BIN, ['--version'], dir)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('unknown options', () => {
  it.each(COMMANDS.filter((c) => c !== 'remove'))(
    'modelflags %s --frobnicate: one line naming it, the usage, exit 2',
    async (command) => {
      const result = await runInProcess([command, '--frobnicate'], dir);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('modelflags: unknown option --frobnicate');
      expect(lines[1]).toMatch(new RegExp(`^Usage: modelflags ${command}( \\S+)* \\[options\\]$`));
      expect(lines[2]).toBe(`Run \`modelflags ${command} --help\` for the options.`);
    },
  );

  it('remove-flag and modelflags remove name the option too', async () => {
    const real = await runBin(REMOVE_FLAG_BIN, ['f', '--keep', 'a', '--frobnicate'], dir);
    expect(real.code).toBe(2);
    expect(real.stderr.split('\n').slice(0, 2)).toEqual([
      'remove-flag: unknown option --frobnicate',
      'Usage: remove-flag <flag> [paths...] [options]',
    ]);
    const viaModelflags = await runInProcess(['remove', 'f', '--keep', 'a', '--frobnicate'], dir);
    expect(viaModelflags).toEqual({ code: 2, stdout: '', stderr: real.stderr });
  });

  it('an option missing its value says which', async () => {
    const result = await runInProcess(['check', '--registry'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe("modelflags: Option '--registry <value>' argument missing");
  });
});
