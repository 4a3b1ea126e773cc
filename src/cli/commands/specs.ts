/**
 * Every `modelflags` command's options, once: the parser, `--help` and usage errors all read them.
 */
import type { CommandSpec, OptionSpec } from '../args.js';

const registry = { type: 'string', default: 'flags.json', value: 'file', description: 'the flag registry' } as const satisfies OptionSpec;
const out = { type: 'string', value: 'file', description: 'the generated typed module (default: flags.generated.ts beside the registry)' } as const satisfies OptionSpec;
const openfeature = { type: 'boolean', default: false, description: "augment OpenFeature's flag-key types in the generated module" } as const satisfies OptionSpec;

export const CHECK = {
  name: 'modelflags check',
  summary: 'Validates the registry and checks that the generated typed module is up to date.\nExit 0 valid, 1 something to fix, 2 bad usage.',
  options: { registry, out, openfeature, json: { type: 'boolean', default: false, description: 'print the result as JSON (problems with file, line, column, message)' } },
  examples: ['npx modelflags check', 'npx modelflags check --registry config/flags.json --json'],
} as const satisfies CommandSpec;

export const GENERATE = {
  name: 'modelflags generate',
  summary: 'Writes the typed module: one type per flag, so a misspelt key or variant fails to compile.',
  options: { registry, out, openfeature },
  examples: ['npx modelflags generate', 'npx modelflags generate --out src/flags.generated.ts'],
} as const satisfies CommandSpec;

export const EVAL = {
  name: 'modelflags eval',
  positionals: '<flag>',
  summary: 'Shows what a context gets from a flag, and why: the rule that matched, or why a rollout missed.',
  options: {
    registry,
    context: { type: 'string', default: '{}', value: 'json', description: 'the evaluation context, a JSON object' },
    json: { type: 'boolean', default: false, description: 'print the result as JSON' },
  },
  examples: [`npx modelflags eval inference_model --context '{"targetingKey":"user-1","user_segment":"beta"}'`],
} as const satisfies CommandSpec;

export const EXPORT = {
  name: 'modelflags export',
  summary: "Converts the registry to another system's format. The document goes to stdout unless --out is given.",
  options: {
    registry,
    to: { type: 'string', value: 'flagd|appconfig|launchdarkly', description: 'the target format (required)' },
    out: { type: 'string', value: 'file', description: 'write the document here instead of stdout' },
  },
  examples: ['npx modelflags export --to flagd --out flagd.json'],
} as const satisfies CommandSpec;

export const AUDIT = {
  name: 'modelflags audit',
  positionals: '[paths...]',
  summary:
    'Flag hygiene across the code: flags past cleanup_by and reads of undeclared flags (errors), flags no code\nreads and flags that serve one variant to everyone (warnings). Paths default to the current directory.',
  options: {
    registry,
    format: { type: 'string', default: 'text', value: 'text|json|sarif', description: 'output format' },
    'fail-on': { type: 'string', default: 'error', value: 'error|warning|none', description: 'the least severe finding that makes the audit exit 1' },
    today: { type: 'string', value: 'YYYY-MM-DD', description: 'audit as of this date (default: today, UTC)' },
    color: { type: 'boolean', description: 'colour the text output (default: when stdout is a terminal; NO_COLOR and FORCE_COLOR apply)' },
    'no-color': { type: 'boolean', description: 'never colour' },
  },
  examples: ['npx modelflags audit src', 'npx modelflags audit --format sarif --fail-on warning > modelflags.sarif'],
} as const satisfies CommandSpec;

export const REPORT = {
  name: 'modelflags report',
  summary: 'Summarises guardrail metrics per flag and variant against the control, as a table and an HTML page.',
  options: {
    registry,
    metrics: { type: 'string', default: 'metrics.jsonl', value: 'file', description: "the metrics file jsonlExporter writes" },
    flag: { type: 'string', multiple: true, value: 'key', description: 'only this flag' },
    html: { type: 'string', value: 'file', description: 'where to write the HTML report (default: modelflags-report.html; with --json, none unless given)' },
    since: { type: 'string', value: 'time', description: 'only outcomes from this time: ISO (2026-12-05T01:00:00Z) or back from now (30m, 1h, 7d)' },
    until: { type: 'string', value: 'time', description: 'only outcomes before this time, in the same forms' },
    annotations: { type: 'string', value: 'file', description: 'JSON lines {"at", "text", "flag"?} to mark on the charts (deploys, flag changes)' },
    confidence: { type: 'string', default: '0.95', value: 'level', description: 'confidence level of the intervals' },
    json: { type: 'boolean', default: false, description: 'print the report as JSON' },
  },
  examples: ['npx modelflags report --metrics metrics.jsonl --flag inference_model', 'npx modelflags report --since 1h --html incident.html'],
} as const satisfies CommandSpec;

export const INIT = {
  name: 'modelflags init',
  summary: 'Starts a registry: writes flags.json with its $schema and one example flag (owner, dimension, a cleanup\ndate 90 days out), then prints the ESLint config to add. Refuses to overwrite an existing file.',
  options: { registry: { ...registry, description: 'where to write the registry' } },
  examples: ['npx modelflags init'],
} as const satisfies CommandSpec;

export const ADD = {
  name: 'modelflags add',
  positionals: '<flag>',
  summary: 'Adds a flag to the registry, born with an owner and a cleanup date, keeping the file as formatted.',
  options: {
    registry,
    variants: { type: 'string', value: 'a,b,...', description: 'every value the flag may serve, comma-separated (required)' },
    default: { type: 'string', value: 'variant', description: 'the variant served when no rule matches (required)' },
    owner: { type: 'string', value: 'team', description: 'who removes the flag (required)' },
    dimension: { type: 'string', value: 'name', description: 'what the flag varies: model, prompt, retrieval, format, parameter or other' },
    'cleanup-in': { type: 'string', value: 'days', description: 'cleanup date this far from today, like 90d or 12w (default: 90d)' },
    'cleanup-by': { type: 'string', value: 'YYYY-MM-DD', description: 'cleanup date (instead of --cleanup-in)' },
    description: { type: 'string', value: 'text', description: 'what the flag is for' },
    today: { type: 'string', value: 'YYYY-MM-DD', description: 'count --cleanup-in from this date (default: today, UTC)' },
  },
  examples: ['npx modelflags add summary_model --variants claude-3-haiku,claude-sonnet-4-6 --default claude-3-haiku --owner ml-platform --dimension model'],
} as const satisfies CommandSpec;

/** The command list of `modelflags --help`, in the order a new user meets them. */
export const COMMAND_SUMMARIES: readonly (readonly [string, string])[] = [
  ['init', 'start a registry (flags.json) with an example flag'],
  ['add', 'add a flag with an owner and a cleanup date'],
  ['check', 'validate the registry and the generated types'],
  ['generate', 'write the typed module'],
  ['eval', 'what a context gets from a flag, and why'],
  ['audit', 'expired, unused and undeclared flags across the code'],
  ['export', 'convert to flagd, AppConfig or LaunchDarkly'],
  ['report', 'guardrail metrics per variant, as a table and HTML'],
  ['remove', 'retire a flag from the code (same as remove-flag)'],
];
