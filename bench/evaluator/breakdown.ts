/**
 * Where `get`'s time goes, for the flag and contexts of run.ts: modelflags only, one process,
 * median ops/s per line over rounds that interleave the lines every `--chunk` contexts (as run.ts
 * does, so that every line sees the same mix of the machine's fast and slow states).
 *
 *   npx tsx bench/evaluator/breakdown.ts [--contexts 1000000] [--rounds 7] [--chunk 10000]
 *
 * Each evaluation is measured over all contexts (distinct, as in run.ts) and over the first 1,000
 * repeated (they stay in cache): if the two differ little, evaluation is bound by computation,
 * not by memory. The lines, from the full call down to its parts:
 *   - `flags.get`: the public call (flag lookup, evaluation, events check);
 *   - generated: the flag's generated function, called directly;
 *   - interpreted: the same rules through the closures used where code cannot be generated;
 *   - hand-written: the three rules as plain code, the most the engine can make of them;
 *   - murmur: only the bucketing hash of each user id;
 *   - read: only reading each user id's characters.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileRegistry, interpret, outcome, resolve } from '../../src/runtime/evaluate/evaluator.js';
import { murmurWithPrefix, bucketOf } from '../../src/runtime/evaluate/murmur.js';
import { createFlags, parseRegistryOrThrow, staticSource } from '../../src/index.js';
import { benchContexts, type BenchContext } from './contexts.js';

const { values: args } = parseArgs({
  options: {
    contexts: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '7' },
    chunk: { type: 'string', default: '10000' },
  },
});
const N = Number(args.contexts);
const ROUNDS = Number(args.rounds);
const CHUNK = Number(args.chunk);
const RESIDENT = 1000;

const text = readFileSync(
  fileURLToPath(new URL('../../examples/inference-service/flags.json', import.meta.url)),
  'utf8',
);
const flags = createFlags({ source: staticSource(text) });
const flag = compileRegistry(parseRegistryOrThrow(text)).flags.get('inference_model')!;
const interpreted = compileRegistry(parseRegistryOrThrow(text)).flags.get('inference_model')!;
const prefix = flag.prefix;

function handWritten(ctx: BenchContext): string {
  const customer = ctx.customer_id;
  if (customer === 'acme' || customer === 'globex') return 'claude-3-haiku';
  if (ctx.user_segment === 'internal') return 'claude-opus-4-6';
  const id = ctx.targetingKey;
  if (
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= 4096 &&
    bucketOf(murmurWithPrefix(prefix, id), 10000) < 1000
  )
    return 'claude-sonnet-4-6';
  return 'claude-3-haiku';
}

const all = benchContexts(N);
const resident = Array.from({ length: N }, (_, i) => all[i % RESIDENT]!);

/** One loop per line, so every call site stays monomorphic, as it is in a service's request path. */
const lines: [string, (c: BenchContext[], from: number, to: number) => number][] = [
  [
    'flags.get',
    (c, from, to) => {
      let acc = 0;
      for (let i = from; i < to; i++) acc += (flags.get('inference_model', c[i]!) as string).length;
      return acc;
    },
  ],
  [
    'generated',
    (c, from, to) => {
      let acc = 0;
      for (let i = from; i < to; i++) acc += resolve(flag, c[i]!) + (outcome.value as string).length;
      return acc;
    },
  ],
  [
    'interpreted',
    (c, from, to) => {
      let acc = 0;
      for (let i = from; i < to; i++) acc += interpret(interpreted, c[i]!) + (outcome.value as string).length;
      return acc;
    },
  ],
  [
    'hand-written',
    (c, from, to) => {
      let acc = 0;
      for (let i = from; i < to; i++) acc += handWritten(c[i]!).length;
      return acc;
    },
  ],
  [
    'murmur',
    (c, from, to) => {
      let acc = 0;
      for (let i = from; i < to; i++) acc += murmurWithPrefix(prefix, c[i]!.targetingKey) & 7;
      return acc;
    },
  ],
  [
    'read',
    (c, from, to) => {
      let acc = 0;
      for (let i = from; i < to; i++) {
        const s = c[i]!.targetingKey;
        for (let j = 0; j < s.length; j++) acc += s.charCodeAt(j);
      }
      return acc;
    },
  ],
];

const results = new Map<string, { distinct: number[]; resident: number[] }>(
  lines.map(([name]) => [name, { distinct: [], resident: [] }]),
);
let checksum = 0;
for (const [, pass] of lines) checksum = (checksum + pass(all, 0, N) + pass(resident, 0, N)) % 1e9; // warm-up
for (let r = 0; r < ROUNDS; r++) {
  const ns = new Map(lines.map(([name]) => [name, { distinct: 0, resident: 0 }]));
  for (let from = 0; from < N; from += CHUNK) {
    const to = Math.min(N, from + CHUNK);
    for (const [name, pass] of lines) {
      for (const kind of ['distinct', 'resident'] as const) {
        const t0 = process.hrtime.bigint();
        checksum = (checksum + pass(kind === 'distinct' ? all : resident, from, to)) % 1e9;
        ns.get(name)![kind] += Number(process.hrtime.bigint() - t0);
      }
    }
  }
  for (const [name, { distinct, resident: cached }] of ns) {
    results.get(name)!.distinct.push(N / (distinct / 1e9));
    results.get(name)!.resident.push(N / (cached / 1e9));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (n: number): string => `${(n / 1e6).toFixed(2)}M`;
console.log(`inference_model, ${N.toLocaleString('en')} contexts, ${ROUNDS} rounds; node ${process.version}`);
console.log(`${''.padEnd(14)}${'distinct'.padStart(10)}${`${RESIDENT} repeated`.padStart(16)}   ops/s (median)`);
for (const [name, { distinct, resident: cached }] of results)
  console.log(`${name.padEnd(14)}${fmt(median(distinct)).padStart(10)}${fmt(median(cached)).padStart(16)}`);
const m = (name: string): number => median(results.get(name)!.distinct);
console.log(
  `\ngenerated / interpreted ${(m('generated') / m('interpreted')).toFixed(2)}×; generated / hand-written ${(m('generated') / m('hand-written')).toFixed(2)}×`,
);
console.log(`checksum ${checksum}`);
