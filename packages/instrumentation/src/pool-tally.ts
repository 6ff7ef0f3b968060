import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_HTTP_CONNECTION_STATE,
  ATTR_SERVER_ADDRESS,
  ATTR_SMITHY_STATE,
  HTTP_CONNECTION_STATE_ACTIVE,
  HTTP_CONNECTION_STATE_IDLE,
  SMITHY_STATE_ACQUIRED,
  SMITHY_STATE_IDLE,
  SMITHY_STATE_IN_FLIGHT,
  SMITHY_STATE_QUEUED,
} from '@wirescope/semconv';

/**
 * The live counts of one service endpoint's pool: connections active and idle, requests queued and in
 * flight. Plain numbers moved on the request path (an increment, no metric call); the observable
 * instruments read them when the MeterProvider collects. The attribute sets are made once per
 * endpoint.
 */
export class PoolTally {
  /** Open connections carrying a request. */
  active = 0;
  /** Open connections waiting in the pool. */
  idle = 0;
  /** Requests waiting for a connection. */
  queued = 0;
  /** Requests written on a connection, not yet done. */
  inFlight = 0;
  /**
   * The pools (node:http agents) that hold open connections to this endpoint, with their limit
   * (`maxSockets`) and their open connections here: `smithy.client.http.connections.limit` is the sum
   * of the limits of the pools that hold one, so a pool counts while it is in use and not after.
   */
  readonly limits = new Map<object, { readonly limit: number; open: number }>();
  /** `{ server.address }` alone, for the endpoint's histograms (acquire, queue wait). */
  readonly addressAttributes: Attributes;
  readonly activeAttributes: Attributes;
  readonly idleAttributes: Attributes;
  readonly acquiredAttributes: Attributes;
  readonly poolIdleAttributes: Attributes;
  readonly queuedAttributes: Attributes;
  readonly inFlightAttributes: Attributes;

  constructor(address: string | undefined) {
    const base: Attributes = address === undefined ? {} : { [ATTR_SERVER_ADDRESS]: address };
    this.addressAttributes = base;
    this.activeAttributes = { ...base, [ATTR_HTTP_CONNECTION_STATE]: HTTP_CONNECTION_STATE_ACTIVE };
    this.idleAttributes = { ...base, [ATTR_HTTP_CONNECTION_STATE]: HTTP_CONNECTION_STATE_IDLE };
    this.acquiredAttributes = { ...base, [ATTR_SMITHY_STATE]: SMITHY_STATE_ACQUIRED };
    this.poolIdleAttributes = { ...base, [ATTR_SMITHY_STATE]: SMITHY_STATE_IDLE };
    this.queuedAttributes = { ...base, [ATTR_SMITHY_STATE]: SMITHY_STATE_QUEUED };
    this.inFlightAttributes = { ...base, [ATTR_SMITHY_STATE]: SMITHY_STATE_IN_FLIGHT };
  }
}

/** The endpoint's connection limit: the sum of its pools' limits, undefined when none is known. */
export function limitOf(tally: PoolTally): number | undefined {
  if (tally.limits.size === 0) return undefined;
  let sum = 0;
  for (const pool of tally.limits.values()) sum += pool.limit;
  return sum;
}

/** The tallies of one set of instruments, by `server.address` (bounded: service endpoints). */
export type PoolTallies = Map<string | undefined, PoolTally>;

/** The tally of `address`, made on first use. */
export function tallyOf(tallies: PoolTallies, address: string | undefined): PoolTally {
  let tally = tallies.get(address);
  if (!tally) {
    tally = new PoolTally(address);
    tallies.set(address, tally);
  }
  return tally;
}
