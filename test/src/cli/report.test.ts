import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonlExporter } from '../../../src/runtime/metrics/jsonl.js';
import { buildReport, parseMetricsLines } from '../../../src/cli/report/report.js';
import { createSimulation } from '../runtime/guardrail/simulation.js';
import { runCli } from '../../support/cli.js';

const EXAMPLE_FLAGS = new URL('../../../examples/inference-service/flags.json', import.meta.url).pathname;

let dir: string;
let metricsFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-report-'));
  metricsFile = join(dir, 'metrics.jsonl');
  const sim = createSimulation(5);
  sim.behaviour['claude-sonnet-4-6'] = { errorRate: 0.05, medianLatencyMs: 700 };
  const exporter = jsonlExporter(metricsFile);
  exporter.attach(sim.flags);
  for (let i = 0; i < 4000; i++) await sim.request();
  exporter.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (argv: string[]) => runCli(argv, dir);

describe('modelflags report', () => {
  it('prints per-variant metrics with confidence intervals and marks the control', async () => {
    const { code, out, err } = await cli([
      'report',
      '--metrics',
      'metrics.jsonl',
      '--registry',
      EXAMPLE_FLAGS,
      '--flag',
      'inference_model',
      '--html',
      'r.html',
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^inference_model \(control: claude-3-haiku\)$/m);
    expect(out).not.toMatch(/^system_prompt_version/m);
    // latency: mean [low, high] then percentiles with intervals; rates in percent.
    expect(out).toMatch(
      /^ {2}claude-3-haiku \* +latency_ms +\d+ +\d+ \[\d+, \d+\] +\d+ \[\d+, \d+\] +\d+ \[\d+, \d+\] +\d+ \[\d+, \d+\]$/m,
    );
    // The canary: its rate, the difference from the control in points, and the replayed guardrail's verdict.
    expect(out).toMatch(
      /^ {2}claude-sonnet-4-6 +error +\d+ +\d+\.\d\d% \[\d+\.\d\d%, \d+\.\d\d%\] +\+\d+\.\d\d \[\+\d+\.\d\d, \+\d+\.\d\d\] pp +(TRIPS at|no trip)/m,
    );
    expect(out).toMatch(/^ {2}traffic: claude-3-haiku \d+\.\d% \(\d+\), claude-sonnet-4-6 \d+\.\d% \(\d+\)$/m);
    expect(out).toContain('wrote r.html');
  });

  it('finds the slower, failing canary in the numbers', () => {
    const { records, problems } = parseMetricsLines(readFileSync(metricsFile, 'utf8'), 'metrics.jsonl');
    expect(problems).toEqual([]);
    const report = buildReport(records, { flags: ['inference_model'] });
    const summary = (metric: string, variant: string) =>
      report.flags[0]!.metrics.find((m) => m.metric === metric)!.variants.find((v) => v.variant === variant)!.summary;
    const latency = (v: string) => summary('latency_ms', v);
    const errors = (v: string) => summary('error', v);
    const [haiku, sonnet] = ['claude-3-haiku', 'claude-sonnet-4-6'];
    expect(latency(sonnet).p50!.low).toBeGreaterThan(latency(haiku).p50!.high);
    expect(errors(sonnet).mean.low).toBeGreaterThan(errors(haiku).mean.high);
    expect(errors(haiku).mean.low).toBeLessThan(0.01);
    expect(errors(haiku).mean.high).toBeGreaterThan(0.01);
  });

  it('writes a self-contained HTML page with one chart per flag and metric', async () => {
    await cli(['report', '--metrics', 'metrics.jsonl', '--registry', EXAMPLE_FLAGS, '--html', 'page.html']);
    const html = readFileSync(join(dir, 'page.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Nothing loaded from elsewhere: no scripts, stylesheets, images or links.
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|\bhref=|url\(/i);
    // Two flags, six metrics each, plus each flag's traffic share.
    const svgs = html.match(/<svg /g) ?? [];
    expect(svgs).toHaveLength(2 * (6 + 1));
    expect(html.match(/<\/svg>/g)).toHaveLength(svgs.length);
    expect(html).toContain('aria-label="latency_ms (ms)"');
    expect(html).toContain('aria-label="error rate (95% band)"');
    expect(html).toMatch(/<polygon points="[\d., ]+" class="band" fill="#c53030" data-variant="claude-sonnet-4-6"\/>/);
    expect(html).toMatch(
      /<path d="M[\d.,MLh]+" fill="none" stroke="#c53030" stroke-width="2" data-variant="claude-sonnet-4-6">/,
    );
  });

  it('skips bad lines and names them by file and line', async () => {
    writeFileSync(
      join(dir, 'bad.jsonl'),
      `${readFileSync(metricsFile, 'utf8').split('\n').slice(0, 3).join('\n')}\n{"at":1,"metric":"error"}\n{"at":2,"met`,
    );
    const { code, err } = await cli(['report', '--metrics', 'bad.jsonl', '--html', 'bad.html']);
    expect(code).toBe(0);
    expect(err).toBe(
      'bad.jsonl:4:1: expected {"at": number, "metric": string, "value": number, "variants": {flag: variant}}; the line was skipped\n' +
        'bad.jsonl:5:1: the last line is cut off (the writer stopped mid-line); it was skipped\n',
    );
  });

  it('says how to produce a metrics file when there is none', async () => {
    const { code, err } = await cli(['report', '--metrics', 'missing.jsonl']);
    expect(code).toBe(2);
    expect(err).toContain(
      "missing.jsonl: no metrics file here. Attach jsonlExporter('missing.jsonl') to the flags client",
    );
  });
});
