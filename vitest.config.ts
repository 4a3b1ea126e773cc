import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'test/codemods/fixtures/**', 'bench/**', '**/.example-*/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
