/** The registry rules on flags.json itself, through @eslint/json. */
import json from '@eslint/json';
import { RuleTester } from 'eslint';
import { describe, it } from 'vitest';
import noExpiredFlag from '../../rules/no-expired-flag.js';
import requireCleanupDate from '../../rules/require-cleanup-date.js';
import { ruleTester, TODAY } from './support.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const jsonTester = new RuleTester({
  plugins: { json },
  language: 'json/json',
  settings: { modelflags: { today: TODAY } },
});

const registry = (...flags: object[]): string => JSON.stringify({ flags }, null, 2);
type RuleUnderTest = Parameters<RuleTester['run']>[1];

jsonTester.run('require-cleanup-date', requireCleanupDate as unknown as RuleUnderTest, {
  valid: [
    { code: registry({ flag: 'a', default: 1, cleanup_by: '2026-08-01' }), filename: 'flags.json' },
    {
      code: registry({ flag: 'a', default: 1, cleanup_by: '2026-11-28' }),
      filename: 'flags.json',
      name: 'exactly 180 days out',
    },
    {
      code: registry({ flag: 'a', default: 1, cleanup_by: '2027-05-01' }),
      filename: 'flags.json',
      options: [{ maxHorizonDays: 365 }],
      name: 'longer horizon option',
    },
  ],
  invalid: [
    {
      name: 'missing date, reported at the flag key line',
      filename: 'flags.json',
      code: registry({ flag: 'inference_model', default: 'a' }),
      errors: [
        {
          messageId: 'missing',
          line: 4,
          column: 15,
          data: { flag: 'inference_model', horizon: '180', example: '2026-11-28' },
        },
      ],
    },
    {
      name: 'not a real date',
      filename: 'flags.json',
      code: registry({ flag: 'a', default: 1, cleanup_by: '2026-02-30' }),
      errors: [{ messageId: 'invalid', line: 6, data: { flag: 'a', value: '"2026-02-30"' } }],
    },
    {
      name: 'beyond the horizon, using the today option',
      filename: 'flags.json',
      code: registry({ flag: 'a', default: 1, cleanup_by: '2027-01-01' }),
      options: [{ today: '2026-01-01', maxHorizonDays: 30 }],
      errors: [
        {
          messageId: 'tooFar',
          line: 6,
          column: 21,
          data: { flag: 'a', date: '2027-01-01', days: '365', horizon: '30', latest: '2026-01-31' },
        },
      ],
    },
  ],
});

// Linear 10% a day from 2026-06-02T09:00:00Z: 100% on 2026-06-11 at 09:00.
const tenDays = { variant: 'b', start: '2026-06-02T09:00:00Z', linear: { percent: 10, every: '1d' } };
const withRollout = (cleanupBy: string, rollout: object = tenDays): string =>
  registry({
    flag: 'canary',
    default: 'a',
    cleanup_by: cleanupBy,
    variants: ['a', 'b'],
    rules: [
      { condition: { plan: 'pro' }, value: 'a' },
      { condition: {}, rollout },
    ],
  });

jsonTester.run('require-cleanup-date (rollouts)', requireCleanupDate as unknown as RuleUnderTest, {
  valid: [
    { name: 'the rollout ends on the cleanup date', filename: 'flags.json', code: withRollout('2026-06-11') },
    {
      name: 'an aborted rollout ends nowhere',
      filename: 'flags.json',
      code: withRollout('2026-06-05', { ...tenDays, state: 'aborted' }),
    },
    {
      name: 'a paused rollout moves when someone resumes it, not on its own',
      filename: 'flags.json',
      code: withRollout('2026-06-05', {
        ...tenDays,
        state: 'paused',
        current_step: { step: 1, since: '2026-06-02T09:00:00Z' },
      }),
    },
  ],
  invalid: [
    {
      name: 'a rollout still running after the cleanup date',
      filename: 'flags.json',
      code: withRollout('2026-06-10'),
      errors: [
        {
          messageId: 'beforeRolloutEnds',
          line: 6,
          data: {
            flag: 'canary',
            date: '2026-06-10',
            rule: '2',
            percent: '100',
            when: 'at 2026-06-11T09:00:00.000Z',
            ends: '2026-06-11',
          },
        },
      ],
    },
    {
      name: 'a when-healthy rollout, at its earliest',
      filename: 'flags.json',
      code: withRollout('2026-06-10', { ...tenDays, promote: 'when-healthy' }),
      errors: [
        {
          messageId: 'beforeRolloutEnds',
          data: {
            flag: 'canary',
            date: '2026-06-10',
            rule: '2',
            percent: '100',
            when: 'at the earliest at 2026-06-11T09:00:00.000Z',
            ends: '2026-06-11',
          },
        },
      ],
    },
  ],
});

const flagsFile = registry(
  {
    flag: 'legacy_model',
    default: 'gpt-4o',
    cleanup_by: '2026-05-01',
    variants: ['gpt-4o', 'claude-sonnet-4-6'],
    rules: [{ condition: {}, value: 'claude-sonnet-4-6' }],
  },
  {
    flag: 'soon',
    default: 'a',
    cleanup_by: '2026-06-10',
    variants: ['a', 'b'],
    rules: [
      { condition: { rollout_percentage: 50 }, value: 'b' },
      { condition: { tier: 'x' }, value: 'a' },
    ],
  },
  { flag: 'fine', default: 1, cleanup_by: '2026-09-01' },
);

jsonTester.run('no-expired-flag (registry file)', noExpiredFlag as unknown as RuleUnderTest, {
  valid: [{ code: registry({ flag: 'fine', default: 1, cleanup_by: '2026-09-01' }), filename: 'flags.json' }],
  invalid: [
    {
      filename: 'flags.json',
      code: flagsFile,
      errors: [
        {
          messageId: 'expired',
          line: 6,
          data: {
            flag: 'legacy_model',
            date: '2026-05-01',
            ago: '31 days ago',
            command: 'npx remove-flag legacy_model --keep claude-sonnet-4-6',
            variant: '"claude-sonnet-4-6"',
            why: 'keeping "claude-sonnet-4-6": rule 1 matches everyone',
          },
        },
        {
          messageId: 'expiring',
          data: {
            flag: 'soon',
            date: '2026-06-10',
            when: 'in 9 days',
            // Several variants are still served: the command names none, so nobody ships the default by copying it.
            command: 'npx remove-flag soon --keep <variant>',
            variant: 'the variant that won',
            why: 'no variant is served to everyone yet; name the one that won',
          },
        },
      ],
    },
  ],
});

// TODAY is 2026-06-01: the rollouts are seen at 00:00 UTC that day.
const rolloutSteps = [{ percent: 5, hold: '7d' }, { percent: 25, hold: '7d' }, { percent: 100 }];
const rolloutFlags = registry(
  {
    flag: 'finished_rollout',
    default: 'old',
    cleanup_by: '2026-05-30',
    variants: ['old', 'new'],
    rules: [{ condition: {}, rollout: { variant: 'new', start: '2026-05-01T09:00:00Z', steps: rolloutSteps } }],
  },
  {
    flag: 'live_rollout',
    default: 'old',
    cleanup_by: '2026-05-30',
    variants: ['old', 'new'],
    rules: [{ condition: {}, rollout: { variant: 'new', start: '2026-05-20T09:00:00Z', steps: rolloutSteps } }],
  },
  {
    flag: 'aborted_rollout',
    default: 'old',
    cleanup_by: '2026-05-30',
    variants: ['old', 'new'],
    rules: [
      {
        condition: {},
        rollout: { variant: 'new', start: '2026-05-01T09:00:00Z', steps: rolloutSteps, state: 'aborted' },
      },
    ],
  },
);
const expiredRollout = (flag: string, keep: string | undefined, why: string) => ({
  messageId: 'expired' as const,
  data: {
    flag,
    date: '2026-05-30',
    ago: '2 days ago',
    command: `npx remove-flag ${flag} --keep ${keep ?? '<variant>'}`,
    variant: keep === undefined ? 'the variant that won' : `"${keep}"`,
    why: keep === undefined ? why : `keeping "${keep}": ${why}`,
  },
});

jsonTester.run('no-expired-flag (registry file, rollouts)', noExpiredFlag as unknown as RuleUnderTest, {
  valid: [],
  invalid: [
    {
      name: 'keeps the variant of a rollout that reached 100%, none while one is live, the default once one is aborted',
      filename: 'flags.json',
      code: rolloutFlags,
      errors: [
        expiredRollout('finished_rollout', 'new', "rule 1's rollout reached 100%"),
        expiredRollout(
          'live_rollout',
          undefined,
          'rule 1\'s rollout of "new" is at 25% (step 2 of 3); name the variant that won',
        ),
        expiredRollout('aborted_rollout', 'old', 'every rule that can match serves it'),
      ],
    },
  ],
});

ruleTester({
  modelflags: { registryFile: '/project/flags.json', registryText: rolloutFlags, today: TODAY },
}).run('no-expired-flag (code, rollouts)', noExpiredFlag, {
  valid: [],
  invalid: [
    {
      code: `import { createFlags } from 'modelflags';\nconst flags = createFlags({});\nexport const f = (c) => [flags.get('finished_rollout', c), flags.get('live_rollout', c)];`,
      errors: [
        { ...expiredRollout('finished_rollout', 'new', "rule 1's rollout reached 100%"), messageId: 'expiredRead' },
        {
          ...expiredRollout(
            'live_rollout',
            undefined,
            'rule 1\'s rollout of "new" is at 25% (step 2 of 3); name the variant that won',
          ),
          messageId: 'expiredRead',
        },
      ],
    },
  ],
});

ruleTester().run('no-expired-flag (code)', noExpiredFlag, {
  valid: [
    {
      code: `import { createFlags } from 'modelflags';\nconst flags = createFlags({});\nexport const f = (c) => flags.get('inference_model', c);`,
    },
  ],
  invalid: [
    {
      code: `import { createFlags } from 'modelflags';\nconst flags = createFlags({});\nexport const f = (c) => [flags.get('legacy_model', c), flags.get('expiring_prompt', c)];`,
      errors: [
        {
          messageId: 'expiredRead',
          data: {
            flag: 'legacy_model',
            date: '2026-05-01',
            ago: '31 days ago',
            command: 'npx remove-flag legacy_model --keep claude-sonnet-4-6',
            variant: '"claude-sonnet-4-6"',
            why: 'keeping "claude-sonnet-4-6": rule 1 matches everyone',
          },
        },
        {
          messageId: 'expiringRead',
          data: {
            flag: 'expiring_prompt',
            date: '2026-06-10',
            when: 'in 9 days',
            command: 'npx remove-flag expiring_prompt --keep a',
            variant: '"a"',
            why: 'keeping "a": it has no rules',
          },
        },
      ],
    },
    {
      name: 'warnWithinDays 0 still reports expired reads',
      options: [{ warnWithinDays: 0 }],
      code: `import { OpenFeature } from '@openfeature/server-sdk';\nexport const f = (c) => [OpenFeature.getClient().getStringValue('legacy_model', 'gpt-4o', c), OpenFeature.getClient().getStringValue('expiring_prompt', 'a', c)];`,
      errors: [{ messageId: 'expiredRead' }],
    },
  ],
});
