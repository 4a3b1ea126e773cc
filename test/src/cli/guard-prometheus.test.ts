/**
 * `modelflags guard` against a real Prometheus scraping four worker endpoints every second: it
 * rolls back a canary whose error rate rises on every worker (the registry file written, byte for
 * byte as expected), makes no decision over a healthy A/A run with a worker restarting, decides
 * nothing while Prometheus is down and resumes when it is back, and counts a counter reset from
 * the new value.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelflagsCli } from '../../../src/cli/main.js';
import { countersQuery, queryPrometheus } from '../../../src/cli/guard/prometheus.js';
import { CounterTracker } from '../../../src/cli/guard/samples.js';
import { CounterEndpoint, TestPrometheus } from '../../support/prometheus.js';
import { seededRandom } from '../../support/random.js';

const CONTROL = 'claude-3-haiku';
const CANARY = 'claude-sonnet-4-6';

const registryText = (flag: string): string => `{
  "flags": [
    {
      "flag": "${flag}",
      "owner": "ml-platform",
      "cleanup_by": "2099-01-31",
      "variants": ["${CONTROL}", "${CANARY}"],
      "default": "${CONTROL}",
      "rules": [
        { "condition": { "user_segment": "internal" }, "value": "${CANARY}" },
        { "condition": { "rollout_percentage": 20 }, "value": "${CANARY}" }
      ]
    }
  ]
}
`;

const endpoints = Array.from({ length: 4 }, () => new CounterEndpoint());
let prometheus: TestPrometheus;
const dir = mkdtempSync(join(tmpdir(), 'modelflags-guard-'));

beforeAll(async () => {
  for (const e of endpoints) await e.start();
  prometheus = new TestPrometheus({ targets: endpoints.map((e) => e.target) });
  await prometheus.start();
  await prometheus.targetsUp();
}, 60_000);

afterAll(async () => {
  await prometheus?.close();
  for (const e of endpoints) await e.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Requests on every worker, 10 per worker every 100 ms, 20% to the canary (as the registry's
 * rollout says); each bad with its arm's probability, from a seeded generator.
 */
function traffic(flag: string, seed: number): { rates: { control: number; canary: number }; stop: () => void } {
  const random = seededRandom(seed);
  const rates = { control: 0.01, canary: 0.01 };
  const timer = setInterval(() => {
    for (const e of endpoints) {
      const n: Record<string, number> = { [CONTROL]: 0, [CANARY]: 0 };
      const bad: Record<string, number> = { [CONTROL]: 0, [CANARY]: 0 };
      for (let i = 0; i < 10; i++) {
        const variant = random() < 0.2 ? CANARY : CONTROL;
        n[variant]!++;
        if (random() < (variant === CANARY ? rates.canary : rates.control)) bad[variant]!++;
      }
      for (const v of [CONTROL, CANARY]) e.add(flag, v, 'error', n[v]!, bad[v]!);
    }
  }, 100);
  return { rates, stop: () => clearInterval(timer) };
}

interface RunningGuard {
  out: string[];
  err: string[];
  done: Promise<number>;
  stop: () => Promise<number>;
}

function startGuard(flag: string, extra: string[] = []): RunningGuard {
  const controller = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const done = runModelflagsCli(
    ['guard', flag, '--prometheus', prometheus.url, '--registry', `${flag}.json`, '--interval', '1s', ...extra],
    { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir, signal: controller.signal },
  );
  return {
    out,
    err,
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('modelflags guard on a real Prometheus', () => {
  it('rolls back a canary whose error rate rises on every worker, writing the registry file', async () => {
    const flag = 'canary_model';
    const file = join(dir, `${flag}.json`);
    const original = registryText(flag);
    writeFileSync(file, original);
    const load = traffic(flag, 1);
    const guard = startGuard(flag);
    try {
      // Healthy for a while: one worker restarts meanwhile.
      await sleep(3000);
      endpoints[2]!.reset(flag);
      await sleep(2000);
      expect(readFileSync(file, 'utf8')).toBe(original);

      load.rates.canary = 0.3;
      const regressed = Date.now();
      await until('the rollback in the file', () => readFileSync(file, 'utf8') !== original);
      const latency = Date.now() - regressed;
      console.info(`guard: regression to file written in ${latency} ms (scrape interval 1 s, --interval 1s)`);

      expect(readFileSync(file, 'utf8')).toBe(
        original.replace('"rollout_percentage": 20 }', '"rollout_percentage": 0 }'),
      );
      expect(guard.out).toHaveLength(1);
      expect(guard.out[0]).toMatch(
        new RegExp(
          `^guard: rolled back ${CANARY} of ${flag}, written to ${flag}\\.json: ${flag}=${CANARY} error rate \\d+\\.\\d\\d% vs \\d+\\.\\d\\d% on ${CONTROL}, worse by more than the 1\\.00% allowed \\(e-value .* >= 20\\.0 after \\d+ compared samples, n=\\d+/\\d+\\)$`,
        ),
      );
      expect(latency).toBeLessThan(15_000);
    } finally {
      load.stop();
      expect(await guard.stop()).toBe(0);
    }
    expect(guard.err).toEqual([]);
  }, 60_000);

  it('decides nothing over a healthy A/A run, with a worker restarting', async () => {
    const flag = 'aa_model';
    const file = join(dir, `${flag}.json`);
    const original = registryText(flag);
    writeFileSync(file, original);
    const load = traffic(flag, 2);
    load.rates.control = load.rates.canary = 0.05;
    // alpha 0.01: a valid test still trips an A/A run with probability up to alpha, and CI must not flake.
    const guard = startGuard(flag, ['--alpha', '0.01']);
    try {
      await sleep(6000);
      endpoints[1]!.reset(flag);
      await sleep(6000);
    } finally {
      load.stop();
      expect(await guard.stop()).toBe(0);
    }
    expect(guard.out).toEqual([]);
    expect(guard.err).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(original);
  }, 60_000);

  it('counts a counter reset on one worker from the new value, as increase() does', async () => {
    const flag = 'reset_model';
    const query = countersQuery(flag, ['error']);
    const total = async (): Promise<number[]> =>
      (await prometheus.query(`modelflags_samples_total{feature_flag_key="${flag}"}`))
        .map((r) => Number(r.value[1]))
        .sort((a, b) => a - b);
    for (const e of endpoints) e.add(flag, CONTROL, 'error', 100, 5);
    const deadline = Date.now() + 20_000;
    while (JSON.stringify(await total()) !== JSON.stringify([100, 100, 100, 100])) {
      if (Date.now() > deadline) throw new Error(`Prometheus has ${JSON.stringify(await total())}`);
      await sleep(100);
    }
    const tracker = new CounterTracker();
    expect(tracker.observe(await queryPrometheus(prometheus.url, query, 5000), Date.now())).toEqual([]);

    endpoints[0]!.add(flag, CONTROL, 'error', 10, 1);
    endpoints[1]!.reset(flag); // restarted: counts from 0 again
    endpoints[1]!.add(flag, CONTROL, 'error', 7, 2);
    while (JSON.stringify(await total()) !== JSON.stringify([7, 100, 100, 110])) {
      if (Date.now() > deadline) throw new Error(`Prometheus has ${JSON.stringify(await total())}`);
      await sleep(100);
    }
    expect(tracker.observe(await queryPrometheus(prometheus.url, query, 5000), Date.now())).toEqual([
      { variant: CONTROL, metric: 'error', samples: 17, bad: 3 },
    ]);
  }, 60_000);

  it('decides nothing while Prometheus is down, says so once, and decides when it is back', async () => {
    const flag = 'outage_model';
    const file = join(dir, `${flag}.json`);
    const original = registryText(flag);
    writeFileSync(file, original);
    const load = traffic(flag, 3);
    const guard = startGuard(flag);
    try {
      await sleep(3000);
      await prometheus.stop();
      await until('the alert', () => guard.err.length > 0);
      expect(guard.err).toEqual([
        expect.stringMatching(
          new RegExp(
            `^guard: cannot query Prometheus at ${prometheus.url.replace(/\./g, '\\.')}: .+; no decision until it answers$`,
          ),
        ),
      ]);
      // The canary regresses while nobody can see it.
      load.rates.canary = 0.3;
      await sleep(5000);
      expect(guard.err).toHaveLength(1);
      expect(guard.out).toEqual([]);
      expect(readFileSync(file, 'utf8')).toBe(original);

      await prometheus.start();
      await until('the rollback in the file', () => readFileSync(file, 'utf8') !== original);
      expect(guard.err).toEqual([
        expect.stringMatching(/^guard: cannot query Prometheus/),
        expect.stringMatching(
          /^guard: Prometheus at \S+ answers again after \d+ s; what the fleet counted meanwhile is fed now$/,
        ),
      ]);
      expect(guard.out).toEqual([
        expect.stringMatching(new RegExp(`^guard: rolled back ${CANARY} of ${flag}, written to`)),
      ]);
      expect(readFileSync(file, 'utf8')).toBe(
        original.replace('"rollout_percentage": 20 }', '"rollout_percentage": 0 }'),
      );
    } finally {
      load.stop();
      await guard.stop();
    }
  }, 90_000);
});
