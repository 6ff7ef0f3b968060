// What a team would keep in CI: the wire behaviour of an upload path, pinned with wirescope's matchers.
// The spans here are made by hand (see support/s3-spans.ts); in an application's own tests they come
// from `s3.middlewareStack.use(wirescope())` talking to a real or local endpoint.
import { installWirescopeMatchers, useSpanCapture } from '@wirescope/vitest';
import { describe, expect, it } from 'vitest';
import { recordTracesToFile } from './support/record-traces.js';
import { recordPutObject } from './support/s3-spans.js';

installWirescopeMatchers();
const captured = useSpanCapture();
recordTracesToFile(captured);

describe('uploads', () => {
  it('reuse one keep-alive connection for a batch', () => {
    recordPutObject([{ reused: false, status: 200 }]);
    for (let i = 0; i < 4; i++) recordPutObject([{ reused: true, idleMs: 5, status: 200 }]);

    expect(captured).toHaveOperationCount('S3.PutObject', 5);
    expect(captured).toHaveSpanCount('tls.handshake', 1);
    expect(captured).toHaveReusedConnectionRatio(0.8);
    expect(captured).not.toHaveFinding('connection-churn');
    expect(captured).not.toHaveFinding('cross-region');
  });

  it('retry a stale keep-alive socket once, on a new connection', () => {
    recordPutObject([{ reused: false, status: 200 }]);
    recordPutObject([
      { reused: true, idleMs: 25_000, errorType: 'ECONNRESET' },
      { reused: false, status: 200 },
    ]);

    expect(captured).toHaveAttemptCount('S3.PutObject', 3);
    expect(captured).toHaveSpanCount('tls.handshake', 2);
    expect(captured).toHaveFinding('stale-connection-reset');
  });

  it('give up after three attempts of 503 SlowDown', () => {
    recordPutObject([
      { reused: false, status: 503 },
      { reused: true, status: 503 },
      { reused: true, status: 503 },
    ]);

    expect(captured).toHaveAttemptCount('S3.PutObject', 3);
    expect(captured).toHaveSpanCount('tls.handshake', 1);
  });
});
