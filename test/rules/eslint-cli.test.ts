/**
 * End to end: the real ESLint CLI with `--cache` over a temporary project whose config imports
 * the built plugin (dist/rules/index.js, produced by `npm run build`, which `prepare` runs).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const builtPlugin = join(root, 'dist/rules/index.js');
const eslintBin = join(root, 'node_modules/eslint/bin/eslint.js');

interface LintMessage {
  ruleId: string | null;
  message: string;
  line: number;
  column: number;
  severity: number;
}

let project: string;

function registry(...flags: object[]): string {
  return JSON.stringify({ flags }, null, 2) + '\n';
}

async function lint(): Promise<Record<string, LintMessage[]>> {
  // ESLint exits 1 when it reports errors; the JSON report is what the test reads.
  const result = await run(process.execPath, [eslintBin, '--cache', '--format', 'json', '.'], { cwd: project }).catch(
    (error: { stdout?: string; stderr?: string; code?: number }) => {
      if (error.code === 1 && error.stdout) return { stdout: error.stdout };
      throw new Error(`eslint failed: ${error.stderr ?? String(error)}`);
    },
  );
  const files = JSON.parse(result.stdout) as { filePath: string; messages: LintMessage[] }[];
  return Object.fromEntries(files.map((f) => [f.filePath.slice(project.length + 1).replaceAll('\\', '/'), f.messages]));
}

beforeAll(() => {
  if (!existsSync(builtPlugin)) throw new Error(`${builtPlugin} is missing: run \`npx tsc -p tsconfig.build.json\` (npm ci runs it through "prepare")`);
  project = mkdtempSync(join(tmpdir(), 'modelflags-eslint-'));
  mkdirSync(join(project, 'src'));
  writeFileSync(
    join(project, 'eslint.config.js'),
    `import modelflags from ${JSON.stringify(pathToFileURL(builtPlugin).href)};\n` +
      `export default [...modelflags.configs.recommended({ registry: new URL('./flags.json', import.meta.url), today: '2026-06-01' })];\n`,
  );
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(project, 'src/chat.ts'),
    [
      "import { flags } from './flags.js';",
      'export function answer(ctx: { targetingKey: string }): string {',
      "  return flags.get('chat_model', ctx);",
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(join(project, 'flags.json'), registry({ flag: 'inference_model', default: 'a', cleanup_by: '2026-07-01' }));
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('eslint --cache with the built plugin', () => {
  it('reports against the registry, and a registry edit changes the next cached run', async () => {
    const first = await lint();
    expect(first['src/chat.ts']?.map((m) => [m.ruleId, m.line])).toEqual([['modelflags/no-unknown-flag', 3]]);
    expect(existsSync(join(project, '.eslintcache'))).toBe(true);

    writeFileSync(
      join(project, 'flags.json'),
      registry({ flag: 'inference_model', default: 'a', cleanup_by: '2026-07-01' }, { flag: 'chat_model', default: 'b', cleanup_by: '2026-05-01' }),
    );
    const second = await lint();
    // The unknown key is now known, and its cleanup date has passed: the report follows the registry.
    expect(second['src/chat.ts']?.map((m) => [m.ruleId, m.line, m.severity])).toEqual([['modelflags/no-expired-flag', 3, 1]]);
    expect(second['src/chat.ts']?.[0]?.message).toContain('npx remove-flag chat_model --keep b');
    // The registry file itself is linted through @eslint/json, at the line of the date.
    expect(second['flags.json']?.map((m) => [m.ruleId, m.line])).toEqual([['modelflags/no-expired-flag', 11]]);
  }, 60_000);

  it('lints the registry file when ESLint runs from another directory', async () => {
    const parent = join(project, '..');
    const result = await run(process.execPath, [eslintBin, '--config', join(project, 'eslint.config.js'), '--format', 'json', project], { cwd: parent }).catch(
      (error: { stdout?: string; stderr?: string; code?: number }) => {
        if (error.code === 1 && error.stdout) return { stdout: error.stdout };
        throw new Error(`eslint failed: ${error.stderr ?? String(error)}`);
      },
    );
    const files = JSON.parse(result.stdout) as { filePath: string; messages: LintMessage[] }[];
    const registryFile = files.find((f) => f.filePath === join(project, 'flags.json'));
    expect(registryFile?.messages.map((m) => [m.ruleId, m.line])).toEqual([['modelflags/no-expired-flag', 11]]);
  }, 60_000);

  it('stops with the registry file, line and column when the registry is invalid', async () => {
    writeFileSync(join(project, 'flags.json'), '{ "flags": [ { "flag": "Bad Key", "default": 1 } ] }');
    await expect(lint()).rejects.toThrow(/flags\.json:1:24: flag key "Bad Key" is invalid/);
  }, 60_000);
});
