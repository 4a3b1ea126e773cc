import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

// `npm run example:rollout`: a schedule that promotes when healthy and rolls back only the canary when not.
describe('the rollout demo', () => {
  it('reaches 100% when healthy, and rolls back only the canary when it regresses at 25%', () => {
    const run = spawnSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(root, 'examples', 'inference-service', 'rollout-demo.ts')],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const [healthy, regressed] = run.stdout.split(/^Run 2:.*$/m);
    expect(healthy).toMatch(/step 1 of 3 \(5%\)/);
    expect(healthy).toMatch(/step 2 of 3 \(25%\)/);
    expect(healthy).toMatch(/complete: step 3 of 3 \(100%\)/);
    expect(healthy).toMatch(/promoted to 100%; no rollback/);
    expect(regressed).toMatch(/injected: claude-sonnet-4-6 now fails 8%/);
    expect(regressed).toMatch(
      /guardrail rolled claude-sonnet-4-6 back after \d+ canary requests since the regression \(roll-back\)/,
    );
    expect(regressed).toMatch(
      /error rate [\d.]+% vs [\d.]+% on claude-3-haiku, worse by more than the 1.00% allowed \(e-value/,
    );
    expect(regressed).toMatch(/flags\.json now says: rule 3 rollout "state": "aborted"/);
    expect(regressed).toMatch(
      /staff-1 \(internal\) -> claude-opus-4-6, acme -> claude-3-haiku, general users on claude-sonnet-4-6: 0 of 2000/,
    );
    expect(regressed).not.toMatch(/complete: step 3 of 3/);
  }, 120_000);
});
