import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** PEM key and certificate for `localhost` / `127.0.0.1`, trusted by every test worker. */
export interface TestCertificate {
  key: string;
  cert: string;
}

/** Environment variable naming the PEM certificate file written by the vitest globalSetup. */
export const CERT_FILE_ENV = 'WIRESCOPE_TEST_CERT_FILE';
/** Environment variable naming the PEM private key file written by the vitest globalSetup. */
export const KEY_FILE_ENV = 'WIRESCOPE_TEST_KEY_FILE';

const VALID_DAYS = 30;
let cached: TestCertificate | undefined;

/**
 * Generates a self-signed EC P-256 / SHA-256 certificate for CN=localhost with SAN DNS:localhost and
 * IP:127.0.0.1. It is its own trust anchor, so it is marked CA:TRUE: OpenSSL then accepts it from
 * NODE_EXTRA_CA_CERTS (a CA:FALSE self-signed leaf is not a usable anchor in every OpenSSL setup).
 */
export async function generateTestCertificate(): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Writes the certificate into a fresh temp dir and returns the directory and file paths. */
export function writeTestCertificate(certificate: TestCertificate): {
  dir: string;
  keyFile: string;
  certFile: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-tls-'));
  const keyFile = join(dir, 'localhost.key.pem');
  const certFile = join(dir, 'localhost.cert.pem');
  writeFileSync(keyFile, certificate.key, { mode: 0o600 });
  writeFileSync(certFile, certificate.cert);
  return { dir, keyFile, certFile };
}

/**
 * The test certificate. Under vitest it reads the files the globalSetup wrote (whose cert every
 * worker trusts through NODE_EXTRA_CA_CERTS). Outside vitest (a script) it generates one in-process
 * with the `openssl` CLI, synchronously, and caches it; such a process trusts it only if the caller
 * passes it as `ca`.
 */
export function testCertificate(): TestCertificate {
  if (cached) return cached;
  const certFile = process.env[CERT_FILE_ENV];
  const keyFile = process.env[KEY_FILE_ENV];
  if (certFile && keyFile) {
    cached = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
    return cached;
  }
  cached = generateWithOpenssl();
  return cached;
}

// selfsigned v5 is async only (WebCrypto); a synchronous fallback needs the CLI.
function generateWithOpenssl(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-sha256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      String(VALID_DAYS),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: 'ignore' },
  );
  try {
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
