// Public types of the fleet analysis (re-exported from index.ts with the others).

/** Where a fleet analysis read its metrics and what it saw, per service. */
export interface FleetSummary {
  /** Always `prometheus` (the HTTP API: Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics). */
  source: 'prometheus';
  /** The server's URL, credentials redacted. */
  url: string;
  /** The window, a Prometheus duration (`1h`). */
  window: string;
  /** End of the window, ISO 8601 (absent: the server's now). */
  until?: string;
  /** The service (`job`) the analysis was limited to, when it was. */
  service?: string;
  /** Per service: calls, attempts and new connections over the window (increases, rounded). */
  services: Array<{ service: string; calls: number; attempts: number; newConnections: number }>;
  /** Instant queries run (each aggregated in Prometheus). */
  queries: number;
}

/**
 * What `evidence.diagnosis` says when one finding code covers several fleet diagnoses:
 * `socket-pool-saturation` as `pool-queue` (requests waited), `pool-leak` (acquired at the limit for the
 * whole window) or `pool-starvation` (queued at the limit at peak); `slow-handshake` as
 * `slow-tls-idle-pool` (slow TLS while pooled connections sat idle).
 */
export type FleetDiagnosis = 'pool-queue' | 'pool-leak' | 'pool-starvation' | 'slow-tls-idle-pool';
