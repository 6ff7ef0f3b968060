import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../vitest.config.ts';

// Stryker's vitest runner (scripts/mutation.sh) runs only the unit tests beside the code: the mutated
// files are small helpers, rules and option parsers whose own tests pin their values, while the
// real-server tests in test/ take minutes per run and would multiply that by every mutant. Stryker's
// runner forces vitest's `threads` pool, where the test CA that test/support/global-setup.ts hands to
// forked workers through NODE_EXTRA_CA_CERTS is not trusted, so the unit tests that call an HTTPS
// server through fetch are left out too.
export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    ...base.test,
    // The rules scopes run only the rules' own tests (packages/analyzer/src/rules/*.test.ts): every rule
    // runs inside `analyze`, so `related` also picked the readers' and reports' tests (read-spans alone
    // takes 9 s), which made a rules run take hours on the shared 2-core machine.
    // The readers scope likewise runs the readers' own tests.
    include: process.env.WIRESCOPE_MUTATION_SCOPE?.startsWith('rules')
      ? ['packages/analyzer/src/rules/*.test.ts']
      : process.env.WIRESCOPE_MUTATION_SCOPE === 'readers'
        ? ['packages/analyzer/src/readers/*.test.ts']
        : ['packages/*/src/**/*.test.ts'],
    exclude: [
      ...(base.test?.exclude ?? []),
      // Generates 65 MiB and deeply nested files: minutes per mutant (readers scope, see stryker.config.mjs).
      'packages/analyzer/src/readers/hostile-input.test.ts',
      'packages/instrumentation-undici/src/instrumentation.test.ts',
      'packages/instrumentation-undici/src/timings.test.ts',
    ],
    reporters: ['default'],
  },
});
