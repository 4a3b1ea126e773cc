/**
 * End to end: the real ESLint CLI with `--cache` over a temporary project whose config imports
 * the built plugin.
 */
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtPluginConfig, eslintJson, type LintMessage } from '../support/eslint-cli.js';

let project: string;

function registry(...flags: object[]): string {
  return JSON.stringify({ flags }, null, 2) + '\n';
}

async function lint(): Promise<Record<string, LintMessage[]>> {
  const files = await eslintJson(['--cache', '.'], project);
  return Object.fromEntries(files.map((f) => [f.filePath.slice(project.length + 1).replaceAll('\\', '/'), f.messages]));
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-eslint-'));
  mkdirSync(join(project, 'src'));
  writeFileSync(
    join(project, 'eslint.config.js'),
    builtPluginConfig('recommended', "{ registry: new URL('./flags.json', import.meta.url), today: '2026-06-01' }"),
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
  writeFileSync(
    join(project, 'flags.json'),
    registry({ flag: 'inference_model', default: 'a', cleanup_by: '2026-07-01' }),
  );
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
      registry(
        { flag: 'inference_model', default: 'a', cleanup_by: '2026-07-01' },
        { flag: 'chat_model', default: 'b', cleanup_by: '2026-05-01' },
      ),
    );
    const second = await lint();
    // The unknown key is now known, and its cleanup date has passed: the report follows the registry.
    expect(second['src/chat.ts']?.map((m) => [m.ruleId, m.line, m.severity])).toEqual([
      ['modelflags/no-expired-flag', 3, 1],
    ]);
    expect(second['src/chat.ts']?.[0]?.message).toContain('npx remove-flag chat_model --keep b');
    // The registry file itself is linted through @eslint/json, at the line of the date.
    expect(second['flags.json']?.map((m) => [m.ruleId, m.line])).toEqual([['modelflags/no-expired-flag', 11]]);
  }, 60_000);

  it('lints the registry file when ESLint runs from another directory', async () => {
    const parent = join(project, '..');
    const files = await eslintJson(['--config', join(project, 'eslint.config.js'), project], parent);
    const registryFile = files.find((f) => f.filePath === join(project, 'flags.json'));
    expect(registryFile?.messages.map((m) => [m.ruleId, m.line])).toEqual([['modelflags/no-expired-flag', 11]]);
  }, 60_000);

  it('reports an invalid registry once, with its file, line and column, instead of stopping', async () => {
    writeFileSync(join(project, 'flags.json'), '{ "flags": [ { "flag": "Bad Key", "default": 1 } ] }');
    const reported = Object.values(await lint())
      .flat()
      .filter((m) => m.ruleId === 'modelflags/no-unknown-flag');
    expect(reported.map((m) => [m.line, m.column, m.severity])).toEqual([[1, 1, 2]]);
    expect(reported[0]!.message).toMatch(/flags\.json:1:24: flag key "Bad Key" is invalid/);
  }, 60_000);
});
