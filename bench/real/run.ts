/**
 * The ESLint plugin on public repositories nobody here wrote: for each checkout listed in
 * `repos.json`, lint every JS/TS file (no type information, none of the repository's
 * dependencies needed) with `recommended` and `strict` in one pass, count the flag reads the
 * detection recognises, compare them with the reads found by reading the code (`review/<name>.tsv`)
 * and the reports of the four syntax rules with the hand review in the same file, and print a table.
 *
 * The registry each repository gets is written here from its entry (the flags it reads, each
 * targeted by a rollout, as a flag served by one of these SDKs usually is) plus its `readers`.
 *
 * Usage:
 *   npx tsx bench/real/run.ts --root /tmp/real [--only cody,manager] [--details]
 * A checkout is `<root>/<name>` at the commit in repos.json (`git archive <commit> | tar -x`).
 * `--remove <name>:<flag>:<keep> [--write] [--ignore <glob>]...` instead runs remove-flag on a
 * scratch copy of that checkout (its node_modules linked, so the type check sees its
 * dependencies) with the registry written here: a dry run printing the diff, or with `--write`
 * the real run followed by a second one, which must change nothing. The copy is kept and named
 * for the repository's own type check and formatter.
 * `--details` lists every recognised read, every missed read and every report of the four rules,
 * with its review label or `UNREVIEWED`. Review file lines (tab-separated):
 *   read    <path>:<line>    <what is read>
 *   report  <rule>  <path>:<line>  TP|FP  <reason; "intended: ..." for a true report on code that
 *                                         means to evaluate any flag, which a human suppresses>
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tsParser from '@typescript-eslint/parser';
import { ESLint, type Linter, type Rule } from 'eslint';
import plugin, { rules } from '../../rules/index.js';
import { readsOf, registryOf } from '../../rules/support.js';
import { formatReport, removeFlag } from '../../codemods/remove-flag.js';

interface RepoEntry {
  name: string;
  repo: string;
  commit: string;
  sdk: string;
  /** Flag key → default value, or every variant with the default first (as the code's own option list has them). */
  flags: Record<string, string | number | boolean | (string | number | boolean)[]>;
  /** Flag key → registry dimension, where the flag chooses a model or a prompt. */
  dimensions?: Record<string, string>;
  readers?: unknown[];
  /** Kill switches and other flags served to everyone alike: no targeting rule in the registry. */
  untargeted?: string[];
  /** Extra ignore globs (generated code, vendored bundles). */
  ignores?: string[];
}

const FOUR_RULES = ['read-per-request', 'separate-dimensions', 'no-dynamic-flag-key', 'require-context'] as const;
const TODAY = '2026-12-01';
const here = dirname(fileURLToPath(import.meta.url));

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const root = option('--root') ?? '/tmp/real';
const only = option('--only')?.split(',');
const details = args.includes('--details');

const repos = (JSON.parse(readFileSync(join(here, 'repos.json'), 'utf8')) as RepoEntry[]).filter(
  (r) => !only || only.includes(r.name),
);

/** The registry a repository gets: every flag it reads, targeted by a 50% rollout unless listed as untargeted. */
function registryFor(repo: RepoEntry): string {
  const flags = Object.entries(repo.flags).map(([key, declared]) => {
    const def = Array.isArray(declared) ? declared[0]! : declared;
    const other = Array.isArray(declared)
      ? declared[1]!
      : typeof def === 'boolean'
        ? !def
        : typeof def === 'number'
          ? def + 1
          : `${def}-next`;
    return {
      flag: key,
      ...(repo.dimensions?.[key] ? { dimension: repo.dimensions[key] } : {}),
      ...(Array.isArray(declared) ? { variants: declared } : {}),
      cleanup_by: '2027-03-01',
      default: def,
      rules: repo.untargeted?.includes(key) ? [] : [{ condition: { rollout_percentage: 50 }, value: other }],
    };
  });
  return JSON.stringify({ flags, ...(repo.readers ? { readers: repo.readers } : {}) }, null, 2);
}

interface Review {
  /** `path:line` → key, for every read found by reading the code. */
  reads: Map<string, string>;
  /** `rule path:line` → `TP reason` / `FP reason`. */
  labels: Map<string, { verdict: 'TP' | 'FP'; reason: string }>;
}

function loadReview(name: string): Review {
  const file = join(here, 'review', `${name}.tsv`);
  const review: Review = { reads: new Map(), labels: new Map() };
  if (!existsSync(file)) return review;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [kind, ...cells] = line.split('\t');
    if (kind === 'read') review.reads.set(cells[0]!, cells[1] ?? '');
    else if (kind === 'report')
      review.labels.set(`${cells[0]} ${cells[1]}`, {
        verdict: cells[2] === 'TP' ? 'TP' : 'FP',
        reason: cells[3] ?? '',
      });
  }
  return review;
}

interface RecognisedRead {
  file: string;
  lines: [number, number];
  key: string | undefined;
  keyKind: string;
  sdk: string;
  method: string;
}

/** Every rule of `config` renamed into the `strict` namespace, so both configs run in one pass over the same parse. */
function renamed(configs: Linter.Config[], namespace: string): Linter.Config[] {
  return configs
    .filter((c) => c.rules && !('language' in c && c.language))
    .map((c) => ({
      ...c,
      plugins: { [namespace]: plugin as unknown as NonNullable<Linter.Config['plugins']>[string] },
      rules: Object.fromEntries(
        Object.entries(c.rules!).map(([id, entry]) => [id.replace(/^modelflags\//, `${namespace}/`), entry]),
      ),
    }));
}

async function lintRepo(repo: RepoEntry, dir: string): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), `modelflags-real-${repo.name}-`));
  const registry = join(tmp, 'flags.json');
  writeFileSync(registry, registryFor(repo));
  const reads: RecognisedRead[] = [];
  const readsRule: Rule.RuleModule = {
    meta: { type: 'problem', schema: [] },
    create(context) {
      return {
        Program() {
          const ctx = context as unknown as Parameters<typeof readsOf>[0];
          for (const read of readsOf(ctx, registryOf(ctx))) {
            reads.push({
              file: relative(dir, context.filename),
              lines: [read.call.loc.start.line, Math.max(read.call.loc.end.line, read.keyNode?.loc.end.line ?? 0)],
              key: read.key,
              keyKind: read.keyKind,
              sdk: read.sdk,
              method: read.method,
            });
          }
        },
      };
    },
  };
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const recommended = [
      // The parser a TypeScript project configures (the plugin's configs set none).
      {
        files: ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}'],
        languageOptions: { parser: tsParser as Linter.Parser, parserOptions: { ecmaFeatures: { jsx: true } } },
      },
      ...(plugin.configs.recommended as unknown as Linter.Config[]).filter((c) => !('language' in c && c.language)),
      { settings: { modelflags: { registry, today: TODAY } } },
    ];
    const strict = renamed(plugin.configs.strict as unknown as Linter.Config[], 'strict');
    const config: Linter.Config[] = [
      {
        ignores: [
          '**/node_modules/**',
          '**/dist/**',
          '**/build/**',
          '**/.next/**',
          '**/out/**',
          '**/coverage/**',
          '**/*.min.js',
          '**/*.d.ts',
          ...(repo.ignores ?? []),
        ],
      },
      ...recommended,
      ...strict,
      {
        files: ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}'],
        plugins: { bench: { rules: { reads: readsRule } } },
        rules: { 'bench/reads': 'error' },
      },
    ];
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: config,
      cache: false,
      errorOnUnmatchedPattern: false,
    });
    const start = performance.now();
    const results = await eslint.lintFiles(['.']);
    const seconds = (performance.now() - start) / 1000;
    report(repo, dir, results, reads, seconds);
  } finally {
    process.chdir(cwd);
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface Totals {
  files: number;
  found: number;
  recognised: number;
  reports: Map<string, { recommended: number; strict: number; tp: number; fp: number; intended: number }>;
}
const totals: Totals = { files: 0, found: 0, recognised: 0, reports: new Map() };

function report(
  repo: RepoEntry,
  dir: string,
  results: ESLint.LintResult[],
  reads: RecognisedRead[],
  seconds: number,
): void {
  const review = loadReview(repo.name);
  let unparsed = 0;
  const counts = new Map<string, { recommended: number; strict: number }>();
  const four: { rule: string; at: string; message: string; configs: Set<string> }[] = [];
  for (const result of results) {
    const file = relative(dir, result.filePath);
    for (const m of result.messages) {
      if (m.fatal) {
        unparsed++;
        continue;
      }
      const [namespace, rule] = (m.ruleId ?? '/').split('/') as [string, string];
      if (namespace !== 'modelflags' && namespace !== 'strict') continue;
      const config = namespace === 'modelflags' ? 'recommended' : 'strict';
      const c = counts.get(rule) ?? { recommended: 0, strict: 0 };
      c[config]++;
      counts.set(rule, c);
      if ((FOUR_RULES as readonly string[]).includes(rule)) {
        const at = `${file}:${m.line}`;
        const existing = four.find((f) => f.rule === rule && f.at === at);
        if (existing) existing.configs.add(config);
        else four.push({ rule, at, message: m.message, configs: new Set([config]) });
      }
    }
  }
  const recognisedAt = (entry: string): boolean => {
    const i = entry.lastIndexOf(':');
    const file = entry.slice(0, i);
    const line = Number(entry.slice(i + 1));
    return reads.some((r) => r.file === file && r.lines[0] <= line && line <= r.lines[1]);
  };
  const found = [...review.reads.keys()];
  const recognised = found.filter(recognisedAt);
  totals.files += results.length;
  totals.found += found.length;
  totals.recognised += recognised.length;
  console.log(`\n## ${repo.name} (${repo.repo} @ ${repo.commit.slice(0, 12)}, ${repo.sdk})`);
  console.log(`files linted: ${results.length} (${unparsed} not parsed), ${seconds.toFixed(1)} s`);
  console.log(
    `reads recognised: ${reads.length} (${reads.filter((r) => r.keyKind === 'dynamic').length} with a dynamic key); found by reading: ${found.length}, recognised ${recognised.length}`,
  );
  console.log('rule                      recommended  strict   TP  FP  unreviewed');
  for (const rule of Object.keys(rules)) {
    const c = counts.get(rule) ?? { recommended: 0, strict: 0 };
    const mine = four.filter((f) => f.rule === rule);
    const labels = mine.map((f) => review.labels.get(`${f.rule} ${f.at}`));
    const tp = labels.filter((l) => l?.verdict === 'TP').length;
    const fp = labels.filter((l) => l?.verdict === 'FP').length;
    const reviewed = (FOUR_RULES as readonly string[]).includes(rule)
      ? `${String(tp).padStart(4)}${String(fp).padStart(4)}${String(mine.length - tp - fp).padStart(6)}`
      : '';
    const t = totals.reports.get(rule) ?? { recommended: 0, strict: 0, tp: 0, fp: 0, intended: 0 };
    t.recommended += c.recommended;
    t.strict += c.strict;
    t.tp += tp;
    t.fp += fp;
    t.intended += labels.filter((l) => l?.verdict === 'TP' && l.reason.startsWith('intended')).length;
    totals.reports.set(rule, t);
    console.log(`${rule.padEnd(26)}${String(c.recommended).padStart(11)}${String(c.strict).padStart(8)} ${reviewed}`);
  }
  if (!details) return;
  console.log('\nrecognised reads:');
  for (const r of reads) console.log(`  ${r.file}:${r.lines[0]}\t${r.sdk}.${r.method}\t${r.key ?? `(${r.keyKind})`}`);
  console.log('\nreads found by reading and not recognised:');
  for (const entry of found.filter((e) => !recognisedAt(e))) console.log(`  ${entry}\t${review.reads.get(entry)}`);
  console.log('\nreports of the four rules:');
  for (const f of four) {
    const label = review.labels.get(`${f.rule} ${f.at}`);
    console.log(
      `  ${f.rule}\t${f.at}\t[${[...f.configs].join('+')}]\t${label ? `${label.verdict} ${label.reason}` : 'UNREVIEWED'}\n      ${f.message}`,
    );
  }
}

/** remove-flag on a scratch copy of a checkout; returns its exit code (a second run's, if it changed anything). */
async function removeInCopy(spec: string): Promise<number> {
  const [name, flag, keep] = spec.split(':');
  const repo = repos.find((r) => r.name === name);
  if (!repo || !flag || keep === undefined)
    throw new Error(`--remove <name>:<flag>:<keep>, with <name> one of ${repos.map((r) => r.name).join(', ')}`);
  const source = join(root, repo.name);
  const copy = mkdtempSync(join(tmpdir(), `remove-flag-real-${repo.name}-`));
  cpSync(source, copy, { recursive: true, filter: (path) => !/[/\\](node_modules|\.git)$/.test(path) });
  // Every node_modules of the checkout (workspace packages have their own), linked, not copied.
  const link = (dir: string): void => {
    for (const entry of readdirSync(join(source, dir), { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '.git') continue;
      if (entry.name === 'node_modules') symlinkSync(join(source, dir, entry.name), join(copy, dir, entry.name));
      else link(join(dir, entry.name));
    }
  };
  link('.');
  writeFileSync(join(copy, 'flags.json'), registryFor(repo));
  const ignore = args.flatMap((a, i) => (a === '--ignore' && args[i + 1] ? [args[i + 1]!] : []));
  const write = args.includes('--write');
  const run = () =>
    removeFlag({ flags: [{ flag, keep }], cwd: copy, dryRun: !write, ...(ignore.length > 0 ? { ignore } : {}) });
  const first = await run();
  console.log(
    `# remove-flag ${flag} --keep ${keep}${ignore.map((g) => ` --ignore ${g}`).join('')}${write ? '' : ' --dry-run'} in ${copy} (${repo.repo} @ ${repo.commit.slice(0, 12)})\n`,
  );
  console.log(formatReport(first, { dryRun: !write }));
  console.log(
    `sites rewritten: ${first.rewritten.length}; files: ${first.changedFiles.length}; lines removed: ${first.changedFiles.reduce((n, f) => n + f.linesRemoved, 0)}; left for a human: ${first.unresolved.length}; notes: ${first.notes.length}; registry: ${first.registry?.action ?? 'unchanged'}; exit ${first.exitCode}`,
  );
  if (!write) return first.exitCode;
  const second = await run();
  // Its own summary too: once the entry is gone, whether the search for reads left found any.
  console.log(
    `second run: exit ${second.exitCode}, ${second.written ? `changed ${second.changedFiles.length} file(s)` : 'changed nothing'}: ${formatReport(second).trimEnd().replaceAll('\n', '\n  ')}`,
  );
  return first.exitCode;
}

const removal = option('--remove');
if (removal) process.exit(await removeInCopy(removal));

for (const repo of repos) {
  const dir = join(root, repo.name);
  if (!existsSync(dir)) {
    console.log(`\n## ${repo.name}: no checkout at ${dir}; skipped`);
    continue;
  }
  await lintRepo(repo, dir);
}

const percent = (a: number, b: number): string => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
console.log(
  `\n## all repositories: ${totals.files} files; reads found by reading ${totals.found}, recognised ${totals.recognised} (${percent(totals.recognised, totals.found)})`,
);
console.log('rule                      recommended  strict   TP  FP  (TP of them "intended")');
let tp4 = 0;
let fp4 = 0;
let intended4 = 0;
for (const [rule, t] of totals.reports) {
  const four = (FOUR_RULES as readonly string[]).includes(rule);
  if (four) {
    tp4 += t.tp;
    fp4 += t.fp;
    intended4 += t.intended;
  }
  console.log(
    `${rule.padEnd(26)}${String(t.recommended).padStart(11)}${String(t.strict).padStart(8)} ${four ? `${String(t.tp).padStart(4)}${String(t.fp).padStart(4)}  (${t.intended})` : ''}`,
  );
}
console.log(
  `four syntax rules: precision ${percent(tp4, tp4 + fp4)} (${tp4} of ${tp4 + fp4}); counting "intended" reports as false: ${percent(tp4 - intended4, tp4 + fp4)}`,
);
