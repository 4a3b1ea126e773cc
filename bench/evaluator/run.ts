/**
 * Evaluator throughput: `inference_model` from the example registry (a customer pin, a segment
 * rule, then a 10% rollout) over 1,000,000 pre-generated contexts, for modelflags and four peers
 * configured with the same semantics, all in-process and offline.
 *
 *   npx tsx bench/evaluator/run.ts [--contexts 1000000] [--rounds 5] [--chunk 10000]
 *
 * Every SDK first evaluates all contexts once untimed (warm-up), and that pass is also the
 * agreement check: pins and segment results must equal the expected variant exactly; rollout
 * buckets hash differently across SDKs, so those are compared by share only. Then come timed
 * rounds. A round runs every operation over all contexts, a chunk at a time: chunk 1 for every
 * operation, then chunk 2 for every operation, and so on. The machine these figures come from
 * switches between a fast and a slow state every few seconds; timing operations in whole passes
 * let a 0.1 s pass of one SDK and a 6 s pass of another land in different states, and the ratio
 * was then luck. Chunked, every operation of a round sees the same mix of states. Each operation's
 * throughput is the median over rounds. Results are folded into a checksum that is printed, so no
 * evaluation can be optimised away.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FlagdCore } from '@openfeature/flagd-core';
import { init as ldInit, type LDContext } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import { GrowthBookClient } from '@growthbook/growthbook';
import { InMemStorageProvider, Unleash, type Context as UnleashContext } from 'unleash-client';
import { exportToFlagd } from '../../src/exports/flagd.js';
import { createFlags, parseRegistryOrThrow, staticSource } from '../../src/index.js';
import { benchContexts, type BenchContext } from './contexts.js';

const { values: args } = parseArgs({
  options: {
    contexts: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '5' },
    chunk: { type: 'string', default: '10000' },
  },
});
const N = Number(args.contexts);
const ROUNDS = Number(args.rounds);
const CHUNK = Number(args.chunk);

const FLAG = 'inference_model';
const HAIKU = 'claude-3-haiku';
const SONNET = 'claude-sonnet-4-6';
const OPUS = 'claude-opus-4-6';
const PINNED = ['acme', 'globex'];
const ROLLOUT = 10;

const registryText = readFileSync(
  fileURLToPath(new URL('../../examples/inference-service/flags.json', import.meta.url)),
  'utf8',
);

// ---------------------------------------------------------------------------------------------
// Contexts

const bases = benchContexts(N);
/** What the targeting rules (not the rollout) decide, or undefined when the rollout decides. */
const ruled = (b: BenchContext): string | undefined =>
  b.customer_id !== undefined && PINNED.includes(b.customer_id)
    ? HAIKU
    : b.user_segment === 'internal'
      ? OPUS
      : undefined;
const rolloutEligible = bases.filter((b) => ruled(b) === undefined).length;

// ---------------------------------------------------------------------------------------------
// Harness. Rounds are interleaved across SDKs (round r runs every operation once), so load from
// elsewhere on the machine lands on all of them alike and the ratios stay meaningful.

interface Operation {
  sdk: string;
  op: string;
  /** Evaluates contexts [from, to); returns a value derived from every result. */
  pass: (from: number, to: number) => number | Promise<number>;
  /** Throughput in each round, in round order. */
  opsPerSec: number[];
}
const operations: Operation[] = [];
let checksum = 0;
const closers: (() => void)[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function agreement(sdk: string, served: (i: number) => string): void {
  let sonnet = 0;
  for (let i = 0; i < N; i++) {
    const v = served(i);
    const expected = ruled(bases[i]!);
    if (expected !== undefined) {
      if (v !== expected)
        throw new Error(`${sdk}: context ${i} ${JSON.stringify(bases[i])} got ${v}, the segment rules say ${expected}`);
    } else if (v === SONNET) sonnet++;
    else if (v !== HAIKU) throw new Error(`${sdk}: context ${i} got ${v}, expected ${SONNET} or ${HAIKU}`);
  }
  const share = (100 * sonnet) / rolloutEligible;
  if (Math.abs(share - ROLLOUT) > 0.5)
    throw new Error(`${sdk}: rollout share ${share.toFixed(2)}%, expected ${ROLLOUT}%`);
  console.log(`  ${sdk.padEnd(12)} agrees on ${N - rolloutEligible} rule results; rollout share ${share.toFixed(2)}%`);
}

/** Registers an operation; the loop is written out per operation so each call site stays monomorphic. */
function operation(sdk: string, op: string, pass: (from: number, to: number) => number | Promise<number>): void {
  operations.push({ sdk, op, pass, opsPerSec: [] });
}

async function runRounds(): Promise<void> {
  for (const o of operations) checksum = (checksum + (await o.pass(0, N))) % 1e9; // warm-up, untimed
  for (let r = 0; r < ROUNDS; r++) {
    const ns = operations.map(() => 0);
    for (let from = 0; from < N; from += CHUNK) {
      const to = Math.min(N, from + CHUNK);
      for (let k = 0; k < operations.length; k++) {
        const t0 = process.hrtime.bigint();
        const acc = await operations[k]!.pass(from, to);
        ns[k]! += Number(process.hrtime.bigint() - t0);
        checksum = (checksum + acc) % 1e9;
      }
    }
    operations.forEach((o, k) => o.opsPerSec.push(N / (ns[k]! / 1e9)));
  }
  for (const o of operations)
    console.log(
      `  ${o.sdk.padEnd(12)} ${o.op.padEnd(22)} ${fmt(median(o.opsPerSec)).padStart(7)} ops/s  (rounds: ${o.opsPerSec.map(fmt).join(', ')})`,
    );
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`;
}

// ---------------------------------------------------------------------------------------------
// modelflags

async function benchModelflags(): Promise<void> {
  const flags = createFlags({ source: staticSource(registryText) });
  const ctxs = bases.map((b) => ({ ...b }));
  agreement('modelflags', (i) => flags.get(FLAG, ctxs[i]!) as string);
  operation('modelflags', 'get', (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) acc += (flags.get(FLAG, ctxs[i]!) as string).length;
    return acc;
  });
  operation('modelflags', 'detail', (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) {
      const d = flags.detail(FLAG, ctxs[i]!);
      acc += d.variant!.length + d.reason.length + (d.ruleIndex ?? 0);
    }
    return acc;
  });
}

// flagd-core, evaluating our export of the same registry.
async function benchFlagd(): Promise<void> {
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify(exportToFlagd(parseRegistryOrThrow(registryText))));
  const ctxs = bases.map((b) => ({ ...b }));
  agreement('flagd-core', (i) => core.resolveStringEvaluation(FLAG, HAIKU, ctxs[i]!).value);
  operation('flagd-core', 'resolveString', (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) {
      const r = core.resolveStringEvaluation(FLAG, HAIKU, ctxs[i]!);
      acc += r.value.length + r.reason!.length;
    }
    return acc;
  });
}

// LaunchDarkly, offline: TestData as the update processor, no events, no diagnostics.
async function benchLaunchDarkly(): Promise<void> {
  const td = new TestData();
  await td.usePreconfiguredFlag({
    key: FLAG,
    version: 1,
    on: true,
    variations: [HAIKU, SONNET, OPUS],
    offVariation: 0,
    salt: FLAG,
    rules: [
      {
        id: 'pin',
        variation: 0,
        clauses: [{ contextKind: 'user', attribute: 'customer_id', op: 'in', values: PINNED, negate: false }],
      },
      {
        id: 'segment',
        variation: 2,
        clauses: [{ contextKind: 'user', attribute: 'user_segment', op: 'in', values: ['internal'], negate: false }],
      },
    ],
    fallthrough: {
      rollout: {
        variations: [
          { variation: 1, weight: ROLLOUT * 1000 },
          { variation: 0, weight: (100 - ROLLOUT) * 1000 },
        ],
      },
    },
  });
  const client = ldInit('sdk-key-offline-bench', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} },
  });
  await client.waitForInitialization({ timeout: 5 });
  const ctxs: LDContext[] = bases.map((b) => {
    const c: LDContext = { kind: 'user', key: b.targetingKey, user_segment: b.user_segment };
    if (b.customer_id !== undefined) c['customer_id'] = b.customer_id;
    return c;
  });
  const served: string[] = new Array(N);
  for (let i = 0; i < N; i++) served[i] = (await client.variation(FLAG, ctxs[i]!, HAIKU)) as string;
  agreement('LaunchDarkly', (i) => served[i]!);
  served.length = 0;
  // The server SDK's evaluation API is asynchronous (a Promise per call); that is what callers pay.
  operation('LaunchDarkly', 'variation', async (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) acc += ((await client.variation(FLAG, ctxs[i]!, HAIKU)) as string).length;
    return acc;
  });
  operation('LaunchDarkly', 'variationDetail', async (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) {
      const d = await client.variationDetail(FLAG, ctxs[i]!, HAIKU);
      acc += (d.value as string).length + (d.variationIndex ?? 0);
    }
    return acc;
  });
  closers.push(() => client.close());
}

// GrowthBook: the multi-user client, features set locally, no network.
async function benchGrowthBook(): Promise<void> {
  const gb = new GrowthBookClient({});
  gb.initSync({
    payload: {
      features: {
        [FLAG]: {
          defaultValue: HAIKU,
          rules: [
            { condition: { customer_id: { $in: PINNED } }, force: HAIKU },
            { condition: { user_segment: 'internal' }, force: OPUS },
            { force: SONNET, coverage: ROLLOUT / 100, hashAttribute: 'id', seed: FLAG, hashVersion: 2 },
          ],
        },
      },
    },
  });
  const ctxs = bases.map((b) => ({
    attributes: { id: b.targetingKey, user_segment: b.user_segment, customer_id: b.customer_id },
  }));
  agreement('GrowthBook', (i) => gb.getFeatureValue(FLAG, HAIKU, ctxs[i]!));
  operation('GrowthBook', 'getFeatureValue', (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) acc += gb.getFeatureValue(FLAG, HAIKU, ctxs[i]!).length;
    return acc;
  });
  operation('GrowthBook', 'evalFeature', (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) {
      const r = gb.evalFeature(FLAG, ctxs[i]!);
      acc += (r.value as string).length + r.source.length;
    }
    return acc;
  });
  closers.push(() => gb.destroy());
}

/**
 * Unleash: bootstrapped from data, polling off (refreshInterval 0 makes the fetcher return before
 * any request), metrics off, in-memory storage; it starts fully offline. The pin and the segment
 * are strategies with constraints and one strategy variant each; the rollout is a 10% flexible
 * rollout. When no strategy matches the toggle is off and the flag's default is served.
 */
async function benchUnleash(): Promise<void> {
  const strategy = (name: string, rollout: number, constraints: object[], variant: string): object => ({
    name: 'flexibleRollout',
    parameters: { rollout: String(rollout), stickiness: 'userId', groupId: FLAG },
    constraints,
    variants: [
      {
        name: variant,
        weight: 1000,
        weightType: 'variable',
        stickiness: 'userId',
        payload: { type: 'string', value: variant },
      },
    ],
    id: name,
  });
  const unleash = new Unleash({
    appName: 'modelflags-bench',
    url: 'http://unleash.invalid/api/',
    refreshInterval: 0,
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: {
      data: [
        {
          name: FLAG,
          enabled: true,
          project: 'default',
          strategies: [
            strategy(
              'pin',
              100,
              [{ contextName: 'customer_id', operator: 'IN', values: PINNED, caseInsensitive: false, inverted: false }],
              HAIKU,
            ),
            strategy(
              'segment',
              100,
              [
                {
                  contextName: 'user_segment',
                  operator: 'IN',
                  values: ['internal'],
                  caseInsensitive: false,
                  inverted: false,
                },
              ],
              OPUS,
            ),
            strategy('rollout', ROLLOUT, [], SONNET),
          ],
        },
      ] as never,
    },
  });
  unleash.on('error', (e: unknown) => {
    throw new Error(`Unleash reported an error (it must stay offline): ${String(e)}`);
  });
  await new Promise<void>((resolve) => unleash.once('synchronized', () => resolve()));
  const ctxs: UnleashContext[] = bases.map((b) => ({
    userId: b.targetingKey,
    properties:
      b.customer_id === undefined
        ? { user_segment: b.user_segment }
        : { user_segment: b.user_segment, customer_id: b.customer_id },
  }));
  const value = (i: number): string => {
    const v = unleash.getVariant(FLAG, ctxs[i]!);
    return v.enabled ? v.name : HAIKU;
  };
  agreement('Unleash', value);
  operation('Unleash', 'getVariant', (from, to) => {
    let acc = 0;
    for (let i = from; i < to; i++) {
      const v = unleash.getVariant(FLAG, ctxs[i]!);
      acc += (v.enabled ? v.name : HAIKU).length;
    }
    return acc;
  });
  closers.push(() => unleash.destroy());
}

// ---------------------------------------------------------------------------------------------

const started = Date.now();
console.log(
  `inference_model over ${N.toLocaleString('en')} contexts (${(N - rolloutEligible).toLocaleString('en')} decided by rules); node ${process.version}`,
);
await benchModelflags();
await benchFlagd();
await benchLaunchDarkly();
await benchGrowthBook();
await benchUnleash();
console.log(
  `\nmedian throughput (${ROUNDS} rounds, operations interleaved every ${CHUNK.toLocaleString('en')} contexts), after an untimed warm-up pass each`,
);
await runRounds();
for (const close of closers) close();

const find = (sdk: string, op: string): Operation => operations.find((r) => r.sdk === sdk && r.op === op)!;
/**
 * Two views of each ratio: the ratio of the medians, and the median of per-round ratios (each
 * pairing two measurements from the same interleaved round, which cancels slow drifts in machine
 * load). The target verdict uses the smaller of the two.
 */
const ratio = (a: Operation, b: Operation): { ofMedians: number; perRound: number } => {
  const paired = b.opsPerSec.map((bps, r) => a.opsPerSec[r]! / bps);
  return { ofMedians: median(a.opsPerSec) / median(b.opsPerSec), perRound: median(paired) };
};
const get = find('modelflags', 'get');
const detail = find('modelflags', 'detail');
const ratios: [string, Operation, Operation, number | undefined][] = [
  ['get / flagd-core resolveString', get, find('flagd-core', 'resolveString'), 10],
  ['detail / flagd-core resolveString', detail, find('flagd-core', 'resolveString'), 7],
  ['get / LaunchDarkly variation', get, find('LaunchDarkly', 'variation'), 50],
  ['detail / LaunchDarkly variationDetail', detail, find('LaunchDarkly', 'variationDetail'), undefined],
  ['get / GrowthBook getFeatureValue', get, find('GrowthBook', 'getFeatureValue'), undefined],
  ['detail / GrowthBook evalFeature', detail, find('GrowthBook', 'evalFeature'), undefined],
  ['get / Unleash getVariant', get, find('Unleash', 'getVariant'), undefined],
];
console.log('\nratios              (of medians | median of per-round ratios)');
let missed = 0;
for (const [label, a, b, target] of ratios) {
  const r = ratio(a, b);
  const worst = Math.min(r.ofMedians, r.perRound);
  const verdict =
    target === undefined ? '' : worst >= target ? `  target ≥ ${target}×: met` : `  target ≥ ${target}×: MISSED`;
  if (target !== undefined && worst < target) missed++;
  console.log(
    `  ${label.padEnd(38)} ${r.ofMedians.toFixed(1).padStart(6)}× | ${r.perRound.toFixed(1).padStart(6)}×${verdict}`,
  );
}
console.log(`\nchecksum ${checksum}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = missed > 0 ? 1 : 0;
