/**
 * `modelflags report`: per-variant outcome metrics with confidence intervals, from the JSON lines
 * that {@link jsonlExporter} appends, as a text table and as a self-contained HTML page (inline
 * SVG charts, no scripts, no external assets, so it can be attached to an incident or a PR).
 */
import { metricDefinition, summarizeSamples, wilsonInterval, quantileSorted, type MetricDefinition, type MetricSummary } from './metrics.js';
import type { Registry } from './registry.js';

/** One line of a metrics file. */
export interface MetricRecord {
  at: number;
  metric: string;
  value: number;
  variants: Record<string, string>;
}

export interface ParseProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Parses a metrics file; bad lines are returned as problems (with file:line) and skipped. */
export function parseMetricsLines(text: string, file: string): { records: MetricRecord[]; problems: ParseProblem[] } {
  const records: MetricRecord[] = [];
  const problems: ParseProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const truncated = i === lines.length - 1 || (i === lines.length - 2 && lines[i + 1] === '');
      problems.push({
        file,
        line: i + 1,
        column: 1,
        message: truncated
          ? 'the last line is cut off (the writer stopped mid-line); it was skipped'
          : `not JSON (${(error as Error).message}); each line must be one object written by jsonlExporter; the line was skipped`,
      });
      continue;
    }
    const r = value as Partial<MetricRecord> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.metric !== 'string' ||
      typeof r.value !== 'number' ||
      typeof r.at !== 'number' ||
      typeof r.variants !== 'object' ||
      r.variants === null ||
      Array.isArray(r.variants)
    ) {
      problems.push({ file, line: i + 1, column: 1, message: 'expected {"at": number, "metric": string, "value": number, "variants": {flag: variant}}; the line was skipped' });
      continue;
    }
    const wrong = recordProblem(r as MetricRecord);
    if (wrong) {
      problems.push({ file, line: i + 1, column: 1, message: `${wrong}; the line was skipped` });
      continue;
    }
    records.push({ at: r.at, metric: r.metric, value: r.value, variants: r.variants as Record<string, string> });
  }
  return { records, problems };
}

/** Milliseconds either side of 1970 that a `Date` can hold (ECMA-262 time values). */
const MAX_TIME = 8.64e15;

/**
 * What is wrong with a line of the right shape that the report still cannot use: a value a number
 * literal can overflow to (1e999 parses as Infinity), a time no date can show, a variant that is
 * not the string jsonlExporter writes.
 */
function recordProblem(r: MetricRecord): string | undefined {
  if (!Number.isFinite(r.value)) return `"value" is too large to be a number (${r.value})`;
  if (!(Math.abs(r.at) <= MAX_TIME)) return `"at" is ${r.at}, outside the dates a timestamp can hold (milliseconds since 1970, at most ${MAX_TIME} either side)`;
  for (const [flag, variant] of Object.entries(r.variants as Record<string, unknown>)) {
    if (typeof variant !== 'string') return `the variant of ${JSON.stringify(flag)} is ${JSON.stringify(variant)}; variants are written as strings, like "claude-3-haiku" or "3"`;
  }
  return undefined;
}

export interface ReportOptions {
  /** Only these flags (default: every flag in the records). */
  flags?: readonly string[];
  /** The registry, to order variants and name each flag's control (its default). */
  registry?: Registry;
  confidence?: number;
  /** Time buckets in the charts (default 24). */
  buckets?: number;
  definitions?: Readonly<Record<string, MetricDefinition>>;
}

export interface SeriesPoint {
  /** Start of the bucket, ms since the epoch. */
  at: number;
  n: number;
  p50?: number;
  p95?: number;
  p99?: number;
  rate?: number;
  low?: number;
  high?: number;
}

export interface VariantReport {
  variant: string;
  control: boolean;
  metrics: MetricSummary[];
  latency: SeriesPoint[];
  errors: SeriesPoint[];
}

export interface FlagReport {
  flag: string;
  control: string | undefined;
  variants: VariantReport[];
}

export interface Report {
  from: number;
  to: number;
  records: number;
  confidence: number;
  flags: FlagReport[];
}

const LATENCY = 'latency_ms';
const ERROR = 'error';

export function buildReport(records: readonly MetricRecord[], options: ReportOptions = {}): Report {
  const confidence = options.confidence ?? 0.95;
  const buckets = options.buckets ?? 24;
  const only = options.flags ? new Set(options.flags) : undefined;
  let from = Infinity;
  let to = -Infinity;
  // flag → variant → metric → [values, times]
  const grouped = new Map<string, Map<string, Map<string, { values: number[]; times: number[] }>>>();
  for (const r of records) {
    from = Math.min(from, r.at);
    to = Math.max(to, r.at);
    for (const [flag, variant] of Object.entries(r.variants)) {
      if (only && !only.has(flag)) continue;
      let vs = grouped.get(flag);
      if (!vs) grouped.set(flag, (vs = new Map()));
      let ms = vs.get(variant);
      if (!ms) vs.set(variant, (ms = new Map()));
      let series = ms.get(r.metric);
      if (!series) ms.set(r.metric, (series = { values: [], times: [] }));
      series.values.push(r.value);
      series.times.push(r.at);
    }
  }
  const width = to > from ? (to - from) / buckets : 1;
  const bucketOf = (t: number): number => Math.min(buckets - 1, Math.floor((t - from) / width));

  const flags: FlagReport[] = [];
  for (const [flag, variants] of grouped) {
    const def = options.registry?.byKey.get(flag);
    const control = def ? String(def.defaultValue) : undefined;
    const order = def ? def.variants.map(String) : [];
    const names = [...variants.keys()].sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
    const out: VariantReport[] = [];
    for (const variant of names) {
      const metrics = variants.get(variant)!;
      const summaries = [...metrics.entries()]
        .sort(([a], [b]) => metricRank(a) - metricRank(b) || a.localeCompare(b))
        .map(([metric, s]) => summarizeSamples(metric, metricDefinition(metric, undefined, options.definitions), s.values, confidence));
      const per = (metric: string): number[][] => {
        const byBucket: number[][] = Array.from({ length: buckets }, () => []);
        const s = metrics.get(metric);
        if (s) for (let i = 0; i < s.values.length; i++) byBucket[bucketOf(s.times[i]!)]!.push(s.values[i]!);
        return byBucket;
      };
      const latency = per(LATENCY).map((xs, i): SeriesPoint => {
        const sorted = Float64Array.from(xs).sort();
        const point: SeriesPoint = { at: from + i * width, n: xs.length };
        if (xs.length > 0) {
          point.p50 = quantileSorted(sorted, 0.5);
          point.p95 = quantileSorted(sorted, 0.95);
          point.p99 = quantileSorted(sorted, 0.99);
        }
        return point;
      });
      const errors = per(ERROR).map((xs, i): SeriesPoint => {
        const point: SeriesPoint = { at: from + i * width, n: xs.length };
        if (xs.length > 0) {
          const w = wilsonInterval(xs.filter((x) => x > 0).length, xs.length, confidence);
          point.rate = w.estimate;
          point.low = w.low;
          point.high = w.high;
        }
        return point;
      });
      out.push({ variant, control: variant === control, metrics: summaries, latency, errors });
    }
    flags.push({ flag, control, variants: out });
  }
  flags.sort((a, b) => a.flag.localeCompare(b.flag));
  return { from: records.length ? from : NaN, to: records.length ? to : NaN, records: records.length, confidence, flags };
}

function rank(order: readonly string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

const METRIC_ORDER = ['latency_ms', 'error', 'timeout', 'rate_limited', 'malformed_response', 'tokens', 'satisfaction', 'task_completed', 'escalated'];
function metricRank(metric: string): number {
  const i = METRIC_ORDER.indexOf(metric);
  return i < 0 ? METRIC_ORDER.length : i;
}

// ---------------------------------------------------------------------------------------------
// Text

function num(x: number | undefined, rate: boolean): string {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (rate) return `${(x * 100).toFixed(2)}%`;
  const abs = Math.abs(x);
  return abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function withInterval(i: { estimate: number; low: number; high: number } | undefined, rate: boolean): string {
  if (!i) return '';
  return `${num(i.estimate, rate)} [${num(i.low, rate)}, ${num(i.high, rate)}]`;
}

/** The report as aligned text tables, one per flag. */
export function formatReportTable(report: Report): string {
  if (report.flags.length === 0) return 'no metrics recorded yet: attach jsonlExporter(path) to the flags client (see docs/guardrails.md)';
  const pct = Math.round(report.confidence * 100);
  const lines: string[] = [
    `${report.records} outcomes from ${new Date(report.from).toISOString()} to ${new Date(report.to).toISOString()}; intervals are ${pct}% confidence`,
  ];
  for (const flag of report.flags) {
    lines.push('', `${flag.flag}${flag.control ? ` (control: ${flag.control})` : ''}`);
    const rows: string[][] = [['variant', 'metric', 'n', 'mean or rate', 'p50', 'p95', 'p99']];
    for (const v of flag.variants) {
      for (const m of v.metrics) {
        const rate = m.kind === 'rate';
        rows.push([
          `${v.variant}${v.control ? ' *' : ''}`,
          m.metric,
          String(m.n),
          withInterval(m.mean, rate),
          withInterval(m.p50, false),
          withInterval(m.p95, false),
          withInterval(m.p99, false),
        ]);
      }
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) lines.push(`  ${r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd()}`);
  }
  if (report.flags.some((f) => f.control)) lines.push('', '* control (the flag\'s default): the guardrail compares the other variants with it');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// HTML

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CHART = { width: 440, height: 180, left: 52, right: 12, top: 14, bottom: 28 };

interface Line {
  label: string;
  colour: string;
  points: (number | undefined)[];
}

function lineChart(title: string, times: number[], lines: Line[], band: { low: (number | undefined)[]; high: (number | undefined)[] } | undefined, format: (y: number) => string): string {
  const { width, height, left, right, top, bottom } = CHART;
  const values = [...lines.flatMap((l) => l.points), ...(band?.high ?? [])].filter((y): y is number => y !== undefined && Number.isFinite(y));
  if (values.length === 0) return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption><p class="empty">no samples</p></figure>`;
  const yMax = Math.max(...values) * 1.1 || 1;
  const x = (i: number): number => left + ((width - left - right) * (times.length === 1 ? 0.5 : i / (times.length - 1)));
  const y = (v: number): number => top + (height - top - bottom) * (1 - v / yMax);
  const path = (ys: (number | undefined)[]): string => {
    let d = '';
    let pen = false;
    ys.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (yMax * t) / 4;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(format(v))}</text>`);
  }
  const time = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
  parts.push(`<text x="${left}" y="${height - 8}">${time(times[0]!)}</text>`);
  parts.push(`<text x="${width - right}" y="${height - 8}" text-anchor="end">${time(times.at(-1)!)} UTC</text>`);
  if (band) {
    // The confidence band: upper edge forwards, lower edge backwards, one closed polygon per run.
    const idx = band.low.map((l, i) => (l !== undefined && band.high[i] !== undefined ? i : -1)).filter((i) => i >= 0);
    if (idx.length > 0) {
      const upper = idx.map((i) => `${x(i).toFixed(1)},${y(band.high[i]!).toFixed(1)}`);
      const lower = idx.reverse().map((i) => `${x(i).toFixed(1)},${y(band.low[i]!).toFixed(1)}`);
      parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" class="band"/>`);
    }
  }
  for (const l of lines) parts.push(`<path d="${path(l.points)}" fill="none" stroke="${l.colour}" stroke-width="2"><title>${escapeHtml(l.label)}</title></path>`);
  const legend = lines.map((l) => `<span><i style="background:${l.colour}"></i>${escapeHtml(l.label)}</span>`).join(' ');
  return (
    `<figure class="chart"><figcaption>${escapeHtml(title)} ${legend}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg></figure>`
  );
}

/** A self-contained HTML page: the table, then one latency and one error-rate chart per variant. */
export function renderReportHtml(report: Report, title = 'modelflags report'): string {
  const pct = Math.round(report.confidence * 100);
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  if (report.flags.length === 0) body.push('<p>No metrics recorded yet.</p>');
  else body.push(`<p>${report.records} outcomes, ${new Date(report.from).toISOString()} to ${new Date(report.to).toISOString()}. Intervals are ${pct}% confidence (Wilson for rates, Student t for means, order statistics for percentiles).</p>`);
  for (const flag of report.flags) {
    body.push(`<section><h2>${escapeHtml(flag.flag)}${flag.control ? ` <small>control: ${escapeHtml(flag.control)}</small>` : ''}</h2>`);
    body.push('<table><thead><tr><th>variant</th><th>metric</th><th>n</th><th>mean or rate</th><th>p50</th><th>p95</th><th>p99</th></tr></thead><tbody>');
    for (const v of flag.variants) {
      for (const m of v.metrics) {
        const rate = m.kind === 'rate';
        const cells = [v.variant + (v.control ? ' (control)' : ''), m.metric, String(m.n), withInterval(m.mean, rate), withInterval(m.p50, false), withInterval(m.p95, false), withInterval(m.p99, false)];
        body.push(`<tr>${cells.map((c, i) => `<td${i === 2 ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
      }
    }
    body.push('</tbody></table>');
    for (const v of flag.variants) {
      const times = v.latency.map((p) => p.at);
      body.push(`<h3>${escapeHtml(v.variant)}${v.control ? ' (control)' : ''}</h3><div class="charts">`);
      body.push(
        lineChart(
          `${v.variant}: latency (ms)`,
          times,
          [
            { label: 'p50', colour: '#2b6cb0', points: v.latency.map((p) => p.p50) },
            { label: 'p95', colour: '#dd6b20', points: v.latency.map((p) => p.p95) },
            { label: 'p99', colour: '#c53030', points: v.latency.map((p) => p.p99) },
          ],
          undefined,
          (y) => y.toFixed(0),
        ),
      );
      body.push(
        lineChart(
          `${v.variant}: error rate`,
          v.errors.map((p) => p.at),
          [{ label: `rate (${pct}% band)`, colour: '#c53030', points: v.errors.map((p) => p.rate) }],
          { low: v.errors.map((p) => p.low), high: v.errors.map((p) => p.high) },
          (y) => `${(y * 100).toFixed(1)}%`,
        ),
      );
      body.push('</div>');
    }
    body.push('</section>');
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1a202c}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #e2e8f0;padding:3px 10px;text-align:left;white-space:nowrap}td.n{text-align:right}
.charts{display:flex;flex-wrap:wrap;gap:1em}.chart{margin:0}figcaption{font-weight:600}figcaption span{font-weight:400;margin-left:.8em}
figcaption i{display:inline-block;width:10px;height:10px;margin-right:3px}svg text{font-size:10px;fill:#4a5568}
.grid{stroke:#edf2f7}.band{fill:#c53030;opacity:.15}.empty{color:#718096}small{font-weight:400;color:#718096}
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
