/**
 * The parts of `modelflags guard` that need no Prometheus: counters to increases (baseline,
 * resets, workers coming and going), the order outcomes are fed in, the query, and the command's
 * refusals and `--once` against a loopback stand-in for the query API.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersQuery } from '../../../src/cli/guard/prometheus.js';
import { CounterTracker, shuffledOutcomes } from '../../../src/cli/guard/samples.js';
import { closeServer } from '../../support/loopback.js';
import { freePort } from '../../support/prometheus.js';
import { seededRandom } from '../../support/random.js';
import { runInProcess } from './support.js';

const series = (instance: string, name: string, variant: string, value: number) => ({
  labels: {
    __name__: name,
    instance,
    job: 'workers',
    feature_flag_key: 'm',
    feature_flag_result_variant: variant,
    modelflags_metric: 'error',
  },
  value,
});
const S = 'modelflags_samples_total';
const B = 'modelflags_bad_samples_total';

describe('CounterTracker', () => {
  it('takes a baseline, then sums increases over workers, counting a reset from the new value', () => {
    const t = new CounterTracker();
    expect(t.observe([series('a', S, 'x', 100), series('a', B, 'x', 4), series('b', S, 'x', 50)], 0)).toEqual([]);
    expect(t.started).toBe(true);
    expect(
      t.observe([series('a', S, 'x', 130), series('a', B, 'x', 6), series('b', S, 'x', 3), series('b', B, 'x', 1)], 1),
    ).toEqual([{ variant: 'x', metric: 'error', samples: 30 + 3 + 0, bad: 2 + 1 }]);
    // b missing (a failed scrape): nothing counted for it, and nothing twice when it is back.
    expect(t.observe([series('a', S, 'x', 140), series('a', B, 'x', 6)], 2)).toEqual([
      { variant: 'x', metric: 'error', samples: 10, bad: 0 },
    ]);
    expect(t.observe([series('a', S, 'x', 140), series('b', S, 'x', 8), series('b', B, 'x', 1)], 3)).toEqual([
      { variant: 'x', metric: 'error', samples: 5, bad: 0 },
    ]);
    // A worker that starts after the baseline: all of its count is new.
    expect(t.observe([series('c', S, 'y', 12), series('c', B, 'y', 2)], 4)).toEqual([
      { variant: 'y', metric: 'error', samples: 12, bad: 2 },
    ]);
  });

  it('keeps bad outcomes scraped ahead of their samples for one poll', () => {
    const t = new CounterTracker();
    t.observe([series('a', S, 'x', 10), series('a', B, 'x', 0)], 0);
    expect(t.observe([series('a', S, 'x', 11), series('a', B, 'x', 2)], 1)).toEqual([
      { variant: 'x', metric: 'error', samples: 1, bad: 1 },
    ]);
    expect(t.observe([series('a', S, 'x', 12), series('a', B, 'x', 2)], 2)).toEqual([
      { variant: 'x', metric: 'error', samples: 1, bad: 1 },
    ]);
  });
});

describe('shuffledOutcomes', () => {
  it('keeps every count and puts each arm and each bad outcome anywhere with equal chance', () => {
    const random = seededRandom(7);
    const increases = [
      { variant: 'x', metric: 'error', samples: 3, bad: 1 },
      { variant: 'y', metric: 'error', samples: 1, bad: 0 },
    ];
    const firstBad = [0, 0, 0, 0];
    const firstY = [0, 0, 0, 0];
    const runs = 20_000;
    for (let r = 0; r < runs; r++) {
      const out = shuffledOutcomes(increases, random);
      if (r === 0) {
        expect(out.filter((o) => o.variant === 'x')).toHaveLength(3);
        expect(out.filter((o) => o.bad)).toEqual([{ variant: 'x', metric: 'error', bad: true }]);
      }
      firstBad[out.findIndex((o) => o.bad)]!++;
      firstY[out.findIndex((o) => o.variant === 'y')]!++;
    }
    for (const counts of [firstBad, firstY])
      for (const c of counts) expect(Math.abs(c / runs - 0.25)).toBeLessThan(0.015);
  });
});

describe('countersQuery', () => {
  it('asks for both counters of the checked metrics, one series per worker, with labels and names escaped', () => {
    expect(countersQuery('inference_model', ['error', 'time.out'])).toBe(
      '{__name__=~"modelflags_samples_total|modelflags_bad_samples_total",feature_flag_key="inference_model",modelflags_metric=~"error|time\\\\.out"}',
    );
  });
});

describe('modelflags guard (command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-guard-cmd-'));
  let server: Server;
  let url = '';
  const answers: unknown[] = [];
  beforeAll(async () => {
    writeFileSync(
      join(dir, 'flags.json'),
      JSON.stringify({
        flags: [
          {
            flag: 'm',
            variants: ['a', 'b'],
            default: 'a',
            rules: [{ condition: { rollout_percentage: 50 }, value: 'b' }],
          },
        ],
      }),
    );
    server = createServer((req, res) => {
      const answer = answers.shift() ?? { status: 'success', data: { resultType: 'vector', result: [] } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a value check, naming what it checks instead', async () => {
    const result = await runInProcess(['guard', 'm', '--prometheus', url, '--check', 'latency_ms:20%'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^modelflags: --check latency_ms:20%: latency_ms is a value metric; the guard checks rates only/,
    );
  });

  it.each([
    [['m'], '--prometheus <url> is required'],
    [['m', '--prometheus', 'nope'], '--prometheus must be a URL'],
    [['m', '--prometheus', 'http://x', '--check', 'error'], '--check must be <metric>:<margin>'],
    [['m', '--prometheus', 'http://x', '--interval', 'soon'], '--interval must be a duration'],
    [['m', '--prometheus', 'http://x', '--registry', 'f.json', '--appconfig', 'a/e/p'], 'not both'],
    [
      ['m', '--prometheus', 'http://x', '--appconfig', 'a/e'],
      '--appconfig must be <application>/<environment>/<profile>',
    ],
    [['nope', '--prometheus', 'http://x', '--once'], 'flags.json: no flag "nope"'],
  ])('modelflags guard %j: exit 2, %s', async (args, message) => {
    const result = await runInProcess(['guard', ...args], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('--once takes the baseline, feeds the next poll, rolls back and exits 1', async () => {
    const vector = (a: number, aBad: number, b: number, bBad: number) => ({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: series('w', S, 'a', 0).labels, value: [0, String(a)] },
          { metric: series('w', B, 'a', 0).labels, value: [0, String(aBad)] },
          { metric: series('w', S, 'b', 0).labels, value: [0, String(b)] },
          { metric: series('w', B, 'b', 0).labels, value: [0, String(bBad)] },
        ],
      },
    });
    const before = readFileSync(join(dir, 'flags.json'), 'utf8');
    answers.push(vector(1000, 10, 1000, 10), vector(1500, 15, 1500, 300));
    const result = await runInProcess(['guard', 'm', '--prometheus', url, '--interval', '50ms', '--once'], dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^guard: rolled back b of m, written to flags\.json: m=b error rate /);
    expect(result.code).toBe(1);
    expect(readFileSync(join(dir, 'flags.json'), 'utf8')).toBe(
      before.replace('"rollout_percentage":50', '"rollout_percentage":0'),
    );
  });

  it('--once with Prometheus not answering: the alert, no decision, exit 1', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await runInProcess(['guard', 'm', '--prometheus', closed, '--once'], dir);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        new RegExp(`^guard: cannot query Prometheus at ${closed}: ECONNREFUSED: .*; no decision until it answers\n$`),
      ) as string,
    });
  });
});
