/** `modelflags add`: a flag born with variants, a default, an owner and a cleanup date. */
import { resolve } from 'node:path';
import { appendFlagEntry } from '../../registry/edit.js';
import { JsonSyntaxError } from '../../registry/json.js';
import { readRegistryText, RegistryReadError } from '../../registry/load.js';
import { DIMENSIONS, FLAG_KEY_PATTERN, type FlagValue } from '../../registry/model.js';
import { addDays, CLEANUP_HORIZON_DAYS, daysBetween, DEFAULT_CLEANUP_DAYS } from '../../registry/retire.js';
import { didYouMean } from '../../registry/suggest.js';
import { formatIssue, isValidDate, parseRegistry } from '../../registry/validate.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { registryOption, todayOption, writeEditedRegistry } from '../options.js';

/** `90d`, `12w` or a bare number of days. */
function parseCleanupIn(raw: string): number {
  const m = /^(\d+)\s*([dw]?)$/.exec(raw.trim());
  if (!m) throw new UsageError(`--cleanup-in must be a number of days or weeks, like 90d or 12w (got "${raw}")`);
  return Number(m[1]) * (m[2] === 'w' ? 7 : 1);
}

/** Variants as typed: all numbers or all booleans become those, anything else stays text. */
function parseVariants(raw: string): FlagValue[] {
  const words = raw.split(',').map((w) => w.trim());
  if (words.some((w) => w === ''))
    throw new UsageError(
      `--variants has an empty name in "${raw}"; write them like --variants claude-3-haiku,claude-sonnet-4-6`,
    );
  if (words.every((w) => w === 'true' || w === 'false')) return words.map((w) => w === 'true');
  if (words.every((w) => /^-?\d+(\.\d+)?$/.test(w))) return words.map(Number);
  return words;
}

export default defineCommand(
  'add a flag with an owner and a cleanup date',
  {
    name: 'modelflags add',
    positionals: '<flag>',
    summary: 'Adds a flag to the registry, born with an owner and a cleanup date, keeping the file as formatted.',
    options: {
      registry: registryOption,
      variants: {
        type: 'string',
        value: 'a,b,...',
        description: 'every value the flag may serve, comma-separated (required)',
      },
      default: { type: 'string', value: 'variant', description: 'the variant served when no rule matches (required)' },
      owner: { type: 'string', value: 'team', description: 'who removes the flag (required)' },
      dimension: {
        type: 'string',
        value: 'name',
        description: 'what the flag varies: model, prompt, retrieval, format, parameter or other',
      },
      'cleanup-in': {
        type: 'string',
        value: 'days',
        description: 'cleanup date this far from today, like 90d or 12w (default: 90d)',
      },
      'cleanup-by': { type: 'string', value: 'YYYY-MM-DD', description: 'cleanup date (instead of --cleanup-in)' },
      description: { type: 'string', value: 'text', description: 'what the flag is for' },
      today: {
        type: 'string',
        value: 'YYYY-MM-DD',
        description: 'count --cleanup-in from this date (default: today, UTC)',
      },
    },
    examples: [
      'npx modelflags add summary_model --variants claude-3-haiku,claude-sonnet-4-6 --default claude-3-haiku --owner ml-platform --dimension model',
    ],
  },
  (values, positionals, io) => {
    const [key, ...extra] = positionals;
    if (key === undefined)
      throw new UsageError(
        'add needs a flag key: modelflags add summary_model --variants a,b --default a --owner team',
      );
    if (extra.length > 0)
      throw new UsageError(
        `add takes one flag key (got also: ${extra.join(' ')}); quote a description with spaces: --description "…"`,
      );
    if (!FLAG_KEY_PATTERN.test(key))
      throw new UsageError(
        `"${key}" is not a valid flag key: use letters, digits, ".", "_" and "-", starting with a letter or digit`,
      );
    const missing = (['variants', 'default', 'owner'] as const).filter(
      (o) => values[o] === undefined || values[o].trim() === '',
    );
    if (missing.length > 0)
      throw new UsageError(
        `add needs ${missing.map((o) => `--${o}`).join(', ')}: every flag says what it serves and who removes it`,
      );
    const variants = parseVariants(values.variants!);
    const duplicate = variants.find((v, i) => variants.indexOf(v) !== i);
    if (duplicate !== undefined) throw new UsageError(`--variants lists "${String(duplicate)}" twice`);
    const defaultValue = variants.find((v) => String(v) === values.default!.trim());
    if (defaultValue === undefined)
      throw new UsageError(`--default "${values.default}" is not one of --variants (${variants.join(', ')})`);
    if (values.dimension !== undefined && !(DIMENSIONS as readonly string[]).includes(values.dimension)) {
      throw new UsageError(
        `--dimension must be one of: ${DIMENSIONS.join(', ')} (got "${values.dimension}")${didYouMean(values.dimension, DIMENSIONS)}`,
      );
    }
    const today = todayOption(values.today);
    if (values['cleanup-in'] !== undefined && values['cleanup-by'] !== undefined)
      throw new UsageError('give --cleanup-in or --cleanup-by, not both');
    let cleanupBy: string;
    if (values['cleanup-by'] !== undefined) {
      if (!isValidDate(values['cleanup-by']))
        throw new UsageError(`--cleanup-by must be a date like 2027-03-31 (got "${values['cleanup-by']}")`);
      cleanupBy = values['cleanup-by'];
    } else
      cleanupBy = addDays(
        today,
        values['cleanup-in'] !== undefined ? parseCleanupIn(values['cleanup-in']) : DEFAULT_CLEANUP_DAYS,
      );
    const horizon = daysBetween(today, cleanupBy);
    if (horizon <= 0)
      throw new UsageError(`the cleanup date ${cleanupBy} is not after today (${today}); give a date in the future`);
    if (horizon > CLEANUP_HORIZON_DAYS)
      throw new UsageError(
        `the cleanup date ${cleanupBy} is ${horizon} days away; at most ${CLEANUP_HORIZON_DAYS} (the lint rule require-cleanup-date's limit). Plan a shorter rollout, or move the date later when it nears`,
      );

    const path = resolve(io.cwd, values.registry);
    let text: string;
    try {
      text = readRegistryText(path, values.registry);
    } catch (error) {
      if (error instanceof RegistryReadError)
        throw new UsageError(`${error.message.replace(/\(see docs\/registry\.md\)$/, 'with `npx modelflags init`')}`);
      throw error;
    }
    const before = parseRegistry(text, values.registry);
    if (!before.registry) {
      for (const issue of before.issues) io.err(formatIssue(issue));
      throw new UsageError(
        `${values.registry}: fix the problems above (\`modelflags check\`), then add the flag; nothing was written`,
      );
    }
    if (before.registry.byKey.has(key)) {
      const pos = before.registry.json.positionOf(`${before.registry.byKey.get(key)!.pointer}/flag`);
      throw new UsageError(
        `${values.registry}:${pos?.line ?? 1}:${pos?.column ?? 1}: ${key} is already in the registry; nothing was written`,
      );
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
      throw new UsageError(
        `${values.registry}:${error.position.line}:${error.position.column}: ${error.message}; nothing was written`,
      );
    }
    // The splice must give a registry that still validates; if it does not, the file is left alone.
    const after = parseRegistry(updated, values.registry);
    if (!after.registry)
      throw new UsageError(
        `${values.registry}: the new entry would not validate (${after.issues.map((i) => i.message).join('; ')}); nothing was written`,
      );
    writeEditedRegistry(path, values.registry, text, updated, 'the flag was being added');
    io.out(
      `added ${key} to ${values.registry}: ${variants.length} variants, default ${JSON.stringify(defaultValue)}, owner ${entry.owner}, cleanup_by ${cleanupBy}`,
    );
    io.out('next: `npx modelflags generate` to update the typed module');
    return 0;
  },
);
