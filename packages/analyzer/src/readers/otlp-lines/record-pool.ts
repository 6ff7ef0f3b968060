import { newRecord, type SpanRecord } from '../../span-record/record.js';

/**
 * The records one reader hands out, reused batch after batch. One per reader: two analyses reading at
 * once (their batches interleave at every await) must not share records.
 */
export class RecordPool {
  readonly records: SpanRecord[] = [];
  /** Records handed out since the batch began. */
  used = 0;
  /** A cleared record for the next span. */
  next(): SpanRecord {
    if (this.used === this.records.length) this.records.push(newRecord());
    return this.records[this.used++] as SpanRecord;
  }
}

/** A pool that hands out nothing, for a cursor between lines. */
export const NO_POOL = new RecordPool();
