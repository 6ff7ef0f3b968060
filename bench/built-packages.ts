import { execFileSync } from 'node:child_process';

/**
 * The benchmarks measure the path users take: the built packages (`dist`, what npm installs), not the
 * TypeScript sources run through tsx (whose transform adds a `__name` call to every closure it makes).
 * `--source` keeps the old way, for a quick look while editing.
 */
export function producerFlags(argv: readonly string[]): string[] {
  if (argv.includes('--source')) return ['--conditions=@wirescope/source', '--import', 'tsx'];
  console.log('building @wirescope/aws-sdk and its packages (turbo run build)…');
  execFileSync(
    'npx',
    ['turbo', 'run', 'build', '--filter=@wirescope/aws-sdk...', '--output-logs=errors-only'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  // tsx still runs the worker script itself (TypeScript); the @wirescope packages resolve to dist.
  return ['--import', 'tsx'];
}
