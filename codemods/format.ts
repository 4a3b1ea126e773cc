/**
 * The project's own Prettier, when it has one, formats what the rewrite changed: recast reprints
 * a node it rebuilt in its own layout (a destructuring one property a line) and never reflows a
 * call that now fits on one line, so a file that passed `prettier --check` would fail it after the
 * run. Prettier is optional and never a dependency of remove-flag: it is resolved from the changed
 * file's folder up (its package's `node_modules`, then the workspace root's), as the project's
 * own `prettier` bin would be. Only a file that was Prettier-clean before the run, under the
 * project's configuration, is formatted; any other keeps the rewrite's layout, so lines outside
 * the edit never move in a file its authors do not format.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The part of Prettier's API (2 and 3 alike; 3 answers with promises) this module uses. */
interface PrettierApi {
  version: string;
  resolveConfig(file: string, options?: { editorconfig?: boolean }): unknown;
  resolveConfigFile(file: string): unknown;
  getFileInfo(file: string, options?: { ignorePath?: string; plugins?: unknown[] }): unknown;
  check(text: string, options: Record<string, unknown>): unknown;
  format(text: string, options: Record<string, unknown>): unknown;
}

export interface Formatting {
  /** The Prettier version used, when one was found for some changed file. */
  prettier: string | undefined;
  /** Files formatted with it: each was Prettier-clean before the run. */
  formatted: string[];
  /** Changed files that were not Prettier-clean before the run, left as the rewrite made them. */
  notClean: string[];
  /** Changed files Prettier failed on (a plugin it cannot load, syntax it cannot parse), left as the rewrite made them. */
  failed: { file: string; reason: string }[];
}

/**
 * Formats each of `changes` (absolute path → new text) whose `original` text was Prettier-clean,
 * in place; returns what was done. Files with no Prettier above them are neither formatted nor
 * listed.
 */
export async function formatWithProjectPrettier(
  changes: Map<string, string>,
  original: ReadonlyMap<string, string>,
  root: string,
): Promise<Formatting> {
  const result: Formatting = { prettier: undefined, formatted: [], notClean: [], failed: [] };
  const loaded = new Map<string, PrettierApi | undefined>();
  for (const [file, text] of changes) {
    const before = original.get(file);
    if (before === undefined) continue;
    const prettier = prettierFor(file, loaded);
    if (!prettier) continue;
    result.prettier ??= prettier.version;
    try {
      // As `prettier --check` reads the configuration: its files and .editorconfig.
      const config = ((await prettier.resolveConfig(file, { editorconfig: true })) ?? {}) as Record<string, unknown>;
      const configFile = (await prettier.resolveConfigFile(file)) as string | null;
      const options = { ...config, ...pluginsFrom(config, configFile), filepath: file };
      const info = (await prettier.getFileInfo(file, {
        ignorePath: join(root, '.prettierignore'),
        ...('plugins' in options ? { plugins: options.plugins } : {}),
      })) as { ignored?: boolean; inferredParser?: string | null };
      // An ignored file, or one no parser reads, is not the formatter's business.
      if (info.ignored || !(config['parser'] ?? info.inferredParser)) continue;
      if (!(await prettier.check(before, options))) {
        result.notClean.push(file);
        continue;
      }
      const formatted = (await prettier.format(text, options)) as string;
      if (formatted !== text) changes.set(file, formatted);
      result.formatted.push(file);
    } catch (error) {
      result.failed.push({ file, reason: String((error as Error).message ?? error).split('\n')[0]! });
    }
  }
  return result;
}

/**
 * The configuration's plugins, named by package or relative path, resolved from the file that
 * names them: Prettier resolves such names from the working directory, which is the project's
 * own when its `prettier` command runs, but not remove-flag's.
 */
function pluginsFrom(config: Record<string, unknown>, configFile: string | null): { plugins?: unknown[] } {
  const plugins = config['plugins'];
  if (!Array.isArray(plugins) || !configFile) return {};
  const require = createRequire(configFile);
  return {
    plugins: plugins.map((plugin: unknown) => {
      if (typeof plugin !== 'string') return plugin;
      try {
        return require.resolve(plugin);
      } catch {
        return plugin;
      }
    }),
  };
}

/** The Prettier a file's folder resolves, loaded once per installation. */
function prettierFor(file: string, loaded: Map<string, PrettierApi | undefined>): PrettierApi | undefined {
  const require = createRequire(join(dirname(file), 'noop.js'));
  let path: string;
  try {
    path = require.resolve('prettier');
  } catch {
    return undefined;
  }
  if (!loaded.has(path)) {
    let api: PrettierApi | undefined;
    try {
      const candidate = require(path) as Partial<PrettierApi>;
      api =
        typeof candidate.format === 'function' && typeof candidate.check === 'function'
          ? (candidate as PrettierApi)
          : undefined;
    } catch {
      api = undefined;
    }
    loaded.set(path, api);
  }
  return loaded.get(path);
}
