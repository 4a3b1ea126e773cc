/**
 * How fast the guardrail rolls back a bad canary, and how often it rolls back a good one, beside a
 * GrowthBook-style sequential test and naive re-testing on the same seeded traffic (see
 * scenarios.ts). Prints a table; exit 1 if a target of issue 14 is missed.
 *
 *   npx tsx bench/guardrail/run.ts              # 200 runs per scenario
 *   npx tsx bench/guardrail/run.ts --runs 50    # quick look (targets still checked)
 */
import {
  DECIDERS,
  oracleSprt,
  quantile,
  runScenario,
  SCENARIOS,
  type Decider,
  type ScenarioName,
} from './scenarios.js';

const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 200;
if (!(Number.isInteger(runs) && runs > 0)) {
  console.error('usage: npx tsx bench/guardrail/run.ts [--runs N]   (N a positive integer)');
  process.exit(2);
}

interface Target {
  scenario: ScenarioName;
  what: string;
  met(stops: readonly number[]): boolean;
}

const TARGETS: Target[] = [
  {
    scenario: 'errors',
    what: 'median <= 70 and p90 <= 200 canary requests',
    met: (s) => quantile(s, 0.5) <= 70 && quantile(s, 0.9) <= 200,
  },
  {
    scenario: 'aa',
    what: '<= 5% of runs roll back within 10,000 canary requests',
    met: (s) => s.filter(Number.isFinite).length <= 0.05 * s.length,
  },
  { scenario: 'latency', what: 'median <= 50 canary requests', met: (s) => quantile(s, 0.5) <= 50 },
  { scenario: 'judge', what: 'median <= 150 judged canary samples', met: (s) => quantile(s, 0.5) <= 150 },
];

const format = (x: number): string => (Number.isFinite(x) ? String(x) : 'never');
const started = performance.now();
let missed = 0;
const rows: string[][] = [
  ['scenario', 'check (margin in the null)', 'decider', 'median', 'p90', 'rolled back', 'target', 'met'],
];
for (const target of TARGETS) {
  const scenario = SCENARIOS[target.scenario];
  const stops: Record<Decider, number[]> = { modelflags: [], growthbook: [], naive: [] };
  // Seeds differ per scenario so no two scenarios share traffic by accident.
  const seedBase = { errors: 10_000, aa: 20_000, latency: 30_000, judge: 40_000 }[target.scenario];
  for (let r = 0; r < runs; r++) {
    const { stoppedAt } = runScenario(scenario, seedBase + r);
    for (const d of DECIDERS) stops[d].push(stoppedAt[d]);
  }
  const check = `${scenario.check.metric} ${scenario.check.relative ? `+${scenario.check.threshold * 100}%` : `+${scenario.check.threshold}`}${scenario.judgeBudget ? `, budget ${scenario.judgeBudget * 100}%` : ''}`;
  for (const d of DECIDERS) {
    const s = stops[d];
    const fired = s.filter(Number.isFinite).length;
    const ours = d === 'modelflags';
    const met = ours ? target.met(s) : undefined;
    if (met === false) missed++;
    rows.push([
      scenario.title,
      check,
      d,
      format(quantile(s, 0.5)),
      format(quantile(s, 0.9)),
      `${fired}/${s.length}`,
      ours ? target.what : '',
      met === undefined ? '' : met ? 'yes' : 'NO',
    ]);
  }
}
const references: string[] = [];
for (const name of ['errors', 'judge'] as const) {
  const rates = SCENARIOS[name].badRates!;
  const s = Array.from({ length: runs }, (_, r) => oracleSprt(rates, 50_000 + r));
  references.push(`${SCENARIOS[name].title}: median ${format(quantile(s, 0.5))}, p90 ${format(quantile(s, 0.9))}`);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows)
  console.log(
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
console.log(
  `\nReference, not a usable test (Wald's SPRT knowing both true rates, level 0.05), canary samples to decide:`,
);
for (const line of references) console.log(`  ${line}`);
console.log(
  `\n${runs} seeded runs per scenario, 5% canary, alpha 0.05 one-sided; ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
if (missed > 0) {
  console.log(`${missed} target(s) missed`);
  process.exit(1);
}
