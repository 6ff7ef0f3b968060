/** Runs the wirescope command in-process: `main(argv, io)` resolves to the exit code. */
export { main } from './main.js';
export type { CliIo, OutputStream } from './types.js';
