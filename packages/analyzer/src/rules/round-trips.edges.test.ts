import { describe, expect, it } from 'vitest';
import type { AttemptRecord, RuleContext } from '../records.js';
import { callerRegionOf, roundTripsOf, targetRegionOf } from './regions-of.js';
import {
  confirmedFarRtt,
  FAR_CONFIRM_SHARE,
  measuredRtt,
  NEAR_TERMINATION_SHARE,
  nearTermination,
  type RoundTrips,
  roundTripSamples,
  TLS_CPU_MS,
} from './round-trips.js';

// The round-trip readings, pinned on hand-made attempts: which attempts count as samples, the minimum
// of each kind, TLS per its round trips (with and without its CPU time), and both sides of every share.
interface Fake {
  isNew?: boolean;
  reused?: boolean;
  error?: boolean;
  ttfbMs?: number;
  durationMs?: number;
  tcp?: number;
  tcpOk?: boolean;
  tls?: number;
  tlsOk?: boolean;
  tlsVersion?: string;
  serverPort?: number;
  expectContinue?: boolean;
}

function attempt(f: Fake): AttemptRecord {
  const phases: Record<string, { ms: number; ok: boolean }> = {};
  if (f.tcp !== undefined) phases.tcp = { ms: f.tcp, ok: f.tcpOk ?? true };
  if (f.tls !== undefined) phases.tls = { ms: f.tls, ok: f.tlsOk ?? true };
  return {
    isNew: f.isNew ?? false,
    reused: f.reused,
    error: f.error ? { type: 'ECONNRESET' } : undefined,
    ttfbMs: f.ttfbMs,
    durationMs: f.durationMs ?? 50,
    tlsVersion: f.tlsVersion,
    serverPort: f.serverPort,
    expectContinue: f.expectContinue ?? false,
    phaseOk: (kind: string) => phases[kind]?.ok === true,
    phaseMs: (kind: string) => phases[kind]?.ms,
    hasPhase: (kind: string) => phases[kind] !== undefined,
  } as unknown as AttemptRecord;
}

const samples = (parts: Partial<RoundTrips>): RoundTrips => ({
  tcpMin: undefined,
  tcpSamples: 0,
  tlsMin: undefined,
  tlsNetMin: undefined,
  tlsSamples: 0,
  reusedMin: undefined,
  ...parts,
});

describe('roundTripSamples', () => {
  it('is empty for no attempts', () => {
    expect(roundTripSamples([])).toEqual(samples({}));
  });

  it('takes the fastest successful tcp.connect and counts them', () => {
    const got = roundTripSamples([
      attempt({ isNew: true, tcp: 30 }),
      attempt({ isNew: true, tcp: 20 }),
      attempt({ isNew: true, tcp: 5, tcpOk: false }),
      attempt({ isNew: true, tcp: 25 }),
    ]);
    expect(got.tcpMin).toBe(20);
    expect(got.tcpSamples).toBe(3);
    expect(got.tlsSamples).toBe(0);
  });

  it('halves a TLS 1.2 handshake, not a TLS 1.3 one, and subtracts the CPU time for the network part', () => {
    expect(TLS_CPU_MS).toBe(10);
    const v13 = roundTripSamples([attempt({ isNew: true, tls: 50, tlsVersion: '1.3' })]);
    expect(v13).toEqual(samples({ tlsMin: 50, tlsNetMin: 40, tlsSamples: 1 }));
    const tlsv13 = roundTripSamples([attempt({ isNew: true, tls: 50, tlsVersion: 'TLSv1.3' })]);
    expect(tlsv13.tlsMin).toBe(50);
    const v12 = roundTripSamples([attempt({ isNew: true, tls: 50, tlsVersion: '1.2' })]);
    expect(v12).toEqual(samples({ tlsMin: 25, tlsNetMin: 20, tlsSamples: 1 }));
    const unknown = roundTripSamples([attempt({ isNew: true, tls: 50 })]);
    expect(unknown.tlsMin).toBe(25);
    // A handshake faster than its CPU time: the network part is 0, not negative.
    expect(roundTripSamples([attempt({ isNew: true, tls: 4, tlsVersion: '1.3' })]).tlsNetMin).toBe(0);
  });

  it('takes the fastest TLS per round trip across versions and leaves failed handshakes out', () => {
    const got = roundTripSamples([
      attempt({ isNew: true, tls: 60, tlsVersion: '1.2' }),
      attempt({ isNew: true, tls: 40, tlsVersion: '1.3' }),
      attempt({ isNew: true, tls: 2, tlsVersion: '1.3', tlsOk: false }),
    ]);
    expect(got).toEqual(samples({ tlsMin: 30, tlsNetMin: 25, tlsSamples: 2 }));
  });

  it('reads reused requests only: not new, reused, no error; ttfb else the duration', () => {
    const got = roundTripSamples([
      attempt({ reused: true, ttfbMs: 30, durationMs: 90 }),
      attempt({ reused: true, durationMs: 40 }),
      attempt({ reused: true, ttfbMs: 1, error: true }),
      attempt({ reused: false, ttfbMs: 2 }),
      attempt({ isNew: true, reused: true, ttfbMs: 3 }),
    ]);
    expect(got.reusedMin).toBe(30);
    const withoutTtfb = roundTripSamples([
      attempt({ reused: true, ttfbMs: 50 }),
      attempt({ reused: true, durationMs: 45 }),
    ]);
    expect(withoutTtfb.reusedMin).toBe(45);
  });
});

describe('nearTermination, measuredRtt, confirmedFarRtt', () => {
  it('pins the shares', () => {
    expect(NEAR_TERMINATION_SHARE).toBe(0.25);
    expect(FAR_CONFIRM_SHARE).toBe(0.5);
  });

  it('near below a quarter of the TLS network round trip, not at it', () => {
    expect(nearTermination(samples({ tcpMin: 9.99, tlsNetMin: 40 }))).toBe(true);
    expect(nearTermination(samples({ tcpMin: 10, tlsNetMin: 40 }))).toBe(false);
    expect(nearTermination(samples({ tlsNetMin: 40 }))).toBe(false);
    expect(nearTermination(samples({ tcpMin: 1 }))).toBe(false);
  });

  it('measuredRtt: TLS when TCP ended near, else tcp, else a positive TLS network round trip', () => {
    expect(measuredRtt(samples({ tcpMin: 1, tlsNetMin: 40 }))).toBe(40);
    expect(measuredRtt(samples({ tcpMin: 10, tlsNetMin: 40 }))).toBe(10);
    expect(measuredRtt(samples({ tcpMin: 12 }))).toBe(12);
    expect(measuredRtt(samples({ tlsNetMin: 7 }))).toBe(7);
    expect(measuredRtt(samples({ tlsNetMin: 0 }))).toBeUndefined();
    expect(measuredRtt(samples({}))).toBeUndefined();
  });

  it('confirmedFarRtt: reused requests of at least half the TLS round trip confirm it, the smaller wins', () => {
    expect(confirmedFarRtt(samples({ tcpMin: 1, tlsNetMin: 40, reusedMin: 20 }))).toBe(20);
    expect(confirmedFarRtt(samples({ tcpMin: 1, tlsNetMin: 40, reusedMin: 19.9 }))).toBeUndefined();
    expect(confirmedFarRtt(samples({ tcpMin: 1, tlsNetMin: 40, reusedMin: 60 }))).toBe(40);
    expect(confirmedFarRtt(samples({ tcpMin: 1, tlsNetMin: 40 }))).toBeUndefined();
    expect(confirmedFarRtt(samples({ tcpMin: 10, tlsNetMin: 40, reusedMin: 60 }))).toBeUndefined();
  });
});

describe('roundTripsOf', () => {
  it.each([
    [{}, 1],
    [{ expectContinue: true }, 2],
    [{ isNew: true }, 2],
    [{ isNew: true, serverPort: 443 }, 4],
    [{ isNew: true, serverPort: 80, tls: 5 }, 4],
    [{ isNew: true, serverPort: 80, tlsVersion: '1.3' }, 3],
    [{ isNew: true, tlsVersion: 'TLSv1.3' }, 3],
    [{ isNew: true, tlsVersion: '1.2' }, 4],
    [{ isNew: true, serverPort: 443, tlsVersion: '1.3', expectContinue: true }, 4],
    [{ serverPort: 443, tlsVersion: '1.2' }, 1],
  ] as Array<[Fake, number]>)('%j → %i', (f, trips) => {
    expect(roundTripsOf(attempt(f))).toBe(trips);
  });
});

describe('callerRegionOf and targetRegionOf', () => {
  const context = (callerRegion?: string) => ({ callerRegion }) as unknown as RuleContext;
  const withOp = (op: object | undefined, serverAddress?: string) =>
    ({ operation: op, serverAddress }) as unknown as AttemptRecord;

  it('caller: the operation attribute, else the option', () => {
    expect(callerRegionOf(withOp({ callerRegion: 'eu-west-1' }), context('us-west-2'))).toBe('eu-west-1');
    expect(callerRegionOf(withOp({}), context('us-west-2'))).toBe('us-west-2');
    expect(callerRegionOf(withOp(undefined), context())).toBeUndefined();
  });

  it('target: the bucket region, else the host, else the signing region', () => {
    const host = 's3.ap-south-1.amazonaws.com';
    expect(targetRegionOf(withOp({ bucketRegion: 'eu-north-1', signingRegion: 'us-east-2' }, host))).toBe(
      'eu-north-1',
    );
    expect(targetRegionOf(withOp({ signingRegion: 'us-east-2' }, host))).toBe('ap-south-1');
    // Asked twice: the remembered answer is the same.
    expect(targetRegionOf(withOp({ signingRegion: 'us-east-2' }, host))).toBe('ap-south-1');
    expect(targetRegionOf(withOp({ signingRegion: 'us-east-2' }, 'localhost'))).toBe('us-east-2');
    expect(targetRegionOf(withOp({ signingRegion: 'us-east-2' }, 'localhost'))).toBe('us-east-2');
    expect(targetRegionOf(withOp({ signingRegion: 'us-east-2' }))).toBe('us-east-2');
    expect(targetRegionOf(withOp(undefined, 'localhost'))).toBeUndefined();
  });
});
