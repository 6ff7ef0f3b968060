import { defineConfig } from 'vitest/config';

// One config runs every package's unit tests (beside the code) and the cross-package, real-server
// tests in test/. Workspace packages resolve to their TypeScript source through the
// `@wirescope/source` export condition, so no build is needed before testing.
export default defineConfig({
  resolve: { conditions: ['@wirescope/source', 'import', 'module', 'node', 'default'] },
  // vitest also passes these to the worker processes as `node --conditions`, where they steer Node's
  // own import AND require of externalized deps: 'module' picks the AWS SDK's bundler-only dist-es,
  // 'import' makes require('big.js') (dynalite) return the ESM namespace. Keep only our condition.
  ssr: { resolve: { conditions: ['@wirescope/source', 'node', 'default'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'examples/ci/test/broken/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    // The AWS SDK's Node 20 end-of-support notice (NodeVersionSupportWarning) would open the output of
    // every worker that builds a client; the SDK's documented switch turns it off (aws-sdk-js-v3#7983).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // .ci/run asks for a JSON report too, to print one plain "N passed, N failed" closing line.
    reporters: process.env.WIRESCOPE_TEST_RESULTS
      ? ['default', ['json', { outputFile: process.env.WIRESCOPE_TEST_RESULTS }]]
      : ['default'],
  },
});
