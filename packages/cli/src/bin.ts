#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { main } from './main.js';

// A reader that goes away (`wirescope analyze … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  isTTY: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
  columns: process.stdout.columns,
  env: process.env,
  // The rules make short-lived objects over every attempt of a large input (1M spans: 350k attempts),
  // and V8 grows its heap for them faster than it collects: peak RSS 240-255 MB where the live data is
  // about 100 MB. Told to favour memory for what is left of this process (the rules and the report),
  // it peaks near 200 MB for some 5 % more CPU (bench/RESULTS.md, issue 12). Set here, in the
  // executable's own process only, after reading: set from the start it costs 10 % more CPU.
  beforeRules: () => setFlagsFromString('--optimize-for-size'),
});
