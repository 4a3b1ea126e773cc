/**
 * The report on-call reads: a canary that turns bad half-way, tracked through the real exporter
 * while a real guardrail watches; then `modelflags report` over the file, its time window, its
 * comparison with the control, its annotations, and the page as headless Chromium renders it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardrail, type GuardrailTrip } from '../../../src/runtime/guardrail/guardrail.js';
import { jsonlExporter } from '../../../src/runtime/metrics/jsonl.js';
import { wilsonInterval } from '../../../src/runtime/metrics/statistics.js';
import { parseRegistry } from '../../../src/registry/validate.js';
import {
  buildReport,
  differenceInterval,
  parseMetricsLines,
  parseReportTime,
  renderReportHtml,
  type Report,
} from '../../../src/cli/report/report.js';
import { runCli } from '../../support/cli.js';
import { createSimulation, EXAMPLE_REGISTRY } from '../runtime/guardrail/simulation.js';

const EXAMPLE_FLAGS = new URL('../../../examples/inference-service/flags.json', import.meta.url).pathname;
const registry = parseRegistry(EXAMPLE_REGISTRY, 'flags.json').registry!;

let dir: string;
/** When the canary started failing (the simulation's virtual clock). */
let regression: number;
let liveTrip: GuardrailTrip | undefined;
let liveEValues: Record<string, number>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modelflags-report-html-'));
  const sim = createSimulation(11);
  const exporter = jsonlExporter(join(dir, 'metrics.jsonl'));
  exporter.attach(sim.flags);
  const guardrail = createGuardrail({ flags: sim.flags, flag: 'inference_model' });
  guardrail.on('trip', (t) => (liveTrip = t));
  for (let i = 0; i < 3000; i++) await sim.request();
  regression = sim.now();
  sim.behaviour['claude-sonnet-4-6'] = { errorRate: 0.12, medianLatencyMs: 400 };
  // The trip kills the flag, so afterwards everyone gets the control: the traffic share shows it.
  for (let i = 0; i < 1500; i++) await sim.request();
  liveEValues = guardrail.eValues();
  guardrail.close();
  exporter.close();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (argv: string[]) => runCli(argv, dir);
const records = () => parseMetricsLines(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), 'metrics.jsonl').records;
const row = (report: Report, metric: string, variant: string) =>
  report.flags
    .find((f) => f.flag === 'inference_model')!
    .metrics.find((m) => m.metric === metric)!
    .variants.find((v) => v.variant === variant)!;

describe('modelflags report: what on-call reads', () => {
  it('--json prints JSON and writes no HTML unless --html asks', async () => {
    const plain = await cli(['report', '--registry', EXAMPLE_FLAGS, '--json']);
    expect(plain.code).toBe(0);
    expect((JSON.parse(plain.out) as Report).flags.map((f) => f.flag)).toEqual([
      'inference_model',
      'system_prompt_version',
    ]);
    expect(existsSync(join(dir, 'modelflags-report.html'))).toBe(false);
    const both = await cli(['report', '--registry', EXAMPLE_FLAGS, '--json', '--html', 'asked.html']);
    expect(both.code).toBe(0);
    expect(readFileSync(join(dir, 'asked.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('gives the verdict the live guardrail reached, from the same statistics', () => {
    expect(liveTrip).toBeDefined();
    const report = buildReport(records(), { registry });
    const tripped = report.flags[0]!.metrics.flatMap((m) =>
      m.variants.filter((v) => v.verdict?.tripped).map((v) => ({ metric: m.metric, variant: v.variant, ...v.verdict })),
    );
    expect(tripped).toEqual([
      {
        metric: liveTrip!.metric,
        variant: liveTrip!.variant,
        tripped: true,
        eValue: liveTrip!.evidence.eValue,
        threshold: liveTrip!.threshold,
        at: liveTrip!.at,
      },
    ]);
    // The other checks stopped where the live guardrail stopped, with its e-values.
    expect(row(report, 'latency_ms', 'claude-sonnet-4-6').verdict).toEqual({
      tripped: false,
      eValue: liveEValues['claude-sonnet-4-6/latency_ms'],
      threshold: liveTrip!.threshold,
      stoppedAt: liveTrip!.at,
    });
    expect(report.flags[0]!.annotations.map((a) => a.text)).toEqual([
      expect.stringMatching(/^guardrail trips: claude-sonnet-4-6 error \(e-value \d+ ≥ 80\)$/),
    ]);
  });

  it('shows the canary and the control against each other, with the difference and its interval', () => {
    const report = buildReport(records(), { registry });
    const canary = row(report, 'error', 'claude-sonnet-4-6');
    const control = row(report, 'error', 'claude-3-haiku');
    expect(control.delta).toBeUndefined();
    expect(canary.delta!.estimate).toBeCloseTo(canary.summary.mean.estimate - control.summary.mean.estimate, 12);
    expect(canary.delta!.low).toBeGreaterThan(0);
    // Traffic: sonnet got its 10% until the trip, then nothing.
    const traffic = report.flags[0]!.traffic;
    expect(traffic.map((t) => t.variant)).toEqual(['claude-3-haiku', 'claude-sonnet-4-6']);
    expect(traffic.reduce((s, t) => s + t.share, 0)).toBeCloseTo(1, 12);
    const sonnet = traffic[1]!;
    expect(sonnet.series[0]).toBeGreaterThan(0.04);
    expect(sonnet.series.at(-1)).toBe(0);
  });

  it('reads a time window: the last stretch shows the error rate the whole file hides', async () => {
    const since = new Date(regression).toISOString();
    const whole = JSON.parse((await cli(['report', '--registry', EXAMPLE_FLAGS, '--json'])).out) as Report;
    const { code, out, err } = await cli(['report', '--registry', EXAMPLE_FLAGS, '--json', '--since', since]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const window = JSON.parse(out) as Report;
    expect(window.from).toBe(Date.parse(since));
    expect(window.outside).toBeGreaterThan(0);
    expect(window.records + window.outside).toBe(whole.records);
    const rate = (r: Report) => row(r, 'error', 'claude-sonnet-4-6').summary.mean;
    expect(rate(window).low).toBeGreaterThan(rate(whole).high);
    const until = await cli(['report', '--registry', EXAMPLE_FLAGS, '--json', '--until', since]);
    expect((JSON.parse(until.out) as Report).records).toBe(window.outside);
  });

  it('takes --since as a duration back from now, and says what it accepts', async () => {
    const now = Date.UTC(2026, 11, 5, 3);
    expect(parseReportTime('90m', '--since', now)).toBe(now - 90 * 60_000);
    expect(parseReportTime('1h', '--since', now)).toBe(now - 3_600_000);
    expect(parseReportTime('7d', '--since', now)).toBe(now - 7 * 86_400_000);
    expect(parseReportTime('2026-12-05T01:00:00Z', '--since', now)).toBe(Date.UTC(2026, 11, 5, 1));
    const bad = await cli(['report', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      'modelflags: --since "yesterday": expected an ISO time like 2026-12-05T01:00:00Z or a duration back from now like 30m, 1h or 7d\n',
    );
    // The example file is from January 2026: nothing in the last hour, and the report says why.
    const empty = await cli(['report', '--since', '1h', '--html', 'empty.html']);
    expect(empty.code).toBe(0);
    expect(empty.out).toMatch(/^no outcomes in the window: all \d+ records are outside it; widen --since\/--until$/m);
  });

  it('draws annotations from a file on every chart of their flag, and names bad lines', async () => {
    const rollout = regression - 60_000;
    writeFileSync(
      join(dir, 'changes.jsonl'),
      [
        JSON.stringify({
          at: new Date(rollout).toISOString(),
          text: 'sonnet prompt v2 deployed',
          flag: 'inference_model',
        }),
        JSON.stringify({ at: rollout + 1000, text: 'provider incident opened' }),
        '{"at":"soon","text":"x"}',
        '',
      ].join('\n'),
    );
    const { code, err } = await cli([
      'report',
      '--registry',
      EXAMPLE_FLAGS,
      '--annotations',
      'changes.jsonl',
      '--html',
      'annotated.html',
    ]);
    expect(code).toBe(0);
    expect(err).toBe(
      'changes.jsonl:3:1: "at" is "soon", not a time; expected {"at": <ms since 1970 or ISO time>, "text": string, "flag"?: string}; the line was skipped\n',
    );
    const html = readFileSync(join(dir, 'annotated.html'), 'utf8');
    const section = (flag: string) =>
      html.slice(
        html.indexOf(`<section data-flag="${flag}">`),
        html.indexOf('</section>', html.indexOf(`<section data-flag="${flag}">`)),
      );
    const model = section('inference_model');
    const charts = model.match(/<svg [^>]*>[\s\S]*?<\/svg>/g)!;
    // Its own change, the shared incident and the guardrail's trip, on every chart.
    for (const chart of charts) expect(chart.match(/<line [^>]*class="annotation"/g)).toHaveLength(3);
    expect(model).toContain('sonnet prompt v2 deployed');
    expect(model).toContain('guardrail trips: claude-sonnet-4-6 error');
    const prompt = section('system_prompt_version');
    expect(prompt).toContain('provider incident opened');
    expect(prompt).not.toContain('sonnet prompt v2 deployed');
  });

  it('puts every variant of a flag on one chart per metric', () => {
    const html = renderReportHtml(buildReport(records(), { registry }));
    const charts = [...html.matchAll(/<svg [^>]*data-flag="([^"]+)" data-metric="([^"]+)">([\s\S]*?)<\/svg>/g)].map(
      (m) => ({
        flag: m[1]!,
        metric: m[2]!,
        variants: [...new Set([...m[3]!.matchAll(/<path [^>]*data-variant="([^"]+)"/g)].map((p) => p[1]!))],
      }),
    );
    const model = charts.filter((c) => c.flag === 'inference_model');
    expect(model.map((c) => c.metric)).toEqual([
      'latency_ms',
      'error',
      'timeout',
      'rate_limited',
      'malformed_response',
      'tokens',
      'traffic',
    ]);
    for (const c of model) expect(c.variants, c.metric).toEqual(['claude-3-haiku', 'claude-sonnet-4-6']);
  });
});

// ---------------------------------------------------------------------------------------------
// The page in a browser

/** Headless Chromium that cannot reach the network: every host resolves to nothing, every request goes to a dead proxy. */
function chromium(args: string[]): { code: number; stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'modelflags-chromium-'));
  try {
    const r = spawnSync(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-default-apps',
        '--disable-extensions',
        '--proxy-server=127.0.0.1:9',
        '--host-resolver-rules=MAP * ~NOTFOUND',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.error)
      throw new Error(
        `chromium did not run (${r.error.message}); install the Debian package: apt-get install -y chromium`,
      );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** RGBA pixels of an 8-bit RGBA or RGB, non-interlaced PNG (what Chromium's screenshots are). */
function decodePng(png: Buffer): {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number];
} {
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString();
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([body[8], body[12]]).toEqual([8, 0]);
      channels = body[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? out[y * stride + x - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      out[y * stride + x] = (v + [0, a, b, (a + b) >> 1, paeth][filter]!) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => [
      out[y * stride + x * channels]!,
      out[y * stride + x * channels + 1]!,
      out[y * stride + x * channels + 2]!,
    ],
  };
}

describe('the report page in headless Chromium', () => {
  let page: string;
  beforeAll(async () => {
    expect(
      (await cli(['report', '--registry', EXAMPLE_FLAGS, '--flag', 'inference_model', '--html', 'browser.html'])).code,
    ).toBe(0);
    page = join(dir, 'browser.html');
  });

  it('parses into one chart per flag and metric, both series on each, and the verdict', { timeout: 180_000 }, () => {
    const { code, stdout } = chromium(['--dump-dom', `file://${page}`]);
    expect(code).toBe(0);
    const svgs = [...stdout.matchAll(/<svg [^>]*data-metric="([^"]+)"[^>]*>([\s\S]*?)<\/svg>/g)];
    expect(svgs.map((m) => m[1])).toEqual([
      'latency_ms',
      'error',
      'timeout',
      'rate_limited',
      'malformed_response',
      'tokens',
      'traffic',
    ]);
    for (const [, metric, inner] of svgs) {
      const variants = new Set([...inner!.matchAll(/<path [^>]*data-variant="([^"]+)"/g)].map((p) => p[1]));
      expect([...variants], metric).toEqual(['claude-3-haiku', 'claude-sonnet-4-6']);
    }
    expect(stdout).toMatch(/<td class="verdict tripped">TRIPS at \d\d:\d\d:\d\d UTC \(e-value \d+ ≥ 80\)<\/td>/);
  });

  it('draws the control and the canary in their colours', { timeout: 180_000 }, () => {
    const shot = join(dir, 'report.png');
    const { code } = chromium([
      '--screenshot=' + shot,
      '--window-size=1400,2000',
      '--hide-scrollbars',
      `file://${page}`,
    ]);
    expect(code).toBe(0);
    const png = decodePng(readFileSync(shot));
    expect([png.width, png.height]).toEqual([1400, 2000]);
    const counts = new Map<string, number>();
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const key = png
          .pixel(x, y)
          .map((c) => c.toString(16).padStart(2, '0'))
          .join('');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    // Lines two pixels wide over several charts: thousands of pixels each; a key square alone is 100.
    expect(counts.get('2d3748') ?? 0, 'control lines').toBeGreaterThan(2000);
    expect(counts.get('c53030') ?? 0, 'canary lines').toBeGreaterThan(2000);
  });
});

describe('differenceInterval', () => {
  it('contains the difference and stays within the possible differences of two rates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, m, p, q) => {
          const d = differenceInterval(
            wilsonInterval(Math.round(p * n), n, 0.95),
            wilsonInterval(Math.round(q * m), m, 0.95),
          );
          expect(d.low).toBeLessThanOrEqual(d.estimate);
          expect(d.high).toBeGreaterThanOrEqual(d.estimate);
          expect(d.low).toBeGreaterThanOrEqual(-1 - 1e-12);
          expect(d.high).toBeLessThanOrEqual(1 + 1e-12);
        },
      ),
    );
  });
});
