import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

describe('healthy traffic', () => {
  it('gives no findings: keep-alive reuse, a concurrent pool of 8, same region, no errors, several services', async () => {
    const spans: WireSpan[] = [];
    // 25 waves of 8 concurrent S3 calls: the first wave opens 8 connections, later waves reuse them.
    for (let wave = 0; wave < 25; wave++) {
      for (let slot = 0; slot < 8; slot++) {
        spans.push(
          ...call({
            startMs: wave * 100 + slot,
            operation: wave % 2 === 0 ? 'PutObject' : 'GetObject',
            method: wave % 2 === 0 ? 'PUT' : 'GET',
            attempts: [
              {
                reused: wave > 0,
                connectionId: `c4242-${slot}`,
                durationMs: 40,
                tcpMs: 1.5,
                tlsMs: 7,
                dnsMs: 3,
              },
            ],
          }),
        );
      }
    }
    // DynamoDB in the same region, its own connection, reused.
    for (let i = 0; i < 20; i++) {
      spans.push(
        ...call({
          startMs: 3000 + i * 30,
          service: 'DynamoDB',
          operation: 'PutItem',
          method: 'POST',
          host: 'dynamodb.us-east-1.amazonaws.com',
          attempts: [{ reused: i > 0, connectionId: 'c4242-99', durationMs: 8, tcpMs: 1.2, tlsMs: 6 }],
        }),
      );
    }
    const result = await analyze(spans);
    expect(result.findings).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.stats.operations).toBe(220);
    expect(result.stats.reusedAttempts).toBe(220 - 9);
  });
});
