/**
 * remove-flag's write phase under faults, with real files and the real process: a write that
 * fails, a kill at a chosen point, a user saving a file during the run, read-only files, symlinks
 * in and out of the project, Latin-1 files, mode and owner, and reads left outside the paths.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, removeFlag } from '../../codemods/remove-flag.js';
import { leftovers, makeProject, runBin, snapshotTree } from './support.js';

const RETIRE = ['inference_model', '--keep', 'claude-sonnet-4-6', '--no-verify'];
const retire = (cwd: string, extra: Partial<Parameters<typeof removeFlag>[0]> = {}) =>
  removeFlag({ flags: [{ flag: 'inference_model', keep: 'claude-sonnet-4-6' }], cwd, verify: false, ...extra });

const FLAGS_TS =
  "import { createFlags, fileSource } from 'modelflags';\n\nexport const flags = createFlags({ source: fileSource('flags.json') });\n";
const reader = (name: string): string =>
  `import { flags } from './flags';\n\nexport function ${name}(userId: string): string {\n  return flags.get('inference_model', { targetingKey: userId });\n}\n`;
const READ_DONE = (name: string): string =>
  `export function ${name}(userId: string): string {\n  return 'claude-sonnet-4-6';\n}\n`;

/** Five independent files reading the flag, the shape most tests start from. */
function fiveReaders(extra: Record<string, string | Buffer> = {}): string {
  return makeProject({
    'src/flags.ts': FLAGS_TS,
    ...Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [`src/${n}.ts`, reader(n)])),
    ...extra,
  });
}

const projects: string[] = [];
const track = (dir: string): string => (projects.push(dir), dir);
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

function referenceOf(make: () => string): Promise<Map<string, string>> {
  const dir = track(make());
  return retire(dir).then((report) => {
    expect(report.exitCode).toBe(0);
    return snapshotTree(dir);
  });
}

describe('all or nothing', () => {
  it('a write that fails in one file (file size limit: EFBIG) changes nothing, leaves no temporary file and says so without a stack trace', async () => {
    const big = `${reader('big')}${`// ${'x'.repeat(76)}\n`.repeat(100)}`;
    const dir = track(fiveReaders({ 'src/big.ts': big }));
    const before = snapshotTree(dir);
    // The limit lets every small file through and stops the 8 kB one, as a full quota would.
    const run = await runBin(dir, RETIRE, { prefix: ['prlimit', '--fsize=4096', '--'] });
    expect(run.code, run.out + run.err).toBe(2);
    expect(run.err).toContain('src/big.ts');
    expect(run.err).toMatch(/EFBIG/);
    expect(run.err).toContain('Nothing was changed.');
    expect(run.err + run.out).not.toMatch(/\n\s+at /);
    expect(snapshotTree(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('killed after some renames, the same command finishes the run: the tree ends as a clean run leaves it, with no leftovers', async () => {
    const reference = await referenceOf(() => fiveReaders());
    const dir = track(fiveReaders());
    const killed = await runBin(dir, RETIRE, { pauseAt: 2, whenPaused: (pid) => process.kill(pid, 'SIGKILL') });
    expect(killed.paused, killed.err).toBe(true);
    expect(killed.signal).toBe('SIGKILL');
    // Half applied: two files rewritten, the registry still names the flag.
    const written = ['a', 'b', 'c', 'd', 'e'].filter(
      (n) => readFileSync(join(dir, `src/${n}.ts`), 'utf8') === READ_DONE(n),
    );
    expect(written).toHaveLength(2);
    expect(readFileSync(join(dir, 'flags.json'), 'utf8')).toContain('"inference_model"');

    const rerun = await runBin(dir, RETIRE);
    expect(rerun.code, rerun.out + rerun.err).toBe(0);
    expect(rerun.out).toContain('Finished a remove-flag run that was interrupted while writing');
    expect(rerun.out).toContain('Registry: removed from flags.json.');
    expect(snapshotTree(dir)).toEqual(reference);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('a file edited between the kill and the rerun keeps the edit; the rest is finished and the entry collapsed', async () => {
    const dir = track(fiveReaders());
    const killed = await runBin(dir, RETIRE, { pauseAt: 1, whenPaused: (pid) => process.kill(pid, 'SIGKILL') });
    expect(killed.paused, killed.err).toBe(true);
    const untouched = ['a', 'b', 'c', 'd', 'e'].find(
      (n) => readFileSync(join(dir, `src/${n}.ts`), 'utf8') === reader(n),
    )!;
    const edited = `${reader(untouched)}// edited after the crash\n`;
    writeFileSync(join(dir, `src/${untouched}.ts`), edited);

    const rerun = await runBin(dir, RETIRE);
    expect(rerun.code, rerun.out + rerun.err).toBe(1);
    expect(readFileSync(join(dir, `src/${untouched}.ts`), 'utf8')).toBe(edited);
    expect(rerun.out).toContain(`src/${untouched}.ts was not written: it was edited after the interrupted run read it`);
    for (const n of ['a', 'b', 'c', 'd', 'e'].filter((x) => x !== untouched))
      expect(readFileSync(join(dir, `src/${n}.ts`), 'utf8')).toBe(READ_DONE(n));
    expect(JSON.parse(readFileSync(join(dir, 'flags.json'), 'utf8')).flags[0]).toMatchObject({
      flag: 'inference_model',
      default: 'claude-sonnet-4-6',
    });
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('while another run is writing (its journal names a live process), refuses and touches nothing', async () => {
    const dir = track(fiveReaders());
    const writer = spawn('sleep', ['30']);
    try {
      writeFileSync(
        join(dir, '.remove-flag-journal.json'),
        JSON.stringify({
          version: 1,
          pid: writer.pid,
          summary: {},
          groups: [],
          last: [],
          lastIsComplete: true,
          partial: [],
        }),
      );
      const before = snapshotTree(dir);
      const report = await retire(dir);
      expect(report.exitCode).toBe(2);
      expect(formatReport(report)).toContain(`another remove-flag run (process ${writer.pid}) is writing this project`);
      expect(snapshotTree(dir)).toEqual(before);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('killed with every file staged and no journal yet, the tree is as it was and the next run removes the temporary files', async () => {
    const reference = await referenceOf(() => fiveReaders());
    const dir = track(fiveReaders());
    const before = snapshotTree(dir);
    const killed = await runBin(dir, RETIRE, { pauseAt: -1, whenPaused: (pid) => process.kill(pid, 'SIGKILL') });
    expect(killed.paused, killed.err).toBe(true);
    const withoutTemps = new Map([...snapshotTree(dir)].filter(([f]) => !f.endsWith('.mf-tmp')));
    expect(withoutTemps).toEqual(before);
    expect(leftovers(dir).length).toBeGreaterThan(0);

    const rerun = await runBin(dir, RETIRE);
    expect(rerun.code, rerun.out + rerun.err).toBe(0);
    expect(snapshotTree(dir)).toEqual(reference);
  }, 60_000);
  it('removes the temporary files remove-flag 0.1 left after a failed write (`.<file>.<pid>.remove-flag.tmp`), when their process is gone', async () => {
    const reference = await referenceOf(() => fiveReaders());
    const dir = track(fiveReaders());
    // A pid no process has: the highest a Linux pid can be is 2^22.
    writeFileSync(join(dir, 'src', '.a.ts.4194399.remove-flag.tmp'), 'half written');
    const rerun = await runBin(dir, RETIRE);
    expect(rerun.code, rerun.out + rerun.err).toBe(0);
    expect(snapshotTree(dir)).toEqual(reference);
  }, 60_000);
});

describe('lost updates', () => {
  it('a file saved after remove-flag read it keeps the save; the entry is collapsed, not removed, and the file is named', async () => {
    const dir = track(fiveReaders());
    const saved = `${reader('c')}// saved by the user during the run\n`;
    const run = await runBin(dir, RETIRE, {
      pauseAt: 0,
      whenPaused: (pid) => {
        writeFileSync(join(dir, 'src/c.ts'), saved);
        process.kill(pid, 'SIGUSR2');
      },
    });
    expect(run.paused, run.err).toBe(true);
    expect(run.code, run.out + run.err).toBe(1);
    expect(readFileSync(join(dir, 'src/c.ts'), 'utf8')).toBe(saved);
    for (const n of ['a', 'b', 'd', 'e']) expect(readFileSync(join(dir, `src/${n}.ts`), 'utf8')).toBe(READ_DONE(n));
    expect(run.out).toMatch(/src\/c\.ts: .*changed on disk after it was read/);
    expect(run.out).toContain('Registry: collapsed in flags.json');
    const registry = JSON.parse(readFileSync(join(dir, 'flags.json'), 'utf8')) as {
      flags: { flag: string; default: unknown; rules?: unknown }[];
    };
    const entry = registry.flags.find((f) => f.flag === 'inference_model');
    expect(entry).toMatchObject({ default: 'claude-sonnet-4-6' });
    expect(entry?.rules).toBeUndefined();
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('flags.json saved during the run keeps the save and is not claimed as written; the same command then finishes', async () => {
    const dir = track(fiveReaders());
    const saved = `${readFileSync(join(dir, 'flags.json'), 'utf8')}\n`;
    const run = await runBin(dir, RETIRE, {
      pauseAt: 5,
      whenPaused: (pid) => {
        writeFileSync(join(dir, 'flags.json'), saved);
        process.kill(pid, 'SIGUSR2');
      },
    });
    expect(run.code, run.out + run.err).toBe(1);
    expect(readFileSync(join(dir, 'flags.json'), 'utf8')).toBe(saved);
    expect(run.out).toMatch(/flags\.json: .*changed on disk after it was read/);
    expect(run.out).not.toContain('Registry:');
    const again = await runBin(dir, RETIRE);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain('Registry: removed from flags.json.');
    expect(readFileSync(join(dir, 'flags.json'), 'utf8')).not.toContain('"inference_model"');
  }, 60_000);

  it('a save in one file of a cross-file change keeps the files it depends on unwritten too', async () => {
    const dir = track(
      makeProject({
        'src/flags.ts': FLAGS_TS,
        'src/config.ts':
          "import { flags } from './flags';\n\nexport const MODEL = flags.get('inference_model', {});\nexport const REGION = 'eu';\n",
        'src/app.ts':
          "import { MODEL, REGION } from './config';\n\nexport function describe(): string {\n  return MODEL === 'claude-sonnet-4-6' ? `sonnet in ${REGION}` : REGION;\n}\n",
      }),
    );
    const config = readFileSync(join(dir, 'src/config.ts'), 'utf8');
    const saved = `${readFileSync(join(dir, 'src/app.ts'), 'utf8')}// saved\n`;
    const run = await runBin(dir, RETIRE, {
      pauseAt: 0,
      whenPaused: (pid) => {
        writeFileSync(join(dir, 'src/app.ts'), saved);
        process.kill(pid, 'SIGUSR2');
      },
    });
    expect(run.code, run.out + run.err).toBe(1);
    expect(readFileSync(join(dir, 'src/app.ts'), 'utf8')).toBe(saved);
    // config.ts without MODEL would break app.ts, which still imports it.
    expect(readFileSync(join(dir, 'src/config.ts'), 'utf8')).toBe(config);
    expect(run.out).toMatch(/src\/config\.ts: not written because .*src\/app\.ts was not/);
  }, 60_000);
});

describe('metadata and boundaries', () => {
  it('a read-only file is not written and reported; the others are, and the entry is collapsed', async () => {
    const dir = track(fiveReaders());
    chmodSync(join(dir, 'src/b.ts'), 0o444);
    const report = await retire(dir);
    expect(readFileSync(join(dir, 'src/b.ts'), 'utf8')).toBe(reader('b'));
    expect(statSync(join(dir, 'src/b.ts')).mode & 0o777).toBe(0o444);
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe(READ_DONE('a'));
    expect(report.exitCode).toBe(1);
    expect(report.notWritten).toEqual([{ file: 'src/b.ts', reason: expect.stringContaining('read-only') }]);
    expect(report.registry?.action).toBe('collapsed');
  });

  it('keeps the mode and the owner of a rewritten file', async () => {
    const dir = track(fiveReaders());
    chmodSync(join(dir, 'src/a.ts'), 0o750);
    chownSync(join(dir, 'src/a.ts'), 4321, 4322);
    const report = await retire(dir);
    expect(report.exitCode).toBe(0);
    const stat = statSync(join(dir, 'src/a.ts'));
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe(READ_DONE('a'));
    expect([stat.mode & 0o7777, stat.uid, stat.gid]).toEqual([0o750, 4321, 4322]);
  });

  it('writes through a symlinked source file and a symlinked flags.json inside the project: targets updated, links stay links', async () => {
    const dir = track(fiveReaders());
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib/real.ts'), reader('viaLink').replace("'./flags'", "'../src/flags'"));
    symlinkSync('../lib/real.ts', join(dir, 'src/linked.ts'));
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config/flags.json'), readFileSync(join(dir, 'flags.json')));
    rmSync(join(dir, 'flags.json'));
    symlinkSync('config/flags.json', join(dir, 'flags.json'));
    const report = await retire(dir);
    expect(report.exitCode, formatReport(report)).toBe(0);
    expect(lstatSync(join(dir, 'src/linked.ts')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'flags.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'lib/real.ts'), 'utf8')).not.toContain('inference_model');
    expect(readFileSync(join(dir, 'config/flags.json'), 'utf8')).not.toContain('"inference_model"');
  });

  it('does not write through a symlinked directory that leads outside the project: skipped, reported, entry kept', async () => {
    const outside = track(mkdtempSync(join(tmpdir(), 'remove-flag-outside-')));
    writeFileSync(join(outside, 'vendor.ts'), reader('vendor'));
    const dir = track(fiveReaders());
    symlinkSync(outside, join(dir, 'src/vendor'), 'dir');
    const report = await retire(dir);
    expect(readFileSync(join(outside, 'vendor.ts'), 'utf8')).toBe(reader('vendor'));
    expect(report.skipped).toEqual([
      { file: 'src/vendor/vendor.ts', reason: expect.stringContaining('outside the project') },
    ]);
    expect(report.exitCode).toBe(1);
    expect(report.registry?.action).toBe('collapsed');
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe(READ_DONE('a'));
  });

  it('skips a file that is not UTF-8 (Latin-1) and reports it, byte for byte untouched', async () => {
    const latin1 = Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from(`\n${reader('latin')}`)]);
    const dir = track(fiveReaders({ 'src/latin.ts': latin1 }));
    const report = await retire(dir);
    expect(readFileSync(join(dir, 'src/latin.ts')).equals(latin1)).toBe(true);
    expect(report.skipped).toEqual([{ file: 'src/latin.ts', reason: expect.stringContaining('not UTF-8') }]);
    expect(report.unresolved.map((s) => `${s.file}:${s.line}`)).toEqual(['src/latin.ts:5']);
    expect(report.registry?.action).toBe('collapsed');
  });
});

describe('never claims success that was not earned', () => {
  it('a read in another workspace package, outside the paths given, keeps the entry and is listed with file:line', async () => {
    const dir = track(
      makeProject({
        'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }),
        'packages/web/src/flags.ts': FLAGS_TS,
        'packages/web/src/chat.ts': reader('chat'),
        'packages/api/src/flags.ts': FLAGS_TS,
        'packages/api/src/route.ts': reader('route'),
      }),
    );
    const report = await retire(dir, { paths: ['packages/web'] });
    expect(readFileSync(join(dir, 'packages/web/src/chat.ts'), 'utf8')).toBe(READ_DONE('chat'));
    expect(report.exitCode).toBe(1);
    expect(report.registry?.action).toBe('collapsed');
    expect(report.unresolved.map((s) => `${s.file}:${s.line}`)).toEqual(['packages/api/src/route.ts:4']);
    expect(report.unresolved[0]!.reason).toContain('outside the paths given');
    expect(formatReport(report)).not.toContain('Registry: removed');
  });

  it('the same from a package folder: the registry at the workspace root is the project, not the folder run in', async () => {
    const dir = track(
      makeProject({
        'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
        'packages/web/src/flags.ts': FLAGS_TS,
        'packages/web/src/chat.ts': reader('chat'),
        'packages/api/src/keys.ts': "export const MODEL_FLAG = 'inference_model';\n",
      }),
    );
    const report = await retire(join(dir, 'packages/web'), { registry: '../../flags.json' });
    expect(report.unresolved.map((s) => `${s.file}:${s.line}`)).toEqual(['../api/src/keys.ts:1']);
    expect(report.registry?.action).toBe('collapsed');
  });

  it('"Type check: no new errors" only when a type check ran over changed code', async () => {
    const dir = track(makeProject({ 'src/other.ts': 'export const x = 1;\n' }));
    const report = await retire(dir, { verify: true });
    expect(report.exitCode).toBe(0);
    expect(report.registry?.action).toBe('removed');
    expect(report.verification.typeChecked).toBe(false);
    expect(formatReport(report)).not.toContain('Type check');
  });

  it('a dry run says the registry would be removed, and writes nothing', async () => {
    const dir = track(fiveReaders());
    const before = snapshotTree(dir);
    const report = await retire(dir, { dryRun: true });
    expect(formatReport(report, { dryRun: true })).toContain('Registry: would be removed from flags.json.');
    expect(snapshotTree(dir)).toEqual(before);
    expect(existsSync(join(dir, '.remove-flag-journal.json'))).toBe(false);
  });
});
