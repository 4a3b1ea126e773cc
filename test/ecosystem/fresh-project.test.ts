/**
 * A new user's project, built from the packed package: `npm pack`, a fresh directory with
 * TypeScript 6's `tsc --init` tsconfig, the eslint.config.js the README shows (through
 * `defineConfig`), `modelflags generate`, then ESLint and tsc over a file that reads flags.
 *
 * No network: the tarball is unpacked where npm would put it, and the project's other packages
 * (ESLint 10, typescript-eslint 8, TypeScript 6 and the tarball's dependencies) are links to this
 * repository's installed copies. What npm's resolution would add is checked instead: every
 * dependency range the tarball declares accepts the version linked, so an install dedupes them
 * to the user's copy.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

interface PackageJson {
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

let work: string;
let app: string;
let packedFiles: string[];
let packed: PackageJson;

async function node(args: string[], allowExitCode1 = false): Promise<string> {
  try {
    return (await run(process.execPath, args, { cwd: app, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (allowExitCode1 && e.code === 1 && e.stdout !== undefined) return e.stdout;
    throw new Error(`node ${args.join(' ')} failed (${String(e.code)}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** The README's eslint.config.js, verbatim. */
function readmeEslintConfig(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```js\n(\/\/ eslint\.config\.js\n[\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ```js block starting with // eslint.config.js');
  return block[1]!;
}

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'modelflags-fresh-'));
  // --ignore-scripts: pack what `npm run build` (npm ci's prepare) left in dist/, as the other end-to-end tests use it.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  packedFiles = info.files.map((f) => f.path);

  app = join(work, 'app');
  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, 'modelflags'), { recursive: true });
  await run('tar', ['-xzf', join(work, info.filename), '-C', join(modules, 'modelflags'), '--strip-components=1']);
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name !== 'modelflags' && !name.startsWith('.')) symlinkSync(join(root, 'node_modules', name), join(modules, name));
  }
  packed = JSON.parse(readFileSync(join(modules, 'modelflags/package.json'), 'utf8')) as PackageJson;

  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2)}\n`);
  await node([join(modules, 'typescript/bin/tsc'), '--init']);
  writeFileSync(join(app, 'eslint.config.js'), readmeEslintConfig());
  writeFileSync(
    join(app, 'flags.json'),
    `${JSON.stringify(
      {
        $schema: './node_modules/modelflags/schema/flags.schema.json',
        flags: [
          {
            flag: 'inference_model',
            dimension: 'model',
            owner: 'ml-platform',
            cleanup_by: inDays(90),
            variants: ['claude-3-haiku', 'claude-sonnet-4-6'],
            default: 'claude-3-haiku',
            rules: [{ condition: { user_segment: 'internal' }, value: 'claude-sonnet-4-6' }],
          },
        ],
      },
      null,
      2,
    )}\n`,
  );
  mkdirSync(join(app, 'src'));
  writeFileSync(
    join(app, 'src/chat.ts'),
    [
      "import { fileSource } from 'modelflags';",
      "import { createFlags } from '../flags.generated.js';",
      '',
      "const flags = createFlags({ source: fileSource('flags.json') });",
      '',
      '// The one finding expected: read once at module load, so a flag change needs a restart.',
      "export const bootModel = flags.get('inference_model', { targetingKey: 'boot' });",
      '',
      'export function modelFor(user: { id: string; segment: string }): string {',
      "  const model = flags.get('inference_model', { targetingKey: user.id, user_segment: user.segment });",
      "  return model === 'claude-sonnet-4-6' ? `${model} (internal)` : model;",
      '}',
      '',
    ].join('\n'),
  );
  await node([join(modules, 'modelflags', packed.bin['modelflags']!), 'generate']);
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a fresh project from the packed package', () => {
  it('ships no source maps, and everything package.json points at', () => {
    expect(packedFiles.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(packedFiles).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'schema/flags.schema.json']));
    const targets = [...Object.values(packed.bin), ...Object.values(packed.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))];
    for (const target of targets) expect(packedFiles, target).toContain(target.replace(/^\.\//, ''));
  });

  it('declares caret ranges that accept the ESLint and typescript-eslint the user has, and no parser of its own', () => {
    const shared = Object.entries({ ...packed.dependencies, ...packed.peerDependencies }).filter(([name]) => name === 'eslint' || name.startsWith('@typescript-eslint/') || name === 'typescript-eslint');
    expect(shared.length).toBeGreaterThan(0);
    for (const [name, range] of shared) {
      const installed = (JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      const accepted = range.split('||').some((alternative) => {
        const m = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(alternative);
        if (!m) return false;
        const [major, minor, patch] = installed.split('.').map(Number) as [number, number, number];
        const base = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
        return major === base[0] && (minor > base[1] || (minor === base[1] && patch >= base[2]));
      });
      expect(accepted, `${name} ${range} should be a caret range accepting the installed ${installed}`).toBe(true);
    }
    expect(Object.keys(packed.dependencies)).not.toContain('@typescript-eslint/parser');
  });

  it("lints with the README's config: the user's one parser, only the expected report", async () => {
    const config = JSON.parse(await node([join(app, 'node_modules/eslint/bin/eslint.js'), '--print-config', 'src/chat.ts'])) as { languageOptions: { parser: string } };
    expect(config.languageOptions.parser).toMatch(/^typescript-eslint\/parser@/);
    const results = JSON.parse(await node([join(app, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', '.'], true)) as { filePath: string; messages: { ruleId: string | null; line: number; message: string }[] }[];
    const messages = results.flatMap((r) => r.messages.map((m) => [r.filePath.slice(app.length + 1), m.ruleId, m.line]));
    expect(messages).toEqual([['src/chat.ts', 'modelflags/read-per-request', 7]]);
    expect(results.map((r) => r.filePath.slice(app.length + 1)).sort()).toEqual(['eslint.config.js', 'flags.generated.ts', 'flags.json', 'src/chat.ts']);
  }, 60_000);

  it("type-checks with `tsc --init`'s strict defaults", async () => {
    const tsconfig = readFileSync(join(app, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/^\s*"exactOptionalPropertyTypes": true/m);
    expect(tsconfig).toMatch(/^\s*"noUncheckedIndexedAccess": true/m);
    expect(await node([join(app, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'])).toBe('');
  }, 60_000);
});
