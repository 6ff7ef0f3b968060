import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_FILE_ENV, generateTestCertificate, KEY_FILE_ENV, writeTestCertificate } from './tls-cert.js';

// vitest globalSetup: runs in the main process before the worker forks start, so the variables set
// here are inherited by every worker. NODE_EXTRA_CA_CERTS is read once at process start-up and covers
// everything in a worker: https.Agent, the SDK's one-off agent for 100-continue uploads (which drops
// a custom `ca`), undici and fetch.

const ENV_KEYS = ['NODE_EXTRA_CA_CERTS', CERT_FILE_ENV, KEY_FILE_ENV] as const;

/** Generates the test certificate, writes it to a temp dir and exports its paths to the workers. */
export default async function setup(): Promise<() => void> {
  const saved = new Map(ENV_KEYS.map((key) => [key, process.env[key]]));
  const certificate = await generateTestCertificate();
  const { dir, keyFile, certFile } = writeTestCertificate(certificate);

  // Keep whatever extra CAs the user already trusts (a corporate proxy, say): bundle them with ours.
  const previous = process.env['NODE_EXTRA_CA_CERTS'];
  let bundle = certificate.cert;
  if (previous) {
    try {
      bundle = `${readFileSync(previous, 'utf8').trimEnd()}\n${bundle}`;
    } catch {
      // Unreadable: Node would only warn about it; trust our certificate alone.
    }
  }
  const bundleFile = join(dir, 'extra-ca-bundle.pem');
  writeFileSync(bundleFile, bundle);

  process.env['NODE_EXTRA_CA_CERTS'] = bundleFile;
  process.env[CERT_FILE_ENV] = certFile;
  process.env[KEY_FILE_ENV] = keyFile;

  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
