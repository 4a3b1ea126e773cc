/**
 * `modelflags init` and `modelflags add`: the two ways a flag enters the registry, both giving it
 * an owner and a cleanup date, so no flag is born without a plan to remove it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileWriteError, writeFileAtomic } from '../../io/file-write.js';
import { JsonSyntaxError } from '../../registry/json.js';
import { appendFlagEntry, didYouMean, DIMENSIONS, FLAG_KEY_PATTERN, formatIssue, isValidDate, parseRegistry, readRegistryText, RegistryReadError, type FlagValue } from '../../registry/registry.js';
import type { CliIO } from '../../io/process-io.js';
import { UsageError, type ParsedValues } from '../args.js';
import type { ADD, INIT } from './specs.js';

const DEFAULT_CLEANUP_DAYS = 90;
/** The ESLint rule require-cleanup-date's default maxHorizonDays: a date past it would fail lint on the first read. */
const MAX_CLEANUP_DAYS = 180;
const DAY_MS = 86_400_000;

const SCHEMA_PATH = './node_modules/modelflags/schema/flags.schema.json';

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function checkedToday(today: string | undefined): string {
  if (today === undefined) return todayUtc();
  if (!isValidDate(today)) throw new UsageError(`--today must be a date like 2026-01-31 (got "${today}")`);
  return today;
}

/** The README's ESLint config, naming the registry just written. */
function eslintConfig(registryPath: string): string {
  return `// eslint.config.js
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import modelflags from 'eslint-plugin-modelflags';

export default defineConfig([
  tseslint.configs.recommended,
  {
    extends: [modelflags.configs.recommended],
    settings: { modelflags: { registry: ${JSON.stringify(registryPath)} } },
  },
]);`;
}

export function runInit(values: ParsedValues<typeof INIT.options>, io: CliIO, today = todayUtc()): number {
  const path = resolve(io.cwd, values.registry);
  if (existsSync(path)) throw new UsageError(`${values.registry}: already exists; it was left as it is. Add flags to it with \`npx modelflags add <flag> …\``);
  const cleanupBy = addDays(today, DEFAULT_CLEANUP_DAYS);
  const q = (v: unknown): string => JSON.stringify(v);
  // Written out rather than JSON.stringify'd: variants and rules one per line, as in the docs.
  const text = `{
  "$schema": ${q(SCHEMA_PATH)},
  "flags": [
    {
      "flag": "inference_model",
      "description": "LLM that answers chat requests (an example: edit it, or replace it with modelflags add)",
      "dimension": "model",
      "owner": "your-team",
      "cleanup_by": ${q(cleanupBy)},
      "variants": ["claude-3-haiku", "claude-sonnet-4-6"],
      "default": "claude-3-haiku",
      "rules": [
        { "condition": { "rollout_percentage": 10 }, "value": "claude-sonnet-4-6" }
      ]
    }
  ]
}
`;
  writeFileAtomic(path, text, { expected: null });
  io.out(`wrote ${values.registry} with one example flag (cleanup_by ${cleanupBy})`);
  io.out('');
  io.out('Next:');
  io.out('  npx modelflags add <flag> --variants a,b --default a --owner <team>   add your flags');
  io.out('  npx modelflags generate                                              write the typed module');
  io.out('');
  io.out(`Add the ESLint plugin to your config (without typescript-eslint, leave out its line):\n\n${eslintConfig(values.registry)}`);
  return 0;
}

/** `90d`, `12w` or a bare number of days. */
function parseCleanupIn(raw: string): number {
  const m = /^(\d+)\s*([dw]?)$/.exec(raw.trim());
  if (!m) throw new UsageError(`--cleanup-in must be a number of days or weeks, like 90d or 12w (got "${raw}")`);
  return Number(m[1]) * (m[2] === 'w' ? 7 : 1);
}

/** Variants as typed: all numbers or all booleans become those, anything else stays text. */
function parseVariants(raw: string): FlagValue[] {
  const words = raw.split(',').map((w) => w.trim());
  if (words.some((w) => w === '')) throw new UsageError(`--variants has an empty name in "${raw}"; write them like --variants claude-3-haiku,claude-sonnet-4-6`);
  if (words.every((w) => w === 'true' || w === 'false')) return words.map((w) => w === 'true');
  if (words.every((w) => /^-?\d+(\.\d+)?$/.test(w))) return words.map(Number);
  return words;
}

export function runAdd(values: ParsedValues<typeof ADD.options>, positionals: readonly string[], io: CliIO): number {
  const [key, ...extra] = positionals;
  if (key === undefined) throw new UsageError('add needs a flag key: modelflags add summary_model --variants a,b --default a --owner team');
  if (extra.length > 0) throw new UsageError(`add takes one flag key (got also: ${extra.join(' ')}); quote a description with spaces: --description "…"`);
  if (!FLAG_KEY_PATTERN.test(key)) throw new UsageError(`"${key}" is not a valid flag key: use letters, digits, ".", "_" and "-", starting with a letter or digit`);
  const missing = (['variants', 'default', 'owner'] as const).filter((o) => values[o] === undefined || values[o].trim() === '');
  if (missing.length > 0) throw new UsageError(`add needs ${missing.map((o) => `--${o}`).join(', ')}: every flag says what it serves and who removes it`);
  const variants = parseVariants(values.variants!);
  const duplicate = variants.find((v, i) => variants.indexOf(v) !== i);
  if (duplicate !== undefined) throw new UsageError(`--variants lists "${String(duplicate)}" twice`);
  const defaultValue = variants.find((v) => String(v) === values.default!.trim());
  if (defaultValue === undefined) throw new UsageError(`--default "${values.default}" is not one of --variants (${variants.join(', ')})`);
  if (values.dimension !== undefined && !(DIMENSIONS as readonly string[]).includes(values.dimension)) {
    throw new UsageError(`--dimension must be one of: ${DIMENSIONS.join(', ')} (got "${values.dimension}")${didYouMean(values.dimension, DIMENSIONS)}`);
  }
  const today = checkedToday(values.today);
  if (values['cleanup-in'] !== undefined && values['cleanup-by'] !== undefined) throw new UsageError('give --cleanup-in or --cleanup-by, not both');
  let cleanupBy: string;
  if (values['cleanup-by'] !== undefined) {
    if (!isValidDate(values['cleanup-by'])) throw new UsageError(`--cleanup-by must be a date like 2027-03-31 (got "${values['cleanup-by']}")`);
    cleanupBy = values['cleanup-by'];
  } else cleanupBy = addDays(today, values['cleanup-in'] !== undefined ? parseCleanupIn(values['cleanup-in']) : DEFAULT_CLEANUP_DAYS);
  const horizon = daysBetween(today, cleanupBy);
  if (horizon <= 0) throw new UsageError(`the cleanup date ${cleanupBy} is not after today (${today}); give a date in the future`);
  if (horizon > MAX_CLEANUP_DAYS) throw new UsageError(`the cleanup date ${cleanupBy} is ${horizon} days away; at most ${MAX_CLEANUP_DAYS} (the lint rule require-cleanup-date's limit). Plan a shorter rollout, or move the date later when it nears`);

  const path = resolve(io.cwd, values.registry);
  let text: string;
  try {
    text = readRegistryText(path, values.registry);
  } catch (error) {
    if (error instanceof RegistryReadError) throw new UsageError(`${error.message.replace(/\(see docs\/registry\.md\)$/, 'with `npx modelflags init`')}`);
    throw error;
  }
  const before = parseRegistry(text, values.registry);
  if (!before.registry) {
    for (const issue of before.issues) io.err(formatIssue(issue));
    throw new UsageError(`${values.registry}: fix the problems above (\`modelflags check\`), then add the flag; nothing was written`);
  }
  if (before.registry.byKey.has(key)) {
    const pos = before.registry.json.positionOf(`${before.registry.byKey.get(key)!.pointer}/flag`);
    throw new UsageError(`${values.registry}:${pos?.line ?? 1}:${pos?.column ?? 1}: ${key} is already in the registry; nothing was written`);
  }
  const entry = {
    flag: key,
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...(values.dimension !== undefined ? { dimension: values.dimension } : {}),
    owner: values.owner!.trim(),
    cleanup_by: cleanupBy,
    variants,
    default: defaultValue,
    rules: [],
  };
  let updated: string;
  try {
    updated = appendFlagEntry(text, entry);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new UsageError(`${values.registry}:${error.position.line}:${error.position.column}: ${error.message}; nothing was written`);
  }
  // The splice must give a registry that still validates; if it does not, the file is left alone.
  const after = parseRegistry(updated, values.registry);
  if (!after.registry) throw new UsageError(`${values.registry}: the new entry would not validate (${after.issues.map((i) => i.message).join('; ')}); nothing was written`);
  try {
    writeFileAtomic(path, updated, { expected: text });
  } catch (error) {
    if (error instanceof FileWriteError && error.failure === 'changed') throw new UsageError(`${values.registry} changed while the flag was being added; nothing was written. Run the command again`);
    throw error;
  }
  io.out(`added ${key} to ${values.registry}: ${variants.length} variants, default ${JSON.stringify(defaultValue)}, owner ${entry.owner}, cleanup_by ${cleanupBy}`);
  io.out('next: `npx modelflags generate` to update the typed module');
  return 0;
}
