import type { AnalysisResult, WireSpan } from '@wirescope/analyzer';
import { FINDING_CODES } from '@wirescope/semconv';
import { beforeAll, describe, expect, it } from 'vitest';
import { installWirescopeMatchers } from './matchers.js';

// Spans in the analyzer's model, made by hand: the matchers are plain functions of them.
let nextId = 1;
function wireSpan(name: string, attributes: WireSpan['attributes'] = {}, parent?: WireSpan): WireSpan {
  const id = (nextId++).toString(16).padStart(16, '0');
  return {
    traceId: 'a'.repeat(32),
    spanId: id,
    ...(parent ? { parentSpanId: parent.spanId } : {}),
    name,
    kind: parent ? 'internal' : 'client',
    startTimeUnixNano: 1_000_000n,
    endTimeUnixNano: 2_000_000n,
    attributes,
    events: [],
    status: { code: 'unset' },
    resource: {},
  };
}

function operation(name: string, attempts: { reused: boolean }[], recordAttempts = true): WireSpan[] {
  const op = wireSpan(name, {
    'rpc.system': 'aws-api',
    ...(recordAttempts ? { 'wirescope.attempts': attempts.length } : {}),
  });
  const spans = [op];
  attempts.forEach((attempt, index) => {
    const span = wireSpan(
      `${name} attempt`,
      {
        'wirescope.attempt': index + 1,
        'wirescope.connection.reused': attempt.reused,
      },
      op,
    );
    spans.push(span);
    if (!attempt.reused) spans.push(wireSpan('tls.handshake', {}, span));
  });
  return spans;
}

beforeAll(() => {
  installWirescopeMatchers();
});

describe('toHaveSpanCount', () => {
  const spans = [
    ...operation('S3.PutObject', [{ reused: false }]),
    ...operation('S3.PutObject', [{ reused: false }, { reused: false }]),
  ];

  it('passes on the exact count and fails listing the counts by name', () => {
    expect(spans).toHaveSpanCount('tls.handshake', 3);
    expect(spans).not.toHaveSpanCount('tls.handshake', 1);
    expect(spans).toHaveSpanCount('dns.lookup', 0);
    expect(() => expect(spans).toHaveSpanCount('tls.handshake', 1)).toThrowError(
      /expected 1 span named 'tls\.handshake', found 3\n\nSpans by name:\n {2}S3\.PutObject {10}2\n {2}S3\.PutObject attempt {2}3\n {2}tls\.handshake {9}3/,
    );
    expect(() => expect(spans).not.toHaveSpanCount('tls.handshake', 3)).toThrowError(
      /expected not 3 spans named 'tls\.handshake', found 3/,
    );
  });

  it('rejects what is not spans, and bad counts', () => {
    expect(() => expect(42).toHaveSpanCount('x', 1)).toThrowError(/expected the result of captureSpans\(\)/);
    expect(() => expect(spans).toHaveSpanCount('x', -1)).toThrowError(/whole number/);
  });
});

describe('toHaveOperationCount', () => {
  it('counts operation spans only', () => {
    const spans = [
      ...operation('S3.PutObject', [{ reused: false }]),
      ...operation('DynamoDB.GetItem', [{ reused: true }]),
    ];
    expect(spans).toHaveOperationCount('S3.PutObject', 1);
    expect(spans).toHaveOperationCount('S3.GetObject', 0);
    expect(() => expect(spans).toHaveOperationCount('S3.PutObject', 2)).toThrowError(
      /expected 2 operations named 'S3\.PutObject', found 1\n\nOperations \(SDK calls\) by name:\n {2}DynamoDB\.GetItem {2}1\n {2}S3\.PutObject {6}1/,
    );
  });
});

describe('toHaveAttemptCount', () => {
  it('adds the attempts of every operation of that name', () => {
    const spans = [
      ...operation('S3.PutObject', [{ reused: true }, { reused: false }, { reused: false }]),
      ...operation('S3.PutObject', [{ reused: true }]),
    ];
    expect(spans).toHaveAttemptCount('S3.PutObject', 4);
    expect(() => expect(spans).toHaveAttemptCount('S3.PutObject', 2)).toThrowError(
      /expected 2 attempts in all for 'S3\.PutObject', found 4 \(2 operations: attempts 3, 1\)/,
    );
  });

  it('counts attempt children when the operation has no wirescope.attempts', () => {
    expect(operation('S3.GetObject', [{ reused: true }, { reused: false }], false)).toHaveAttemptCount(
      'S3.GetObject',
      2,
    );
  });

  it('fails when no operation has that name', () => {
    expect(() => expect([]).toHaveAttemptCount('S3.PutObject', 0)).toThrowError(
      /found no operation named 'S3\.PutObject'/,
    );
  });
});

describe('toHaveReusedConnectionRatio', () => {
  const spans = operation('S3.PutObject', [
    { reused: true },
    { reused: true },
    { reused: true },
    { reused: false },
  ]);

  it('passes at or above the ratio and fails with the counts', () => {
    expect(spans).toHaveReusedConnectionRatio(0.75);
    expect(spans).not.toHaveReusedConnectionRatio(0.8);
    expect(() => expect(spans).toHaveReusedConnectionRatio(0.9)).toThrowError(
      /expected at least 90% of attempts on a reused connection, found 3 of 4 \(75%\)\n\nAttempts:\n {2}reused connection {2}3\n {2}new connection {5}1/,
    );
  });

  it('fails without attempts and rejects ratios outside 0…1', () => {
    expect(() => expect([]).toHaveReusedConnectionRatio(0)).toThrowError(/found no attempt span/);
    expect(() => expect(spans).toHaveReusedConnectionRatio(75)).toThrowError(/between 0 and 1/);
  });
});

describe('toHaveFinding on an AnalysisResult', () => {
  const result: AnalysisResult = {
    schemaVersion: 2,
    coverage: {
      calls: 3,
      callsBy: { wirescope: 3, other: 0 },
      inferredAttempts: 0,
      scopes: { '@wirescope/aws-sdk': 6 },
      callerRegion: { known: 3, fromResource: 0, fromOption: false },
      rules: FINDING_CODES.slice(0, 10).map((code) => ({ code, judged: 3, of: 3, inferred: 0, needs: '' })),
    },
    findings: [
      {
        code: 'connection-churn',
        severity: 'warning',
        summary: '3 of 3 S3.PutObject calls opened a new TLS connection',
        costMs: 600,
        costPerCallMs: 200,
        costBasis: '+3 RTT',
        fix: 'Reuse the client.',
        evidence: { spanIds: [], spanIdsTotal: 0, traceIds: [], counts: {}, measurements: {} },
      },
    ],
    stats: {
      spans: 6,
      traces: 1,
      operations: 3,
      attempts: 3,
      reusedAttempts: 0,
      duplicateSpans: 0,
      spanCountsByName: { 'S3.PutObject': 3 },
    },
    waterfalls: [],
    warnings: [],
  };

  it('fails not.toHaveFinding when the rule could judge no call, naming the reason', () => {
    const blind: AnalysisResult = {
      ...result,
      findings: [],
      coverage: {
        ...result.coverage,
        rules: result.coverage.rules.map((rule) =>
          rule.code === 'connection-churn' ? { ...rule, judged: 0, reason: 'no connection facts' } : rule,
        ),
      },
    };
    expect(blind).not.toHaveFinding('cross-region');
    expect(() => expect(blind).not.toHaveFinding('connection-churn')).toThrowError(
      /expected no 'connection-churn' finding, but the rule could judge no call: 0 of 3 calls judged \(no connection facts\)/,
    );
    const none: AnalysisResult = { ...blind, coverage: { ...blind.coverage, calls: 0 } };
    expect(() => expect(none).not.toHaveFinding('connection-churn')).toThrowError(
      /no AWS SDK call was captured/,
    );
  });

  it('passes when the code was found and shows the findings when not', () => {
    expect(result).toHaveFinding('connection-churn');
    expect(result).not.toHaveFinding('cross-region');
    expect(() => expect(result).toHaveFinding('cross-region')).toThrowError(
      /expected a 'cross-region' finding, found only:\n {2}connection-churn \(warning\): 3 of 3 S3\.PutObject calls opened a new TLS connection/,
    );
    expect(() => expect(result).not.toHaveFinding('connection-churn')).toThrowError(
      /expected no 'connection-churn' finding, found:\n {2}connection-churn \(warning\): 3 of 3/,
    );
  });

  it('rejects codes that do not exist', () => {
    expect(() => expect(result).toHaveFinding('cross-regoin')).toThrowError(
      /unknown finding code 'cross-regoin'; codes: cross-region/,
    );
  });
});
