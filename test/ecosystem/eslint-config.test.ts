/**
 * The plugin's configs as a user's eslint.config.js composes them, through ESLint's own
 * `defineConfig`, over a real project directory: both `extends` forms, no parser of ours, a
 * registry edit seen by a long-lived ESLint, and configuration problems said once per run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { defineConfig } from 'eslint/config';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../../rules/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const registry = (...flags: string[]): string =>
  `${JSON.stringify({ flags: flags.map((flag) => ({ flag, owner: 'ml', cleanup_by: '2026-09-01', variants: ['a', 'b'], default: 'a' })) }, null, 2)}\n`;

/** Plain JavaScript, so ESLint's default parser (espree) parses it: the configs bring none. */
const reader = (key: string): string =>
  `import { createFlags } from 'modelflags';\nconst flags = createFlags({ source });\nexport const pick = (ctx) => flags.get('${key}', ctx);\n`;

type Message = [file: string, rule: string | null, line: number];

async function lint(eslint: ESLint): Promise<Message[]> {
  const results = await eslint.lintFiles(['.']);
  return results
    .flatMap((r) =>
      r.messages.map((m): Message => [r.filePath.slice(r.filePath.lastIndexOf('/') + 1), m.ruleId, m.line]),
    )
    .sort();
}

const settings = { modelflags: { registry: 'flags.json', today: '2026-06-01' } };

describe('the configs through defineConfig', () => {
  it.each([
    ['extends with the config object', defineConfig({ extends: [plugin.configs.recommended], settings })],
    [
      'extends by name',
      defineConfig({ plugins: { modelflags: plugin }, extends: ['modelflags/recommended'], settings }),
    ],
    ['spread', defineConfig([...plugin.configs.strict, { settings }])],
  ])(
    '%s: lint JavaScript with ESLint’s own parser and the registry file through @eslint/json',
    async (_name, config) => {
      const dir = project({ 'flags.json': registry('inference_model'), 'app.js': reader('inference_modle') });
      const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: config as Linter.Config[] });
      expect(await lint(eslint)).toEqual([['app.js', 'modelflags/no-unknown-flag', 3]]);
      expect(
        ((await eslint.calculateConfigForFile(join(dir, 'app.js'))) as Linter.Config).languageOptions?.parser,
      ).toBe(
        (
          (await new ESLint({ cwd: dir, overrideConfigFile: true }).calculateConfigForFile(
            join(dir, 'app.js'),
          )) as Linter.Config
        ).languageOptions?.parser,
      );
      expect(((await eslint.calculateConfigForFile(join(dir, 'flags.json'))) as Linter.Config).rules).toHaveProperty(
        'modelflags/require-cleanup-date',
      );
    },
  );

  it('lints a registry named otherwise with the registry part given its file, as docs/eslint.md shows', async () => {
    const dir = project({
      'features.json': registry('inference_model').replace('2026-09-01', '2026-05-01'),
      'app.js': reader('inference_modle'),
    });
    const registryPart = plugin.configs.recommended.find((part) => part.name?.endsWith('/registry'));
    const config = defineConfig([
      {
        extends: [plugin.configs.recommended],
        settings: { modelflags: { ...settings.modelflags, registry: 'features.json' } },
      },
      { ...registryPart, files: ['features.json'] } as Linter.Config,
    ]);
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: config as Linter.Config[] });
    expect(await lint(eslint)).toEqual([
      ['app.js', 'modelflags/no-unknown-flag', 3],
      ['features.json', 'modelflags/no-expired-flag', 6],
    ]);
  });

  it('sets no parser in any config', () => {
    for (const config of Object.values(plugin.configs)) {
      for (const block of config as Linter.Config[]) expect(block.languageOptions?.parser, block.name).toBeUndefined();
    }
  });
});

describe('the registry in a long-lived ESLint', () => {
  it('is read again when the file changes, without a new ESLint instance', async () => {
    const dir = project({ 'flags.json': registry('inference_model'), 'app.js': reader('chat_model') });
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: defineConfig({ extends: [plugin.configs.recommended], settings }),
    });
    expect(await lint(eslint)).toEqual([['app.js', 'modelflags/no-unknown-flag', 3]]);
    writeFileSync(join(dir, 'flags.json'), registry('inference_model', 'chat_model'));
    expect(await lint(eslint)).toEqual([]);
  });
});

describe('configuration problems', () => {
  it('without a registry, says how to name one once per run, not once per file and rule', async () => {
    const dir = project({ 'a.js': reader('x'), 'b.js': reader('y'), 'c.js': reader('z') });
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: defineConfig({ extends: [plugin.configs.recommended] }),
    });
    const results = await eslint.lintFiles(['.']);
    const messages = results.flatMap((r) => r.messages);
    expect(messages.map((m) => [m.ruleId, m.messageId])).toEqual([['modelflags/no-unknown-flag', 'noRegistry']]);
    expect(messages[0]!.message).toContain("settings: { modelflags: { registry: 'path/to/flags.json' } }");
  });

  it('an invalid setting is one message, and the rest of the settings still apply', async () => {
    const dir = project({
      'flags.json': registry('inference_model'),
      'a.js': reader('inference_modle'),
      'b.js': reader('inference_modle'),
    });
    const config = defineConfig({
      extends: [plugin.configs.recommended],
      settings: { modelflags: { registry: 'flags.json', today: '1 June' } },
    });
    const messages = await lint(new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: config }));
    // The setting's message (line 1) goes to whichever file ESLint finishes reading first: which
    // one varies with load, that there is exactly one does not.
    const settingMessages = messages.filter(([, , line]) => line === 1);
    expect(settingMessages).toHaveLength(1);
    expect(['a.js', 'b.js']).toContain(settingMessages[0]![0]);
    expect(messages.filter(([, , line]) => line !== 1)).toEqual([
      ['a.js', 'modelflags/no-unknown-flag', 3],
      ['b.js', 'modelflags/no-unknown-flag', 3],
      // Today's date from the clock (after 2026-09-01) stands in for the invalid one.
      ['flags.json', 'modelflags/no-expired-flag', 6],
    ]);
  });
});
