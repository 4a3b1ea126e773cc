/**
 * The three packages as a user gets them: packed with `npm pack` (from the dist/ that `npm run
 * build`, npm ci's prepare, left) and installed by npm into fresh projects in a temporary folder,
 * with no network.
 *
 * - modelflags alone: a plain `npm install --offline <tarball>`. It has no dependencies, so npm needs
 *   nothing else.
 * - eslint-plugin-modelflags (in the README's set-up: ESLint, typescript-eslint, TypeScript) and
 *   remove-flag: `npm ci --offline` over a lockfile written for the fresh project. The packed
 *   tarballs are `file:` entries; every other package of the dependency closure is this repository's
 *   lockfile entry for it, at the same place in the tree, with its version and integrity and a
 *   `resolved` address on the configured registry. npm takes each tarball from its cache by integrity
 *   (this repository's `npm ci` put them there) and never asks the registry. An `npm install
 *   --offline` of the tarballs cannot work: it needs each dependency's packument, which npm ci never
 *   fetches, so the cache lacks them. Linking the repository's node_modules into the project would skip what is under test
 *   (npm's resolution of the declared ranges and peers, extraction, bins), so npm installs for real.
 *   A cache without those tarballs (no `npm ci` on this machine) fails the install, and says so.
 *
 * Measured here (npm 11.19, Node 20; kB = 1000 bytes, du in KiB and MiB, packages in node_modules):
 *   modelflags                packed 129 kB, unpacked 439 kB (du 652 KiB); installs 1 package, itself
 *   eslint-plugin-modelflags  packed  67 kB, unpacked 259 kB; alone it installs 125 packages (du 53 MiB,
 *                             24 MiB of it TypeScript: a required peer of the typescript-eslint parts it
 *                             uses, as ESLint is of the plugin); in the README's set-up, 130 (56 MiB)
 *   remove-flag               packed  67 kB, unpacked 246 kB; installs 215 packages (du 73 MiB): the
 *                             plugin for detection (so ESLint and TypeScript), jscodeshift and Babel
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The packages, by the workspace folder each is packed from. */
const workspaces = { src: 'modelflags', rules: 'eslint-plugin-modelflags', codemods: 'remove-flag' } as const;
type PackageName = (typeof workspaces)[keyof typeof workspaces];

interface Manifest {
  name: string;
  version: string;
  bin?: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Packed {
  tarball: string;
  integrity: string;
  /** Bytes of the .tgz, and of its files unpacked. */
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
  manifest: Manifest;
}

/** A package-lock.json `packages` entry. */
interface LockEntry extends Partial<Manifest> {
  resolved?: string;
  integrity?: string;
  link?: boolean;
  optional?: boolean;
  [flag: string]: unknown;
}

/** Peers a package may declare without importing them: the host it plugs into, the compiler it drives. */
const HOST_PEERS = ['eslint', 'typescript'];
/** Peers loaded through a specifier held in a variable (src/cli/siblings.ts), which no scan of imports sees; the install-hint tests show modelflags reaching for them. */
const LOADED_BY_NAME_AT_RUN_TIME: Partial<Record<PackageName, string[]>> = {
  modelflags: ['eslint-plugin-modelflags', 'remove-flag'],
};

let work: string;
let registry: string;
const packed = {} as Record<PackageName, Packed>;

async function npm(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed (${String(e.code)}) in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Output compared as text: no colour, whatever the terminal or CI asks for. */
const { NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...inherited } = process.env;
const plainEnv = { ...inherited, NO_COLOR: '1' };

/** Runs an installed bin through `npx --no` (which refuses to fetch), keeping the exit code. */
async function npx(
  cwd: string,
  bin: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no', '--', bin, ...args], {
      cwd,
      env: plainEnv,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function freshProject(name: string, manifest: object): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `fresh-${name}`, version: '1.0.0', private: true, type: 'module', ...manifest }, null, 2)}\n`,
  );
  return dir;
}

const fileSpec = (name: PackageName): string => `file:../packed/${packed[name].tarball}`;

/** The packages a project's node_modules holds (scoped ones by their full name), without npm's own files. */
function installedPackages(dir: string): string[] {
  const found: string[] = [];
  const walk = (modules: string): void => {
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(modules, entry))) visit(join(modules, entry, scoped));
      } else visit(join(modules, entry));
    }
  };
  const visit = (pkg: string): void => {
    found.push(relative(join(dir, 'node_modules'), pkg));
    if (existsSync(join(pkg, 'node_modules'))) walk(join(pkg, 'node_modules'));
  };
  walk(join(dir, 'node_modules'));
  return found;
}

/**
 * The lockfile of a fresh project whose package.json asks for `dependencies` and `devDependencies`:
 * the packed tarballs, and for everything they and the registry packages asked for need, this
 * repository's entry at the same path. The repository's tree resolves every one of those
 * dependencies, so the same paths resolve them in the fresh project too.
 */
function freshLockfile(
  project: string,
  dependencies: Record<string, string>,
  devDependencies: Record<string, string>,
): object {
  const repoLock = (
    JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  ).packages;
  const workspaceNested = Object.keys(repoLock).filter((path) =>
    Object.keys(workspaces).some((folder) => path.startsWith(`${folder}/node_modules/`)),
  );
  if (workspaceNested.length > 0)
    throw new Error(
      `a workspace has its own node_modules in the lockfile, which this test does not place: ${workspaceNested.join(', ')}`,
    );

  const packedEntries = new Map<string, LockEntry>(
    Object.values(packed).map((p) => {
      const {
        name,
        version,
        bin,
        dependencies: deps,
        optionalDependencies,
        peerDependencies,
        peerDependenciesMeta,
      } = p.manifest;
      return [
        `node_modules/${name}`,
        {
          version,
          resolved: fileSpec(name as PackageName),
          integrity: p.integrity,
          bin,
          dependencies: deps,
          optionalDependencies,
          peerDependencies,
          peerDependenciesMeta,
        },
      ];
    }),
  );
  const entryAt = (path: string): LockEntry => packedEntries.get(path) ?? repoLock[path]!;

  /** Node's lookup from the package at `from` ('' for the project): its node_modules, then each enclosing one. */
  const locate = (from: string, name: string): string | undefined => {
    for (let dir = from; ;) {
      const path = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
      if (path in repoLock) return path;
      if (dir === '') return undefined;
      const enclosing = dir.lastIndexOf('/node_modules/');
      dir = enclosing < 0 ? '' : dir.slice(0, enclosing);
    }
  };
  const edges = (entry: LockEntry): [name: string, optional: boolean][] => [
    ...Object.keys(entry.dependencies ?? {}).map((name): [string, boolean] => [name, false]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name): [string, boolean] => [name, true]),
    // npm installs the peers that are not optional, as the user's install would.
    ...Object.keys(entry.peerDependencies ?? {})
      .filter((name) => entry.peerDependenciesMeta?.[name]?.optional !== true)
      .map((name): [string, boolean] => [name, false]),
  ];
  /** Every path the project installs; with `withOptional` false, those reached through required edges alone. */
  const tree = (withOptional: boolean): Set<string> => {
    const paths = new Set<string>();
    const follow = (from: string, name: string, optional: boolean): void => {
      if (optional && !withOptional) return;
      const path = locate(from, name);
      if (path === undefined) {
        if (optional) return;
        throw new Error(`${from || 'the project'} needs ${name}, which this repository's lockfile does not hold`);
      }
      if (paths.has(path)) return;
      paths.add(path);
      if (entryAt(path).link) throw new Error(`${path} is a link in this repository's lockfile and was not packed`);
      for (const [dep, optionalDep] of edges(entryAt(path))) follow(path, dep, optionalDep);
    };
    for (const name of Object.keys({ ...dependencies, ...devDependencies })) follow('', name, false);
    return paths;
  };
  const required = tree(false);

  const packages: Record<string, LockEntry> = {
    '': { name: `fresh-${project}`, version: '1.0.0', dependencies, devDependencies },
  };
  for (const path of [...tree(true)].sort()) {
    const { dev: _dev, devOptional: _devOptional, peer: _peer, optional: _optional, ...entry } = entryAt(path);
    if (!packedEntries.has(path)) {
      const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      entry.resolved = `${registry}${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${entry.version}.tgz`;
    }
    packages[path] = required.has(path) ? entry : { ...entry, optional: true };
  }
  return { name: `fresh-${project}`, version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

/** Installs a fresh project through its lockfile, as `npm ci` does on a user's CI. */
async function installFromLockfile(
  project: string,
  dependencies: Record<string, string>,
  devDependencies: Record<string, string> = {},
): Promise<string> {
  const dir = freshProject(project, { dependencies, devDependencies });
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify(freshLockfile(project, dependencies, devDependencies), null, 2)}\n`,
  );
  try {
    await npm(dir, ['ci', '--offline', '--no-audit', '--no-fund']);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nThe npm cache needs the tarballs of this repository's lockfile: run \`npm ci\` here first.`,
    );
  }
  return dir;
}

/** The package names that the JavaScript and declaration files under `dir` import, require or reference. */
function bareImports(dir: string): Set<string> {
  const names = new Set<string>();
  const record = (specifier: string): void => {
    if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
  };
  /** A literal specifier, or the literal head of a template (`jscodeshift/parser/${name}.js`). */
  const literal = (node: ts.Node | undefined): string | undefined => {
    if (node === undefined) return undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node)) return node.head.text;
    if (ts.isLiteralTypeNode(node)) return literal(node.literal);
    return undefined;
  };
  const visit = (node: ts.Node): void => {
    let specifier: string | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      specifier = literal(node.moduleSpecifier);
    else if (ts.isImportTypeNode(node)) specifier = literal(node.argument);
    else if (ts.isExternalModuleReference(node)) specifier = literal(node.expression);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const loads =
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === 'require') ||
        // createRequire(import.meta.url)('typescript')
        (ts.isCallExpression(callee) &&
          ts.isIdentifier(callee.expression) &&
          callee.expression.text === 'createRequire');
      if (loads) specifier = literal(node.arguments[0]);
    }
    if (specifier !== undefined) record(specifier);
    ts.forEachChild(node, visit);
  };
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.(js|d\.ts)$/.test(file)) continue;
    visit(
      ts.createSourceFile(
        file,
        readFileSync(join(dir, file), 'utf8'),
        ts.ScriptTarget.Latest,
        false,
        file.endsWith('.d.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS,
      ),
    );
  }
  return names;
}

/** Declared dependencies are exactly what the installed dist/ imports; a peer is imported, or a host, or loaded by name. */
function expectDependenciesMatchImports(installed: string): void {
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest;
  const imported = bareImports(join(installed, 'dist'));
  const peers = Object.keys(manifest.peerDependencies ?? {});
  expect(
    Object.keys(manifest.dependencies ?? {}).sort(),
    `${manifest.name}: dependencies should be what dist/ imports, less its peers`,
  ).toEqual([...imported].filter((name) => !peers.includes(name)).sort());
  const unimportedPeers = peers.filter((name) => !imported.has(name));
  expect(
    unimportedPeers.filter(
      (name) =>
        !HOST_PEERS.includes(name) && !(LOADED_BY_NAME_AT_RUN_TIME[manifest.name as PackageName] ?? []).includes(name),
    ),
    `${manifest.name}: peers nothing imports`,
  ).toEqual([]);
}

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A registry with one model flag, whose `cleanup_by` is still ahead. */
const registryJson = (): string =>
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
  )}\n`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'modelflags-packages-'));
  registry = (await npm(root, ['config', 'get', 'registry'])).stdout.trim().replace(/\/?$/, '/');
  const destination = join(work, 'packed');
  mkdirSync(destination);
  // --ignore-scripts: pack the dist/ that `npm run build` (npm ci's prepare) left, as the other end-to-end tests use it.
  const workspaceArgs = Object.keys(workspaces).flatMap((folder) => ['--workspace', folder]);
  const { stdout } = await npm(root, [
    'pack',
    ...workspaceArgs,
    '--ignore-scripts',
    '--json',
    '--pack-destination',
    destination,
  ]);
  for (const info of JSON.parse(stdout) as {
    name: PackageName;
    filename: string;
    integrity: string;
    size: number;
    unpackedSize: number;
    files: { path: string; size: number }[];
  }[]) {
    const folder = Object.entries(workspaces).find(([, name]) => name === info.name)![0];
    const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as Manifest;
    packed[info.name] = {
      tarball: info.filename,
      integrity: info.integrity,
      size: info.size,
      unpackedSize: info.unpackedSize,
      files: info.files,
      manifest,
    };
  }
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('each packed package', () => {
  it.each(Object.values(workspaces))(
    '%s ships no source maps, a README and LICENSE, and everything its package.json points at',
    (name) => {
      const { files, manifest } = packed[name];
      const paths = files.map((f) => f.path);
      expect(paths.filter((f) => f.endsWith('.map'))).toEqual([]);
      expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      const targets = [
        ...Object.values(manifest.bin ?? {}),
        ...Object.values(manifest.exports).flatMap((t) =>
          typeof t === 'string'
            ? [t]
            : Object.entries(t)
                .filter(([condition]) => condition !== 'modelflags-source')
                .map(([, target]) => target),
        ),
      ];
      for (const target of targets) expect(paths, `${name}: ${target}`).toContain(target.replace(/^\.\//, ''));
    },
  );
});

describe('modelflags installed alone', () => {
  let app: string;
  beforeAll(async () => {
    app = freshProject('runtime', {});
    writeFileSync(join(app, 'flags.json'), registryJson());
    await npm(app, [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      join(work, 'packed', packed.modelflags.tarball),
    ]);
  }, 120_000);

  it('installs no dependency: its optional peers stay absent', async () => {
    expect(installedPackages(app)).toEqual(['modelflags']);
    const tree = JSON.parse((await npm(app, ['ls', '--all', '--json'])).stdout) as {
      dependencies: Record<string, { version?: string; dependencies?: Record<string, { version?: string }> }>;
    };
    expect(Object.keys(tree.dependencies)).toEqual(['modelflags']);
    const installedBelow = Object.entries(tree.dependencies['modelflags']!.dependencies ?? {}).filter(
      ([, dep]) => dep.version !== undefined,
    );
    expect(installedBelow).toEqual([]);
    expectDependenciesMatchImports(join(app, 'node_modules/modelflags'));
  });

  it('unpacks under 1 MB', async () => {
    const fileBytes = packed.modelflags.files.reduce((sum, f) => sum + f.size, 0);
    expect(fileBytes).toBe(packed.modelflags.unpackedSize);
    expect(fileBytes).toBeLessThan(1_000_000);
    const { stdout } = await run('du', ['-sk', join(app, 'node_modules/modelflags')]);
    expect(Number(stdout.split('\t')[0])).toBeLessThan(1000);
  });

  it('runs its bin and imports without a dependency', async () => {
    expect(await npx(app, 'modelflags', ['--version'])).toEqual({
      code: 0,
      stdout: `${packed.modelflags.manifest.version}\n`,
      stderr: '',
    });
    const help = await npx(app, 'modelflags', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: modelflags <command>/);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "for (const entry of ['modelflags', 'modelflags/registry', 'modelflags/io', 'modelflags/cli']) console.log(entry, Object.keys(await import(entry)).length > 0);",
      ],
      { cwd: app },
    );
    expect(stdout).toBe('modelflags true\nmodelflags/registry true\nmodelflags/io true\nmodelflags/cli true\n');
  });

  it('exports the OpenTelemetry adapters without @opentelemetry/api: they say what to install, or record into a meter given', async () => {
    const script = `
      import { createFlags, fileSource, otelEvaluations, otelMetrics } from 'modelflags';
      const flags = createFlags({ source: fileSource('flags.json') });
      for (const attach of [otelMetrics, otelEvaluations]) {
        try { attach(flags); } catch (error) { console.log(error.message); }
      }
      const recorded = [];
      const callbacks = [];
      const meter = {
        createObservableCounter: (name) => ({ addCallback: (c) => callbacks.push([name, c]), removeCallback() {} }),
        createHistogram: (name) => ({ record: (n, a) => recorded.push([name, n, a['feature_flag.result.variant']]) }),
      };
      otelMetrics(flags, { meter });
      const served = flags.record({ user_segment: 'internal' });
      flags.track(served, 'error', true);
      flags.track(served, 'latency_ms', 420);
      // What the SDK does when it collects.
      for (const [name, c] of callbacks) c({ observe: (n, a) => recorded.push([name, n, a['feature_flag.result.variant']]) });
      console.log(JSON.stringify(recorded));
      flags.close();
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    const [metrics, evaluations, recorded] = stdout.trimEnd().split('\n');
    for (const [line, caller] of [
      [metrics, 'otelMetrics'],
      [evaluations, 'otelEvaluations'],
    ])
      expect(line).toMatch(
        new RegExp(
          `^${caller} needs the @opentelemetry/api package, which is not installed here: npm install @opentelemetry/api`,
        ),
      );
    expect(JSON.parse(recorded!)).toEqual([
      ['modelflags.value', 420, 'claude-sonnet-4-6'],
      ['modelflags.samples', 1, 'claude-sonnet-4-6'],
      ['modelflags.bad_samples', 1, 'claude-sonnet-4-6'],
    ]);
  });

  it('says what to install for the commands that need a sibling package', async () => {
    const audit = await npx(app, 'modelflags', ['audit']);
    expect(audit).toMatchObject({ code: 2, stdout: '' });
    expect(audit.stderr).toContain(
      '`modelflags audit` needs flag-read detection from the eslint-plugin-modelflags package, which is not installed here.',
    );
    expect(audit.stderr).toContain('npm install --save-dev eslint-plugin-modelflags');
    const remove = await npx(app, 'modelflags', ['remove', 'inference_model', '--keep', 'claude-sonnet-4-6']);
    expect(remove).toMatchObject({ code: 2, stdout: '' });
    expect(remove.stderr).toContain(
      '`modelflags remove` needs the codemod from the remove-flag package, which is not installed here.',
    );
    expect(remove.stderr).toContain('npm install --save-dev remove-flag');
  });
});

/**
 * A new user's project with the plugin: TypeScript 6's `tsc --init` tsconfig, the eslint.config.js
 * the README shows (through `defineConfig`), `modelflags generate`, then ESLint and tsc over a file
 * that reads flags.
 */
describe('the plugin installed in a fresh project', () => {
  let app: string;
  const readmeEslintConfig = (): string => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /```js\n(\/\/ eslint\.config\.js\n[\s\S]*?)```/.exec(readme);
    if (!block) throw new Error('README.md has no ```js block starting with // eslint.config.js');
    return block[1]!;
  };
  const repoVersion = (name: string): string =>
    (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

  beforeAll(async () => {
    app = await installFromLockfile(
      'plugin',
      { modelflags: fileSpec('modelflags') },
      {
        eslint: repoVersion('eslint'),
        'typescript-eslint': repoVersion('typescript-eslint'),
        typescript: repoVersion('typescript'),
        'eslint-plugin-modelflags': fileSpec('eslint-plugin-modelflags'),
      },
    );
    expect((await npx(app, 'tsc', ['--init'])).code).toBe(0);
    writeFileSync(join(app, 'eslint.config.js'), readmeEslintConfig());
    writeFileSync(join(app, 'flags.json'), registryJson());
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
    expect(await npx(app, 'modelflags', ['generate'])).toMatchObject({ code: 0, stderr: '' });
  }, 120_000);

  it('is a copy npm installed, declaring exactly the dependencies its dist/ imports', () => {
    expect(lstatSync(join(app, 'node_modules/eslint-plugin-modelflags')).isDirectory()).toBe(true);
    expectDependenciesMatchImports(join(app, 'node_modules/eslint-plugin-modelflags'));
  });

  it('declares caret ranges that accept the ESLint and typescript-eslint the user has, and no parser of its own', () => {
    const manifest = packed['eslint-plugin-modelflags'].manifest;
    const shared = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(
      ([name]) => name === 'eslint' || name.startsWith('@typescript-eslint/') || name === 'typescript-eslint',
    );
    expect(shared.length).toBeGreaterThan(0);
    for (const [name, range] of shared) {
      const installed = (
        JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
      ).version;
      const accepted = range.split('||').some((alternative) => {
        const m = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(alternative);
        if (!m) return false;
        const [major, minor, patch] = installed.split('.').map(Number) as [number, number, number];
        const base = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
        return major === base[0] && (minor > base[1] || (minor === base[1] && patch >= base[2]));
      });
      expect(accepted, `${name} ${range} should be a caret range accepting the installed ${installed}`).toBe(true);
    }
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('@typescript-eslint/parser');
    // npm shares the user's copies: there is one of each.
    const copies = installedPackages(app).filter((pkg) =>
      /(^|\/)(eslint|typescript|typescript-eslint|@typescript-eslint\/[^/]+)$/.test(pkg),
    );
    expect(copies.filter((pkg) => pkg.includes('/node_modules/'))).toEqual([]);
  });

  it("lints with the README's config: the user's one parser, only the expected report", async () => {
    const printed = await npx(app, 'eslint', ['--print-config', 'src/chat.ts']);
    expect((JSON.parse(printed.stdout) as { languageOptions: { parser: string } }).languageOptions.parser).toMatch(
      /^typescript-eslint\/parser@/,
    );
    const linted = await npx(app, 'eslint', ['--format', 'json', '.']);
    expect(linted.code, linted.stderr).toBe(1);
    const results = JSON.parse(linted.stdout) as {
      filePath: string;
      messages: { ruleId: string | null; line: number; message: string }[];
    }[];
    const messages = results.flatMap((r) =>
      r.messages.map((m) => [r.filePath.slice(app.length + 1), m.ruleId, m.line]),
    );
    expect(messages).toEqual([['src/chat.ts', 'modelflags/read-per-request', 7]]);
    expect(results.map((r) => r.filePath.slice(app.length + 1)).sort()).toEqual([
      'eslint.config.js',
      'flags.generated.ts',
      'flags.json',
      'src/chat.ts',
    ]);
  }, 60_000);

  it("type-checks with `tsc --init`'s strict defaults", async () => {
    const tsconfig = readFileSync(join(app, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/^\s*"exactOptionalPropertyTypes": true/m);
    expect(tsconfig).toMatch(/^\s*"noUncheckedIndexedAccess": true/m);
    expect(await npx(app, 'tsc', ['--noEmit', '-p', '.'])).toEqual({ code: 0, stdout: '', stderr: '' });
  }, 60_000);
});

describe('remove-flag installed in a fresh project', () => {
  let app: string;
  beforeAll(async () => {
    app = await installFromLockfile('codemod', { 'remove-flag': fileSpec('remove-flag') });
  }, 120_000);

  it('declares exactly the dependencies its dist/ imports', () => {
    expectDependenciesMatchImports(join(app, 'node_modules/remove-flag'));
  });

  it('runs its bin', async () => {
    const help = await npx(app, 'remove-flag', ['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: remove-flag <flag> \[paths\.\.\.\] \[options\]/);
  });

  it('retires a flag in a small project: the read becomes the kept variant, the registry entry goes', async () => {
    const project = join(app, 'service');
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'flags.json'), registryJson());
    writeFileSync(
      join(project, 'src/chat.ts'),
      [
        "import { createFlags, fileSource } from 'modelflags';",
        '',
        "const flags = createFlags({ source: fileSource('flags.json') });",
        '',
        'export function modelFor(user: { id: string }): string {',
        "  const model = flags.get('inference_model', { targetingKey: user.id });",
        "  return model === 'claude-sonnet-4-6' ? 'large' : 'small';",
        '}',
        '',
      ].join('\n'),
    );
    const removal = await npx(project, 'remove-flag', ['inference_model', '--keep', 'claude-sonnet-4-6']);
    expect(removal).toMatchObject({ code: 0, stderr: '' });
    expect(removal.stdout).toContain('Registry: removed from flags.json.');
    expect(readFileSync(join(project, 'src/chat.ts'), 'utf8')).toBe(
      "export function modelFor(user: { id: string }): string {\n  return 'large';\n}\n",
    );
    expect(JSON.parse(readFileSync(join(project, 'flags.json'), 'utf8'))).toMatchObject({ flags: [] });
  }, 60_000);
});
