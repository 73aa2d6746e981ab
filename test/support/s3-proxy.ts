// A loopback HTTP proxy in front of moto_server for S3 tests: it records every request (so a test can count
// the ListObjectsV2 calls per prefix and the GetObject calls) and answers S3's own 403 AccessDenied error for
// a denied prefix. A denial is faked here because moto 5.2's IAM mode rejects the signature of any request
// whose query holds a '/' (ListObjectsV2 with Delimiter '/'), so it cannot produce a real AccessDenied there.
// It can also drop the connection halfway through an object's body, as a network failure mid-download would.
// Requests pass through byte for byte (headers included, so signatures stay valid).

import { createServer, request as httpRequest, type Server } from 'node:http';

/** One S3 request seen, path-style: `/bucket/key?query`. */
export interface S3Request {
  readonly method: string;
  readonly bucket: string;
  /** The object key (GetObject, PutObject...), '' for bucket-level calls. */
  readonly key: string;
  readonly query: URLSearchParams;
}

export interface S3Proxy {
  readonly endpoint: string;
  readonly requests: S3Request[];
  /** ListObjectsV2 calls' prefixes, in order. */
  listedPrefixes(): string[];
  /** GetObject calls' keys, in order. */
  fetchedKeys(): string[];
  /**
   * Answer AccessDenied at or below `bucket/prefix` (undefined: deny nothing): to listings and reads (`all`),
   * or to reads only (`get`, as a policy that grants s3:ListBucket but not s3:GetObject there).
   */
  deny(bucket: string | undefined, prefix?: string, calls?: 'all' | 'get'): void;
  /** Drop the connection halfway through the body of objects read at or below `bucket/prefix` (undefined: none). */
  cut(bucket: string | undefined, prefix?: string): void;
  close(): Promise<void>;
}

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>' +
  '<RequestId>0000000000000000</RequestId><HostId>proxy</HostId></Error>';

export async function startS3Proxy(target: string): Promise<S3Proxy> {
  const upstream = new URL(target);
  const requests: S3Request[] = [];
  let denied: { bucket: string; prefix: string; calls: 'all' | 'get' } | undefined;
  let cut: { bucket: string; prefix: string } | undefined;

  const server: Server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://proxy');
    const [bucket = '', ...keyParts] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const seen: S3Request = { method: incoming.method ?? 'GET', bucket, key: keyParts.join('/'), query: url.searchParams };
    requests.push(seen);
    const listing = seen.query.get('list-type') === '2';
    const path = listing ? (seen.query.get('prefix') ?? '') : seen.key;
    if (denied && bucket === denied.bucket && seen.method === 'GET' && path.startsWith(denied.prefix) && !(listing && denied.calls === 'get')) {
      incoming.resume();
      outgoing.writeHead(403, { 'content-type': 'application/xml' }).end(ACCESS_DENIED);
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        const half = Number(answer.headers['content-length'] ?? 0) / 2;
        if (!cut || bucket !== cut.bucket || listing || seen.method !== 'GET' || !path.startsWith(cut.prefix) || half < 1) {
          answer.pipe(outgoing);
          return;
        }
        // The first half of the body, then the connection drops, as a network failure mid-download would.
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent < half) outgoing.write(chunk.subarray(0, Math.max(0, Math.floor(half) - sent)));
          sent += chunk.length;
        });
        answer.on('end', () => outgoing.socket?.destroy());
      },
    );
    forward.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    listedPrefixes: () => requests.filter((r) => r.query.get('list-type') === '2').map((r) => r.query.get('prefix') ?? ''),
    fetchedKeys: () => requests.filter((r) => r.method === 'GET' && r.key !== '' && !r.query.has('list-type')).map((r) => r.key),
    deny(bucket, prefix = '', calls = 'all') {
      denied = bucket === undefined ? undefined : { bucket, prefix, calls };
    },
    cut(bucket, prefix = '') {
      cut = bucket === undefined ? undefined : { bucket, prefix };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
