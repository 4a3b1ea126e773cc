/**
 * The kill soak of bench/codemod/kill-soak.ts, small: 200 files, SIGKILLed with every file staged
 * and no journal, halfway through the renames, and after the registry's rename; each time the
 * same command finishes the job.
 */
import { describe, expect, it } from 'vitest';
import { runKillSoak } from '../../bench/codemod/kill-soak.js';

describe('remove-flag killed during its write phase', () => {
  it('200 files, 3 kill points: the rerun exits 0 and leaves the tree an uninterrupted run leaves, with no leftovers', async () => {
    const { renames, points } = await runKillSoak(200, 3);
    expect(renames).toBe(21);
    expect(points.map((p) => p.pauseAt)).toEqual([-1, 11, 21]);
    expect(points.map((p) => p.writtenAtKill)).toEqual([0, 11, 21]);
    for (const p of points) expect(p).toMatchObject({ rerunExitCode: 0, finalState: 'reference', leftoversAfter: 0 });
  }, 180_000);
});
