import { describe, expect, it } from 'vitest';
import { boundedId, MAX_ID_LENGTH, MAX_TEXT_LENGTH, safeMessage } from './redact.js';

// Canary secrets (none is real). Every secret shape is tested in @wirescope/semconv redact-secrets.test.ts.
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SIGNATURE = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const SESSION_TOKEN =
  'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDwE6kZ8f3hN0W2p1xYqZkP4tLw9aUu5k3JxR8sVvM1bQIgXk9sH2rT5nY3wQ2eD7fG6hJ1kL4mN8pQ0rS3tU6vW9x+Zq==';

describe('safeMessage', () => {
  it(`keeps a message of exactly MAX_TEXT_LENGTH (${MAX_TEXT_LENGTH}) characters whole`, () => {
    expect(MAX_TEXT_LENGTH).toBe(512);
    const text = 'm'.repeat(512);
    expect(safeMessage(text)).toBe(text);
  });

  it('cuts a message of MAX_TEXT_LENGTH + 1 characters to MAX_TEXT_LENGTH, ending in an ellipsis', () => {
    const text = `${'a'.repeat(511)}bc`;
    const out = safeMessage(text);
    expect(out).toHaveLength(512);
    expect(out).toBe(`${'a'.repeat(511)}…`);
  });

  it('redacts before it cuts: no prefix of a secret survives at the edge', () => {
    const text = `${'x'.repeat(490)} Signature=${SIGNATURE}`;
    const out = safeMessage(text);
    expect(out).toBe(`${'x'.repeat(490)} Signature=REDACTED`);
    expect(out).not.toContain(SIGNATURE.slice(0, 6));
  });

  it('redacts (semconv redactSecrets, tested there with every secret shape)', () => {
    const text = `Credential=${ACCESS_KEY_ID}/20260101/us-east-1/s3/aws4_request, token ${SESSION_TOKEN}`;
    const out = safeMessage(text);
    expect(out).toBe('Credential=REDACTED, token REDACTED');
  });
});

describe('boundedId', () => {
  it(`keeps an id of exactly MAX_ID_LENGTH (${MAX_ID_LENGTH}) characters whole`, () => {
    expect(MAX_ID_LENGTH).toBe(128);
    const id = 'R'.repeat(128);
    expect(boundedId(id)).toBe(id);
  });

  it('cuts an id of MAX_ID_LENGTH + 1 characters to MAX_ID_LENGTH, ending in an ellipsis', () => {
    const id = `${'R'.repeat(127)}ST`;
    expect(boundedId(id)).toBe(`${'R'.repeat(127)}…`);
    expect(boundedId(id)).toHaveLength(128);
  });

  it('leaves a short id unchanged', () => {
    expect(boundedId('4442587FB7D0A2F9')).toBe('4442587FB7D0A2F9');
  });
});
