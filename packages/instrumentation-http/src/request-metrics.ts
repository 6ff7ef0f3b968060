import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  ConnectionGauge,
  type MetricScope,
  metricGuard,
  type PoolTally,
  poolTallyOf,
  recordAcquire,
  recordExpectContinue,
  recordQueueWait,
  recordSocketReset,
} from '@wirescope/instrumentation';
import { HTTP_HANDLER_NODE, isSocketReset } from '@wirescope/semconv';
import type { SocketState } from './internal-types.js';

// A socket's gauge lives beside its SocketState, made by the metered request that opened it.
const gauges = new WeakMap<SocketState, ConnectionGauge>();

/**
 * The connection metrics of one node:http request (issue 14), made only when its attempt carries a
 * MetricScope (a MeterProvider is registered): the pool queue and in-flight counts, the queue wait,
 * the acquire time, the open-connection gauge of the socket it opened or reused, expect-continue and
 * resets. Every step is guarded; none throws into the request path.
 */
export class RequestMeter {
  readonly #scope: MetricScope;
  readonly #host: string | undefined;
  readonly #addedAt: number;
  #tally: PoolTally | undefined;
  #queued = false;
  #inFlight = false;
  #reused: boolean | undefined;
  #socketState: SocketState | undefined;

  readonly #agentPool: { readonly key: object; readonly limit: number } | undefined;

  /** `pool`: the agent and its `maxSockets`, when finite (the endpoint's connection limit). */
  constructor(
    scope: MetricScope,
    host: string | undefined,
    addedAt: number,
    pool?: { readonly key: object; readonly limit: number },
  ) {
    this.#scope = scope;
    this.#host = host;
    this.#addedAt = addedAt;
    this.#agentPool = pool;
  }

  /** `addRequest` left the request in the agent's queue (at `maxSockets`). */
  queued(): void {
    this.#queued = true;
    this.#pool().queued += 1;
  }

  #pool(): PoolTally {
    this.#tally ??= poolTallyOf(this.#scope, this.#host);
    return this.#tally;
  }

  /** The request got its socket: `isNew` when it opened it. */
  took(socket: Socket, socketState: SocketState, isNew: boolean, now: number): void {
    this.#reused = !isNew;
    this.#socketState = socketState;
    const pool = this.#pool();
    if (this.#queued) {
      this.#queued = false;
      pool.queued -= 1;
      recordQueueWait(this.#scope, now - this.#addedAt, this.#host);
    }
    this.#inFlight = true;
    pool.inFlight += 1;
    if (isNew) {
      const gauge = metricGuard.value(
        'opening a connection gauge',
        () => new ConnectionGauge(this.#scope, this.#host, now, this.#agentPool),
        undefined,
      );
      if (!gauge) return;
      gauges.set(socketState, gauge);
      // Bytes are the socket's own totals, read once when it closes: one add per connection.
      socket.once('close', () =>
        gauge.close(performance.now(), socket.bytesWritten, (socket as { bytesRead?: number }).bytesRead),
      );
    } else gauges.get(socketState)?.acquire();
  }

  /** The 100-continue wait ended after `ms`. */
  expectEnded(ms: number, endedBy: string): void {
    recordExpectContinue(this.#scope, ms, endedBy, this.#reused, this.#host, HTTP_HANDLER_NODE);
  }

  /** The request failed with `errorType` (undefined: destroyed by the host, no reset). */
  failed(errorType: string | undefined): void {
    if (errorType !== undefined && isSocketReset(errorType))
      recordSocketReset(this.#scope, this.#reused, this.#host, HTTP_HANDLER_NODE);
  }

  /** The request closed; `readyAt` is when its connection could carry it, if it ever could. */
  closed(socket: Socket | undefined, readyAt: number | undefined): void {
    if (this.#queued) this.#pool().queued -= 1;
    if (this.#inFlight) this.#pool().inFlight -= 1;
    this.#queued = false;
    this.#inFlight = false;
    if (readyAt !== undefined) recordAcquire(this.#scope, readyAt - this.#addedAt, this.#host);
    // A destroyed socket is counted out by its 'close'; a kept one waits idle in the pool.
    if (socket && !socket.destroyed && this.#socketState) gauges.get(this.#socketState)?.release();
  }
}
