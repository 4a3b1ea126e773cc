import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

// The README's first command runs this demo; it must keep showing a live flag change.
describe('the quick-start demo', () => {
  it('serves the rolled-out model after editing flags.json, without a restart', () => {
    const run = spawnSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(root, 'examples', 'inference-service', 'demo.ts')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const [before, after] = run.stdout.split(/^Edited flags\.json.*$/m);
    expect(before).toMatch(/dave\s+model=claude-3-haiku/);
    expect(after).toMatch(/dave\s+model=claude-sonnet-4-6/);
    expect(after).toMatch(/alice segment=internal\s+model=claude-opus-4-6/);
    expect(after).toMatch(/carol customer=acme\s+model=claude-3-haiku/);
  }, 90_000);
});
