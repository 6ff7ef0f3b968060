import { defineConfig } from 'vitest/config';

// Runs only the deliberately failing suite next to it, resolving workspace packages to source.
export default defineConfig({
  resolve: { conditions: ['@wirescope/source', 'import', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@wirescope/source', 'node', 'default'] } },
  test: {
    include: ['*.test.ts'],
    pool: 'forks',
    reporters: ['default'],
  },
});
