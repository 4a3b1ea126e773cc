// Lints the project itself, and dogfoods the plugin (built to dist/ by `npm ci`) on the example service.
import tseslint from 'typescript-eslint';
import modelflags from './dist/rules/index.js';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bench/corpus/**',
      'bench/.tmp/**',
      'test/codemods/fixtures/**',
      'test/**/fixtures/**',
      '**/.example-*/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...modelflags.configs.recommended({
    registry: new URL('./examples/inference-service/flags.json', import.meta.url),
    files: ['examples/inference-service/**/*.ts'],
  }),
);
