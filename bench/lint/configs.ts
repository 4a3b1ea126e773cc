/** The plugin's configs as the bench uses them: with the plugin's rules on, or the same set-up with them off. */
import * as tsParser from '@typescript-eslint/parser';
import type { Linter } from 'eslint';
import plugin from '../../rules/index.js';

export type ConfigName = 'recommended' | 'strict' | 'recommended-type-checked';

/**
 * ESLint matches `files` against its cwd, and the rules resolve a relative registry path against
 * it; callers chdir into the linted directory first.
 */
export function benchConfig(name: ConfigName, registry: string, rulesOn: boolean, coreRule = false): Linter.Config[] {
  const configs: Linter.Config[] = [
    // The parser a TypeScript project configures (the plugin's configs set none).
    {
      files: ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}'],
      languageOptions: { parser: tsParser as Linter.Parser, parserOptions: { ecmaFeatures: { jsx: true } } },
    },
    ...(plugin.configs[name] as unknown as Linter.Config[]),
    { settings: { modelflags: { registry, today: '2026-06-01' } } },
  ];
  // ESLint only traverses the tree (and runs code-path analysis) when some rule is on; one cheap
  // core rule on both sides puts that shared cost in the baseline, as in any real project.
  const core: Linter.Config[] = coreRule
    ? [{ files: ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}'], rules: { 'no-debugger': 'error' } }]
    : [];
  if (rulesOn) return [...configs, ...core];
  return [
    ...configs.map((c) =>
      c.rules ? { ...c, rules: Object.fromEntries(Object.keys(c.rules).map((id) => [id, 'off' as const])) } : c,
    ),
    ...core,
  ];
}
