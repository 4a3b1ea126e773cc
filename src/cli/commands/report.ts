/** `modelflags report`: guardrail metrics per flag and variant, as a table and an HTML page. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeErrno, writeFileAtomic } from '../../io/file-write.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { readRegistry, registryOption } from '../options.js';

export default defineCommand(
  'guardrail metrics per variant, as a table and HTML',
  {
    name: 'modelflags report',
    summary: 'Summarises guardrail metrics per flag and variant against the control, as a table and an HTML page.',
    options: {
      registry: registryOption,
      metrics: {
        type: 'string',
        default: 'metrics.jsonl',
        value: 'file',
        description: 'the metrics file jsonlExporter writes',
      },
      flag: { type: 'string', multiple: true, value: 'key', description: 'only this flag' },
      html: {
        type: 'string',
        value: 'file',
        description: 'where to write the HTML report (default: modelflags-report.html; with --json, none unless given)',
      },
      since: {
        type: 'string',
        value: 'time',
        description: 'only outcomes from this time: ISO (2026-12-05T01:00:00Z) or back from now (30m, 1h, 7d)',
      },
      until: { type: 'string', value: 'time', description: 'only outcomes before this time, in the same forms' },
      annotations: {
        type: 'string',
        value: 'file',
        description: 'JSON lines {"at", "text", "flag"?} to mark on the charts (deploys, flag changes)',
      },
      confidence: { type: 'string', default: '0.95', value: 'level', description: 'confidence level of the intervals' },
      json: { type: 'boolean', default: false, description: 'print the report as JSON' },
    },
    examples: [
      'npx modelflags report --metrics metrics.jsonl --flag inference_model',
      'npx modelflags report --since 1h --html incident.html',
    ],
  },
  async (values, positionals, io) => {
    const confidence = Number(values.confidence);
    if (!(confidence > 0 && confidence < 1))
      throw new UsageError(`--confidence must be a number between 0 and 1, like 0.95 (got "${values.confidence}")`);
    const metricsPath = resolve(io.cwd, values.metrics);
    let text: string;
    try {
      text = readFileSync(metricsPath, 'utf8');
    } catch (error) {
      throw new UsageError(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${values.metrics}: no metrics file here. Attach jsonlExporter('${values.metrics}') to the flags client (docs/guardrails.md), or pass --metrics <file>`
          : `${values.metrics}: cannot read: ${describeErrno(error)}`,
      );
    }
    const report = await import('../report/report.js');
    const now = Date.now();
    const time = (text: string | undefined, option: string): number | undefined => {
      try {
        return text === undefined ? undefined : report.parseReportTime(text, option, now);
      } catch (error) {
        throw error instanceof report.ReportInputError ? new UsageError(error.message) : error;
      }
    };
    const since = time(values.since, '--since');
    const until = time(values.until, '--until');
    if (since !== undefined && until !== undefined && !(since < until)) {
      throw new UsageError(
        `--since (${new Date(since).toISOString()}) must be before --until (${new Date(until).toISOString()})`,
      );
    }
    const skipped = (problems: readonly { file: string; line: number; column: number; message: string }[]): void => {
      for (const p of problems.slice(0, 10)) io.err(`${p.file}:${p.line}:${p.column}: ${p.message}`);
      if (problems.length > 10) io.err(`… and ${problems.length - 10} more skipped lines`);
    };
    let annotations: import('../report/report.js').Annotation[] = [];
    if (values.annotations !== undefined) {
      let annotationText: string;
      try {
        annotationText = readFileSync(resolve(io.cwd, values.annotations), 'utf8');
      } catch (error) {
        throw new UsageError(`${values.annotations}: cannot read the annotations: ${describeErrno(error)}`);
      }
      const parsedAnnotations = report.parseAnnotations(annotationText, values.annotations);
      skipped(parsedAnnotations.problems);
      annotations = parsedAnnotations.annotations;
    }
    const { records, problems } = report.parseMetricsLines(text, values.metrics);
    skipped(problems);
    // The registry names controls, orders variants and drives the guardrail's verdict; a report without one is still useful.
    const registryPath = resolve(io.cwd, values.registry);
    const registry =
      existsSync(registryPath) || values.registry !== 'flags.json' ? readRegistry(registryPath, io) : undefined;
    const built = report.buildReport(records, { flags: values.flag, registry, confidence, since, until, annotations });
    io.out(values.json ? JSON.stringify(built, null, 2) : report.formatReportTable(built));
    // --json is for pipes: a file appearing beside them is a side effect nobody asked for.
    const html = values.html ?? (values.json ? undefined : 'modelflags-report.html');
    if (html !== undefined) {
      writeFileAtomic(resolve(io.cwd, html), report.renderReportHtml(built, `modelflags report: ${values.metrics}`));
      if (!values.json) io.out(`\nwrote ${html}`);
    }
    return 0;
  },
);
