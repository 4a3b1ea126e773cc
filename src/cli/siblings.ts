/**
 * The two commands that need another package of the project: `audit` needs flag-read detection
 * (eslint-plugin-modelflags), `remove` needs the codemod (remove-flag). `modelflags` stays free of
 * dependencies, so it loads them only when such a command runs, and says what to install when
 * they are missing. The interfaces below are the contract; the sibling packages type their entry
 * points with them, so a change on either side fails the build.
 */
import type { CliIO } from '../io/process-io.js';
import type { RegistryReader } from '../registry/model.js';
import { UsageError } from './args.js';

/** A flag read as the audit sees it: where it is and, when detection could tell, which flag. */
export interface ScannedRead {
  /** Relative to the scan's working directory, with forward slashes. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The method or function that reads the flag, for messages. */
  method: string;
  /** The flag key, or undefined when the key is computed at run time or could not be resolved. */
  key: string | undefined;
  /** True when the key is computed at run time, so no tool can tell which flag is read. */
  dynamic: boolean;
}

/** A file whose reads were not found: it could not be read or does not parse. */
export interface ScanProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ScanOptions {
  cwd: string;
  /** Files or directories, relative to `cwd`. */
  paths: readonly string[];
  registryKeys: ReadonlySet<string>;
  readers: readonly RegistryReader[];
  onProgress?: (scanned: number, total: number) => void;
}

export type ProjectScan =
  | { ok: true; filesScanned: number; reads: ScannedRead[]; problems: ScanProblem[] }
  /** A path that does not exist or holds no source: scanning nothing would report every flag unused. */
  | { ok: false; refused: string[] };

/** `eslint-plugin-modelflags/detection`, as the audit uses it. */
export interface DetectionEntry {
  scanFlagReads(options: ScanOptions): Promise<ProjectScan>;
}

/** `remove-flag/cli`, as `modelflags remove` runs it. */
export interface RemoveFlagEntry {
  runCli(argv: readonly string[], io: CliIO): Promise<number>;
}

export function loadDetection(command: string): Promise<DetectionEntry> {
  return loadSibling<DetectionEntry>(
    'eslint-plugin-modelflags',
    'eslint-plugin-modelflags/detection',
    command,
    'flag-read detection',
  );
}

export function loadRemoveFlag(): Promise<RemoveFlagEntry> {
  return loadSibling<RemoveFlagEntry>('remove-flag', 'remove-flag/cli', 'remove', 'the codemod');
}

async function loadSibling<T>(pkg: string, specifier: string, command: string, what: string): Promise<T> {
  try {
    // A specifier held in a variable: the types come from the contract above, not from the
    // sibling package, which `modelflags` neither depends on nor builds against.
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      String((error as Error).message).includes(`'${pkg}`);
    if (!missing) throw error;
    throw new UsageError(
      `\`modelflags ${command}\` needs ${what} from the ${pkg} package, which is not installed here.\nInstall it beside modelflags (same version): npm install --save-dev ${pkg}`,
    );
  }
}
