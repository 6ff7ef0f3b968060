// Mutation testing (issue 19): `npm run mutation [scope…]` runs scripts/mutation.sh, which runs
// Stryker once per scope with WIRESCOPE_MUTATION_SCOPE set. Each scope mutates only its files and runs
// only the unit tests beside the code that import them (vitest `related`), incrementally: the
// incremental file and the HTML/JSON reports go to reports/mutation/<scope>/ (git-ignored).
// Results and the survivors judged equivalent: bench/MUTATION.md.

/** The files each scope mutates. */
export const scopes = {
  producer: [
    'packages/instrumentation/src/redact-secrets.ts',
    'packages/aws-sdk/src/redact.ts',
    'packages/instrumentation/src/error-message.ts',
    'packages/instrumentation-http/src/record-error.ts',
    'packages/semconv/src/error-type.ts',
    'packages/semconv/src/region-of-host.ts',
    'packages/aws-sdk/src/request-secrets.ts',
  ],
  rules: ['packages/analyzer/src/rules/*.ts', '!packages/analyzer/src/rules/*.test.ts'],
  // The rules scope in two halves (about 20-30 minutes each at concurrency 2), run one after the other.
  'rules-region': [
    'packages/analyzer/src/rules/cross-region.ts',
    'packages/analyzer/src/rules/round-trips.ts',
    'packages/analyzer/src/rules/regions-of.ts',
    'packages/analyzer/src/rules/region-redirect.ts',
    'packages/analyzer/src/rules/slow-handshake.ts',
    'packages/analyzer/src/rules/coverage.ts',
  ],
  'rules-connection': [
    'packages/analyzer/src/rules/*.ts',
    '!packages/analyzer/src/rules/*.test.ts',
    '!packages/analyzer/src/rules/cross-region.ts',
    '!packages/analyzer/src/rules/round-trips.ts',
    '!packages/analyzer/src/rules/regions-of.ts',
    '!packages/analyzer/src/rules/region-redirect.ts',
    '!packages/analyzer/src/rules/slow-handshake.ts',
    '!packages/analyzer/src/rules/coverage.ts',
  ],
  // The readers' value decoding, normalizers and UTF-8 guard. Left out: the byte scanners
  // (readers/otlp-lines/, json-scanner.ts: tuned for speed, held against the full path by their own tests) and the input limits
  // (input-limits.ts, bounded-json.ts: their tests generate 65 MiB and 3,000-level files, minutes per
  // mutant on this machine; hostile-input.test.ts is left out of the run for the same reason).
  readers: [
    'packages/analyzer/src/readers/values.ts',
    'packages/analyzer/src/readers/json-roles.ts',
    'packages/analyzer/src/readers/jaeger-normalize.ts',
    'packages/analyzer/src/readers/otlp-normalize.ts',
    'packages/analyzer/src/readers/utf8-guard.ts',
  ],
  budget: ['packages/analyzer/src/budget/budget-parse.ts', 'packages/analyzer/src/budget/budget-check.ts'],
  cli: ['packages/cli/src/args.ts', 'packages/cli/src/budget-table.ts'],
};

const scope = process.env.WIRESCOPE_MUTATION_SCOPE ?? 'producer';
if (!(scope in scopes)) {
  throw new Error(`Unknown mutation scope "${scope}"; use one of: ${Object.keys(scopes).join(', ')}`);
}
const out = `reports/mutation/${scope}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  plugins: ['@stryker-mutator/vitest-runner'],
  testRunner: 'vitest',
  vitest: { configFile: 'scripts/mutation-vitest.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: scopes[scope],
  // The development machine has 2 cores shared with other engineers' test runs.
  concurrency: 2,
  timeoutMS: 10_000,
  incremental: true,
  incrementalFile: `${out}/stryker-incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${out}/mutation.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['examples', 'bench', 'wirescope-out', '.turbo', 'reports'],
  thresholds: { high: 90, low: 85, break: null },
};
