/**
 * `eslint-plugin-modelflags`: the rules and the flat configs that turn them on.
 *
 * The configs are plain arrays of config objects (as typescript-eslint's are), so they compose
 * with `defineConfig({ extends: [modelflags.configs.recommended] })`, with the string form
 * `extends: ['modelflags/recommended']`, and with spreading. They set no parser: the user's
 * parser (espree, or the typescript-eslint parser they configure) parses their code. The
 * registry is named in `settings.modelflags.registry` and read while linting (see support.ts),
 * so it is never stale in a long-lived ESLint.
 */
import json from '@eslint/json';
import type { TSESLint } from '@typescript-eslint/utils';
import { packageVersion } from 'modelflags/cli';
import consistentDefault from './consistent-default.js';
import noDynamicFlagKey from './no-dynamic-flag-key.js';
import noExpiredFlag from './no-expired-flag.js';
import noUnknownFlag from './no-unknown-flag.js';
import noUnknownVariant from './no-unknown-variant.js';
import readPerRequest from './read-per-request.js';
import requireCleanupDate from './require-cleanup-date.js';
import requireContext from './require-context.js';
import separateDimensions from './separate-dimensions.js';
import { CACHE_KEY_SETTINGS } from './support.js';

export type { CustomReader, FlagRead, SdkId } from './detection/index.js';
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

export type ConfigName = 'recommended' | 'strict' | 'recommended-type-checked';

/**
 * A config object as the plugin's public type declares it: loose enough that ESLint's own
 * `defineConfig`/`Linter.Config` types, typescript-eslint's and other packages' accept it whatever
 * their versions (typescript-eslint types its configs the same way).
 */
export interface CompatibleConfig {
  name?: string;
  rules?: object;
}

/** The plugin's public type. Its rules are typed by the named export `rules`: typescript-eslint's rule types are not ESLint's. */
export interface ModelflagsPlugin {
  meta: { name: string; version: string; namespace: string };
  configs: Record<ConfigName, CompatibleConfig[]>;
}

function makeConfig(
  name: ConfigName,
  ruleSettings: RuleSettings,
  typeChecked: boolean,
): TSESLint.FlatConfig.ConfigArray {
  const registryRules: RuleSettings = {};
  for (const [id, entry] of Object.entries(ruleSettings) as [`modelflags/${RuleId}`, RuleEntry][]) {
    if (REGISTRY_FILE_RULES.includes(id.slice('modelflags/'.length) as RuleId)) registryRules[id] = entry;
  }
  const shared = { plugins: { modelflags: plugin }, settings: { modelflags: CACHE_KEY_SETTINGS } };
  return [
    ...(typeChecked
      ? [
          {
            // Type information only for TypeScript files (JS files are not in the tsconfig). Parser
            // options only, which a parser that does not know them (espree) ignores; a later block
            // of the user's own overrides them.
            name: `modelflags/${name}/type-information`,
            files: TS_FILES,
            languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: process.cwd() } },
          },
        ]
      : []),
    { name: `modelflags/${name}/code`, files: CODE_FILES, ...shared, rules: ruleSettings },
    {
      // The registry's own date rules, reported at the JSON line. Only files named flags.json:
      // a registry named otherwise gets the same block with its own `files` (docs/eslint.md).
      name: `modelflags/${name}/registry`,
      files: ['**/flags.json'],
      ...shared,
      plugins: { ...shared.plugins, json: json as unknown as TSESLint.FlatConfig.Plugin },
      language: 'json/json',
      rules: registryRules,
    } as TSESLint.FlatConfig.Config,
  ];
}

const plugin = {
  meta: {
    name: 'eslint-plugin-modelflags',
    version: packageVersion(import.meta.url, 'eslint-plugin-modelflags'),
    namespace: 'modelflags',
  },
  rules,
  // Filled in below: each config registers the plugin object itself.
  configs: {} as Record<ConfigName, TSESLint.FlatConfig.ConfigArray>,
};
plugin.configs.recommended = makeConfig('recommended', RECOMMENDED, false);
plugin.configs.strict = makeConfig('strict', STRICT, false);
plugin.configs['recommended-type-checked'] = makeConfig('recommended-type-checked', RECOMMENDED, true);

export default plugin as ModelflagsPlugin;

// The same object as named exports too: tools that load a plugin with require() (eslint-doc-generator)
// get the module namespace rather than its default (`rules` is exported where it is declared).
export const { meta, configs } = plugin as ModelflagsPlugin;
