/**
 * A flags client serving a rollout schedule, on fake timers and a fake clock: it moves to each step
 * at the step's boundary (not a millisecond before) and announces it as a `change` from the
 * 'rollout schedule'; `rollBack` aborts the variant's rollouts and moves its split shares while
 * pins keep serving it; a new document ends every edit made in memory.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFlags, type ChangeEvent, type Flags } from '../../../src/runtime/flags.js';
import type { FlagSource, SourceDocument, SourceSink } from '../../../src/runtime/sources/source.js';
import { staticSource } from '../../../src/runtime/sources/static.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-12-10T09:00:00Z');
const USERS = Array.from({ length: 400 }, (_, i) => ({ targetingKey: `user-${i}` }));
const INTERNAL = Array.from({ length: 20 }, (_, i) => ({ targetingKey: `staff-${i}`, user_segment: 'internal' }));
const BETA = Array.from({ length: 200 }, (_, i) => ({ targetingKey: `beta-${i}`, user_segment: 'beta' }));

function registry(rollout: Record<string, unknown> = {}, extraRules: unknown[] = []): object {
  return {
    flags: [
      {
        flag: 'inference_model',
        variants: ['haiku', 'sonnet', 'opus'],
        default: 'haiku',
        rules: [
          { condition: { user_segment: 'internal' }, value: 'sonnet' },
          ...extraRules,
          {
            condition: {},
            rollout: {
              variant: 'sonnet',
              start: '2026-12-10T09:00:00Z',
              steps: [{ percent: 5, hold: '2h' }, { percent: 25, hold: '6h' }, { percent: 100 }],
              ...rollout,
            },
          },
        ],
      },
      { flag: 'retrieval_top_k', default: 4, variants: [4, 8] },
    ],
  };
}

/** The contexts served `value`, by targeting key. */
const served = (flags: Flags, contexts: readonly { targetingKey: string }[], value = 'sonnet'): Set<string> =>
  new Set(contexts.filter((c) => flags.get('inference_model', c) === value).map((c) => c.targetingKey));

let clients: Flags[] = [];
function client(source: FlagSource): { flags: Flags; changes: ChangeEvent[] } {
  const flags = createFlags({ source });
  clients.push(flags);
  const changes: ChangeEvent[] = [];
  flags.on('change', (e) => changes.push(e));
  return { flags, changes };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  for (const flags of clients) flags.close();
  clients = [];
  vi.useRealTimers();
});

describe('a client follows the schedule', () => {
  it('moves to each step at its boundary, announces it, and only adds users', () => {
    vi.setSystemTime(START - HOUR);
    const { flags, changes } = client(staticSource(registry()));
    expect(served(flags, USERS).size).toBe(0);
    expect(flags.detail('inference_model', USERS[0]).rollout).toMatchObject({ phase: 'pending', percent: 0 });

    vi.advanceTimersByTime(HOUR - 1);
    expect(changes).toEqual([]);
    expect(served(flags, USERS).size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(changes).toEqual([{ flagsChanged: ['inference_model'], origin: 'rollout schedule' }]);
    const five = served(flags, USERS);
    expect(five.size).toBeGreaterThan(5);
    expect(five.size).toBeLessThan(45);
    expect(flags.rollout('inference_model')).toMatchObject([
      { ruleIndex: 1, variant: 'sonnet', phase: 'live', step: 0, percent: 5, since: START, nextAt: START + 2 * HOUR },
    ]);

    vi.advanceTimersByTime(2 * HOUR - 1);
    expect(changes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(changes).toHaveLength(2);
    expect(changes[1]).toEqual({ flagsChanged: ['inference_model'], origin: 'rollout schedule' });
    const quarter = served(flags, USERS);
    expect(quarter.size).toBeGreaterThan(70);
    expect(quarter.size).toBeLessThan(130);
    for (const user of five) expect(quarter.has(user)).toBe(true);
    expect(flags.detail('inference_model', USERS[0]).rollout).toMatchObject({
      phase: 'live',
      step: 1,
      percent: 25,
      description: 'step 2 of 3 (25%) since 2026-12-10T11:00:00.000Z; step 3 (100%) at 2026-12-10T17:00:00.000Z',
    });

    vi.advanceTimersByTime(6 * HOUR);
    expect(changes).toHaveLength(3);
    expect(served(flags, USERS).size).toBe(USERS.length);
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'complete', percent: 100, nextAt: undefined });
    // Nothing left to wake up for.
    expect(vi.getTimerCount()).toBe(0);
    // Pins served all along.
    expect(served(flags, INTERNAL).size).toBe(INTERNAL.length);
  });

  it('a start further off than a timer can wait is still met', () => {
    const start = START + 40 * 24 * HOUR;
    vi.setSystemTime(START);
    const { flags, changes } = client(staticSource(registry({ start: new Date(start).toISOString() })));
    vi.advanceTimersByTime(30 * 24 * HOUR);
    // The clamped timer fired and found nothing to announce.
    expect(changes).toEqual([]);
    expect(served(flags, USERS).size).toBe(0);
    vi.advanceTimersByTime(10 * 24 * HOUR);
    expect(changes).toEqual([{ flagsChanged: ['inference_model'], origin: 'rollout schedule' }]);
    expect(served(flags, USERS).size).toBeGreaterThan(0);
  });

  it('a when-healthy rollout starts on its own, then waits at its step for a promotion', () => {
    vi.setSystemTime(START - HOUR);
    const { flags, changes } = client(staticSource(registry({ promote: 'when-healthy' })));
    vi.advanceTimersByTime(HOUR);
    expect(changes).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(24 * HOUR);
    expect(changes).toHaveLength(1);
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'live', step: 0, percent: 5 });
  });

  it('a paused rollout holds its step, with no timer', () => {
    vi.setSystemTime(START + 3 * HOUR);
    const { flags, changes } = client(
      staticSource(registry({ state: 'paused', current_step: { step: 1, since: '2026-12-10T10:00:00Z' } })),
    );
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(48 * HOUR);
    expect(changes).toEqual([]);
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'paused', step: 0, percent: 5 });
  });
});

describe('rollBack', () => {
  const split = { condition: { user_segment: 'beta' }, split: { haiku: 50, sonnet: 50 } };

  it('aborts the rollout and moves the split share to the control; pins keep serving', () => {
    vi.setSystemTime(START + 3 * HOUR);
    const { flags, changes } = client(staticSource(registry({}, [split])));
    expect(served(flags, USERS).size).toBeGreaterThan(70);
    expect(served(flags, BETA).size).toBeGreaterThan(70);
    expect(vi.getTimerCount()).toBe(1);

    expect(flags.rollBack('inference_model', 'sonnet')).toBe(true);
    expect(changes).toEqual([{ flagsChanged: ['inference_model'], origin: 'rolled back sonnet' }]);
    expect(served(flags, USERS).size).toBe(0);
    expect(served(flags, BETA, 'haiku').size).toBe(BETA.length);
    expect(served(flags, INTERNAL).size).toBe(INTERNAL.length);
    expect(flags.rollout('inference_model')).toMatchObject([{ ruleIndex: 2, phase: 'aborted', percent: 0 }]);
    expect(flags.detail('inference_model', USERS[0]).rollout).toMatchObject({ phase: 'aborted' });
    // The aborted schedule no longer wakes the client; its next step never comes.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(24 * HOUR);
    expect(changes).toHaveLength(1);
    expect(served(flags, USERS).size).toBe(0);

    expect(flags.rollBack('inference_model', 'sonnet')).toBe(false);
    expect(flags.rollBack('retrieval_top_k', 8)).toBe(false);
    expect(flags.rollBack('nope', 'sonnet')).toBe(false);
  });

  it('to a named control, with the reason given', () => {
    vi.setSystemTime(START + 3 * HOUR);
    const { flags, changes } = client(staticSource(registry({}, [split])));
    expect(flags.rollBack('inference_model', 'sonnet', { control: 'opus', reason: 'guardrail: errors' })).toBe(true);
    expect(changes).toEqual([{ flagsChanged: ['inference_model'], origin: 'guardrail: errors' }]);
    const beta = BETA.map((c) => flags.get('inference_model', c));
    expect(new Set(beta)).toEqual(new Set(['haiku', 'opus']));
  });

  it('a new document ends the edit: the rollout serves again and the schedule resumes', () => {
    vi.setSystemTime(START + 3 * HOUR);
    let sink: SourceSink | undefined;
    const first = JSON.stringify(registry({}, [split]));
    const source: FlagSource = {
      description: 'test source',
      readSync: (): SourceDocument => ({ text: first, origin: 'flags.json' }),
      watch: (s) => {
        sink = s;
        return () => (sink = undefined);
      },
    };
    const { flags, changes } = client(source);
    const before = served(flags, USERS);
    flags.rollBack('inference_model', 'sonnet');
    flags.kill('retrieval_top_k');
    expect(served(flags, USERS).size).toBe(0);
    expect(flags.get('retrieval_top_k', {})).toBe(4);

    // The same registry, reformatted: only the text differs.
    sink!.document({ text: JSON.stringify(registry({}, [split]), null, 2), origin: 'flags.json' });
    expect(changes.at(-1)).toEqual({ flagsChanged: ['inference_model', 'retrieval_top_k'], origin: 'flags.json' });
    expect(served(flags, USERS)).toEqual(before);
    expect(served(flags, BETA).size).toBeGreaterThan(70);
    expect(flags.rollout('inference_model')[0]).toMatchObject({ phase: 'live', step: 1 });
    expect(flags.detail('retrieval_top_k', {}).reason).not.toBe('DISABLED');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(6 * HOUR);
    expect(changes.at(-1)).toEqual({ flagsChanged: ['inference_model'], origin: 'rollout schedule' });
    expect(served(flags, USERS).size).toBe(USERS.length);
  });
});
