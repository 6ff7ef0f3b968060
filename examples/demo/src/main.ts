// `npm run demo`: the entry point. In local mode it re-runs itself as a child process with
// NODE_EXTRA_CA_CERTS naming the certificate of the local servers: Node reads that variable only at
// start-up, and it is the one trust setting the AWS SDK's one-off agent for 100-continue uploads
// honours (that agent drops a custom `ca`, FIELD-NOTES).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CERT_FILE_ENV,
  generateTestCertificate,
  KEY_FILE_ENV,
  writeTestCertificate,
} from '../../../test/support/tls-cert.js';
import { parseDemoArgs, USAGE } from './args.js';
import type { DemoOptions } from './types.js';

const CHILD_MARK = 'WIRESCOPE_DEMO_CHILD';

async function reExecWithCertificate(): Promise<number> {
  const { dir, keyFile, certFile } = writeTestCertificate(await generateTestCertificate());
  try {
    // Keep the CAs the user already trusts (a corporate proxy, say): bundle them with ours.
    let bundle = readFileSync(certFile, 'utf8');
    const previous = process.env.NODE_EXTRA_CA_CERTS;
    if (previous) {
      try {
        bundle = `${readFileSync(previous, 'utf8').trimEnd()}\n${bundle}`;
      } catch {
        // Unreadable: Node would only warn; trust ours alone.
      }
    }
    const bundleFile = join(dir, 'extra-ca-bundle.pem');
    writeFileSync(bundleFile, bundle);
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: bundleFile,
        [CERT_FILE_ENV]: certFile,
        [KEY_FILE_ENV]: keyFile,
        [CHILD_MARK]: '1',
      },
    });
    // Ctrl-C reaches the child through the terminal's process group; wait for it to finish.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    return await new Promise<number>((resolveExit) => {
      child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 130 : 1)));
      child.on('error', (error) => {
        process.stderr.write(`demo: could not start ${process.execPath}: ${error.message}\n`);
        resolveExit(1);
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  let options: DemoOptions | 'help';
  try {
    options = parseDemoArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!options.aws && process.env[CHILD_MARK] !== '1') return reExecWithCertificate();
  // The SDK's Node 20 end-of-support notice (NodeVersionSupportWarning) would open the demo's output; the
  // README states the Node versions. Off through the SDK's documented switch (aws-sdk-js-v3#7983), unless
  // the user set the variable themselves.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded only here: the parent of the re-exec needs none of the SDK, OTel or analyzer modules.
  const { runDemo } = await import('./run-demo.js');
  return runDemo(options);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
