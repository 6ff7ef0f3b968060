/**
 * Test-only seam: tests set `failAt` to make our bookkeeping throw at a named stage, to prove a failure
 * there never reaches the request. Not exported from the package.
 */
export const testSeams: { failAt: string | undefined } = { failAt: undefined };

/** Throws when a test asked bookkeeping to fail at `stage`. */
export function checkpoint(stage: string): void {
  if (testSeams.failAt === stage) throw new Error(`wirescope test seam: forced failure at ${stage}`);
}
