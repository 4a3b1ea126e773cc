/**
 * `modelflags/eslint-plugin`: the rules and the flat configs that hand them the registry.
 *
 * The registry is read when the config loads and put into `settings.modelflags` as text, so
 * ESLint's cache key (which hashes the config) changes whenever flags.json or the date does.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import json from '@eslint/json';
import * as tsParser from '@typescript-eslint/parser';
import type { TSESLint } from '@typescript-eslint/utils';
import { describeErrno } from '../src/file-write.js';
import { formatIssue, isValidDate, parseRegistry, readerProblems, type RegistryIssue } from '../src/registry.js';
import type { CustomReader } from './detection.js';
import consistentDefault from './consistent-default.js';
import noDynamicFlagKey from './no-dynamic-flag-key.js';
import noExpiredFlag from './no-expired-flag.js';
import noUnknownFlag from './no-unknown-flag.js';
import noUnknownVariant from './no-unknown-variant.js';
import readPerRequest from './read-per-request.js';
import requireCleanupDate from './require-cleanup-date.js';
import requireContext from './require-context.js';
import separateDimensions from './separate-dimensions.js';
import type { ModelflagsSettings } from './support.js';

export type { CustomReader, FlagRead, SdkId } from './detection.js';
export type { ModelflagsSettings } from './support.js';

export const rules = {
  'read-per-request': readPerRequest,
  'separate-dimensions': separateDimensions,
  'require-cleanup-date': requireCleanupDate,
  'no-expired-flag': noExpiredFlag,
  'no-unknown-flag': noUnknownFlag,
  'no-unknown-variant': noUnknownVariant,
  'consistent-default': consistentDefault,
  'no-dynamic-flag-key': noDynamicFlagKey,
  'require-context': requireContext,
};

export type RuleId = keyof typeof rules;

/** Rules that also run on the registry file itself (through @eslint/json). */
export const REGISTRY_FILE_RULES: readonly RuleId[] = ['require-cleanup-date', 'no-expired-flag'];

export interface ConfigOptions {
  /** The registry: a file URL (`new URL('./flags.json', import.meta.url)`) or a path relative to the working directory. */
  registry?: URL | string;
  /** Fixed UTC date `YYYY-MM-DD` for the date rules, for reproducible builds. */
  today?: string;
  /** In-house flag readers: `{ callee: 'featureFlagProvider.evaluatedFeatureFlag', keyArgument: 0 }`. */
  readers?: CustomReader[];
  /** Code files this config applies to; one config per package in a monorepo. Default: all JS and TS files. */
  files?: string[];
}

type Severity = 'error' | 'warn';
type RuleEntry = Severity | [Severity, ...unknown[]];
type RuleSettings = Partial<Record<`modelflags/${RuleId}`, RuleEntry>>;

const RECOMMENDED: RuleSettings = {
  'modelflags/read-per-request': 'error',
  'modelflags/separate-dimensions': 'error',
  'modelflags/require-cleanup-date': 'error',
  'modelflags/no-expired-flag': 'warn',
  'modelflags/no-unknown-flag': 'error',
  'modelflags/no-unknown-variant': 'error',
  'modelflags/consistent-default': 'error',
  'modelflags/no-dynamic-flag-key': 'warn',
  'modelflags/require-context': 'error',
};

const STRICT: RuleSettings = {
  ...RECOMMENDED,
  'modelflags/separate-dimensions': ['error', { reportAiConfigs: true }],
  'modelflags/no-expired-flag': 'error',
  'modelflags/no-dynamic-flag-key': 'error',
};

const CODE_FILES = ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}'];
const TS_FILES = ['**/*.{ts,mts,cts,tsx}'];

type ConfigFactory = ((options?: ConfigOptions) => TSESLint.FlatConfig.ConfigArray) & { rules: RuleSettings };

function makeConfig(name: string, ruleSettings: RuleSettings, typeChecked: boolean): ConfigFactory {
  const factory = (options: ConfigOptions = {}): TSESLint.FlatConfig.ConfigArray => {
    const settings = loadSettings(options);
    const codeRules: RuleSettings = {};
    const registryRules: RuleSettings = {};
    for (const [id, entry] of Object.entries(ruleSettings) as [`modelflags/${RuleId}`, RuleEntry][]) {
      codeRules[id] = entry;
      if (REGISTRY_FILE_RULES.includes(id.slice('modelflags/'.length) as RuleId)) registryRules[id] = entry;
    }
    const files = options.files ?? CODE_FILES;
    const shared = { plugins: { modelflags: plugin }, settings: { modelflags: settings } };
    const configs: TSESLint.FlatConfig.ConfigArray = [
      {
        // One parser for TypeScript and JavaScript (JSX included), so .js/.jsx React code parses too.
        name: `modelflags/${name}/parser`,
        files,
        languageOptions: { parser: tsParser as TSESLint.FlatConfig.Parser, parserOptions: { ecmaFeatures: { jsx: true } } },
      },
      ...(typeChecked
        ? [
            {
              name: `modelflags/${name}/type-information`,
              // Type information only for TypeScript files (JS files are not in the tsconfig); a nested array ANDs patterns.
              files: options.files ? options.files.map((f) => [f, TS_FILES[0]!]) : TS_FILES,
              languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: process.cwd() } },
            },
          ]
        : []),
      {
        name: `modelflags/${name}/code`,
        files,
        ...shared,
        rules: codeRules,
      },
    ];
    configs.push({
      name: `modelflags/${name}/registry`,
      ...registryFiles(settings.registryFile),
      ...shared,
      plugins: { ...shared.plugins, json: json as unknown as TSESLint.FlatConfig.Plugin },
      language: 'json/json',
      rules: registryRules,
    } as TSESLint.FlatConfig.Config);
    return configs;
  };
  return Object.assign(factory, { rules: ruleSettings });
}

/**
 * Where the registry rules apply: the registry file itself, matched from its own directory
 * (`basePath`), so the block works whichever directory ESLint runs from; without a registry,
 * any `flags.json`.
 */
function registryFiles(registryFile: string | undefined): { basePath?: string; files: string[] } {
  if (registryFile === undefined) return { files: ['**/flags.json'] };
  return { basePath: dirname(registryFile), files: [basename(registryFile)] };
}

function loadSettings(options: ConfigOptions): ModelflagsSettings {
  const settings: ModelflagsSettings = {};
  if (options.today !== undefined) {
    if (typeof options.today !== 'string' || !isValidDate(options.today)) {
      throw new TypeError(`modelflags: "today" must be a UTC date written YYYY-MM-DD, for example "2026-01-31"; got ${JSON.stringify(options.today)}`);
    }
    settings.today = options.today;
  }
  if (options.readers !== undefined) {
    const problems = readerProblems(options.readers);
    if (problems.length > 0) throw new TypeError(`modelflags: ${problems.join('; ')}`);
    settings.readers = options.readers.map((r) => ({ ...r }));
  }
  if (options.registry !== undefined) {
    const file =
      options.registry instanceof URL
        ? fileURLToPath(options.registry)
        : options.registry.startsWith('file:')
          ? fileURLToPath(options.registry)
          : resolve(process.cwd(), options.registry);
    settings.registryFile = file;
    // A registry that cannot be used does not stop the run (ESLint would print a stack trace and
    // lint nothing): the rules that need it report the problem once, and the others still run.
    const text = readRegistryForLint(file);
    if (typeof text !== 'string') settings.registryProblem = `${file}:1:1: cannot read the registry: ${text.problem}`;
    else {
      const { registry, issues } = parseRegistry(text, file);
      if (registry) settings.registryText = text;
      else settings.registryProblem = summarizeIssues(issues);
    }
  }
  return settings;
}

function readRegistryForLint(file: string): string | { problem: string } {
  try {
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats) return { problem: 'no such file; fix the `registry` option of modelflags in eslint.config.js' };
    // A FIFO or a device would hang the config load, or never end.
    if (!stats.isFile()) return { problem: 'not a regular file' };
    return readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: describeErrno(error) };
  }
}

const ISSUES_SHOWN = 5;

function summarizeIssues(issues: readonly RegistryIssue[]): string {
  const shown = issues.slice(0, ISSUES_SHOWN).map(formatIssue);
  if (issues.length > ISSUES_SHOWN) shown.push(`… and ${issues.length - ISSUES_SHOWN} more (\`npx modelflags check\` lists them all)`);
  return shown.join('\n');
}

function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'modelflags' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

const plugin = {
  meta: { name: 'modelflags', version: packageVersion(), namespace: 'modelflags' },
  rules,
  configs: {
    recommended: makeConfig('recommended', RECOMMENDED, false),
    strict: makeConfig('strict', STRICT, false),
    'recommended-type-checked': makeConfig('recommended-type-checked', RECOMMENDED, true),
  },
};

export default plugin;
