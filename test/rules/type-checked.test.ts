/**
 * `recommended-type-checked` end to end: the real ESLint CLI with the built plugin over a
 * temporary TypeScript project, where flag values cross files through wrappers, re-exports and
 * function parameters. The same project under `recommended` shows what syntax alone cannot see.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tsParser from '@typescript-eslint/parser';
import { ESLint, type Linter } from 'eslint';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../../rules/index.js';
import { builtPluginConfig, eslintJson, type LintMessage } from '../support/eslint-cli.js';

let project: string;

const FILES: Record<string, string[]> = {
  'src/flags.ts': [
    'export interface Ctx { targetingKey: string; user_segment?: string }',
    'export const flags = {',
    '  get(flag: string, ctx: Ctx): string {',
    '    return flag + ctx.targetingKey;',
    '  },',
    '};',
  ],
  'src/model.ts': [
    "import { useFlags } from 'launchdarkly-react-client-sdk';",
    "import { flags, type Ctx } from './flags.js';",
    '',
    'export function currentModel(ctx: Ctx): string {',
    "  return flags.get('inference_model', ctx);",
    '}',
    '',
    'export const promptVersion = async (ctx: Ctx): Promise<string> => {',
    "  const version = flags.get('system_prompt_version', ctx);",
    '  return version;',
    '};',
    '',
    "export function flag(key: 'inference_model' | 'system_prompt_version', ctx: Ctx): string {",
    '  return flags.get(key, ctx);',
    '}',
    '',
    '/** Calls the wrapper: a wrapper of a wrapper. */',
    'export function modelForRequest(ctx: Ctx): string {',
    '  return currentModel(ctx);',
    '}',
    '',
    '/** LaunchDarkly names the flag `inferenceModel`; which registry key that is depends on the registry. */',
    'export function useModel(): string {',
    '  return useFlags().inferenceModel;',
    '}',
  ],
  'src/index.ts': ["export { currentModel, promptVersion, flag, modelForRequest, useModel } from './model.js';"],
  'src/llm.ts': [
    'declare const client: { messages: { create(body: object): Promise<string> } };',
    '',
    'export function ask(model: string, instructions: string, question: string): Promise<string> {',
    '  return client.messages.create({ model, system: instructions, messages: [{ role: "user", content: question }] });',
    '}',
    '',
    'export function maxTokens(model: string): number {',
    "  return model === 'claude-opus-4-5' ? 8192 : 4096;",
    '}',
    '',
    'export function label(text: string): string {',
    '  return `[${text}]`;',
    '}',
  ],
  'src/chat.ts': [
    "import { currentModel, flag, modelForRequest, promptVersion, useModel } from './index.js';",
    "import { ask, label, maxTokens } from './llm.js';",
    "import { flags, type Ctx } from './flags.js';",
    '',
    'export async function chat(ctx: Ctx, question: string): Promise<unknown> {',
    '  const model = currentModel(ctx);',
    "  if (model === 'claude-sonet-4-6') return undefined;",
    "  const prompt = (await promptVersion(ctx)) === 'v9' ? 'long' : 'short';",
    "  const tokens = maxTokens(model) + maxTokens('claude-3-haiku');",
    "  const fast = flag('inference_model', ctx) === 'gpt-5';",
    "  const nested = modelForRequest(ctx) === 'claude-opus-4-7';",
    '  return [label(model), tokens, fast, nested, prompt, await ask(model, `You are ${model}`, question)];',
    '}',
    '',
    'function localModel(ctx: Ctx): string {',
    "  return flags.get('inference_model', ctx);",
    '}',
    '',
    'function forever(ctx: Ctx): string {',
    '  return forever(ctx);',
    '}',
    '',
    'export function more(ctx: Ctx): boolean {',
    "  return localModel(ctx) === 'claude-haiku' || forever(ctx) === 'zzz' || label('claude-haiku') === 'x' || useModel() === 'claude-opus';",
    '}',
  ],
};

const REGISTRY = {
  flags: [
    {
      flag: 'inference_model',
      dimension: 'model',
      cleanup_by: '2026-12-31',
      variants: ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6'],
      default: 'claude-3-haiku',
    },
    {
      flag: 'system_prompt_version',
      dimension: 'prompt',
      cleanup_by: '2026-12-31',
      variants: ['v3', 'v4'],
      default: 'v3',
    },
  ],
};

async function lint(config: 'recommended' | 'recommended-type-checked'): Promise<LintMessage[]> {
  writeFileSync(
    join(project, 'eslint.config.js'),
    builtPluginConfig(config, "{ registry: new URL('./flags.json', import.meta.url), today: '2026-06-01' }"),
  );
  const [file] = await eslintJson(['src/chat.ts'], project);
  return file!.messages;
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'modelflags-typed-'));
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['src'],
    }),
  );
  writeFileSync(join(project, 'flags.json'), JSON.stringify(REGISTRY, null, 2));
  for (const [file, lines] of Object.entries(FILES)) writeFileSync(join(project, file), lines.join('\n') + '\n');
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('recommended-type-checked', () => {
  it('follows flag values through wrappers, re-exports and parameters in other files', async () => {
    const messages = await lint('recommended-type-checked');
    const found = messages.map((m) => [m.ruleId, m.line, m.messageId]);
    expect(found).toEqual([
      // `ask` puts its first parameter in `model:` and its second in `system:`; reported at the read.
      ['modelflags/separate-dimensions', 6, 'bothDimensions'],
      // `currentModel` comes through a re-export and returns flags.get('inference_model').
      ['modelflags/no-unknown-variant', 7, 'unknownVariantDidYouMean'],
      // An async wrapper returning a bound read.
      ['modelflags/no-unknown-variant', 8, 'unknownVariantDidYouMean'],
      // The value reaches `maxTokens`, which compares its parameter with a typo (llm.ts line 8);
      // the literal argument in the same line is not a flag value.
      ['modelflags/no-unknown-variant', 9, 'unknownVariantInCallee'],
      // A generic wrapper reads the key it is given.
      ['modelflags/no-unknown-variant', 10, 'unknownVariant'],
      // A wrapper of a wrapper.
      ['modelflags/no-unknown-variant', 11, 'unknownVariantDidYouMean'],
      // A wrapper in the same file; a function calling itself and one returning its argument are not reads.
      ['modelflags/no-unknown-variant', 24, 'unknownVariantDidYouMean'],
      // A wrapper over LaunchDarkly's React hook.
      ['modelflags/no-unknown-variant', 24, 'unknownVariant'],
    ]);
    const byLine = (line: number) => messages.find((m) => m.line === line)!.message;
    expect(byLine(9)).toContain(
      '`inference_model` is passed to `maxTokens()`, which checks it against "claude-opus-4-5" (src/llm.ts:8)',
    );
    expect(byLine(6)).toContain('`model:` in `ask()` at src/llm.ts:4');
    expect(byLine(6)).toContain('`system:` in `ask()` at src/llm.ts:4');
    expect(byLine(6)).toContain('line 12');
  }, 60_000);

  it('sees none of it from syntax alone', async () => {
    expect(await lint('recommended')).toEqual([]);
  }, 60_000);

  it('follows a registry edit into files it parsed before, in the same process and TypeScript program', async () => {
    // What an editor session does: the other modules and so their SourceFiles stay as they are, flags.json changes.
    const files = Object.keys(FILES).map((f) => join(project, f));
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noEmit: true,
      types: [],
    });
    const lintInProcess = async (registry: object): Promise<string[]> => {
      writeFileSync(join(project, 'flags-edited.json'), JSON.stringify(registry));
      const config = [
        { files: ['**/*.ts'], languageOptions: { parser: tsParser } },
        ...(plugin.configs['recommended-type-checked'] as unknown as Linter.Config[]),
        { settings: { modelflags: { registry: join(project, 'flags-edited.json'), today: '2026-06-01' } } },
        { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, programs: [program] } } },
      ];
      const eslint = new ESLint({ cwd: project, overrideConfigFile: true, overrideConfig: config });
      const [result] = await eslint.lintFiles(['src/chat.ts']);
      return result!.messages
        .filter((m) => m.ruleId === 'modelflags/no-unknown-variant')
        .map((m) => `${m.line}:${m.messageId}`);
    };
    // Without `inference_model` in the registry, `useModel()` reads a flag named `inferenceModel`;
    // with it, the same unchanged model.ts reads `inference_model`.
    expect(await lintInProcess({ flags: [REGISTRY.flags[1]] })).toEqual(['8:unknownVariantDidYouMean']);
    expect(await lintInProcess(REGISTRY)).toEqual([
      '7:unknownVariantDidYouMean',
      '8:unknownVariantDidYouMean',
      '9:unknownVariantInCallee',
      '10:unknownVariant',
      '11:unknownVariantDidYouMean',
      '24:unknownVariantDidYouMean',
      '24:unknownVariant',
    ]);
  }, 60_000);
});
