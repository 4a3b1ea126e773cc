/**
 * The examples in docs/runtime.md, docs/registry.md and docs/guardrails.md: every TypeScript block
 * type-checks (strict, NodeNext, against this repository's source) and runs, in order, in a
 * directory holding the page's titled JSON blocks (`flags.json`). docs/ci.md is exercised by
 * precommit.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Block {
  lang: string;
  title: string | undefined;
  code: string;
  line: number;
}

export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const re = /^```(\w*)(?: title="([^"]+)")?\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    blocks.push({ lang: m[1]!, title: m[2], code: m[3]!, line: markdown.slice(0, m.index).split('\n').length });
  }
  return blocks;
}

function prepare(page: string): { dir: string; files: string[] } {
  const blocks = fencedBlocks(readFileSync(join(root, 'docs', page), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), `modelflags-docs-${page.replace('.md', '')}-`));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const files: string[] = [];
  // An absolute path rather than a file URL: TypeScript resolves paths, not URLs.
  const entry = join(root, 'src/index.js');
  for (const b of blocks) {
    if (b.lang === 'json' && b.title) writeFileSync(join(dir, b.title), b.code);
    if (b.lang === 'ts') {
      const file = join(dir, `${page.replace('.md', '')}-line-${b.line}.ts`);
      // `modelflags` is this repository's source here, as a package install would provide it built.
      writeFileSync(file, b.code.replaceAll("from 'modelflags'", `from ${JSON.stringify(entry)}`));
      files.push(file);
    }
  }
  return { dir, files };
}

function typeErrors(files: string[]): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p)).config as { compilerOptions: object };
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
  const program = ts.createProgram(files, { ...options, noEmit: true, rootDir: undefined, outDir: undefined });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.includes(resolve(d.file.fileName)))
    .map((d) => {
      const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${d.file!.fileName}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

function run(dir: string, files: string[]): { code: number; out: string } {
  const runner = join(dir, 'run-all.mts');
  writeFileSync(runner, files.map((f) => `await import(${JSON.stringify(pathToFileURL(f).href)});`).join('\n') + '\n');
  const r = spawnSync(join(root, 'node_modules/.bin/tsx'), [runner], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('docs examples', () => {
  const pages = ['runtime.md', 'registry.md', 'guardrails.md'].map((page) => ({ page, ...prepare(page) }));

  it('type-check', { timeout: 120_000 }, () => {
    const files = pages.flatMap((p) => p.files);
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(typeErrors(files)).toEqual([]);
  });

  for (const { page, dir, files } of pages) {
    it(`run: ${page}`, { timeout: 60_000 }, () => {
      const result = run(dir, files);
      expect(result.out).not.toMatch(/AssertionError|Error \[/);
      expect(result.code).toBe(0);
      // The evidence line the page shows is the one the example prints.
      if (page === 'guardrails.md') expect(readFileSync(join(root, 'docs', page), 'utf8')).toContain(result.out.split('\n').find((l) => l.startsWith('guardrail: '))!);
      if (page === 'registry.md') expect(result.out).toMatch(/^flags\.json:\d+:\d+: /m);
    });
  }
});
