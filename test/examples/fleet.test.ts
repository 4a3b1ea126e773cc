import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingPrometheus } from '../../examples/inference-service/fleet/prometheus.js';

const root = join(import.meta.dirname, '..', '..');

// `npm run example:fleet`: four worker processes, a real Prometheus, `modelflags guard` on the shared
// registry file; a regression on every worker is rolled back everywhere within seconds.
describe('the fleet example', () => {
  it('rolls the canary back on all four workers within 10 s of the regression, and leaves nothing running', () => {
    // Fails rather than skips: a CI without Prometheus must not pass this silently.
    const missing = missingPrometheus();
    if (missing !== undefined) throw new Error(missing);
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=modelflags-source', join(root, 'examples/inference-service/fleet/fleet.ts')],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const last =
      /^fleet: 4 workers, rolled back after (\d+) canary requests, all workers serving control (\d+\.\d) s later$/.exec(
        lines.at(-1)!,
      );
    expect(last, output).not.toBeNull();
    const [, canaryRequests, seconds] = last!;
    expect(Number(canaryRequests)).toBeGreaterThan(0);
    // From the injection: the scrape interval, the guard's poll, the evidence and every worker's reload.
    expect(Number(seconds), output).toBeLessThanOrEqual(10);

    expect(run.stdout).toMatch(/healthy for 6 s under the guard: \d+ requests on claude-sonnet-4-6, no decision/);
    expect(run.stdout).toMatch(
      /guard: rolled back claude-sonnet-4-6 of inference_model, written to .*flags\.json: inference_model=claude-sonnet-4-6 error rate/,
    );
    expect(run.stdout).toMatch(/flags\.json now says: rule 3 rollout "state": "aborted"/);
    expect(run.stdout).toMatch(/internal staff on each worker: (claude-opus-4-6, ){3}claude-opus-4-6 \(their pin/);

    // Shut down cleanly: the run's directory is gone and no process names it (workers, guard, Prometheus).
    const dir = /on one registry file, (\S+)\/flags\.json/.exec(run.stdout)![1]!;
    expect(existsSync(dir)).toBe(false);
    const processes = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(processes.split('\n').filter((p) => p.includes(dir))).toEqual([]);
  }, 150_000);
});
