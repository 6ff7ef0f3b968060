/** A shape problem found while normalizing one record; the caller adds the file and position. */
export class ShapeError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'ShapeError';
  }
}

/**
 * An integer field held a JSON number at or beyond 2^53, which `JSON.parse` has already rounded. The
 * JSON Lines reader then parses the line again with such literals kept as strings (see
 * `parseJsonExact`), so the common case pays nothing for exactness.
 */
export class ImpreciseNumberError extends ShapeError {
  constructor(what: string) {
    super(`${what} is an integer beyond 2^53 in a form that cannot be read exactly`);
    this.name = 'ImpreciseNumberError';
  }
}

/** A parsed JSON object of unknown shape. */
export type JsonObject = Record<string, unknown>;

/** Where a record starts, for `source` and for errors. */
export interface RecordPosition {
  line: number;
  column: number;
  offset: number;
}
