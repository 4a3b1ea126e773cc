/**
 * The examples of every documentation page (docs/*.md except the rule pages, which
 * test/rules/docs.test.ts covers, and ci.md, which precommit.test.ts covers) and of README.md:
 *
 * - every TypeScript block (and the README's JavaScript) type-checks, strict NodeNext, against this
 *   repository's source, in one program. A block fenced ```ts fragment is skipped; one with a
 *   `title` is a project file (type-checked, not run); `//    ^? type` comments are checked against
 *   the type TypeScript infers for the name above the caret.
 * - the untitled blocks of each page run, in order, in a directory holding the page's titled
 *   blocks, after the page's `npx modelflags` / `npx remove-flag` / `npx jscodeshift` commands.
 *   Those that need a server get a loopback one: an HTTP server for the HTTP source, the
 *   AppConfigData stand-in of test/interop for the AppConfig source.
 * - a ```console block is a terminal session: each `$ command` is one of the page's commands and
 *   the lines after it are exactly what that command printed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelflagsCli } from '../../src/cli/main.js';
import { generateTypedModule } from '../../src/registry/generate.js';
import { parseRegistryOrThrow } from '../../src/registry/validate.js';
import { FakeAppConfig } from '../support/appconfig-server.js';

const root = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

interface Block {
  lang: string;
  title: string | undefined;
  /** Fenced ```ts fragment: shown for its shape only, neither compiled nor run. */
  fragment: boolean;
  code: string;
  line: number;
}

export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const re = /^```(\w*)([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    const info = m[2]!;
    blocks.push({
      lang: m[1]!,
      title: /\btitle="([^"]+)"/.exec(info)?.[1],
      fragment: /(^|\s)fragment(\s|$)/.test(info),
      code: m[3]!,
      line: markdown.slice(0, m.index).split('\n').length,
    });
  }
  return blocks;
}

/** The repository's packages: folder and package name. */
const PACKAGES = [
  ['src', 'modelflags'],
  ['rules', 'eslint-plugin-modelflags'],
  ['codemods', 'remove-flag'],
] as const;

/** The packages and their subpaths as this repository's source, where an install would give the built package. */
const entryPoints: Map<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [dir, name] of PACKAGES) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      const source = typeof target === 'string' ? undefined : target['modelflags-source'];
      // The .js name of the source file, as TypeScript and tsx resolve an import of it.
      if (source !== undefined) map.set(`${name}${subpath.slice(1)}`, join(root, dir, source.replace(/\.ts$/, '.js')));
    }
  }
  return map;
})();

/** Only package exports: a doc importing a path the package does not export would fail for users. */
function mapImports(code: string): string {
  return code.replace(
    /(from\s+)'((?:modelflags|eslint-plugin-modelflags|remove-flag)(?:\/[^']*)?)'/g,
    (_, from: string, specifier: string) => {
      const target = entryPoints.get(specifier);
      if (!target) throw new Error(`"${specifier}" is not an export of its package.json`);
      // An absolute path rather than a file URL: TypeScript resolves paths, not URLs.
      return `${from}${JSON.stringify(target)}`;
    },
  );
}

interface PageConfig {
  page: string;
  run: boolean;
  /** Write flags.generated.ts from the page's flags.json, as `npx modelflags generate [--openfeature]` would. */
  generate?: { openFeature: boolean };
  /** Text replaced in the blocks before they are written: an example's server address by a loopback one. */
  substitutions?: () => [string, string][];
  env?: () => Record<string, string>;
}

interface Page extends PageConfig {
  dir: string;
  blocks: Block[];
  /** Untitled TS blocks, in page order. */
  runnable: string[];
  /** Every file of the type-check program from this page. */
  files: string[];
}

const http = { server: undefined as Server | undefined, url: '', token: 'docs-token', authorized: 0 };
const appConfig = new FakeAppConfig();
const fleet = { port: 0 };

const PAGES: PageConfig[] = [
  { page: 'docs/runtime.md', run: true },
  { page: 'docs/registry.md', run: true },
  { page: 'docs/guardrails.md', run: true },
  { page: 'docs/openfeature.md', run: true, generate: { openFeature: true } },
  {
    page: 'docs/sources.md',
    run: true,
    substitutions: () => [['https://config.internal/flags.json', `${http.url}/flags.json`]],
    env: () => ({
      CONFIG_TOKEN: http.token,
      // The example's default AppConfigDataClient, configured from the environment as in production,
      // pointed at the loopback stand-in; no shared config file, no instance metadata lookups.
      AWS_ENDPOINT_URL_APPCONFIGDATA: appConfig.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDDOCS',
      AWS_SECRET_ACCESS_KEY: 'docs-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(tmpdir(), 'modelflags-docs-no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'modelflags-docs-no-aws-credentials'),
    }),
  },
  {
    page: 'docs/fleet.md',
    run: true,
    // The Prometheus exporter's server on a free loopback port rather than 9464 on every interface.
    substitutions: () => [
      ['{ port: 9464 }', `{ port: ${fleet.port}, host: '127.0.0.1' }`],
      ['http://localhost:9464/metrics', `http://127.0.0.1:${fleet.port}/metrics`],
    ],
  },
  { page: 'docs/exports.md', run: true },
  { page: 'docs/codemod.md', run: true },
  { page: 'README.md', run: false, generate: { openFeature: false } },
];

function scratch(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `modelflags-docs-${name}-`));
  dirs.push(dir);
  return dir;
}

function prepare(config: PageConfig): Page {
  const markdown = readFileSync(join(root, config.page), 'utf8');
  const blocks = fencedBlocks(markdown);
  const name = basename(config.page, '.md');
  const dir = scratch(name);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  // The SDKs the examples import resolve from here as from a project that installed them.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const substitutions = config.substitutions?.() ?? [];
  for (const [from] of substitutions) expect(markdown, `${config.page} no longer contains ${from}`).toContain(from);
  const substitute = (code: string): string => substitutions.reduce((c, [from, to]) => c.replaceAll(from, to), code);

  const page: Page = { ...config, dir, blocks, runnable: [], files: [] };
  for (const b of blocks) {
    if (b.fragment) continue;
    if (b.lang === 'json' && b.title) writeFileSync(join(dir, b.title), b.code);
    // The README's registry has no title: it is the one flags.json of its examples.
    if (b.lang === 'json' && !b.title && config.page === 'README.md' && b.code.includes('"flags"'))
      writeFileSync(join(dir, 'flags.json'), b.code);
    if (b.lang !== 'ts' && !(b.lang === 'js' && config.page === 'README.md')) continue;
    const file = join(dir, b.title ?? `${name}-line-${b.line}.${b.lang}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, mapImports(substitute(b.code)));
    page.files.push(file);
    if (!b.title && b.lang === 'ts') page.runnable.push(file);
  }
  if (config.generate) {
    const registry = parseRegistryOrThrow(readFileSync(join(dir, 'flags.json'), 'utf8'), 'flags.json');
    const file = join(dir, 'flags.generated.ts');
    writeFileSync(
      file,
      generateTypedModule(registry, {
        registryImportPath: './flags.json',
        runtimeModule: entryPoints.get('modelflags')!,
        openFeature: config.generate.openFeature,
      }),
    );
    page.files.push(file);
  }
  return page;
}

function typeErrors(pages: readonly Page[]): string[] {
  const files = pages.flatMap((p) => p.files);
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p)).config as {
    compilerOptions: object;
  };
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
  const program = ts.createProgram(files, {
    ...options,
    allowJs: true,
    checkJs: true,
    noEmit: true,
    rootDir: undefined,
    outDir: undefined,
  });
  const checker = program.getTypeChecker();
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.includes(resolve(d.file.fileName)))
    .map((d) => {
      const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${d.file!.fileName}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  // `//    ^? type`: the caret points at a name on the line above; the type shown must be the inferred one.
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    const lines = source.text.split('\n');
    lines.forEach((text, i) => {
      const query = /^(\s*\/\/\s*)\^\?\s*(.+)$/.exec(text);
      if (!query || i === 0) return;
      const position = source.getPositionOfLineAndCharacter(i - 1, query[1]!.length);
      const node = innermostNode(source, position);
      const shown = query[2]!.trim().replaceAll("'", '"');
      const inferred = node
        ? checker.typeToString(checker.getTypeAtLocation(node), undefined, ts.TypeFormatFlags.NoTruncation)
        : '(nothing under the caret)';
      if (inferred !== shown)
        errors.push(`${file}:${i + 1}: the comment shows ${shown}, TypeScript infers ${inferred}`);
    });
  }
  return errors;
}

function innermostNode(node: ts.Node, position: number): ts.Node | undefined {
  if (position < node.getStart() || position >= node.getEnd()) return undefined;
  return ts.forEachChild(node, (child) => innermostNode(child, position)) ?? node;
}

interface Run {
  code: number;
  out: string;
  stdout: string;
}

function exec(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    // The examples read real credentials and endpoints when they are set (an SDK key, an AWS
    // profile); here they must only ever reach the loopback servers of this test.
    const inherited = Object.entries(process.env).filter(([k]) => !/^AWS_|^LD_SDK_KEY$|^CONFIG_TOKEN$/.test(k));
    const childEnv: NodeJS.ProcessEnv = { ...Object.fromEntries(inherited), ...env };
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, out, stdout }));
  });
}

/** Runs the page's untitled blocks in order, in one process, as a reader pasting them would. */
function runBlocks(page: Page): Promise<Run> {
  const runner = join(page.dir, 'run-all.mts');
  writeFileSync(
    runner,
    page.runnable.map((f) => `await import(${JSON.stringify(pathToFileURL(f).href)});`).join('\n') + '\n',
  );
  return exec(
    join(root, 'node_modules/.bin/tsx'),
    ['--conditions=modelflags-source', runner],
    page.dir,
    page.env?.() ?? {},
  );
}

/** `npx <tool> args  # comment` lines of a page's ```sh blocks. */
function commands(page: Page, tool: string): string[][] {
  return page.blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.code.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith(`npx ${tool} `))
    .map((l) => l.split(/\s+/).slice(2));
}

/** Each `$ command` of the page's ```console blocks with the output shown after it. */
function sessions(page: Page): { command: string; output: string }[] {
  const shown: { command: string; output: string }[] = [];
  for (const b of page.blocks.filter((x) => x.lang === 'console')) {
    for (const part of b.code.split(/^\$ /m).slice(1)) {
      const newline = part.indexOf('\n');
      shown.push({ command: part.slice(0, newline).trim(), output: part.slice(newline + 1) });
    }
  }
  return shown;
}

/** A project made of the page's titled blocks as written, with the three packages installed (built). */
function projectOf(page: Page): string {
  const dir = scratch('project');
  for (const b of page.blocks) {
    if (!b.title || b.fragment) continue;
    mkdirSync(dirname(join(dir, b.title)), { recursive: true });
    writeFileSync(join(dir, b.title), b.code);
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const [folder, name] of PACKAGES) symlinkSync(join(root, folder), join(dir, 'node_modules', name), 'dir');
  return dir;
}

/** What `npx remove-flag` runs: the package's bin, built into dist/. */
function removeFlagBin(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'codemods/package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(root, 'codemods', pkg.bin['remove-flag']!);
}

let pages: Page[] = [];
const byName = (name: string): Page => pages.find((p) => p.page === name)!;

beforeAll(async () => {
  const registryText = (page: string): string =>
    fencedBlocks(readFileSync(join(root, page), 'utf8')).find((b) => b.title === 'flags.json')!.code;
  const served = registryText('docs/sources.md');
  const etag = `"${createHash('sha256').update(served).digest('hex').slice(0, 16)}"`;
  http.server = createServer((req, res) => {
    if (req.url !== '/flags.json') return void res.writeHead(404).end();
    if (req.headers.authorization !== `Bearer ${http.token}`) return void res.writeHead(401).end();
    http.authorized++;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(served);
  });
  await new Promise<void>((listening) => http.server!.listen(0, '127.0.0.1', listening));
  http.url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  await appConfig.start();
  appConfig.deploy('chat', 'prod', 'model-flags', served);
  // A port free now, for the fleet page's Prometheus exporter, which treats port 0 as its default 9464.
  const probe = createServer();
  await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
  fleet.port = (probe.address() as AddressInfo).port;
  await new Promise<void>((closed) => probe.close(() => closed()));
  pages = PAGES.map(prepare);
});

afterAll(async () => {
  http.server?.closeAllConnections();
  await new Promise<void>((closed) => (http.server ? http.server.close(() => closed()) : closed()));
  await appConfig.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('docs examples', () => {
  it('cover every page with TypeScript examples', () => {
    const withCode = readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .filter((f) =>
        fencedBlocks(readFileSync(join(root, 'docs', f), 'utf8')).some((b) => b.lang === 'ts' && !b.fragment),
      )
      .map((f) => `docs/${f}`);
    expect(withCode.filter((p) => !PAGES.some((c) => c.page === p))).toEqual([]);
  });

  it('type-check, in one program', { timeout: 120_000 }, () => {
    expect(pages.flatMap((p) => p.files).length).toBeGreaterThanOrEqual(15);
    expect(typeErrors(pages)).toEqual([]);
  });
});

describe.concurrent('docs examples run', () => {
  for (const config of PAGES.filter((p) => p.run && p.page !== 'docs/exports.md' && p.page !== 'docs/codemod.md')) {
    it(config.page, { timeout: 60_000 }, async () => {
      const page = byName(config.page);
      const result = await runBlocks(page);
      expect(result.out).not.toMatch(/AssertionError|Error \[/);
      expect(result.code, result.out).toBe(0);
      const markdown = readFileSync(join(root, page.page), 'utf8');
      // The evidence line the page shows is the one the example prints.
      if (page.page === 'docs/guardrails.md')
        expect(markdown).toContain(result.out.split('\n').find((l) => l.startsWith('guardrail: '))!);
      if (page.page === 'docs/registry.md') expect(result.out).toMatch(/^flags\.json:\d+:\d+: /m);
      if (page.page === 'docs/fleet.md') {
        // The series the page shows are those the real exporter served, but for the version.
        const version = (s: string): string => s.replaceAll(/otel_scope_version="[^"]*"/g, 'otel_scope_version="…"');
        const shown = fencedBlocks(markdown).find((b) => b.lang === 'text')!.code;
        expect(version(result.stdout)).toBe(version(shown));
      }
      if (page.page === 'docs/sources.md') {
        expect(http.authorized).toBeGreaterThan(0);
        expect(
          appConfig.calls.filter((c) => c.operation === 'GetLatestConfiguration' && c.status === 200 && c.signed),
        ).not.toHaveLength(0);
      }
    });
  }

  it(
    'docs/exports.md: the commands write what the page shows, and the LaunchDarkly SDK serves it',
    { timeout: 60_000 },
    async () => {
      const page = byName('docs/exports.md');
      const lines = commands(page, 'modelflags');
      expect(lines.map((args) => args.join(' '))).toEqual([
        'export --to appconfig --out appconfig.json',
        'export --to launchdarkly --out launchdarkly.json',
      ]);
      for (const args of lines) {
        let out = '';
        const code = await runModelflagsCli(args, {
          out: (t) => (out += `${t}\n`),
          err: () => undefined,
          cwd: page.dir,
        });
        expect(code).toBe(0);
        // Written by the command, not left over from the page's own block of the same name.
        expect(out).toBe(`wrote ${args.at(-1)}\n`);
      }
      const shown = page.blocks.find((b) => b.title === 'appconfig.json')!;
      expect(JSON.parse(readFileSync(join(page.dir, 'appconfig.json'), 'utf8'))).toEqual(JSON.parse(shown.code));
      const result = await runBlocks(page);
      expect(result.out).not.toMatch(/AssertionError|Error \[/);
      expect(result.code, result.out).toBe(0);
    },
  );

  it('docs/registry.md: the rollout session prints what the page shows', async () => {
    const page = byName('docs/registry.md');
    const shown = sessions(page);
    expect(shown.map((s) => s.command)).toEqual([
      'npx modelflags rollout status inference_model --registry rollout.json --now 2026-12-10T12:30:00Z',
    ]);
    for (const { command, output } of shown) {
      let out = '';
      const code = await runModelflagsCli(command.split(/\s+/).slice(2), {
        out: (t) => (out += `${t}\n`),
        err: (t) => (out += `${t}\n`),
        cwd: page.dir,
      });
      expect(code).toBe(0);
      expect(out).toBe(output);
    }
  });

  it('docs/codemod.md: the commands print what the page shows', { timeout: 60_000 }, async () => {
    const page = byName('docs/codemod.md');
    const cli = removeFlagBin();
    if (!existsSync(cli))
      throw new Error(`${cli} is missing: run \`npm run build\` (npm ci runs it through "prepare")`);
    const project = projectOf(page);
    const printed = new Map<string, Run>();
    for (const args of commands(page, 'remove-flag')) {
      const run = await exec(process.execPath, [cli, ...args], project);
      expect(run.code, run.out).toBe(0);
      printed.set(`npx remove-flag ${args.join(' ')}`, run);
    }
    for (const { command, output } of sessions(page)) {
      expect([...printed.keys()]).toContain(command);
      expect(printed.get(command)!.stdout).toBe(output);
    }
    const json = [...printed].find(([command]) => command.endsWith('--json'))!;
    expect(JSON.parse(json[1].stdout)).toMatchObject({ exitCode: 0, written: true, registry: { action: 'removed' } });
    // Both flags retired: the registry is empty and the request is built from constants.
    expect(JSON.parse(readFileSync(join(project, 'flags.json'), 'utf8'))).toEqual({ flags: [] });
    const after = readFileSync(join(project, 'src/chat.ts'), 'utf8');
    expect(after).toContain("return { model: 'claude-sonnet-4-6', max_tokens: 4096, stream: true, prompt };");
    expect(after).not.toMatch(/flags\.get|modelflags/);
  });

  it(
    'docs/codemod.md: the jscodeshift transform rewrites the file as remove-flag does, and only the file',
    { timeout: 60_000 },
    async () => {
      const page = byName('docs/codemod.md');
      const [args, ...others] = commands(page, 'jscodeshift');
      expect(others).toEqual([]);
      const project = projectOf(page);
      const registry = readFileSync(join(project, 'flags.json'), 'utf8');
      const run = await exec(join(root, 'node_modules/.bin/jscodeshift'), args!, project);
      expect(run.code, run.out).toBe(0);
      // jscodeshift colours its summary when it believes it has a terminal (CI=true is enough).
      expect(run.out.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/^1 ok$/m);
      expect(readFileSync(join(project, 'flags.json'), 'utf8')).toBe(registry);
      // The same rewrite as remove-flag's for this file.
      const reference = projectOf(page);
      const removed = await exec(
        process.execPath,
        [removeFlagBin(), 'inference_model', '--keep', 'claude-sonnet-4-6', 'src', '--json', '--no-verify'],
        reference,
      );
      expect(removed.code, removed.out).toBe(0);
      expect(readFileSync(join(project, 'src/chat.ts'), 'utf8')).toBe(
        readFileSync(join(reference, 'src/chat.ts'), 'utf8'),
      );
    },
  );

  it('docs/codemod.md: the "From code" example', { timeout: 60_000 }, async () => {
    const page = byName('docs/codemod.md');
    cpSync(join(page.dir, 'flags.json'), join(page.dir, 'flags.json.before'));
    const result = await runBlocks(page);
    expect(result.code, result.out).toBe(0);
    expect(result.stdout).toContain('Would change:\n  src/chat.ts (2 site(s), 8 line(s) removed)\n');
    // A dry run: nothing written.
    expect(readFileSync(join(page.dir, 'flags.json'), 'utf8')).toBe(
      readFileSync(join(page.dir, 'flags.json.before'), 'utf8'),
    );
  });
});
