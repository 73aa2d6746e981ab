// Pure packing rules for Firehose: newline-terminated lines packed into as few records as the record size
// limit allows (a line is never split), and records grouped into PutRecordBatch calls within the call limits.

/** Firehose's PutRecordBatch limits. */
export interface FirehoseLimits {
  /** Bytes of one record (1,000 KiB). */
  readonly maxRecordBytes: number;
  /** Records in one call. */
  readonly maxBatchRecords: number;
  /** Bytes of all records of one call (4 MiB). */
  readonly maxBatchBytes: number;
}

export const FIREHOSE_LIMITS: FirehoseLimits = {
  maxRecordBytes: 1000 * 1024,
  maxBatchRecords: 500,
  maxBatchBytes: 4 * 1024 * 1024,
};

/**
 * Packs lines, each terminated by `\n`, into records of at most `maxRecordBytes` UTF-8 bytes, in order.
 * Throws for a line that cannot fit a record on its own (CloudWatch Logs events are at most 256 KiB).
 */
export function packLines(lines: readonly string[], maxRecordBytes = FIREHOSE_LIMITS.maxRecordBytes): Buffer[] {
  const records: Buffer[] = [];
  let start = 0;
  let bytes = 0;
  const flush = (end: number) => {
    if (end > start) records.push(Buffer.from(lines.slice(start, end).join('\n') + '\n', 'utf8'));
    start = end;
    bytes = 0;
  };
  for (let i = 0; i < lines.length; i++) {
    const size = Buffer.byteLength(lines[i]!, 'utf8') + 1;
    if (size > maxRecordBytes) {
      throw new Error(`log line ${i} is ${size} bytes: more than a Firehose record holds (${maxRecordBytes})`);
    }
    if (bytes + size > maxRecordBytes) flush(i);
    bytes += size;
  }
  flush(lines.length);
  return records;
}

/** Groups records, in order, into batches of at most `maxBatchRecords` records and `maxBatchBytes` bytes. */
export function batchRecords<R extends { readonly length: number }>(
  records: readonly R[],
  limits: FirehoseLimits = FIREHOSE_LIMITS,
): R[][] {
  const batches: R[][] = [];
  let batch: R[] = [];
  let bytes = 0;
  for (const record of records) {
    if (batch.length === limits.maxBatchRecords || (batch.length > 0 && bytes + record.length > limits.maxBatchBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += record.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
