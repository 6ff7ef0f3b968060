// Deliberately failing: the root vitest config excludes this folder. packages/vitest runs it in a
// subprocess (test/broken/vitest.config.ts) to prove the failures read well.
import { installWirescopeMatchers, useSpanCapture } from '@wirescope/vitest';
import { expect, it } from 'vitest';
import { recordPutObject } from '../support/s3-spans.js';

installWirescopeMatchers();
const captured = useSpanCapture();

it('three uploads, three handshakes, but the test allows one', () => {
  for (let i = 0; i < 3; i++) recordPutObject([{ reused: false, status: 200 }]);
  expect(captured).toHaveSpanCount('tls.handshake', 1);
});

it('an upload that retried, but the test expects no retry', () => {
  recordPutObject([
    { reused: false, status: 503 },
    { reused: true, status: 503 },
    { reused: true, status: 200 },
  ]);
  expect(captured).toHaveAttemptCount('S3.PutObject', 1);
});
