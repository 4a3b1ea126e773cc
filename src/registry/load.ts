/** Reading a registry file from disk, with the message every entry point gives for a missing one. */
import { readFileSync } from 'node:fs';
import type { Registry } from './model.js';
import { parseRegistryOrThrow, RegistryError } from './validate.js';

/** The registry file could not be read (missing, unreadable); the message says what to do. */
export class RegistryReadError extends Error {}

/**
 * Reads a registry file's text. `shownAs` is the path as the user wrote it, which the message
 * repeats; every command-line entry point reports a missing registry the same way.
 */
export function readRegistryText(path: string, shownAs: string = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new RegistryReadError(
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${shownAs}: no registry here. Pass --registry <path to flags.json>, or create one (see docs/registry.md)`
        : `${shownAs}: cannot read the registry: ${(error as Error).message}`,
    );
  }
}

/** Reads and validates a registry file; throws a {@link RegistryError} naming file, line and column. */
export function loadRegistryFile(path: string): Registry {
  let text: string;
  try {
    text = readRegistryText(path);
  } catch (error) {
    if (!(error instanceof RegistryReadError)) throw error;
    throw new RegistryError([{ file: path, line: 1, column: 1, pointer: '', flag: undefined, message: error.message }]);
  }
  return parseRegistryOrThrow(text, path);
}
