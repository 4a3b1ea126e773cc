/**
 * "Never crash": lints the generated corpus and the JavaScript/TypeScript sources of a few
 * installed packages with the `strict` config (every rule on), file by file, and counts rule
 * crashes (exit 1 if any). Files the parser rejects are counted separately; they are not crashes.
 * Usage: npx tsx bench/lint/never-crash.ts
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { benchConfig } from './configs.js';
import { CORPUS_DIR, generateCorpus } from './corpus.js';

const root = resolve(import.meta.dirname, '../..');
const PACKAGES_DIR = resolve(root, 'bench/corpus/lint-packages');
const PACKAGES = [
  '@openfeature/server-sdk/dist',
  '@openfeature/core/dist',
  '@growthbook/growthbook/dist/esm',
  'unleash-client/lib',
  '@launchdarkly/js-server-sdk-common/dist',
  '@aws-sdk/client-appconfigdata/dist-es',
  '@eslint/json/dist',
  'ajv/dist',
  'recast/lib',
];
const SOURCE = /\.(js|mjs|cjs|ts|mts|cts|jsx|tsx)$/;

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourcesUnder(full));
    else if (SOURCE.test(name) && statSync(full).size < 400_000) out.push(full);
  }
  return out;
}

async function lintTree(
  dir: string,
  registry: string,
): Promise<{ files: number; crashes: string[]; unparsable: number }> {
  process.chdir(dir);
  const eslint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: benchConfig('strict', registry, true),
    ignore: false,
  });
  const crashes: string[] = [];
  let unparsable = 0;
  const files = sourcesUnder(dir);
  for (const file of files) {
    try {
      const [result] = await eslint.lintText(readFileSync(file, 'utf8'), { filePath: file });
      if (result?.messages.some((m) => m.fatal)) unparsable++;
    } catch (error) {
      crashes.push(`${relative(root, file)}: ${(error as Error).message.split('\n').slice(0, 3).join(' | ')}`);
    }
  }
  return { files: files.length, crashes, unparsable };
}

generateCorpus(2400);
rmSync(PACKAGES_DIR, { recursive: true, force: true });
for (const pkg of PACKAGES) {
  const from = join(root, 'node_modules', pkg);
  if (existsSync(from)) cpSync(from, join(PACKAGES_DIR, pkg.replaceAll('/', '__')), { recursive: true });
}
mkdirSync(PACKAGES_DIR, { recursive: true });
const registry = join(CORPUS_DIR, 'flags.json');

const corpus = await lintTree(CORPUS_DIR, registry);
const packages = await lintTree(PACKAGES_DIR, registry);
console.log(
  `generated corpus: ${corpus.files} files, ${corpus.crashes.length} rule crashes, ${corpus.unparsable} unparsable`,
);
console.log(
  `package sources (${PACKAGES.join(', ')}): ${packages.files} files, ${packages.crashes.length} rule crashes, ${packages.unparsable} unparsable`,
);
for (const crash of [...corpus.crashes, ...packages.crashes]) console.log(`  CRASH ${crash}`);
process.exitCode = corpus.crashes.length + packages.crashes.length > 0 ? 1 : 0;
