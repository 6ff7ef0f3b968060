/** A shape problem found while normalizing one record; the caller adds the file and position. */
export class ShapeError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'ShapeError';
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
