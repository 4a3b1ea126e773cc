/**
 * The `modelflags` command: check, generate, eval, export, audit, remove. Exit codes: 0 fine,
 * 1 something to fix (invalid registry, stale types, audit findings), 2 bad usage or input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileRegistry, reasonFor, resolve as resolveFlag, outcome, DEFAULT_RULE, DISABLED_RULE } from './evaluator.js';
import { exportToFlagd } from './export-flagd.js';
import { ExportError, exportToAppConfig } from './export-appconfig.js';
import { exportToLaunchDarkly, LAUNCHDARKLY_BUCKETING_NOTE } from './export-launchdarkly.js';
import { defaultGeneratedPath, generateTypedModule, registryImportPath } from './generate.js';
import type { CliIO } from './process-io.js';
import { didYouMean, formatIssue, parseRegistry, readRegistryText, RegistryReadError, type Registry } from './registry.js';
import { describeErrno, FileWriteError, writeFileAtomic } from './file-write.js';

export class UsageError extends Error {}

const USAGE = `Usage: modelflags <command> [options]

Commands:
  check     [--registry flags.json] [--out flags.generated.ts]   validate the registry and the generated types
  generate  [--registry flags.json] [--out flags.generated.ts] [--openfeature]
  eval      <flag> --context '{"targetingKey":"u1"}' [--registry flags.json] [--json]
  export    --to flagd|appconfig|launchdarkly [--registry flags.json] [--out file]
  audit     [paths...] [--registry flags.json] [--format text|json|sarif]
  report    [--metrics metrics.jsonl] [--registry flags.json] [--flag key]... [--html modelflags-report.html] [--json]
  remove    <flag> --keep <variant> [paths...]   (same as remove-flag)

--registry defaults to ./flags.json; --out defaults to flags.generated.ts beside the registry.`;

/** Reads the registry at `path` (as the user wrote it, which messages repeat) relative to the cwd. */
function readRegistry(path: string, io: CliIO): Registry {
  let text: string;
  try {
    text = readRegistryText(resolve(io.cwd, path), path);
  } catch (error) {
    throw error instanceof RegistryReadError ? new UsageError(error.message) : error;
  }
  const { registry, issues } = parseRegistry(text, path);
  if (!registry) {
    for (const issue of issues) io.err(formatIssue(issue));
    throw new InvalidRegistry(`${path}: ${issues.length} problem${issues.length === 1 ? '' : 's'}; fix them and run again`);
  }
  return registry;
}

class InvalidRegistry extends Error {}

function expectedModule(registry: Registry, registryPath: string, outFile: string, openFeature: boolean): string {
  return generateTypedModule(registry, { registryImportPath: registryImportPath(outFile, registryPath), openFeature });
}

async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  const registryOption = { registry: { type: 'string' as const, default: 'flags.json' } };
  switch (command) {
    case 'check': {
      const { values } = parseArgs({ args: rest, options: { ...registryOption, out: { type: 'string' }, openfeature: { type: 'boolean', default: false } } });
      const registryPath = resolve(io.cwd, values.registry);
      const registry = readRegistry(values.registry, io);
      io.out(`${values.registry}: ${registry.flags.length} flag${registry.flags.length === 1 ? '' : 's'}, valid`);
      const outFile = values.out ? resolve(io.cwd, values.out) : defaultGeneratedPath(registryPath);
      if (!existsSync(outFile)) {
        if (values.out) throw new UsageError(`${values.out}: no generated module here; run \`modelflags generate --out ${values.out}\``);
        return 0;
      }
      const expected = expectedModule(registry, registryPath, outFile, values.openfeature);
      let actual: string;
      try {
        actual = readFileSync(outFile, 'utf8');
      } catch (error) {
        throw new UsageError(`${outFile}: cannot read the generated module: ${describeErrno(error)}`);
      }
      if (actual !== expected) {
        io.err(`${outFile}:1:1: the generated module is stale: it no longer matches ${values.registry}. Run \`npx modelflags generate\` and commit the result`);
        return 1;
      }
      io.out(`${outFile}: up to date`);
      return 0;
    }
    case 'generate': {
      const { values } = parseArgs({ args: rest, options: { ...registryOption, out: { type: 'string' }, openfeature: { type: 'boolean', default: false } } });
      const registryPath = resolve(io.cwd, values.registry);
      const registry = readRegistry(values.registry, io);
      const outFile = values.out ? resolve(io.cwd, values.out) : defaultGeneratedPath(registryPath);
      writeFileAtomic(outFile, expectedModule(registry, registryPath, outFile, values.openfeature));
      io.out(`wrote ${outFile} (${registry.flags.length} flags)`);
      return 0;
    }
    case 'eval': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...registryOption, context: { type: 'string', default: '{}' }, json: { type: 'boolean' } },
      });
      const flagKey = positionals[0];
      if (!flagKey) throw new UsageError(`eval needs a flag key: modelflags eval inference_model --context '{"targetingKey":"user-1"}'`);
      let context: unknown;
      try {
        context = JSON.parse(values.context);
      } catch (error) {
        throw new UsageError(`--context is not valid JSON (${(error as Error).message}); write it like '{"targetingKey":"user-1","user_segment":"beta"}'`);
      }
      if (typeof context !== 'object' || context === null || Array.isArray(context)) throw new UsageError('--context must be a JSON object of attributes');
      const registry = readRegistry(values.registry, io);
      const flag = compileRegistry(registry).flags.get(flagKey);
      if (!flag) throw new UsageError(`${flagKey}: not in ${values.registry}${didYouMean(flagKey, registry.flags.map((f) => f.key))}`);
      const ruleIndex = resolveFlag(flag, context as Record<string, unknown>);
      const value = outcome.value;
      const reason = reasonFor(flag, ruleIndex);
      const rule = ruleIndex >= 0 ? registry.byKey.get(flagKey)!.rules[ruleIndex] : undefined;
      const rulePointer = `${flag.definition.pointer}/rules/${ruleIndex}`;
      const rawCondition = rule ? (readPointer(registry, `${rulePointer}/condition`) as unknown) : undefined;
      if (values.json) {
        io.out(JSON.stringify({ flag: flagKey, value, variant: String(value), reason, ruleIndex: rule ? ruleIndex : null, condition: rawCondition ?? null }, null, 2));
        return 0;
      }
      io.out(`${flagKey} = ${JSON.stringify(value)}`);
      io.out(`  variant: ${String(value)}`);
      io.out(`  reason:  ${reason}`);
      if (rule) {
        const pos = registry.json.positionOf(rulePointer);
        io.out(`  rule:    ${ruleIndex + 1} of ${flag.rules.length} (${values.registry}:${pos?.line ?? 1}:${pos?.column ?? 1}) ${JSON.stringify(rawCondition)}`);
      } else if (ruleIndex === DISABLED_RULE) {
        io.out('  rule:    none: the flag is disabled (kill switch), everyone gets the default');
      } else if (ruleIndex === DEFAULT_RULE) {
        io.out(flag.rules.length === 0 ? '  rule:    none: the flag has no rules' : `  rule:    none of the ${flag.rules.length} rules matched, so the default is served`);
      }
      return 0;
    }
    case 'export': {
      const { values } = parseArgs({ args: rest, options: { ...registryOption, to: { type: 'string' }, out: { type: 'string' } } });
      const target = values.to;
      if (target !== 'flagd' && target !== 'appconfig' && target !== 'launchdarkly') {
        throw new UsageError(`--to must be one of: flagd, appconfig, launchdarkly${target ? ` (got "${target}")` : ''}`);
      }
      const registry = readRegistry(values.registry, io);
      let document: unknown;
      try {
        document = target === 'flagd' ? exportToFlagd(registry) : target === 'appconfig' ? exportToAppConfig(registry) : exportToLaunchDarkly(registry);
      } catch (error) {
        if (!(error instanceof ExportError)) throw error;
        io.err(error.message);
        return 2;
      }
      // On stderr, so that the document on stdout can be piped.
      if (target === 'launchdarkly') io.err(`note: ${LAUNCHDARKLY_BUCKETING_NOTE}`);
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (values.out) {
        writeFileAtomic(resolve(io.cwd, values.out), text);
        io.out(`wrote ${values.out}`);
      } else io.out(text.trimEnd());
      return 0;
    }
    case 'audit': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        allowNegative: true,
        options: {
          ...registryOption,
          format: { type: 'string', default: 'text' },
          today: { type: 'string' },
          color: { type: 'boolean' },
        },
      });
      if (!['text', 'json', 'sarif'].includes(values.format)) throw new UsageError(`--format must be one of: text, json, sarif (got "${values.format}")`);
      if (values.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.today)) throw new UsageError(`--today must be a date like 2026-01-31 (got "${values.today}")`);
      // Loaded on demand: the audit pulls in the TypeScript parser and globby.
      const audit = await import('./audit.js');
      let result;
      try {
        result = await audit.runAudit({ cwd: io.cwd, paths: positionals, registry: values.registry, today: values.today });
      } catch (error) {
        if (error instanceof audit.AuditInputError) throw new UsageError(error.message);
        throw error;
      }
      if (values.format === 'json') io.out(audit.formatJson(result));
      else if (values.format === 'sarif') io.out(audit.formatSarif(result, audit.packageVersion()));
      else io.out(audit.formatText(result, values.color ?? (process.stdout.isTTY === true && !('NO_COLOR' in process.env))));
      return audit.hasErrors(result) ? 1 : 0;
    }
    case 'report': {
      const { values } = parseArgs({
        args: rest,
        options: {
          ...registryOption,
          metrics: { type: 'string', default: 'metrics.jsonl' },
          flag: { type: 'string', multiple: true },
          html: { type: 'string', default: 'modelflags-report.html' },
          confidence: { type: 'string', default: '0.95' },
          json: { type: 'boolean', default: false },
        },
      });
      const confidence = Number(values.confidence);
      if (!(confidence > 0 && confidence < 1)) throw new UsageError(`--confidence must be a number between 0 and 1, like 0.95 (got "${values.confidence}")`);
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
      const { parseMetricsLines, buildReport, formatReportTable, renderReportHtml } = await import('./report.js');
      const { records, problems } = parseMetricsLines(text, values.metrics);
      for (const p of problems.slice(0, 10)) io.err(`${p.file}:${p.line}:${p.column}: ${p.message}`);
      if (problems.length > 10) io.err(`… and ${problems.length - 10} more skipped lines`);
      // The registry only names controls and orders variants; a report without one is still useful.
      const registryPath = resolve(io.cwd, values.registry);
      const registry = existsSync(registryPath) || values.registry !== 'flags.json' ? readRegistry(registryPath, io) : undefined;
      const report = buildReport(records, { flags: values.flag, registry, confidence });
      io.out(values.json ? JSON.stringify(report, null, 2) : formatReportTable(report));
      writeFileAtomic(resolve(io.cwd, values.html), renderReportHtml(report, `modelflags report: ${values.metrics}`));
      if (!values.json) io.out(`\nwrote ${values.html}`);
      return 0;
    }
    case 'remove': {
      // Loaded on demand: the codemod pulls in jscodeshift and TypeScript, which no other command needs.
      const { runCli } = await import('../codemods/cli.js');
      return runCli(rest, io);
    }
    default:
      throw new UsageError(`unknown command "${command}"${didYouMean(command, ['check', 'generate', 'eval', 'export', 'audit', 'report', 'remove'])}\n\n${USAGE}`);
  }
}

function readPointer(registry: Registry, pointer: string): unknown {
  let node: unknown = registry.json.value;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = Array.isArray(node) ? node[Number(segment)] : (node as Record<string, unknown>)[segment];
  }
  return node;
}

export async function runModelflagsCli(argv: string[], io: CliIO): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    if (error instanceof InvalidRegistry) {
      io.err(error.message);
      return command(argv) === 'check' ? 1 : 2;
    }
    // Bad input, or an --out/--html write that was refused or failed (the message names the file; it was not touched).
    if (error instanceof UsageError || error instanceof FileWriteError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`modelflags: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

function command(argv: string[]): string | undefined {
  return argv[0];
}
