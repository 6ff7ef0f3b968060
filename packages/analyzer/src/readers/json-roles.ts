// The roles a value can play in a trace document (OTLP or Jaeger), and the tables that move the
// scanner (json-scanner.ts) from a container to the role of its keys and elements.

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
} as const;

/** One of {@link ROLE}. */
export type Role = (typeof ROLE)[keyof typeof ROLE];

export const OBJECT_ROLES = new Set<number>([ROLE.DOC, ROLE.RS_ITEM, ROLE.SS_ITEM, ROLE.J_TRACE]);
export const ARRAY_ROLES = new Set<number>([
  ROLE.RS_ARRAY,
  ROLE.SS_ARRAY,
  ROLE.SPANS,
  ROLE.J_DATA,
  ROLE.J_SPANS,
]);

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
};

export const ELEMENT_ROLES: Record<number, Role> = {
  [ROLE.RS_ARRAY]: ROLE.RS_ITEM,
  [ROLE.SS_ARRAY]: ROLE.SS_ITEM,
  [ROLE.SPANS]: ROLE.SPAN,
  [ROLE.J_DATA]: ROLE.J_TRACE,
  [ROLE.J_SPANS]: ROLE.JSPAN,
};
