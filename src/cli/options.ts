/** Options several commands share, and reading the registry they name. */
import { resolve } from 'node:path';
import { FileWriteError, writeFileAtomic } from '../io/file-write.js';
import type { CliIO } from '../io/process-io.js';
import { readRegistryText, RegistryReadError } from '../registry/load.js';
import type { Registry } from '../registry/model.js';
import { todayUtc } from '../registry/retire.js';
import { formatIssue, isValidDate, parseRegistry, parseTimestamp } from '../registry/validate.js';
import { UsageError, type OptionSpec } from './args.js';

export const registryOption = {
  type: 'string',
  default: 'flags.json',
  value: 'file',
  description: 'the flag registry',
} as const satisfies OptionSpec;
export const outOption = {
  type: 'string',
  value: 'file',
  description: 'the generated typed module (default: flags.generated.ts beside the registry)',
} as const satisfies OptionSpec;
export const openFeatureOption = {
  type: 'boolean',
  default: false,
  description: "augment OpenFeature's flag-key types in the generated module",
} as const satisfies OptionSpec;

/** The registry is invalid; its problems are printed. `check` exits 1 on it, other commands 2. */
export class InvalidRegistry extends Error {}

/** Reads the registry at `path` (as the user wrote it, which messages repeat) relative to the cwd. */
export function readRegistry(path: string, io: CliIO): Registry {
  return readRegistryForEdit(path, io).registry;
}

/**
 * {@link readRegistry}, with the text it was parsed from and the absolute path, for a command that
 * edits the file: it splices that text and writes it back only if the file still holds it.
 */
export function readRegistryForEdit(path: string, io: CliIO): { registry: Registry; text: string; file: string } {
  const file = resolve(io.cwd, path);
  let text: string;
  try {
    text = readRegistryText(file, path);
  } catch (error) {
    throw error instanceof RegistryReadError ? new UsageError(error.message) : error;
  }
  const { registry, issues } = parseRegistry(text, path);
  if (!registry) {
    for (const issue of issues) io.err(formatIssue(issue));
    throw new InvalidRegistry(
      `${path}: ${issues.length} problem${issues.length === 1 ? '' : 's'}; fix them and run again`,
    );
  }
  return { registry, text, file };
}

/**
 * Writes an edit of the registry text read by {@link readRegistryForEdit}, only if the file still
 * holds that text: a save that landed in between is never overwritten, and the user is told to run
 * the command again (`doing` says what was under way, e.g. "the flag was being added").
 */
export function writeEditedRegistry(file: string, path: string, read: string, updated: string, doing: string): void {
  try {
    writeFileAtomic(file, updated, { expected: read });
  } catch (error) {
    if (error instanceof FileWriteError && error.failure === 'changed')
      throw new UsageError(`${path} changed while ${doing}; nothing was written. Run the command again`);
    throw error;
  }
}

/** `--today`: a valid date, or today (UTC) when absent. */
export function todayOption(today: string | undefined): string {
  if (today === undefined) return todayUtc();
  if (!isValidDate(today)) throw new UsageError(`--today must be a date like 2026-01-31 (got "${today}")`);
  return today;
}

/** `--now`: an ISO date-time with a time zone, as rollout schedules are written, or the clock when absent. */
export function nowOption(now: string | undefined): number {
  if (now === undefined) return Date.now();
  const ms = parseTimestamp(now);
  if (ms === undefined)
    throw new UsageError(`--now must be a date-time with a time zone, like 2026-12-10T09:00:00Z (got "${now}")`);
  return ms;
}
