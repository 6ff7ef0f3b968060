import type { InputError } from '../input-error.js';
import type { SkippedRecord } from './types.js';

/** InputError code of a record of another signal (OTLP metrics, logs, profiles) in a trace input. */
export const NOT_TRACES = 'WIRESCOPE_NOT_TRACES';

/**
 * Receives a record the lenient reading leaves out, as the error a strict reading would have ended
 * with. Readers given none are strict: they throw that error.
 */
export type SkipRecord = (error: InputError) => void;

/** The public description of a record left out. */
export function skippedRecordOf(error: InputError): SkippedRecord {
  const record: SkippedRecord = {
    reason: error.code === NOT_TRACES ? 'not-traces' : 'bad-record',
    file: error.file,
    problem: error.problem,
    message: error.message,
  };
  if (error.line !== undefined) record.line = error.line;
  if (error.column !== undefined) record.column = error.column;
  if (error.offset !== undefined) record.offset = error.offset;
  return record;
}
