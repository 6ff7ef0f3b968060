import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

// Exact outputs at the edges of each redaction rule: short values that only the key rule can catch
// (the shape rules would leave them), every separator form, and key-material runs one character either
// side of their length bounds.
const HEX_32 = 'abcdef0123456789abcdef0123456789';
const MIXED_20 = 'Abcdefghij0123456789';

describe('redactSecrets, exact outputs', () => {
  it.each([
    ['Signature=abc', 'Signature=REDACTED'],
    ['sig=abc', 'sig=REDACTED'],
    ['Signature = abc', 'Signature = REDACTED'],
    ['{"Signature": "abc"}', '{"Signature": "REDACTED"}'],
    ["{'Credential':'abc'}", "{'Credential':'REDACTED'}"],
    ['Signature%3Dabc', 'Signature%3DREDACTED'],
    ['Signature%3aabc', 'Signature%3aREDACTED'],
    ['Signature=abc%3Ddef', 'Signature=REDACTED'],
    ['Signature=abc%3Bdef', 'Signature=REDACTED%3Bdef'],
    ['Signature=abc%26next=1', 'Signature=REDACTED%26next=1'],
    ['Authorization: Bearer abc', 'Authorization: Bearer REDACTED'],
    ['Authorization: Bearer  abc', 'Authorization: Bearer  REDACTED'],
    ['Authorization: abc', 'Authorization: REDACTED'],
    ['x-amz-server-side-encryption-customer-key: abc', 'x-amz-server-side-encryption-customer-key: REDACTED'],
    [
      'x-amz-server-side-encryption-customer-key-MD5: abc',
      'x-amz-server-side-encryption-customer-key-MD5: REDACTED',
    ],
  ])('%s', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });
});

describe('redactSecrets, key-material bounds', () => {
  it.each([
    ['32 hex digits with a letter', `sig ${HEX_32} end`, 'sig REDACTED end'],
    ['31 hex digits', `sig ${HEX_32.slice(1)} end`, `sig ${HEX_32.slice(1)} end`],
    [
      '40 decimal digits (an id, no hex letter)',
      `id ${'1234567890'.repeat(4)} end`,
      `id ${'1234567890'.repeat(4)} end`,
    ],
    ['hex after a non-hex prefix', `x ghij${HEX_32} y`, `x ghij${HEX_32} y`],
    ['hex before a non-hex suffix', `x ${HEX_32}ghij y`, `x ${HEX_32}ghij y`],
    ['20 base64 characters mixing cases and digits', `t ${MIXED_20} end`, 't REDACTED end'],
    ['19 of them', `t ${MIXED_20.slice(1)} end`, `t ${MIXED_20.slice(1)} end`],
    ['20 without upper case', 't abcdefghijklmnop1234 end', 't abcdefghijklmnop1234 end'],
    ['20 without lower case', 't ABCDEFGHIJKLMNOP1234 end', 't ABCDEFGHIJKLMNOP1234 end'],
    ['20 without a digit', 't AbcdefghijKlmnopqrst end', 't AbcdefghijKlmnopqrst end'],
    ['a run joined by %2F', 't Abc123def4%2FGhi567jkl8 end', 't REDACTED end'],
    ['a run joined by %2B', 't Abc123def4%2BGhi567jkl8 end', 't REDACTED end'],
    ['an access key id', 't AKIAIOSFODNN7EXAMPLE end', 't REDACTED end'],
  ])('%s', (_name, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });
});
