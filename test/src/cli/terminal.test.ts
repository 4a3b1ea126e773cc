/**
 * Colour follows FORCE_COLOR, NO_COLOR and whether stdout is a terminal; progress is drawn on a
 * terminal's stderr only, throttled, and erased before the results are printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runRemoveFlag } from '../../../codemods/cli.js';
import { colorEnabled, progressLine } from '../../../src/cli/terminal.js';
import { fakeTerminal, MODELFLAGS_BIN, modelflags, repo, runInProcess } from './support.js';

const FILES = 1200;
let project: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-terminal-'));
  writeFileSync(
    join(project, 'flags.json'),
    `${JSON.stringify({ flags: [{ flag: 'old_model', owner: 't', cleanup_by: '2026-01-01', variants: ['a', 'b'], default: 'a', rules: [{ condition: { rollout_percentage: 10 }, value: 'b' }] }] }, null, 2)}\n`,
  );
  mkdirSync(join(project, 'src'));
  for (let i = 0; i < FILES; i++) writeFileSync(join(project, 'src', `m${i}.ts`), `export const v${i} = ${i};\n`);
  writeFileSync(
    join(project, 'src/app.ts'),
    "import { createFlags, fileSource } from 'modelflags';\nconst flags = createFlags({ source: fileSource('flags.json') });\nexport const m = (u: string) => flags.get('old_model', { targetingKey: u });\n",
  );
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const ESC = '\u001b[';

describe('colour', () => {
  it('FORCE_COLOR=1 colours piped output; NO_COLOR=1 and a pipe do not', async () => {
    const forced = await modelflags(['audit', '--today', '2026-06-01'], project, { FORCE_COLOR: '1' });
    expect(forced.code).toBe(1);
    expect(forced.stdout).toContain(`${ESC}1m${ESC}31mPast cleanup_by (1)${ESC}39m${ESC}22m`);
    expect(forced.stdout).toContain(`${ESC}31merror${ESC}39m  old_model was due`);
    const noColor = await modelflags(['audit', '--today', '2026-06-01'], project, { NO_COLOR: '1' });
    expect(noColor.stdout).not.toContain(ESC);
    expect(noColor.stdout).toContain('Past cleanup_by (1)');
    expect((await modelflags(['audit', '--today', '2026-06-01'], project)).stdout).not.toContain(ESC);
    // --no-color beats FORCE_COLOR: the person typing it is more specific than their shell.
    expect(
      (await modelflags(['audit', '--today', '2026-06-01', '--no-color'], project, { FORCE_COLOR: '1' })).stdout,
    ).not.toContain(ESC);
  });

  it('decides from the environment first, then the stream', () => {
    const tty = { isTTY: true, write: () => true };
    const pipe = { isTTY: false, write: () => true };
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(undefined, {})).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
  });
});

describe('progress', () => {
  it('audit draws "scanning n/total files" on a terminal stderr, erases it, and prints the same results', async () => {
    const stderr = fakeTerminal();
    const onTerminal = await runInProcess(['audit', '--today', '2026-06-01', '--no-color'], project, { stderr });
    expect(stderr.written).toContain(`\r${ESC}Kscanning 0/1,201 files`);
    expect(stderr.written).toContain(`\r${ESC}Kscanning 1,201/1,201 files`);
    expect(stderr.written.endsWith(`\r${ESC}K`)).toBe(true);
    const piped = await runInProcess(['audit', '--today', '2026-06-01', '--no-color'], project, {
      stderr: { isTTY: false, write: () => expect.unreachable() },
    });
    expect(piped).toEqual(onTerminal);
    expect(onTerminal.stderr).toBe('');
  });

  it('is silent with --format json or sarif, even on a terminal', async () => {
    for (const format of ['json', 'sarif']) {
      const stderr = fakeTerminal();
      expect(
        (await runInProcess(['audit', '--today', '2026-06-01', '--format', format], project, { stderr })).code,
      ).toBe(1);
      expect(stderr.written).toBe('');
    }
  });

  it('remove-flag draws its stages on a terminal, and nothing with --json', async () => {
    const stderr = fakeTerminal();
    let out = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (out += t), cwd: project, stderr };
    expect(await runRemoveFlag(['old_model', '--keep', 'b', '--dry-run', '--no-verify'], io)).toBe(0);
    expect(stderr.written).toContain(`\r${ESC}Kreading 0/1,201 files`);
    expect(stderr.written).toContain(`\r${ESC}Krewriting 0/1 files`);
    expect(stderr.written.endsWith(`\r${ESC}K`)).toBe(true);
    expect(out).toContain('old_model');
    const quiet = fakeTerminal();
    expect(
      await runRemoveFlag(['old_model', '--keep', 'b', '--dry-run', '--no-verify', '--json'], { ...io, stderr: quiet }),
    ).toBe(0);
    expect(quiet.written).toBe('');
  });

  it('redraws at most every 100 ms of the clock given, always the first and last', () => {
    const stderr = fakeTerminal();
    let clock = 0;
    const progress = progressLine(
      { out: () => {}, err: () => {}, cwd: '.', stderr },
      'scanning',
      'files',
      false,
      () => clock,
    );
    progress.update(0, 5000);
    clock = 50;
    progress.update(1, 5000);
    clock = 100;
    progress.update(2, 5000);
    clock = 120;
    progress.update(5000, 5000);
    progress.end();
    expect(stderr.written.split('\r').filter(Boolean)).toEqual([
      `${ESC}Kscanning 0/5,000 files`,
      `${ESC}Kscanning 2/5,000 files`,
      `${ESC}Kscanning 5,000/5,000 files`,
      `${ESC}K`,
    ]);
  });

  it('appears on a real pseudo-terminal and not in a pipe', () => {
    const script = (command: string): string =>
      execFileSync('script', ['-qec', command, '/dev/null'], {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      }).toString();
    const run = `${JSON.stringify(process.execPath)} --conditions=modelflags-source --import ${JSON.stringify(join(repo, 'node_modules/tsx/dist/esm/index.mjs'))} ${JSON.stringify(MODELFLAGS_BIN)} audit --today 2026-01-02; true`;
    expect(script(run)).toContain('scanning 1,201/1,201 files');
    expect(script(`${run.replace('; true', '')} 2>&1 | cat`)).not.toContain('scanning');
  });
});
