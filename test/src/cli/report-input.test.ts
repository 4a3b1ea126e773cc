/** `modelflags report` on lines that parse as JSON but that no report can use: skipped, named, never a crash. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-report-input-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = (at: number) =>
  JSON.stringify({ at, metric: 'latency_ms', value: 120, variants: { inference_model: 'a' } });

describe('modelflags report on odd lines', () => {
  it('skips numeric and object variants, out-of-range times and overflowing values as file:line problems', async () => {
    const lines = [
      good(1_700_000_000_000),
      '{"at":1700000000001,"metric":"latency_ms","value":5,"variants":{"inference_model":3}}',
      '{"at":1700000000002,"metric":"latency_ms","value":5,"variants":{"inference_model":{"model":"x"}}}',
      '{"at":1e300,"metric":"latency_ms","value":5,"variants":{"inference_model":"a"}}',
      '{"at":-8.7e15,"metric":"latency_ms","value":5,"variants":{"inference_model":"a"}}',
      '{"at":1700000000003,"metric":"latency_ms","value":1e999,"variants":{"inference_model":"a"}}',
      '{"at":1700000000004,"metric":"latency_ms","value":5,"variants":["a"]}',
      good(1_700_000_060_000),
    ];
    writeFileSync(join(dir, 'odd.jsonl'), `${lines.join('\n')}\n`);
    const { code, out, err } = await runCli(['report', '--metrics', 'odd.jsonl', '--html', 'odd.html'], dir);
    expect(err.split('\n').filter(Boolean)).toEqual([
      'odd.jsonl:2:1: the variant of "inference_model" is 3; variants are written as strings, like "claude-3-haiku" or "3"; the line was skipped',
      'odd.jsonl:3:1: the variant of "inference_model" is {"model":"x"}; variants are written as strings, like "claude-3-haiku" or "3"; the line was skipped',
      'odd.jsonl:4:1: "at" is 1e+300, outside the dates a timestamp can hold (milliseconds since 1970, at most 8640000000000000 either side); the line was skipped',
      'odd.jsonl:5:1: "at" is -8700000000000000, outside the dates a timestamp can hold (milliseconds since 1970, at most 8640000000000000 either side); the line was skipped',
      'odd.jsonl:6:1: "value" is too large to be a number (Infinity); the line was skipped',
      'odd.jsonl:7:1: expected {"at": number, "metric": string, "value": number, "variants": {flag: variant}}; the line was skipped',
    ]);
    expect(code).toBe(0);
    // The two good lines make the report.
    expect(out).toMatch(/^2 outcomes from 2023-11-14T22:13:20\.000Z to 2023-11-14T22:14:20\.000Z/);
    expect(out).toMatch(/^ {2}a +latency_ms +2 /m);
    expect(existsSync(join(dir, 'odd.html'))).toBe(true);
  });
});
