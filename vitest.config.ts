import { defineConfig } from 'vitest/config';

// Tests run the packages' TypeScript sources: a package importing a sibling (`modelflags/registry`)
// resolves through the `modelflags-source` export condition to its source, not to a stale build.
const conditions = ['modelflags-source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/codemods/fixtures/**', 'bench/**', '**/.example-*/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
