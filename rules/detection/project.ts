/**
 * What detection can see of the rest of a project without type information: where an import
 * resolves (relative paths, tsconfig `paths` and `baseUrl`, packages of an npm/yarn `workspaces`
 * or `pnpm-workspace.yaml` monorepo), and another file's syntax tree. Enough to read an enum or an `as const` object exported by a workspace
 * package, or a Vercel `flag()` defined in `flags.ts`; anything further (types, re-exports through
 * generated code) is the type-checked config's job.
 *
 * Configuration files are read once per process (a lint run, an editor session); source files
 * are re-read when their modification time changes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { TSESTree } from '@typescript-eslint/types';
import type { ScopeManager } from '@typescript-eslint/scope-manager';
import type { ProjectView } from './types.js';
import { SOURCE_EXTENSIONS } from './files.js';
import { parseForDetection } from './parse.js';

const EXTENSIONS = SOURCE_EXTENSIONS.map((e) => `.${e}`);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `./flags` → `./flags.ts`, `./flags/index.tsx`; `./flags.js` → `./flags.ts` (TypeScript's ESM spelling). */
function withExtension(base: string): string | undefined {
  if (isFile(base) && EXTENSIONS.some((e) => base.endsWith(e))) {
    const source = base.replace(/\.(m|c)?js$/, '.$1ts');
    return source !== base && isFile(source) ? source : base;
  }
  const stripped = base.replace(/\.(m|c)?jsx?$/, '');
  for (const ext of EXTENSIONS) if (isFile(stripped + ext)) return stripped + ext;
  for (const ext of EXTENSIONS) if (isFile(join(base, `index${ext}`))) return join(base, `index${ext}`);
  return undefined;
}

/** JSON with comments and trailing commas, as tsconfig files are written. */
function readJsonc(path: string): unknown {
  try {
    const text = readFileSync(path, 'utf8')
      .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_, string: string | undefined) => string ?? '')
      .replace(/,(\s*[}\]])/g, '$1');
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function findUp(from: string, found: (dir: string) => boolean): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (found(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

interface PathMapping {
  baseUrl: string | undefined;
  /** Directory `paths` entries are relative to. */
  pathsBase: string;
  paths: [pattern: string, targets: string[]][];
}

const tsconfigs = new Map<string, PathMapping | undefined>();

/** `compilerOptions.baseUrl` and `paths` of the nearest tsconfig.json, following relative `extends`. */
function pathMapping(dir: string): PathMapping | undefined {
  const configDir = findUp(dir, (d) => existsSync(join(d, 'tsconfig.json')));
  if (configDir === undefined) return undefined;
  if (tsconfigs.has(configDir)) return tsconfigs.get(configDir);
  let mapping: PathMapping | undefined;
  let file: string | undefined = join(configDir, 'tsconfig.json');
  const merged: { baseUrl?: string; baseDir?: string; paths?: Record<string, string[]>; pathsDir?: string } = {};
  for (let hops = 0; file && hops < 5; hops++) {
    const config = readJsonc(file) as
      { extends?: unknown; compilerOptions?: { baseUrl?: unknown; paths?: unknown } } | undefined;
    const options = config?.compilerOptions;
    if (merged.baseUrl === undefined && typeof options?.baseUrl === 'string') {
      merged.baseUrl = options.baseUrl;
      merged.baseDir = dirname(file);
    }
    if (merged.paths === undefined && options?.paths && typeof options.paths === 'object') {
      merged.paths = options.paths as Record<string, string[]>;
      merged.pathsDir = dirname(file);
    }
    const parent: string | undefined =
      typeof config?.extends === 'string' && config.extends.startsWith('.')
        ? resolve(dirname(file), config.extends)
        : undefined;
    file = parent === undefined ? undefined : parent.endsWith('.json') ? parent : `${parent}.json`;
  }
  if (merged.baseUrl !== undefined || merged.paths !== undefined) {
    const baseUrl = merged.baseUrl === undefined ? undefined : resolve(merged.baseDir!, merged.baseUrl);
    mapping = {
      baseUrl,
      pathsBase: baseUrl ?? merged.pathsDir!,
      paths: Object.entries(merged.paths ?? {}).filter((e): e is [string, string[]] => Array.isArray(e[1])),
    };
  }
  tsconfigs.set(configDir, mapping);
  return mapping;
}

const workspaces = new Map<string, ReadonlyMap<string, string> | undefined>();

/** Package name → directory for the monorepo around `dir` (npm/yarn `workspaces`, `pnpm-workspace.yaml`). */
function workspacePackages(dir: string): ReadonlyMap<string, string> | undefined {
  const root = findUp(
    dir,
    (d) => existsSync(join(d, 'pnpm-workspace.yaml')) || hasWorkspacesField(join(d, 'package.json')),
  );
  if (root === undefined) return undefined;
  if (workspaces.has(root)) return workspaces.get(root);
  const patterns = workspacePatterns(root);
  const packages = new Map<string, string>();
  for (const pattern of patterns) {
    for (const packageDir of expandPattern(root, pattern)) {
      const manifest = readJsonc(join(packageDir, 'package.json')) as { name?: unknown } | undefined;
      if (typeof manifest?.name === 'string') packages.set(manifest.name, packageDir);
    }
  }
  workspaces.set(root, packages);
  return packages;
}

/**
 * The monorepo `dir` belongs to: the nearest workspace root at or above it whose root directory or
 * one of whose packages holds `dir`. A folder of a repository that is in no package (an example,
 * a test scratch directory) belongs to no monorepo, though a workspace root sits above it.
 */
export function workspaceRootOf(dir: string): string | undefined {
  const root = findUp(
    dir,
    (d) => existsSync(join(d, 'pnpm-workspace.yaml')) || hasWorkspacesField(join(d, 'package.json')),
  );
  if (root === undefined) return undefined;
  if (resolve(dir) === resolve(root)) return root;
  const packages = workspacePackages(root);
  for (const packageDir of packages?.values() ?? []) {
    const rel = relative(packageDir, dir);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return root;
  }
  return undefined;
}

function hasWorkspacesField(path: string): boolean {
  if (!existsSync(path)) return false;
  const manifest = readJsonc(path) as { workspaces?: unknown } | undefined;
  return manifest?.workspaces !== undefined;
}

function workspacePatterns(root: string): string[] {
  const manifest = readJsonc(join(root, 'package.json')) as { workspaces?: unknown } | undefined;
  const field = manifest?.workspaces;
  const list = Array.isArray(field) ? field : (field as { packages?: unknown } | undefined)?.packages;
  const patterns = Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
  const yaml = join(root, 'pnpm-workspace.yaml');
  if (existsSync(yaml)) {
    // The `packages:` list only; the rest of the file (catalogs, overrides) does not name packages.
    let inPackages = false;
    for (const line of readFileSync(yaml, 'utf8').split('\n')) {
      if (/^packages\s*:/.test(line)) inPackages = true;
      else if (/^\S/.test(line)) inPackages = false;
      else if (inPackages) {
        const item = /^\s*-\s*['"]?([^'"#]+?)['"]?\s*(#.*)?$/.exec(line);
        if (item) patterns.push(item[1]!);
      }
    }
  }
  return patterns.filter((p) => !p.startsWith('!'));
}

/** `packages/*`, `apps/**`, `lib/shared`: directories with a package.json (`**` goes two levels down). */
function expandPattern(root: string, pattern: string): string[] {
  let dirs = [root];
  for (const part of pattern.replace(/\/+$/, '').split('/')) {
    if (part === '' || part === '.') continue;
    const next: string[] = [];
    for (const dir of dirs) {
      if (part === '*' || part === '**') {
        for (const child of subdirectories(dir)) {
          next.push(child);
          if (part === '**') next.push(...subdirectories(child));
        }
      } else if (part.includes('*')) {
        const matcher = new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        for (const child of subdirectories(dir)) if (matcher.test(child.slice(dir.length + 1))) next.push(child);
      } else next.push(join(dir, part));
    }
    dirs = next;
  }
  return dirs.filter((d) => existsSync(join(d, 'package.json')));
}

function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

/** A workspace package's entry, preferring its TypeScript sources over built output. */
function packageEntry(packageDir: string, subpath: string): string | undefined {
  if (subpath !== '')
    return withExtension(join(packageDir, subpath)) ?? withExtension(join(packageDir, 'src', subpath));
  const manifest = readJsonc(join(packageDir, 'package.json')) as Record<string, unknown> | undefined;
  const exported = manifest?.['exports'];
  const dot = typeof exported === 'string' ? exported : (exported as Record<string, unknown> | undefined)?.['.'];
  const fromExports =
    typeof dot === 'string'
      ? [dot]
      : dot && typeof dot === 'object'
        ? Object.values(dot).filter((v): v is string => typeof v === 'string')
        : [];
  const candidates = [
    manifest?.['source'],
    ...fromExports,
    manifest?.['types'],
    manifest?.['typings'],
    manifest?.['module'],
    manifest?.['main'],
  ].filter((v): v is string => typeof v === 'string');
  for (const candidate of [
    ...candidates.filter((c) => /\.[cm]?tsx?$/.test(c) && !c.endsWith('.d.ts')),
    'src/index',
    'index',
    ...candidates,
  ]) {
    const found = withExtension(join(packageDir, candidate.replace(/\.d\.ts$/, '')));
    if (found) return found;
  }
  return undefined;
}

function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  const dir = dirname(fromFile);
  if (specifier.startsWith('.')) return withExtension(resolve(dir, specifier));
  if (isAbsolute(specifier)) return withExtension(specifier);
  // SvelteKit's built-in alias, declared in generated config that a checkout does not have.
  if (specifier === '$lib' || specifier.startsWith('$lib/')) {
    const app = findUp(dir, (d) => existsSync(join(d, 'svelte.config.js')) || existsSync(join(d, 'svelte.config.ts')));
    if (app !== undefined) return withExtension(join(app, 'src', 'lib', specifier.slice('$lib'.length)));
  }
  const mapping = pathMapping(dir);
  if (mapping) {
    for (const [pattern, targets] of mapping.paths) {
      const star = pattern.indexOf('*');
      const matched =
        star < 0
          ? pattern === specifier
            ? ''
            : undefined
          : specifier.startsWith(pattern.slice(0, star)) && specifier.endsWith(pattern.slice(star + 1))
            ? specifier.slice(star, specifier.length - (pattern.length - star - 1))
            : undefined;
      if (matched === undefined) continue;
      for (const target of targets) {
        const found = withExtension(resolve(mapping.pathsBase, target.replace('*', matched)));
        if (found) return found;
      }
    }
    if (mapping.baseUrl !== undefined) {
      const found = withExtension(resolve(mapping.baseUrl, specifier));
      if (found) return found;
    }
  }
  const packages = workspacePackages(dir);
  if (packages) {
    const parts = specifier.split('/');
    const nameLength = specifier.startsWith('@') ? 2 : 1;
    const packageDir = packages.get(parts.slice(0, nameLength).join('/'));
    if (packageDir) return packageEntry(packageDir, parts.slice(nameLength).join('/'));
  }
  return undefined;
}

const resolutions = new Map<string, string | undefined>();
const texts = new Map<string, { mtime: number; text: string | undefined }>();
const parsed = new Map<
  string,
  { text: string; result: { ast: TSESTree.Program; scopeManager: ScopeManager; text: string } | undefined }
>();

/** The project around the files being linted, read from disk. One per process; see the module comment. */
export const diskProject: ProjectView = {
  resolve(fromFile, specifier) {
    const key = `${dirname(fromFile)}\u0000${specifier}`;
    if (!resolutions.has(key)) {
      if (resolutions.size > 50_000) resolutions.clear();
      resolutions.set(key, resolveSpecifier(fromFile, specifier));
    }
    return resolutions.get(key);
  },
  read(file) {
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = texts.get(file);
    if (cached && cached.mtime === mtime) return cached.text;
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    if (texts.size > 20_000) texts.clear();
    texts.set(file, { mtime, text });
    return text;
  },
  parse(file) {
    const text = diskProject.read(file);
    if (text === undefined) return undefined;
    const cached = parsed.get(file);
    if (cached && cached.text === text) return cached.result;
    let result: { ast: TSESTree.Program; scopeManager: ScopeManager; text: string } | undefined;
    try {
      result = { ...parseForDetection(text, file), text };
    } catch {
      result = undefined;
    }
    if (parsed.size > 2_000) parsed.clear();
    parsed.set(file, { text, result });
    return result;
  },
};
