/**
 * Rollout schedules in the exports: flagd is given the schedule and flagd-core, on its own clock,
 * serves what we serve at every step; AppConfig and LaunchDarkly are given the live step at the
 * moment of export, exactly the percentage rule of that step, and the CLI says until when it holds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import { FileDataSourceFactory } from '@launchdarkly/node-server-sdk/integrations';
import { FlagdCore } from '@openfeature/flagd-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportToAppConfig } from '../../../src/exports/appconfig.js';
import { exportToFlagd } from '../../../src/exports/flagd.js';
import { exportToLaunchDarkly } from '../../../src/exports/launchdarkly.js';
import { rolloutNotes } from '../../../src/exports/rollouts.js';
import type { FlagValue } from '../../../src/registry/model.js';
import { parseRegistryOrThrow } from '../../../src/registry/validate.js';
import { compileRegistry, outcome, resolve, type Snapshot } from '../../../src/runtime/evaluate/evaluator.js';
import { runCli } from '../../support/cli.js';
import { seededRandom } from '../../support/random.js';

const HAIKU = 'claude-3-haiku';
const SONNET = 'claude-sonnet-4-6';
const OPUS = 'claude-opus-4-6';
const ms = (iso: string): number => Date.parse(iso);

type RawRule = {
  condition: Record<string, unknown>;
  value?: FlagValue;
  rollout?: { variant: FlagValue } & Record<string, unknown>;
};
type RawFlag = { flag: string; default: FlagValue; variants: FlagValue[]; rules: RawRule[] } & Record<string, unknown>;

const FLAGS: RawFlag[] = [
  {
    // 5% for 2h, 25% for 6h, then 100%, after a pin that keeps serving.
    flag: 'inference_model',
    variants: [HAIKU, SONNET, OPUS],
    default: HAIKU,
    rules: [
      { condition: { user_segment: 'internal' }, value: OPUS },
      {
        condition: {},
        rollout: {
          variant: SONNET,
          start: '2026-12-10T09:00:00Z',
          steps: [{ percent: 5, hold: '2h' }, { percent: 25, hold: '6h' }, { percent: 100 }],
        },
      },
    ],
  },
  {
    // A condition, a when-healthy promotion (the schedule starts on its own, then waits), a rule after it.
    flag: 'system_prompt_version',
    variants: ['v3', 'v4', 'v5'],
    default: 'v3',
    rules: [
      {
        condition: { user_segment: 'beta' },
        rollout: {
          variant: 'v4',
          start: '2026-12-10T09:30:00Z',
          promote: 'when-healthy',
          linear: { percent: 20, every: '1h' },
        },
      },
      { condition: { tier: { gte: 3 } }, value: 'v5' },
    ],
  },
  {
    // Bucketed by organisation; exponential: 10, 20, 40, 80, 100 every 30 minutes.
    flag: 'retrieval_top_k',
    bucket_by: 'org_id',
    variants: [5, 10],
    default: 5,
    rules: [
      {
        condition: { region: { starts_with: 'eu-' } },
        rollout: {
          variant: 10,
          start: '2026-12-10T10:00:00Z',
          exponential: { percent: 10, every: '30m', factor: 2 },
        },
      },
    ],
  },
  {
    // Aborted: serves nobody, and the rule after it keeps serving.
    flag: 'streaming',
    variants: [true, false],
    default: false,
    rules: [
      {
        condition: {},
        rollout: { variant: true, start: '2026-12-10T09:00:00Z', steps: [{ percent: 50 }], state: 'aborted' },
      },
      { condition: { email: { ends_with: '@example.com' } }, value: true },
    ],
  },
  {
    // Paused at step 2 of 3.
    flag: 'paused_model',
    variants: ['a', 'b'],
    default: 'a',
    rules: [
      {
        condition: {},
        rollout: {
          variant: 'b',
          start: '2026-12-10T09:00:00Z',
          steps: [{ percent: 10, hold: '1h' }, { percent: 30, hold: '1h' }, { percent: 100 }],
          state: 'paused',
          current_step: { step: 2, since: '2026-12-10T10:00:00Z' },
        },
      },
    ],
  },
  {
    // Resumed at step 2 at 12:00: the schedule continues from there, not from its start.
    flag: 'resumed_model',
    variants: ['a', 'b'],
    default: 'a',
    rules: [
      {
        condition: {},
        rollout: {
          variant: 'b',
          start: '2026-12-10T09:00:00Z',
          steps: [{ percent: 10, hold: '1h' }, { percent: 30, hold: '1h' }, { percent: 100 }],
          current_step: { step: 2, since: '2026-12-10T12:00:00Z' },
        },
      },
    ],
  },
  {
    flag: 'tomorrow_model',
    variants: ['a', 'b'],
    default: 'a',
    rules: [
      {
        condition: {},
        rollout: {
          variant: 'b',
          start: '2026-12-11T00:00:00Z',
          steps: [{ percent: 50, hold: '1d' }, { percent: 100 }],
        },
      },
    ],
  },
  {
    flag: 'killed_model',
    enabled: false,
    variants: ['a', 'b'],
    default: 'a',
    rules: [{ condition: {}, rollout: { variant: 'b', start: '2026-12-10T09:00:00Z', steps: [{ percent: 100 }] } }],
  },
];
const registry = parseRegistryOrThrow(JSON.stringify({ flags: FLAGS }), 'flags.json');

function evaluate(snapshot: Snapshot, flag: string, context: Record<string, unknown>): FlagValue {
  resolve(snapshot.flags.get(flag)!, context);
  return outcome.value;
}

function contexts(seed: number, n: number): Record<string, string | number>[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const context: Record<string, string | number> = { targetingKey: `user-${i}-${random().toString(36).slice(2)}` };
    const maybe = (name: string, value: string | number | undefined): void => {
      if (value !== undefined) context[name] = value;
    };
    maybe('user_segment', pick(['internal', 'beta', 'beta', 'external', undefined]));
    maybe('tier', pick([1, 2, 3, 4, undefined]));
    maybe('region', pick(['eu-west', 'eu-central', 'us-east', undefined]));
    maybe('email', pick(['a@example.com', 'b@example.org', undefined]));
    maybe('org_id', pick([`org-${Math.floor(random() * 1e6)}`, `org-${Math.floor(random() * 1e6)}`, undefined]));
    return context;
  });
}

/** Moments across every schedule above: before the starts, at and within each step, after the ends. */
const MOMENTS = [
  '2026-12-10T08:00:00Z',
  '2026-12-10T09:00:00Z',
  '2026-12-10T09:45:00Z',
  '2026-12-10T10:00:00Z',
  '2026-12-10T10:59:59Z',
  '2026-12-10T11:00:00Z',
  '2026-12-10T11:30:00Z',
  '2026-12-10T12:00:00Z',
  '2026-12-10T13:00:00Z',
  '2026-12-10T17:00:00Z',
  '2026-12-11T00:00:00Z',
  '2026-12-12T00:00:00Z',
].map(ms);

describe('flagd: the schedule, advanced by flagd-core on its own clock', () => {
  afterEach(() => vi.useRealTimers());

  it.each(['2026-12-10T08:30:00Z', '2026-12-10T10:15:00Z', '2026-12-10T17:30:00Z'])(
    'exported at %s, serves what we serve at every later moment, value for value',
    (exportedAt) => {
      const core = new FlagdCore();
      core.setConfigurations(JSON.stringify(exportToFlagd(registry, { now: ms(exportedAt) })));
      const sample = contexts(20261210, 400);
      const rolloutVariantsServed = new Map<string, number>();
      const mismatches: string[] = [];
      vi.useFakeTimers({ toFake: ['Date'] });
      for (const moment of MOMENTS.filter((m) => m >= ms(exportedAt))) {
        vi.setSystemTime(moment);
        const ours = compileRegistry(registry, undefined, { now: moment });
        for (const { flag, default: fallback } of FLAGS) {
          for (const context of sample) {
            const expected = evaluate(ours, flag, context);
            const resolved =
              typeof fallback === 'string'
                ? core.resolveStringEvaluation(flag, '\u0000fallback', context as never)
                : typeof fallback === 'number'
                  ? core.resolveNumberEvaluation(flag, -1, context as never)
                  : core.resolveBooleanEvaluation(flag, false, context as never);
            if (!Object.is(resolved.value, expected) && mismatches.length < 5)
              mismatches.push(
                `${flag} at ${new Date(moment).toISOString()} ${JSON.stringify(context)}: ours ${JSON.stringify(expected)}, flagd ${JSON.stringify(resolved.value)}`,
              );
            const key = `${flag}=${String(expected)}`;
            rolloutVariantsServed.set(key, (rolloutVariantsServed.get(key) ?? 0) + 1);
          }
        }
      }
      expect(mismatches).toEqual([]);
      // The rollouts did serve their variants: the comparison covered bucketed users at live steps.
      for (const served of [`inference_model=${SONNET}`, 'system_prompt_version=v4', 'retrieval_top_k=10'])
        expect(rolloutVariantsServed.get(served) ?? 0, served).toBeGreaterThan(0);
    },
  );

  it('switches at whole seconds: a step that begins within a second begins at the next second in flagd', () => {
    const text = JSON.stringify({
      flags: [
        {
          flag: 'f',
          variants: ['a', 'b'],
          default: 'a',
          rules: [
            {
              condition: {},
              rollout: { variant: 'b', start: '2026-12-10T09:00:00.250Z', steps: [{ percent: 100 }] },
            },
          ],
        },
      ],
    });
    const targeting = exportToFlagd(parseRegistryOrThrow(text), { now: ms('2026-12-10T09:00:00Z') }).flags['f']!
      .targeting as { if: [{ and: [unknown, { '===': [{ if: unknown[] }, string] }] }, string] };
    expect(targeting.if[0].and[1]['==='][0].if.slice(0, 2)).toEqual([
      { '<': [{ var: '$flagd.timestamp' }, ms('2026-12-10T09:00:01Z') / 1000] },
      'out',
    ]);
  });

  it('leaves out a rollout that serves nobody from now on, and a flag with nothing left has no targeting', () => {
    const doc = exportToFlagd(registry, { now: ms('2026-12-10T10:15:00Z') });
    expect(doc.flags['streaming']!.targeting).toEqual({
      if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'true'],
    });
    expect(doc.flags['killed_model']).not.toHaveProperty('targeting');
    const abortedOnly = parseRegistryOrThrow(
      JSON.stringify({
        flags: [{ ...FLAGS[3], rules: [FLAGS[3]!.rules[0]] }],
      }),
    );
    expect(exportToFlagd(abortedOnly).flags['streaming']).not.toHaveProperty('targeting');
  });
});

/** The registry with each rollout rule replaced by the percentage rule of its step at `now`. */
function asPercentageRules(percentages: Record<string, number | 'drop'>): ReturnType<typeof parseRegistryOrThrow> {
  const flags = FLAGS.map((flag) => ({
    ...flag,
    rules: flag.rules.flatMap((rule) => {
      if (rule.rollout === undefined) return [rule];
      const p = percentages[flag.flag]!;
      return p === 'drop'
        ? []
        : [{ condition: { ...rule.condition, rollout_percentage: p }, value: rule.rollout.variant }];
    }),
  }));
  return parseRegistryOrThrow(JSON.stringify({ flags }), 'flags.json');
}

// At 11:15: step 2 (25%), step 1 of the when-healthy rollout (20%), step 3 of the exponential one (40%),
// aborted, paused at 30%, resumed at 30%, not started, and a killed flag (the kill switch wins).
const AT = ms('2026-12-10T11:15:00Z');
const LIVE_AT = {
  inference_model: 25,
  system_prompt_version: 20,
  retrieval_top_k: 40,
  streaming: 'drop',
  paused_model: 30,
  resumed_model: 30,
  tomorrow_model: 'drop',
  killed_model: 100,
} as const;

describe('AppConfig and LaunchDarkly: the live step, exactly the percentage rule of that step', () => {
  it('AppConfig', () => {
    const exported = exportToAppConfig(registry, { now: AT });
    const percentage = exportToAppConfig(asPercentageRules(LIVE_AT));
    // Variants are named after the registry's rules: streaming's pin is still its rule 2.
    const renumbered = percentage.values['streaming'] as { _variants: { name: string }[] };
    renumbered._variants[0]!.name = 'rule 2: true';
    expect(exported).toEqual(percentage);
    expect(exported.values['inference_model']).toMatchObject({
      _variants: [
        { name: `rule 1: ${OPUS}` },
        {
          name: `rule 2: ${SONNET}`,
          rule: '(and (exists key::"targetingKey") (split pct::25 by::$targetingKey seed::"inference_model"))',
        },
        { name: `default: ${HAIKU}` },
      ],
    });
    expect(exported.values['tomorrow_model']).toEqual({ enabled: true, value: 'a' });
  });

  it('LaunchDarkly', () => {
    expect(exportToLaunchDarkly(registry, { now: AT })).toEqual(exportToLaunchDarkly(asPercentageRules(LIVE_AT)));
  });
});

describe('LaunchDarkly export at the live step, through the real Node server SDK', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'modelflags-ld-rollout-'));
  const ours = compileRegistry(registry, undefined, { now: AT });
  let client: LDClient;

  beforeAll(async () => {
    const path = join(scratch, 'launchdarkly.json');
    writeFileSync(path, JSON.stringify(exportToLaunchDarkly(registry, { now: AT })));
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

  const ld = (context: Record<string, string | number>) => {
    const { targetingKey, ...attributes } = context;
    return { kind: 'user', key: String(targetingKey), ...attributes };
  };

  it('serves what we serve where no rollout buckets: pins, rules after an aborted or pending rollout, the kill switch', async () => {
    const mismatches: string[] = [];
    for (const context of contexts(7, 2000)) {
      const exact: [string, boolean][] = [
        ['inference_model', context['user_segment'] === 'internal'],
        ['streaming', true],
        ['tomorrow_model', true],
        ['killed_model', true],
      ];
      for (const [flag, decidedWithoutBucketing] of exact) {
        if (!decidedWithoutBucketing) continue;
        const expected = evaluate(ours, flag, context);
        const actual = await client.variation(flag, ld(context), '<fallback>');
        if (actual !== expected && mismatches.length < 5)
          mismatches.push(
            `${flag} ${JSON.stringify(context)}: ours ${String(expected)}, LaunchDarkly ${String(actual)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
  });

  // 20 000 keys: a share's sampling error is about 0.3 points, so 1.5 points tests the export, not luck.
  it.each<{ flag: string; context: Record<string, string | number>; share: Record<string, number> }>([
    { flag: 'inference_model', context: { user_segment: 'external' }, share: { [SONNET]: 25, [HAIKU]: 75 } },
    { flag: 'system_prompt_version', context: { user_segment: 'beta', tier: 1 }, share: { v4: 20, v3: 80 } },
    { flag: 'system_prompt_version', context: { user_segment: 'beta', tier: 4 }, share: { v4: 20, v5: 80 } },
    { flag: 'retrieval_top_k', context: { region: 'eu-west' }, share: { '10': 40, '5': 60 } },
    { flag: 'paused_model', context: {}, share: { b: 30, a: 70 } },
  ])('gives $flag the live step’s shares for $context', async ({ flag, context, share }) => {
    const random = seededRandom(11);
    const n = 20_000;
    const counts = { ours: new Map<string, number>(), launchDarkly: new Map<string, number>() };
    const add = (map: Map<string, number>, value: unknown): void => {
      map.set(String(value), (map.get(String(value)) ?? 0) + 1);
    };
    for (let i = 0; i < n; i++) {
      const full = { ...context, targetingKey: `u-${i}-${random().toString(36).slice(2)}`, org_id: `o-${i}` };
      add(counts.ours, evaluate(ours, flag, full));
      add(counts.launchDarkly, await client.variation(flag, ld(full), '<fallback>'));
    }
    for (const side of ['ours', 'launchDarkly'] as const) {
      expect([...counts[side].keys()].sort(), side).toEqual(Object.keys(share).sort());
      for (const [value, percent] of Object.entries(share))
        expect(Math.abs((100 * (counts[side].get(value) ?? 0)) / n - percent), `${side} ${value}`).toBeLessThan(1.5);
    }
  });
});

describe('what the export says about rollouts it cannot advance', () => {
  it('AppConfig and LaunchDarkly: a snapshot of step i of n, valid until the next step, standing still until exported again', () => {
    for (const target of ['appconfig', 'launchdarkly'] as const) {
      const notes = rolloutNotes(registry, target, AT);
      expect(notes[0]).toMatch(
        target === 'appconfig'
          ? /^note: AppConfig cannot advance a rollout schedule: its rules cannot read the clock, and its deployment strategies roll a configuration out to hosts, not to a share of users\. This document is a snapshot at 2026-12-10T11:15:00\.000Z: in AppConfig, these rollouts stay where they are until you export again:$/
          : /^note: LaunchDarkly's SDKs cannot advance a rollout schedule: its progressive and guarded rollouts are run by its service .* This document is a snapshot at 2026-12-10T11:15:00\.000Z: in LaunchDarkly, these rollouts stay where they are until you export again:$/,
      );
      // Settled rollouts (aborted, paused) and switched-off flags are not listed: they stand still anyway.
      expect(notes.slice(1)).toEqual([
        `  inference_model rule 2: step 2 of 3 (25% get "${SONNET}"), valid until 2026-12-10T17:00:00.000Z, when step 3 (100%) begins`,
        '  system_prompt_version rule 1: step 1 of 5 (20% get "v4"), valid until the guardrail promotes it to step 2 (40%), any time now (its hold ended at 2026-12-10T10:30:00.000Z)',
        '  retrieval_top_k rule 1: step 3 of 5 (40% get 10), valid until 2026-12-10T11:30:00.000Z, when step 4 (80%) begins',
        '  resumed_model rule 1: step 2 of 3 (30% get "b"), valid until 2026-12-10T13:00:00.000Z, when step 3 (100%) begins',
        '  tomorrow_model rule 1: not started (serves nobody), valid until 2026-12-11T00:00:00.000Z, when step 1 (50%) begins',
      ]);
    }
  });

  it('flagd: the schedule is in the document, but a state change and a when-healthy promotion are not', () => {
    expect(rolloutNotes(registry, 'flagd', ms('2026-12-10T10:45:00Z'))).toEqual([
      "note: flagd advances these rollouts on their schedule by itself ($flagd.timestamp, to the second); an abort, pause or resume in the registry, the guardrail's rollback included, reaches flagd only when you export again:",
      `  inference_model rule 2: step 1 of 3 (5% get "${SONNET}"); flagd begins step 2 (25%) at 2026-12-10T11:00:00.000Z by itself`,
      '  retrieval_top_k rule 1: step 2 of 5 (20% get 10); flagd begins step 3 (40%) at 2026-12-10T11:00:00.000Z by itself',
      '  resumed_model rule 1: step 2 of 3 (30% get "b"); flagd begins step 3 (100%) at 2026-12-10T13:00:00.000Z by itself',
      '  tomorrow_model rule 1: not started (serves nobody); flagd begins step 1 (50%) at 2026-12-11T00:00:00.000Z by itself',
      'note: a when-healthy rollout moves on when the guardrail promotes it, in its own process and, with write-back, in the registry, neither of which flagd reads. This document is a snapshot at 2026-12-10T10:45:00.000Z: in flagd, this rollout stays where it is until you export again:',
      '  system_prompt_version rule 1: step 1 of 5 (20% get "v4"), valid until the guardrail promotes it to step 2 (40%), any time now (its hold ended at 2026-12-10T10:30:00.000Z)',
    ]);
    // Before it starts, flagd starts a when-healthy rollout by itself, then holds its first step.
    expect(rolloutNotes(registry, 'flagd', ms('2026-12-10T08:00:00Z'))).toContain(
      '  system_prompt_version rule 1: not started (serves nobody); flagd begins step 1 (20%) at 2026-12-10T09:30:00.000Z by itself, then holds it until a promotion is exported',
    );
    // Once every rollout is settled, nothing to say.
    expect(rolloutNotes(asPercentageRules(LIVE_AT), 'flagd', AT)).toEqual([]);
  });
});

describe('modelflags export --now', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-export-now-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(() => writeFileSync(join(dir, 'flags.json'), JSON.stringify({ flags: FLAGS }, null, 2)));

  it('exports the rollouts as they stand at --now, the document on stdout and the notes on stderr', async () => {
    const run = await runCli(['export', '--to', 'appconfig', '--now', '2026-12-10T11:15:00Z'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual(exportToAppConfig(registry, { now: AT }));
    expect(run.err).toBe(`${rolloutNotes(registry, 'appconfig', AT).join('\n')}\n`);
    const flagd = await runCli(['export', '--to', 'flagd', '--now', '2026-12-10T12:15:00+01:00'], dir);
    expect(JSON.parse(flagd.out)).toEqual(exportToFlagd(registry, { now: AT }));
    expect(flagd.err).toContain('note: flagd advances these rollouts');
  });

  it('defaults to the clock, and refuses a moment without a time zone', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(AT);
    const now = await runCli(['export', '--to', 'launchdarkly'], dir);
    vi.useRealTimers();
    expect(now.code).toBe(0);
    expect(JSON.parse(now.out)).toEqual(exportToLaunchDarkly(registry, { now: AT }));
    expect(now.err).toContain(rolloutNotes(registry, 'launchdarkly', AT).join('\n'));
    const local = await runCli(['export', '--to', 'flagd', '--now', '2026-12-10T10:15:00'], dir);
    expect(local).toMatchObject({ code: 2, out: '' });
    expect(local.err).toContain(
      '--now must be a date-time with a time zone, like 2026-12-10T09:00:00Z (got "2026-12-10T10:15:00")',
    );
  });

  it('docs/exports.md shows what the commands print for its registry', async () => {
    const page = readFileSync(resolvePath(import.meta.dirname, '../../../docs/exports.md'), 'utf8');
    const section = page.slice(page.indexOf('## Rollout schedules'));
    const registryText = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const session = /```console\n([\s\S]*?)```/.exec(section)![1]!;
    const project = mkdtempSync(join(tmpdir(), 'modelflags-export-docs-'));
    try {
      writeFileSync(join(project, 'flags.json'), registryText);
      const printed: string[] = [];
      for (const part of session.split(/^\$ npx modelflags /m).slice(1)) {
        const args = part.slice(0, part.indexOf('\n')).split(' ');
        const run = await runCli(args, project);
        expect(run.code).toBe(0);
        // Notes go to stderr before the document is written.
        printed.push(`$ npx modelflags ${args.join(' ')}\n${run.err}${run.out}`);
      }
      expect(printed.join('')).toBe(session);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
