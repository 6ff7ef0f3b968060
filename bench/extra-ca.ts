import { readFileSync } from 'node:fs';

/** `cert` plus whatever NODE_EXTRA_CA_CERTS already names (a corporate proxy CA, say), as one PEM bundle. */
export function extraCaBundle(cert: string): string {
  const previous = process.env['NODE_EXTRA_CA_CERTS'];
  if (!previous) return cert;
  try {
    return `${readFileSync(previous, 'utf8').trimEnd()}\n${cert}`;
  } catch {
    return cert;
  }
}
