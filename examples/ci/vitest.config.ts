import { defineConfig } from 'vitest/config';

// `npx vitest run` from this folder. In the monorepo the '@wirescope/source' condition resolves the
// wirescope packages to their TypeScript source; with published packages it is simply unused.
export default defineConfig({
  resolve: { conditions: ['@wirescope/source', 'import', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@wirescope/source', 'node', 'default'] } },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/broken/**'],
  },
});
