// Lints the project itself, and dogfoods the plugin (its build, which `npm ci` runs) on the example service.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import modelflags from 'eslint-plugin-modelflags';

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      'node_modules/**',
      'coverage/**',
      'bench/corpus/**',
      'bench/.tmp/**',
      'test/codemods/fixtures/**',
      'test/**/fixtures/**',
      '**/.example-*/**',
    ],
  },
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // `files` narrows the config's code and registry blocks alike to the example service.
    files: ['examples/inference-service/**'],
    extends: [modelflags.configs.recommended],
    settings: { modelflags: { registry: new URL('./examples/inference-service/flags.json', import.meta.url) } },
  },
);
