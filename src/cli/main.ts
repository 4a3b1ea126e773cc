/**
 * The `modelflags` command: init, add, check, generate, eval, export, audit, report, remove. Exit
 * codes: 0 fine, 1 something to fix (invalid registry, stale types, audit findings), 2 bad usage or
 * input. Each command's options live in `cli/commands.ts`, which drives parsing and `--help`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatHelp, parseCommand, UsageError, type CommandSpec, type OptionSpec, type ParsedValues } from './args.js';
import { ADD, AUDIT, CHECK, COMMAND_SUMMARIES, EVAL, EXPORT, GENERATE, INIT, REPORT } from './commands/specs.js';
import { runAdd, runInit } from './commands/init-add.js';
import { colorEnabled, painter, progressLine } from './terminal.js';
import { packageVersion } from './version.js';
import { loadDetection, loadRemoveFlag } from './siblings.js';
import { bucketFor, compileRegistry, reasonFor, resolve as resolveFlag, outcome, DEFAULT_RULE, DISABLED_RULE, type CompiledFlag, type EvaluationContext } from '../runtime/evaluate/evaluator.js';
import { exportToFlagd } from '../exports/flagd.js';
import { ExportError, exportToAppConfig } from '../exports/appconfig.js';
import { exportToLaunchDarkly, LAUNCHDARKLY_BUCKETING_NOTE } from '../exports/launchdarkly.js';
import { defaultGeneratedPath, generateTypedModule, registryImportPath } from '../registry/generate.js';
import type { CliIO } from '../io/process-io.js';
import { didYouMean } from '../registry/suggest.js';
import { formatIssue, parseRegistry, type RegistryIssue } from '../registry/validate.js';
import { readRegistryText, RegistryReadError } from '../registry/load.js';
import { rolloutThreshold, ROLLOUT_TOTAL_WEIGHT, type Registry } from '../registry/model.js';
import { describeErrno, FileWriteError, writeFileAtomic } from '../io/file-write.js';

const PROGRAM_HELP = `Usage: modelflags <command> [options]

Commands:
${COMMAND_SUMMARIES.map(([name, text]) => `  ${name.padEnd(10)}${text}`).join('\n')}

Options:
  -h, --help     show this help, or a command's help: modelflags <command> --help
  -v, --version  print the version

Example:
  npx modelflags init && npx modelflags add summary_model --variants a,b --default a --owner ml-platform`;

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

/** Parses a command's arguments; undefined when `--help` was asked for and printed. */
function parsed<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, argv: readonly string[], io: CliIO): { values: ParsedValues<O>; positionals: string[] } | undefined {
  const result = parseCommand(spec, argv);
  if (result.help) {
    io.out(formatHelp(spec));
    return undefined;
  }
  return result;
}

const COMMANDS = COMMAND_SUMMARIES.map(([name]) => name);

async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(PROGRAM_HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    io.out(packageVersion());
    return 0;
  }
  switch (command) {
    case 'init': {
      const args = parsed(INIT, rest, io);
      return args ? runInit(args.values, io) : 0;
    }
    case 'add': {
      const args = parsed(ADD, rest, io);
      return args ? runAdd(args.values, args.positionals, io) : 0;
    }
    case 'check': {
      const args = parsed(CHECK, rest, io);
      return args ? runCheck(args.values, io) : 0;
    }
    case 'generate': {
      const args = parsed(GENERATE, rest, io);
      if (!args) return 0;
      const { values } = args;
      const registryPath = resolve(io.cwd, values.registry);
      const registry = readRegistry(values.registry, io);
      const outFile = values.out ? resolve(io.cwd, values.out) : defaultGeneratedPath(registryPath);
      writeFileAtomic(outFile, expectedModule(registry, registryPath, outFile, values.openfeature));
      io.out(`wrote ${outFile} (${registry.flags.length} flags)`);
      return 0;
    }
    case 'eval': {
      const args = parsed(EVAL, rest, io);
      if (!args) return 0;
      const { values, positionals } = args;
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
      const ctx = context as EvaluationContext;
      const ruleIndex = resolveFlag(flag, ctx);
      const value = outcome.value;
      const reason = reasonFor(flag, ruleIndex);
      const rule = ruleIndex >= 0 ? registry.byKey.get(flagKey)!.rules[ruleIndex] : undefined;
      const rulePointer = `${flag.definition.pointer}/rules/${ruleIndex}`;
      const rawCondition = rule ? (readPointer(registry, `${rulePointer}/condition`) as unknown) : undefined;
      const rollouts = ruleIndex === DISABLED_RULE ? [] : rolloutExplanations(flag, ctx, ruleIndex);
      if (values.json) {
        io.out(JSON.stringify({ flag: flagKey, value, variant: String(value), reason, ruleIndex: rule ? ruleIndex : null, condition: rawCondition ?? null, rollouts }, null, 2));
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
      for (const r of rollouts) io.out(`  ${r.text}`);
      return 0;
    }
    case 'export': {
      const args = parsed(EXPORT, rest, io);
      if (!args) return 0;
      const { values } = args;
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
      const args = parsed(AUDIT, rest, io);
      if (!args) return 0;
      const { values, positionals } = args;
      if (!['text', 'json', 'sarif'].includes(values.format)) throw new UsageError(`--format must be one of: text, json, sarif (got "${values.format}")`);
      const audit = await import('./commands/audit.js');
      const failOn = audit.FAIL_ON.find((f) => f === values['fail-on']);
      if (failOn === undefined) throw new UsageError(`--fail-on must be one of: ${audit.FAIL_ON.join(', ')} (got "${values['fail-on']}")`);
      if (values.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.today)) throw new UsageError(`--today must be a date like 2026-01-31 (got "${values.today}")`);
      const detection = await loadDetection('audit');
      const progress = progressLine(io, 'scanning', 'files', values.format !== 'text');
      let result;
      try {
        result = await audit.runAudit({ cwd: io.cwd, paths: positionals, registry: values.registry, today: values.today, onProgress: (done, total) => progress.update(done, total) }, detection);
      } catch (error) {
        if (error instanceof audit.AuditInputError) throw new UsageError(error.message);
        throw error;
      } finally {
        progress.end();
      }
      if (values.format === 'json') io.out(audit.formatJson(result));
      else if (values.format === 'sarif') io.out(audit.formatSarif(result, packageVersion()));
      else io.out(audit.formatText(result, painter(values['no-color'] ? false : (values.color ?? colorEnabled(io.stdout, io.env)))));
      return audit.failsAt(result, failOn) ? 1 : 0;
    }
    case 'report': {
      const args = parsed(REPORT, rest, io);
      if (!args) return 0;
      const { values } = args;
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
      const report = await import('./commands/report.js');
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
        throw new UsageError(`--since (${new Date(since).toISOString()}) must be before --until (${new Date(until).toISOString()})`);
      }
      const skipped = (problems: readonly { file: string; line: number; column: number; message: string }[]): void => {
        for (const p of problems.slice(0, 10)) io.err(`${p.file}:${p.line}:${p.column}: ${p.message}`);
        if (problems.length > 10) io.err(`… and ${problems.length - 10} more skipped lines`);
      };
      let annotations: import('./commands/report.js').Annotation[] = [];
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
      const registry = existsSync(registryPath) || values.registry !== 'flags.json' ? readRegistry(registryPath, io) : undefined;
      const built = report.buildReport(records, { flags: values.flag, registry, confidence, since, until, annotations });
      io.out(values.json ? JSON.stringify(built, null, 2) : report.formatReportTable(built));
      // --json is for pipes: a file appearing beside them is a side effect nobody asked for.
      const html = values.html ?? (values.json ? undefined : 'modelflags-report.html');
      if (html !== undefined) {
        writeFileAtomic(resolve(io.cwd, html), report.renderReportHtml(built, `modelflags report: ${values.metrics}`));
        if (!values.json) io.out(`\nwrote ${html}`);
      }
      return 0;
    }
    case 'remove': {
      const { runCli } = await loadRemoveFlag();
      return runCli(rest, io);
    }
    default:
      throw new UsageError(`unknown command "${command}"${didYouMean(command, COMMANDS)}\n\n${PROGRAM_HELP}`);
  }
}

/** The problems of a registry as `check --json` prints them. */
function issueJson(issue: RegistryIssue): { file: string; line: number; column: number; message: string; flag: string | null } {
  return { file: issue.file, line: issue.line, column: issue.column, message: issue.message, flag: issue.flag ?? null };
}

function runCheck(values: ParsedValues<typeof CHECK.options>, io: CliIO): number {
  const registryPath = resolve(io.cwd, values.registry);
  if (!values.json) {
    const registry = readRegistry(values.registry, io);
    io.out(`${values.registry}: ${registry.flags.length} flag${registry.flags.length === 1 ? '' : 's'}, valid`);
    const generated = generatedState(registry, registryPath, values, io.cwd);
    if (generated.state === 'stale') {
      io.err(`${generated.file}:1:1: the generated module is stale: it no longer matches ${values.registry}. Run \`npx modelflags generate\` and commit the result`);
      return 1;
    }
    if (generated.state === 'current') io.out(`${generated.file}: up to date`);
    return 0;
  }
  let text: string;
  try {
    text = readRegistryText(registryPath, values.registry);
  } catch (error) {
    throw error instanceof RegistryReadError ? new UsageError(error.message) : error;
  }
  const { registry, issues } = parseRegistry(text, values.registry);
  const generated = registry ? generatedState(registry, registryPath, values, io.cwd) : undefined;
  const problems = issues.map(issueJson);
  if (generated?.state === 'stale') {
    problems.push({ file: generated.file, line: 1, column: 1, message: `the generated module is stale: it no longer matches ${values.registry}. Run \`npx modelflags generate\` and commit the result`, flag: null });
  }
  io.out(
    JSON.stringify(
      { registry: values.registry, valid: registry !== undefined, flags: registry?.flags.length ?? null, generated: generated && generated.state !== 'absent' ? { file: generated.file, upToDate: generated.state === 'current' } : null, issues: problems },
      null,
      2,
    ),
  );
  return problems.length > 0 ? 1 : 0;
}

/** Whether the generated module matches the registry; `absent` when there is none at the default path. */
function generatedState(registry: Registry, registryPath: string, values: { out: string | undefined; openfeature: boolean }, cwd: string): { state: 'absent' | 'stale' | 'current'; file: string } {
  const outFile = values.out ? resolve(cwd, values.out) : defaultGeneratedPath(registryPath);
  if (!existsSync(outFile)) {
    if (values.out) throw new UsageError(`${values.out}: no generated module here; run \`modelflags generate --out ${values.out}\``);
    return { state: 'absent', file: outFile };
  }
  let actual: string;
  try {
    actual = readFileSync(outFile, 'utf8');
  } catch (error) {
    throw new UsageError(`${outFile}: cannot read the generated module: ${describeErrno(error)}`);
  }
  return { state: actual === expectedModule(registry, registryPath, outFile, values.openfeature) ? 'current' : 'stale', file: outFile };
}

/**
 * Why each percentage rule up to the deciding one did or did not take this context: its bucket
 * (0–100, two decimals, from the evaluator's own hashing) against the rule's percentage.
 */
function rolloutExplanations(flag: CompiledFlag, ctx: EvaluationContext, decidingRule: number): { rule: number; percentage: number; bucket: number | null; inRollout: boolean; text: string }[] {
  const last = decidingRule >= 0 ? decidingRule : flag.definition.rules.length - 1;
  const out = [];
  for (const rule of flag.definition.rules.slice(0, last + 1)) {
    const percentage = rule.rolloutPercentage;
    if (percentage === undefined) continue;
    const raw = bucketFor(ctx, flag.bucketBy, flag.bucketPath, flag.prefix, ROLLOUT_TOTAL_WEIGHT);
    const head = `rule ${rule.index + 1} rollout ${percentage}%:`;
    if (raw < 0) {
      out.push({ rule: rule.index + 1, percentage, bucket: null, inRollout: false, text: `${head} the context has no usable "${flag.bucketBy}" (a non-empty string), so it is in no rollout` });
      continue;
    }
    const bucket = raw / 100;
    const inRollout = raw < rolloutThreshold(percentage);
    const shown = bucket.toFixed(2);
    out.push({ rule: rule.index + 1, percentage, bucket, inRollout, text: inRollout ? `${head} bucket ${shown} < ${percentage}, in the rollout` : `${head} bucket ${shown} ≥ ${percentage}, not in the rollout` });
  }
  return out;
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
    if (error instanceof UsageError || error instanceof FileWriteError) {
      io.err(`modelflags: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

function command(argv: string[]): string | undefined {
  return argv[0];
}
