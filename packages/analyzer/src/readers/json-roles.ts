// The roles a value can play in a trace document (OTLP and its Tempo and Jaeger api_v3 wrappers,
// Jaeger, Zipkin v2), and the tables that move the scanner (json-scanner.ts) from a container to the
// role of its keys and elements.

/** What a value means at its place in the document. */
export const ROLE = {
  DOC: 1,
  RS_ARRAY: 2,
  RS_ITEM: 3,
  SS_ARRAY: 4,
  SS_ITEM: 5,
  SPANS: 6,
  J_DATA: 7,
  J_TRACE: 8,
  J_SPANS: 9,
  SKIP: 10,
  RESOURCE: 11,
  SPAN: 12,
  PROCESSES: 13,
  JSPAN: 14,
  SCOPE: 15,
  /** An object around `resourceSpans`: Jaeger api_v3's `result`, Tempo v2's `trace`. */
  WRAP: 16,
  /** A top-level array of Zipkin v2 spans. */
  Z_SPANS: 17,
  ZSPAN: 18,
} as const;

/** One of {@link ROLE}. */
export type Role = (typeof ROLE)[keyof typeof ROLE];

export const OBJECT_ROLES = new Set<number>([ROLE.DOC, ROLE.RS_ITEM, ROLE.SS_ITEM, ROLE.J_TRACE, ROLE.WRAP]);
export const ARRAY_ROLES = new Set<number>([
  ROLE.RS_ARRAY,
  ROLE.SS_ARRAY,
  ROLE.SPANS,
  ROLE.J_DATA,
  ROLE.J_SPANS,
  ROLE.Z_SPANS,
]);

/**
 * The role a value takes instead when its container is the other kind: the top-level value as an array
 * is Zipkin's list of spans; Jaeger's `data` as an object is one trace (the UI's single-trace variant).
 */
export const OTHER_CONTAINER_ROLES: Record<number, Role> = {
  [ROLE.DOC]: ROLE.Z_SPANS,
  [ROLE.J_DATA]: ROLE.J_TRACE,
};

export const ROLE_NAMES: Record<number, string> = {
  [ROLE.DOC]: 'the top-level value',
  [ROLE.RS_ARRAY]: 'resourceSpans',
  [ROLE.RS_ITEM]: 'each resourceSpans entry',
  [ROLE.SS_ARRAY]: 'scopeSpans',
  [ROLE.SS_ITEM]: 'each scopeSpans entry',
  [ROLE.SPANS]: 'spans',
  [ROLE.SPAN]: 'each span',
  [ROLE.J_DATA]: 'data',
  [ROLE.J_TRACE]: 'each data entry (a trace)',
  [ROLE.J_SPANS]: 'spans',
  [ROLE.JSPAN]: 'each span',
  [ROLE.RESOURCE]: 'resource',
  [ROLE.PROCESSES]: 'processes',
  [ROLE.SCOPE]: 'scope',
  [ROLE.WRAP]: 'the object around resourceSpans',
  [ROLE.Z_SPANS]: 'the list of Zipkin spans',
  [ROLE.ZSPAN]: 'each span',
};

export const KEY_ROLES: Record<number, Record<string, Role>> = {
  [ROLE.RS_ITEM]: {
    resource: ROLE.RESOURCE,
    scopeSpans: ROLE.SS_ARRAY,
    scope_spans: ROLE.SS_ARRAY,
    instrumentationLibrarySpans: ROLE.SS_ARRAY,
    instrumentation_library_spans: ROLE.SS_ARRAY,
  },
  [ROLE.SS_ITEM]: {
    spans: ROLE.SPANS,
    scope: ROLE.SCOPE,
    instrumentationLibrary: ROLE.SCOPE,
    instrumentation_library: ROLE.SCOPE,
  },
  [ROLE.J_TRACE]: { spans: ROLE.J_SPANS, processes: ROLE.PROCESSES },
  [ROLE.WRAP]: { resourceSpans: ROLE.RS_ARRAY, resource_spans: ROLE.RS_ARRAY },
};

/** Which top-level keys make a document of which kind, and the role of their value. */
export const DOC_KEY_ROLES: Record<string, { kind: 'otlp' | 'jaeger'; role: Role }> = {
  resourceSpans: { kind: 'otlp', role: ROLE.RS_ARRAY },
  resource_spans: { kind: 'otlp', role: ROLE.RS_ARRAY },
  // Grafana Tempo's HTTP API (`/api/traces/<id>`): ResourceSpans under `batches`.
  batches: { kind: 'otlp', role: ROLE.RS_ARRAY },
  // Jaeger v2 api_v3 (`/api/v3/traces/<id>`): `{ result: { resourceSpans } }`; Tempo v2: `{ trace: … }`.
  result: { kind: 'otlp', role: ROLE.WRAP },
  trace: { kind: 'otlp', role: ROLE.WRAP },
  data: { kind: 'jaeger', role: ROLE.J_DATA },
  // One Jaeger trace without the `data` around it.
  spans: { kind: 'jaeger', role: ROLE.J_SPANS },
  processes: { kind: 'jaeger', role: ROLE.PROCESSES },
};

/** Top-level keys of OTLP metrics, logs and profiles: records of another signal, not bad ones. */
export const NON_TRACE_KEYS = new Set([
  'resourceMetrics',
  'resource_metrics',
  'resourceLogs',
  'resource_logs',
  'resourceProfiles',
  'resource_profiles',
]);

/** The formats accepted, for the error that refuses an unknown top-level object. */
export const ACCEPTED_FORMATS =
  'OTLP JSON {resourceSpans}, Tempo {batches}, Jaeger api_v3 {result: {resourceSpans}}, Jaeger {data} or one Jaeger trace {traceID, spans, processes}, Zipkin v2 [spans]';

export const ELEMENT_ROLES: Record<number, Role> = {
  [ROLE.RS_ARRAY]: ROLE.RS_ITEM,
  [ROLE.SS_ARRAY]: ROLE.SS_ITEM,
  [ROLE.SPANS]: ROLE.SPAN,
  [ROLE.J_DATA]: ROLE.J_TRACE,
  [ROLE.J_SPANS]: ROLE.JSPAN,
  [ROLE.Z_SPANS]: ROLE.ZSPAN,
};
