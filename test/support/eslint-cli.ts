/**
 * Drives the real ESLint CLI over a temporary project whose config imports the built plugin
 * (rules/dist/index.js, produced by `npm run build`, which `prepare` runs).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const builtPlugin = join(root, 'rules/dist/index.js');
const eslintBin = join(root, 'node_modules/eslint/bin/eslint.js');

export interface LintMessage {
  ruleId: string | null;
  messageId?: string;
  message: string;
  line: number;
  column: number;
  severity: number;
}

/** The import line an eslint.config.js in a temporary project uses for the built plugin. */
function importBuiltPlugin(): string {
  if (!existsSync(builtPlugin))
    throw new Error(`${builtPlugin} is missing: run \`npm run build\` (npm ci runs it through "prepare")`);
  return `import modelflags from ${JSON.stringify(pathToFileURL(builtPlugin).href)};\n`;
}

const tsParser = join(root, 'node_modules/@typescript-eslint/parser/dist/index.js');

/**
 * An eslint.config.js for a temporary project: the TypeScript parser (the plugin's configs set
 * none; a TypeScript project configures its own), the built plugin's `config`, and
 * `settings.modelflags` written as the object literal `settings`, then any `extra` config objects.
 */
export function builtPluginConfig(
  config = 'recommended',
  settings = "{ registry: new URL('./flags.json', import.meta.url) }",
  extra = '',
): string {
  return (
    importBuiltPlugin() +
    `import * as tsParser from ${JSON.stringify(pathToFileURL(tsParser).href)};\n` +
    `export default [{ files: ['**/*.{ts,mts,cts,tsx,js,jsx}'], languageOptions: { parser: tsParser } }, ...modelflags.configs[${JSON.stringify(config)}], { settings: { modelflags: ${settings} } }${extra ? `, ${extra}` : ''}];\n`
  );
}

/** Runs `eslint --format json <args>` in `cwd`; a run that reports errors (exit 1) is a result, anything else throws with ESLint's output. */
export async function eslintJson(
  args: readonly string[],
  cwd: string,
): Promise<{ filePath: string; messages: LintMessage[] }[]> {
  const result = await run(process.execPath, [eslintBin, '--format', 'json', ...args], { cwd }).catch(
    (error: { stdout?: string; stderr?: string; code?: number }) => {
      if (error.code === 1 && error.stdout) return { stdout: error.stdout };
      throw new Error(`eslint failed: ${error.stderr ?? String(error)}`);
    },
  );
  return JSON.parse(result.stdout) as { filePath: string; messages: LintMessage[] }[];
}
