import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import { FileDataSourceFactory } from '@launchdarkly/node-server-sdk/integrations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRegistry, outcome, resolve, type Snapshot } from '../../../src/runtime/evaluate/evaluator.js';
import { exportToLaunchDarkly } from '../../../src/exports/launchdarkly.js';
import { parseRegistryOrThrow } from '../../../src/registry/validate.js';
import { type FlagValue } from '../../../src/registry/model.js';
import { runModelflagsCli } from '../../../src/cli/main.js';
import { seededRandom as mulberry32 } from '../../support/random.js';

const HAIKU = 'claude-3-haiku';
const SONNET = 'claude-sonnet-4-6';
const OPUS = 'claude-opus-4-6';

type RawRule = { condition: Record<string, unknown>; value?: FlagValue; split?: Record<string, number> };
type RawFlag = {
  flag: string;
  default: FlagValue;
  variants: FlagValue[];
  rules?: RawRule[];
  bucket_by?: string;
  enabled?: boolean;
};

const flags: RawFlag[] = [
  {
    flag: 'inference_model',
    variants: [HAIKU, SONNET, OPUS],
    default: HAIKU,
    rules: [
      { condition: { customer_id: ['acme', 'globex'] }, value: HAIKU },
      { condition: { user_segment: 'internal' }, value: OPUS },
      { condition: { rollout_percentage: 10 }, value: SONNET },
    ],
  },
  {
    flag: 'system_prompt_version',
    variants: ['v3', 'v4', 'v5'],
    default: 'v3',
    rules: [
      { condition: { user_segment: 'beta' }, split: { v3: 50, v4: 50 } },
      { condition: { tier: { gte: 3 } }, split: { v3: 20, v4: 30, v5: 50 } },
    ],
  },
  {
    // A percentage rule in the middle: users outside it go on to the later rules.
    flag: 'retrieval_top_k',
    variants: [5, 10, 20],
    default: 5,
    rules: [
      { condition: { rollout_percentage: 25, user_segment: { neq: 'internal' } }, value: 20 },
      { condition: { tier: { lt: 2 } }, value: 10 },
      { condition: { app_version: { semver_gte: '2.1.0' } }, value: 20 },
      { condition: { customer_id: { not_in: ['acme'] }, region: { starts_with: 'us-' } }, value: 10 },
    ],
  },
  {
    flag: 'streaming',
    variants: [true, false],
    default: false,
    rules: [
      { condition: { email: { ends_with: '@example.com' } }, value: true },
      { condition: { app_version: { semver_lt: '2.0.0' } }, value: false },
      { condition: { tier: { gt: 4 } }, value: false },
      { condition: {}, value: true },
    ],
  },
  {
    flag: 'org_model',
    bucket_by: 'org_id',
    variants: ['a', 'b'],
    default: 'a',
    rules: [{ condition: { rollout_percentage: 30 }, value: 'b' }],
  },
  { flag: 'killed_model', enabled: false, variants: ['x', 'y'], default: 'x', rules: [{ condition: {}, value: 'y' }] },
];

/**
 * The same flags with every percentage and split replaced by a marker, so evaluating it tells
 * which rule a context reaches before any hashing: "exact:i" or "bucketed:i" (or "default").
 */
function probeOf(flag: RawFlag): RawFlag {
  const rules = (flag.rules ?? []).map((rule, i): RawRule => {
    const { rollout_percentage: rollout, ...condition } = rule.condition;
    return { condition, value: rollout !== undefined || rule.split !== undefined ? `bucketed:${i}` : `exact:${i}` };
  });
  return {
    flag: flag.flag,
    default: 'default',
    variants: ['default', ...rules.map((r) => r.value!)],
    rules,
    enabled: flag.enabled ?? true,
  };
}

function randomContext(random: () => number, i: number): Record<string, string | number> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const context: Record<string, string | number> = {
    targetingKey: `user-${i}-${Math.floor(random() * 1e9).toString(36)}`,
  };
  const maybe = (name: string, value: string | number | undefined) => {
    if (value !== undefined) context[name] = value;
  };
  maybe('customer_id', pick(['acme', 'globex', 'initech', 'umbrella', undefined, undefined]));
  maybe('user_segment', pick(['internal', 'beta', 'external', 'external', undefined]));
  maybe('tier', pick([0, 1, 2, 3, 4, 5, undefined]));
  maybe('region', pick(['us-east', 'us-west', 'eu-west', 'ap-south', undefined]));
  maybe('app_version', pick(['1.9.9', '2.0.0', '2.1.0', '2.1.3', '3.0.0-beta.1', 'not-a-version', undefined]));
  maybe('email', pick(['a@example.com', 'b@corp.example.org', undefined]));
  maybe('org_id', pick([`org-${Math.floor(random() * 1e6)}`, `org-${Math.floor(random() * 1e6)}`, undefined]));
  return context;
}

function ldContext(context: Record<string, string | number>): LDContext {
  const { targetingKey, ...attributes } = context;
  return { kind: 'user', key: String(targetingKey), ...attributes };
}

function evaluate(snapshot: Snapshot, flag: string, context: Record<string, unknown>): FlagValue {
  resolve(snapshot.flags.get(flag)!, context);
  return outcome.value;
}

describe('LaunchDarkly export through the real Node server SDK file data source', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'modelflags-ld-'));
  const registry = parseRegistryOrThrow(JSON.stringify({ flags }), 'flags.json');
  const ours = compileRegistry(registry);
  const probe = compileRegistry(parseRegistryOrThrow(JSON.stringify({ flags: flags.map(probeOf) }), 'probe.json'));
  let client: LDClient;

  beforeAll(async () => {
    const path = join(scratch, 'launchdarkly.json');
    writeFileSync(path, JSON.stringify(exportToLaunchDarkly(registry)));
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    client = init('sdk-key-unused-offline', {
      updateProcessor: new FileDataSourceFactory({ paths: [path] }).getFactory(),
      sendEvents: false,
      diagnosticOptOut: true,
      logger: quiet,
    });
    await client.waitForInitialization({ timeout: 10 });
  });
  afterAll(() => {
    client?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the same value as ours for every context that no percentage rule reaches', async () => {
    const random = mulberry32(20260501);
    let exactEvaluations = 0;
    let bucketedEvaluations = 0;
    const exactRulesHit = new Set<string>();
    const mismatches: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      const context = randomContext(random, i);
      for (const { flag } of flags) {
        const marker = String(evaluate(probe, flag, context));
        if (marker.startsWith('bucketed')) {
          bucketedEvaluations++;
          continue;
        }
        exactEvaluations++;
        exactRulesHit.add(`${flag} ${marker}`);
        const expected = evaluate(ours, flag, context);
        const actual = await client.variation(flag, ldContext(context), '<fallback>');
        if (actual !== expected && mismatches.length < 5)
          mismatches.push(
            `${flag} ${JSON.stringify(context)}: ours ${JSON.stringify(expected)}, LaunchDarkly ${JSON.stringify(actual)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
    expect(exactEvaluations).toBeGreaterThanOrEqual(10_000);
    expect(bucketedEvaluations).toBeGreaterThan(0);
    // Every non-percentage rule of every enabled flag was reached by some context.
    for (const { flag, rules = [], enabled } of flags) {
      if (enabled === false) continue;
      rules.forEach((rule, i) => {
        if (rule.split === undefined && rule.condition['rollout_percentage'] === undefined)
          expect(exactRulesHit).toContain(`${flag} exact:${i}`);
      });
    }
  });

  // One context shape per percentage or split rule, with 40 000 random keys each: the sampling
  // error of a share is then about a quarter of a point, so ±1 point tests the export, not luck.
  const shareCases: { flag: string; context: Record<string, string | number>; expected: Record<string, number> }[] = [
    {
      flag: 'inference_model',
      context: { customer_id: 'initech', user_segment: 'external' },
      expected: { [SONNET]: 10, [HAIKU]: 90 },
    },
    { flag: 'system_prompt_version', context: { user_segment: 'beta' }, expected: { v3: 50, v4: 50 } },
    {
      flag: 'system_prompt_version',
      context: { user_segment: 'external', tier: 4 },
      expected: { v3: 20, v4: 30, v5: 50 },
    },
    // Outside the 25%, the later rules decide: none matches this shape, so the default.
    {
      flag: 'retrieval_top_k',
      context: { user_segment: 'external', tier: 3, app_version: '1.9.9', region: 'eu-west' },
      expected: { '20': 25, '5': 75 },
    },
    { flag: 'org_model', context: {}, expected: { b: 30, a: 70 } },
  ];
  it.each(shareCases)(
    'keeps the shares of $flag for $context within one point',
    async ({ flag, context, expected }) => {
      const random = mulberry32(7);
      const n = 40_000;
      const counts = { ours: new Map<string, number>(), launchDarkly: new Map<string, number>() };
      for (let i = 0; i < n; i++) {
        const full = {
          ...context,
          targetingKey: `user-${i}-${Math.floor(random() * 1e9).toString(36)}`,
          org_id: `org-${i}-${Math.floor(random() * 1e9).toString(36)}`,
        };
        const add = (map: Map<string, number>, value: unknown) =>
          map.set(String(value), (map.get(String(value)) ?? 0) + 1);
        add(counts.ours, evaluate(ours, flag, full));
        add(counts.launchDarkly, await client.variation(flag, ldContext(full), '<fallback>'));
      }
      for (const side of ['ours', 'launchDarkly'] as const) {
        expect([...counts[side].keys()].sort(), side).toEqual(Object.keys(expected).sort());
        for (const [value, percent] of Object.entries(expected)) {
          const share = (100 * (counts[side].get(value) ?? 0)) / n;
          expect(
            Math.abs(share - percent),
            `${side}: ${value} served to ${share.toFixed(2)}% instead of ${percent}%`,
          ).toBeLessThanOrEqual(1);
        }
      }
    },
  );

  it('keeps the kill switch: a disabled flag serves its default', async () => {
    expect(await client.variation('killed_model', { kind: 'user', key: 'u1' }, '<fallback>')).toBe('x');
    const detail = await client.variationDetail('killed_model', { kind: 'user', key: 'u1' }, '<fallback>');
    expect(detail.reason.kind).toBe('OFF');
  });

  it('says on the CLI that LaunchDarkly hashes differently, on stderr so the JSON on stdout stays pipeable', async () => {
    const registryPath = join(scratch, 'flags.json');
    writeFileSync(registryPath, JSON.stringify({ flags }));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runModelflagsCli(['export', '--to', 'launchdarkly', '--registry', registryPath], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      cwd: scratch,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual(exportToLaunchDarkly(registry));
    expect(err.join('\n')).toMatch(
      /LaunchDarkly buckets users with its own hash.*individual users may move between buckets/,
    );
  });
});
