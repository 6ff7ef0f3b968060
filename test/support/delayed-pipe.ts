import type { Socket } from 'node:net';

/** One direction of a proxied connection: forwards chunks after a delay, in order. */
export interface DelayedPipe {
  /** Queues a chunk (or the end of the stream) for delivery `latency()` ms from now. */
  push(chunk: Buffer | null): void;
  /** Drops everything still queued and cancels the timer. */
  stop(): void;
}

interface Pending {
  dueAt: number;
  chunk: Buffer | null;
}

/**
 * Delays each chunk by the latency current when it arrived. Delivery times never go backwards (a
 * latency lowered mid-stream waits for earlier chunks), so order is kept. `null` ends `to` once the
 * chunks before it are written. `onDeliver` runs after every write (idle bookkeeping). No
 * backpressure: fine for test-sized traffic.
 */
export function createDelayedPipe(to: Socket, latency: () => number, onDeliver: () => void): DelayedPipe {
  const queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let lastDueAt = 0;

  const deliver = (chunk: Buffer | null) => {
    if (to.destroyed || to.writableEnded) return;
    if (chunk === null) to.end();
    else to.write(chunk);
    onDeliver();
  };

  const flush = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.dueAt <= now) deliver(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(flush, queue[0]!.dueAt - now);
  };

  return {
    push(chunk) {
      const ms = latency();
      if (ms <= 0 && queue.length === 0) {
        deliver(chunk);
        return;
      }
      const dueAt = Math.max(Date.now() + ms, lastDueAt);
      lastDueAt = dueAt;
      queue.push({ dueAt, chunk });
      if (!timer) timer = setTimeout(flush, Math.max(0, dueAt - Date.now()));
    },
    stop() {
      queue.length = 0;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
