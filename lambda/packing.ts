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
 * Each record is sized first, then its lines are written straight into one buffer of that size (joining
 * the strings and encoding the result costs several times more).
 */
export function packLines(lines: readonly string[], maxRecordBytes = FIREHOSE_LIMITS.maxRecordBytes): Buffer[] {
  const records: Buffer[] = [];
  for (let start = 0; start < lines.length; ) {
    let end = start;
    let bytes = 0;
    for (; end < lines.length; end++) {
      const size = Buffer.byteLength(lines[end]!, 'utf8') + 1;
      if (size > maxRecordBytes) {
        throw new Error(`log line ${end} is ${size} bytes: more than a Firehose record holds (${maxRecordBytes})`);
      }
      if (bytes + size > maxRecordBytes) break;
      bytes += size;
    }
    const record = Buffer.allocUnsafe(bytes);
    let offset = 0;
    for (let i = start; i < end; i++) {
      offset += record.write(lines[i]!, offset, 'utf8');
      record[offset++] = 0x0a;
    }
    if (offset !== bytes) throw new Error(`packed ${offset} bytes into a record sized ${bytes}`);
    records.push(record);
    start = end;
  }
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
