// A gzip bomb: a small gzip stream that expands to many bytes (zeros compress about 1,000 to 1), as anyone who
// can invoke the forwarder or write to its failure queue could send. 200 MiB of zeros gzip to about 200 KB.
import { gzipSync } from 'node:zlib';

/** A CloudWatch Logs-shaped event `{ awslogs: { data } }` whose data decompresses to `expandsTo` bytes. */
export function gzipBombEvent(expandsTo = 200 * 1024 * 1024): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(Buffer.alloc(expandsTo), { level: 9 }).toString('base64') } };
}
