/** `modelflags audit` on input a user can get wrong: paths that are not there, file names that URIs treat specially. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

let project: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-audit-input-'));
  write(
    'flags.json',
    JSON.stringify({
      flags: [
        {
          flag: 'inference_model',
          cleanup_by: '2027-01-01',
          variants: ['a', 'b'],
          default: 'a',
          rules: [{ condition: { rollout_percentage: 10 }, value: 'b' }],
        },
      ],
    }),
  );
  write(
    'src/flags.ts',
    "import { createFlags, fileSource } from 'modelflags';\nexport const flags = createFlags({ source: fileSource('flags.json') });\n",
  );
  write(
    'src/chat.ts',
    "import { flags } from './flags.js';\nexport const m = (ctx: { targetingKey: string }) => flags.get('inference_model', ctx);\n",
  );
  // Undeclared reads in files whose names a URI would otherwise split: `#` starts a fragment, `?` a query.
  for (const name of ['src/issue#10.ts', 'src/why?.ts', 'src/100%.ts', 'src/a b.ts']) {
    write(
      name,
      "import { flags } from './flags.js';\nexport const t = (ctx: { targetingKey: string }) => flags.get('tone_of_voice', ctx);\n",
    );
  }
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const cli = (argv: string[]) => runCli(argv, project);

describe('modelflags audit input', () => {
  it('refuses a path that does not exist with exit 2, naming it, instead of reporting every flag unused', async () => {
    const { code, out, err } = await cli(['audit', 'srcc', '--today', '2026-06-01']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`modelflags: srcc: path not found (paths are relative to ${project})\nNothing was audited.\n`);
  });

  it('refuses a --today that is not a calendar date, as add does, rather than auditing as of it', async () => {
    const { code, out, err } = await cli(['audit', '--today', '2026-02-30']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('--today must be a date like 2026-01-31 (got "2026-02-30")');
  });

  it('refuses a file that is not code, rather than scanning nothing', async () => {
    const { code, err } = await cli(['audit', 'src', 'flags.json', '--today', '2026-06-01']);
    expect(code).toBe(2);
    expect(err).toContain(
      'modelflags: flags.json: not a directory or a .ts/.tsx/.mts/.cts/.js/.jsx/.mjs/.cjs file, so there is nothing in it to audit',
    );
  });

  it('still audits the paths that exist', async () => {
    const { code, out } = await cli(['audit', 'src/chat.ts', 'src/flags.ts', '--today', '2026-06-01']);
    expect(code).toBe(0);
    expect(out).toContain('2 files, flags.json: 0 problems');
  });

  it('writes SARIF artifact URIs that resolve to the file named, whatever its name holds', async () => {
    const { out } = await cli(['audit', '--today', '2026-06-01', '--format', 'sarif']);
    const sarif = JSON.parse(out) as {
      runs: {
        results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
      }[];
    };
    const uris = sarif.runs[0]!.results.filter((r) => r.ruleId === 'modelflags/undeclared').map(
      (r) => r.locations[0]!.physicalLocation.artifactLocation.uri,
    );
    expect(uris.sort()).toEqual(['src/100%25.ts', 'src/a%20b.ts', 'src/issue%2310.ts', 'src/why%3F.ts']);
    // What code scanning does with them: resolve against %SRCROOT%, the directory the audit ran in.
    const root = pathToFileURL(`${project}/`);
    expect(uris.map((u) => fileURLToPath(new URL(u, root))).sort()).toEqual(
      ['src/100%.ts', 'src/a b.ts', 'src/issue#10.ts', 'src/why?.ts'].map((f) => join(project, f)),
    );
  });

  it('reports a file it cannot read as not audited, and audits the rest', async () => {
    const repo = resolve(import.meta.dirname, '../../..');
    const locked = mkdtempSync(join(tmpdir(), 'modelflags-audit-locked-'));
    try {
      writeFileSync(
        join(locked, 'flags.json'),
        JSON.stringify({
          flags: [
            {
              flag: 'inference_model',
              cleanup_by: '2027-01-01',
              variants: ['a', 'b'],
              default: 'a',
              rules: [{ condition: { rollout_percentage: 10 }, value: 'b' }],
            },
          ],
        }),
      );
      const read =
        "export const m = (flags: { get(k: string, c: object): string }) => flags.get('inference_model', { targetingKey: 'u' });\n";
      writeFileSync(join(locked, 'readable.ts'), read);
      // A file no user can read, root included (mode bits do not stop root, and running as another
      // user needs the checkout to be readable by them): reading /proc/self/mem from offset 0 fails with EIO.
      symlinkSync('/proc/self/mem', join(locked, 'locked.ts'));
      const result = await promisify(execFile)(
        process.execPath,
        [
          '--conditions=modelflags-source',
          '--import',
          join(repo, 'node_modules/tsx/dist/esm/index.mjs'),
          join(repo, 'src/cli/bin.ts'),
          'audit',
          '--today',
          '2026-06-01',
        ],
        { cwd: locked },
      ).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          stdout: error.stdout,
          stderr: error.stderr,
        }),
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        '  locked.ts:1:1  warning  cannot be read (EIO: i/o error, read); flag reads in this file were not audited',
      );
      expect(result.stdout).toContain('2 files, flags.json: 0 problems, 1 warning');
    } finally {
      rmSync(locked, { recursive: true, force: true });
    }
  }, 30_000);
});
