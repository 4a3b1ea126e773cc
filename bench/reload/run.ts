/**
 * Reload cost and change visibility for a 1,000-flag registry behind `fileSource`.
 *
 *   npx tsx bench/reload/run.ts [--trials 25] [--flags 1000] [--change-all]
 *
 * 1. Reload: the time `createFlags` spends taking a changed document from the file source (parse,
 *    validate, compile, diff and swap), measured around the source's delivery of the document,
 *    plus a cold `createFlags` (first read included) for reference.
 * 2. Visibility: from just before the write until `get` returns the new value, for an in-place
 *    write, an atomic rename, and a Kubernetes ConfigMap symlink swap; default fileSource options
 *    (directory watch, 5 ms debounce, 1 s hash poll as the safety net).
 */
import { parseArgs } from 'node:util';
import { createFlags, fileSource, type FlagSource } from '../../src/index.js';
import { registryFile, UPDATE_KINDS, type UpdateKind } from '../../test/src/runtime/support/file-updates.js';
import { seededRandom as prng } from '../../test/support/random.js';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '25' },
    flags: { type: 'string', default: '1000' },
    'change-all': { type: 'boolean', default: false },
  },
});
const TRIALS = Number(args.trials);
const FLAG_COUNT = Number(args.flags);

/**
 * A registry shaped like a large real one: model, prompt, retrieval and parameter flags with
 * owners and cleanup dates, pins, segment rules, operator conditions, rollouts and splits.
 */
function bigRegistry(count: number, probeDefault: string): string {
  // Each trial changes the probe flag only, unless --change-all: then the two versions draw their
  // rules from different seeds, so nearly every flag changes and has to be compiled again.
  const rnd = prng(args['change-all'] && probeDefault === 'b' ? 8 : 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const flags: object[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    const variants: (string | number | boolean)[] =
      kind === 0
        ? ['claude-3-haiku', 'claude-sonnet-4-6', 'claude-opus-4-6']
        : kind === 1
          ? ['v1', 'v2', 'v3', 'v4']
          : kind === 2
            ? [3, 5, 10, 20]
            : [true, false];
    const rules: object[] = [];
    const ruleCount = Math.floor(rnd() * 5);
    for (let r = 0; r < ruleCount; r++) {
      const condition: Record<string, unknown> = {};
      const shape = Math.floor(rnd() * 5);
      if (shape === 0) condition['customer_id'] = ['acme', 'globex', `c${i}`];
      if (shape === 1) condition['user_segment'] = pick(['internal', 'beta']);
      if (shape === 2) condition['seats'] = { gte: Math.floor(rnd() * 100) };
      if (shape === 3) condition['app_version'] = { semver_gte: '2.1.0' };
      if (shape === 4 || rnd() < 0.3) condition['rollout_percentage'] = Math.floor(rnd() * 10000) / 100;
      if (rnd() < 0.3)
        rules.push({
          condition,
          split: Object.fromEntries(variants.slice(0, 2).map((v) => [String(v), 1 + Math.floor(rnd() * 99)])),
        });
      else rules.push({ condition, value: pick(variants) });
    }
    flags.push({
      flag: `flag_${String(i).padStart(4, '0')}`,
      description: `generated flag ${i}`,
      dimension: ['model', 'prompt', 'retrieval', 'parameter'][kind],
      owner: pick(['ml-platform', 'search', 'growth']),
      cleanup_by: '2027-06-30',
      variants,
      default: variants[0],
      rules,
    });
  }
  // The probe flag is what each trial changes and what `get` watches for.
  flags.push({
    flag: 'probe',
    dimension: 'other',
    owner: 'bench',
    cleanup_by: '2027-06-30',
    variants: ['a', 'b'],
    default: probeDefault,
  });
  return JSON.stringify({ $schema: '../schema/flags.schema.json', flags }, null, 2);
}

const versions = [bigRegistry(FLAG_COUNT, 'a'), bigRegistry(FLAG_COUNT, 'b')];

function stats(xs: number[]): { median: number; p95: number; max: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1]!, min: s[0]! };
}
const ms = (n: number): string => `${n.toFixed(2)} ms`;
const pause = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

/** Wraps a source so the time `createFlags` spends on each delivered document is recorded. */
function timed(source: FlagSource, record: (ms: number) => void): FlagSource {
  return {
    description: source.description,
    readSync: source.readSync!.bind(source),
    watch: (sink) =>
      source.watch!({
        document(doc) {
          const t0 = performance.now();
          sink.document(doc);
          record(performance.now() - t0);
        },
        error: (e) => sink.error(e),
      }),
  };
}

async function main(): Promise<void> {
  console.log(
    `registry: ${FLAG_COUNT} flags + 1 probe, ${(versions[0]!.length / 1024).toFixed(0)} KiB; ${TRIALS} trials each; node ${process.version}`,
  );

  // Cold start, for reference: read + parse + validate + compile.
  const cold: number[] = [];
  {
    const file = registryFile('in-place', versions[0]!);
    for (let t = 0; t < TRIALS; t++) {
      const t0 = performance.now();
      const flags = createFlags({ source: fileSource(file.path) });
      cold.push(performance.now() - t0);
      flags.close();
    }
    file.cleanup();
  }

  const results: { label: string; values: number[] }[] = [
    { label: 'cold createFlags (read + parse + validate + compile)', values: cold },
  ];
  for (const kind of UPDATE_KINDS) {
    const { reload, visible } = await trialsFor(kind);
    results.push({ label: `reload on change, ${kind} (parse + validate + compile + swap)`, values: reload });
    results.push({ label: `write → visible to get, ${kind}`, values: visible });
  }
  console.log('');
  for (const { label, values } of results) {
    const s = stats(values);
    console.log(
      `${label.padEnd(66)} median ${ms(s.median).padStart(10)}  p95 ${ms(s.p95).padStart(10)}  max ${ms(s.max).padStart(10)}  (n=${values.length})`,
    );
  }
  const reloads = results.filter((r) => r.label.startsWith('reload')).flatMap((r) => r.values);
  const visibles = results.filter((r) => r.label.startsWith('write')).map((r) => stats(r.values).p95);
  console.log(
    `\nreload p95 ${ms(stats(reloads).p95)} (target ≤ 50 ms): ${stats(reloads).p95 <= 50 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `visibility p95, worst kind ${ms(Math.max(...visibles))} (target ≤ 100 ms): ${Math.max(...visibles) <= 100 ? 'met' : 'MISSED'}`,
  );
}

async function trialsFor(kind: UpdateKind): Promise<{ reload: number[]; visible: number[] }> {
  const file = registryFile(kind, versions[0]!);
  const reload: number[] = [];
  const flags = createFlags({ source: timed(fileSource(file.path), (t) => reload.push(t)) });
  const errors: string[] = [];
  flags.on('error', (e) => errors.push(e.message));
  const visible: number[] = [];
  let current = 0;
  for (let t = 0; t < TRIALS; t++) {
    current = 1 - current;
    const want = current === 0 ? 'a' : 'b';
    await pause(30);
    const t0 = performance.now();
    file.write(versions[current]!);
    // Poll get on every turn of the event loop; setImmediate lets the watcher's I/O run between.
    while (flags.get('probe', {}) !== want) {
      if (performance.now() - t0 > 5000) throw new Error(`${kind}: change not visible after 5 s`);
      await new Promise((r) => setImmediate(r));
    }
    visible.push(performance.now() - t0);
  }
  flags.close();
  file.cleanup();
  if (errors.length > 0) throw new Error(`${kind}: unexpected errors: ${errors.join('; ')}`);
  return { reload, visible };
}

await main();
