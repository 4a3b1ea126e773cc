/**
 * ESLint wall time over the generated corpus: the plugin's `recommended` rules against the same
 * configuration with those rules off (same parser, same files), interleaved and repeated; then
 * the `recommended-type-checked` config against its own rules-off baseline.
 * Usage: npx tsx bench/lint/run.ts [--runs 5] [--files 2400] [--skip-type-checked] [--core-rule]
 * (--core-rule adds `no-debugger` to both sides, so ESLint's traversal is in the baseline too)
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { benchConfig, type ConfigName } from './configs.js';
import { CORPUS_DIR, generateCorpus } from './corpus.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const runs = option('--runs', 5);
const files = generateCorpus(option('--files', 2400));
process.chdir(CORPUS_DIR);
const registry = join(CORPUS_DIR, 'flags.json');
const coreRule = args.includes('--core-rule');

async function lintOnce(name: ConfigName, rulesOn: boolean): Promise<{ ms: number; reports: Map<string, number> }> {
  const eslint = new ESLint({ cwd: CORPUS_DIR, overrideConfigFile: true, overrideConfig: benchConfig(name, registry, rulesOn, coreRule), cache: false });
  const start = performance.now();
  const results = await eslint.lintFiles(['.']);
  const ms = performance.now() - start;
  const reports = new Map<string, number>();
  for (const result of results) {
    for (const m of result.messages) {
      if (m.fatal) throw new Error(`${result.filePath}:${m.line}: ${m.message}`);
      reports.set(m.ruleId ?? '(none)', (reports.get(m.ruleId ?? '(none)') ?? 0) + 1);
    }
  }
  return { ms, reports };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function compare(name: ConfigName, times: number): Promise<void> {
  await lintOnce(name, false); // warm-up: module loading and JIT, not measured
  const off: number[] = [];
  const on: number[] = [];
  let reports = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    off.push((await lintOnce(name, false)).ms);
    const withRules = await lintOnce(name, true);
    on.push(withRules.ms);
    reports = withRules.reports;
  }
  const ratio = median(on) / median(off);
  console.log(`\n${name}${coreRule ? ' (no-debugger on both sides)' : ''}: ${files} files, ${times} interleaved runs each`);
  console.log(`  plugin rules off  median ${(median(off) / 1000).toFixed(2)} s  (runs: ${off.map((ms) => (ms / 1000).toFixed(2)).join(', ')})`);
  console.log(`  plugin rules on   median ${(median(on) / 1000).toFixed(2)} s  (runs: ${on.map((ms) => (ms / 1000).toFixed(2)).join(', ')})`);
  console.log(`  ratio ${ratio.toFixed(3)}x`);
  console.log(`  reports: ${[...reports].sort().map(([id, n]) => `${id} ${n}`).join(', ')}`);
}

await compare('recommended', runs);
if (!args.includes('--skip-type-checked')) await compare('recommended-type-checked', Math.max(1, Math.min(runs, 2)));
