/**
 * ESLint cost of the plugin on the generated corpora: the plugin's `recommended` rules against
 * the same configuration with those rules off (same parser, same files), interleaved and
 * repeated, in wall time and in this process's CPU time; then the `recommended-type-checked`
 * config against its own rules-off baseline.
 *
 * Three variants run in turn each repetition:
 * - `bare`: plugin rules off and no rule at all, so ESLint skips its traversal entirely;
 * - `off`: plugin rules off, `no-debugger` on, so ESLint's traversal and code-path analysis
 *   (which any real config pays) are in the baseline;
 * - `on`: plugin rules on, `no-debugger` on.
 *
 * Wall and CPU time on a shared machine vary by tens of percent between identical runs, so each
 * comparison is followed by runs with ESLint's `stats` on, which time every rule on every file:
 * the plugin's share of the time ESLint spends on the files, measured within one run, is the
 * steadiest figure of what the plugin adds (`on / off` ≈ 1 / (1 − share)).
 *
 * Usage: npx tsx bench/lint/run.ts [--runs 5] [--files 2400] [--corpus both|realistic|flag-heavy] [--skip-type-checked | --only-type-checked]
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { benchConfig, type ConfigName } from './configs.js';
import { CORPUS_DIRS, generateCorpus, type CorpusKind } from './corpus.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const runs = Number(option('--runs', '5'));
const fileCount = Number(option('--files', '2400'));
const corpusOption = option('--corpus', 'both');
const corpora: CorpusKind[] = corpusOption === 'both' ? ['realistic', 'flag-heavy'] : [corpusOption as CorpusKind];

type Variant = 'bare' | 'off' | 'on';
interface Sample {
  wall: number;
  cpu: number;
}

async function lintOnce(
  dir: string,
  name: ConfigName,
  variant: Variant,
): Promise<Sample & { reports: Map<string, number> }> {
  const config = benchConfig(name, join(dir, 'flags.json'), variant === 'on', variant !== 'bare');
  const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: config, cache: false });
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const results = await eslint.lintFiles(['.']);
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const reports = new Map<string, number>();
  for (const result of results) {
    for (const m of result.messages) {
      if (m.fatal) throw new Error(`${result.filePath}:${m.line}: ${m.message}`);
      reports.set(m.ruleId ?? '(none)', (reports.get(m.ruleId ?? '(none)') ?? 0) + 1);
    }
  }
  return { wall, cpu: (cpu.user + cpu.system) / 1000, reports };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number): string => (ms / 1000).toFixed(2);

async function compare(kind: CorpusKind, name: ConfigName, times: number, variants: readonly Variant[]): Promise<void> {
  const dir = CORPUS_DIRS[kind];
  process.chdir(dir);
  await lintOnce(dir, name, 'on'); // warm-up: module loading and JIT, not measured
  const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
  let reports = new Map<string, number>();
  const load = [loadavg()[0]!];
  for (let i = 0; i < times; i++) {
    // Rotate the order so no variant always runs right after the same one.
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(i + k) % variants.length]!;
      const sample = await lintOnce(dir, name, variant);
      samples.get(variant)!.push(sample);
      if (variant === 'on') reports = sample.reports;
    }
    load.push(loadavg()[0]!);
  }
  console.log(
    `\n${name} on the ${kind} corpus: ${fileCount} files, ${times} interleaved runs of each variant; 1-min load ${load.map((l) => l.toFixed(1)).join(' → ')} on ${cpus().length} CPUs`,
  );
  for (const variant of variants) {
    const s = samples.get(variant)!;
    console.log(
      `  ${variant.padEnd(4)}  wall median ${seconds(median(s.map((x) => x.wall)))} s (${s.map((x) => seconds(x.wall)).join(', ')})   cpu median ${seconds(median(s.map((x) => x.cpu)))} s (${s.map((x) => seconds(x.cpu)).join(', ')})`,
    );
  }
  const on = samples.get('on')!;
  for (const base of variants.filter((v) => v !== 'on')) {
    const b = samples.get(base)!;
    const wall = median(on.map((x) => x.wall)) / median(b.map((x) => x.wall));
    const cpu = median(on.map((x) => x.cpu)) / median(b.map((x) => x.cpu));
    console.log(`  on / ${base}: wall ${wall.toFixed(3)}x, cpu ${cpu.toFixed(3)}x`);
  }
  console.log(
    `  reports: ${[...reports]
      .sort()
      .map(([id, n]) => `${id} ${n}`)
      .join(', ')}`,
  );
  const shares: number[] = [];
  for (let i = 0; i < times; i++) shares.push(await pluginShare(dir, name));
  const share = median(shares);
  console.log(
    `  plugin rules' share of ESLint's per-file time (stats): median ${(100 * share).toFixed(2)}% (${shares.map((x) => (100 * x).toFixed(2)).join(', ')}), so on / off ≈ ${(1 / (1 - share)).toFixed(3)}x`,
  );
}

/** Time in the plugin's rules (create and listeners) over ESLint's total time for the files (parse, rules, fixes). */
async function pluginShare(dir: string, name: ConfigName): Promise<number> {
  const eslint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: benchConfig(name, join(dir, 'flags.json'), true, true),
    cache: false,
    stats: true,
  });
  let plugin = 0;
  let total = 0;
  for (const result of await eslint.lintFiles(['.'])) {
    for (const pass of result.stats?.times.passes ?? []) {
      total += pass.total;
      for (const [id, time] of Object.entries(pass.rules ?? {})) if (id.startsWith('modelflags/')) plugin += time.total;
    }
  }
  return plugin / total;
}

if (!args.includes('--only-type-checked')) {
  for (const kind of corpora) {
    generateCorpus(fileCount, kind);
    await compare(kind, 'recommended', runs, ['bare', 'off', 'on']);
  }
}
if (!args.includes('--skip-type-checked')) {
  for (const kind of corpora) {
    generateCorpus(fileCount, kind);
    await compare(kind, 'recommended-type-checked', Math.max(1, Math.min(runs, 2)), ['off', 'on']);
  }
}
