import type { RecordChunk } from '../kafka/record-chunk';

/** A record for `chunkOfRecords`: null value = tombstone, null key = no key. */
export interface FixtureRecord {
  value: string | Uint8Array | null;
  key?: string | Uint8Array | null;
  headers?: ReadonlyArray<readonly [string, Uint8Array | string | null]>;
  /** 0 = CreateTime (default), 1 = LogAppendTime. */
  timestampType?: number;
  timestampMs?: number;
}

/**
 * Test and benchmark support: a RecordChunk over values laid out in one Buffer (null = tombstone),
 * with offsets 1000, 1001, … and Kafka timestamps 5000, 5001, …, each value preceded by a few
 * junk bytes so that decoding must respect valueStart/valueLength.
 */
export function chunkOf(values: ReadonlyArray<string | Uint8Array | null>, partition = 0): RecordChunk {
  return chunkOfRecords(values.map((value) => ({ value })), partition);
}

/** As `chunkOf`, with keys, headers (encoded as in a Kafka record) and timestamps per record. */
export function chunkOfRecords(records: readonly FixtureRecord[], partition = 0): RecordChunk {
  const parts: Buffer[] = [];
  const n = records.length;
  const span = () => ({ start: new Int32Array(n), length: new Int32Array(n) });
  const key = span();
  const value = span();
  const headers = span();
  let at = 0;
  const put = (bytes: Buffer | null, to: { start: Int32Array; length: Int32Array }, i: number) => {
    const junk = Buffer.from('"}]x');
    parts.push(junk);
    at += junk.length;
    to.start[i] = at;
    to.length[i] = bytes === null ? -1 : bytes.length;
    if (bytes !== null) {
      parts.push(bytes);
      at += bytes.length;
    }
  };
  const bytesOf = (v: string | Uint8Array | null | undefined) => (v == null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));
  records.forEach((r, i) => {
    put(bytesOf(r.key), key, i);
    put(bytesOf(r.value), value, i);
    put(encodeHeaders(r.headers ?? []), headers, i);
  });
  parts.push(Buffer.from('{"'));
  return {
    topic: 'events',
    partition,
    count: n,
    buf: Buffer.concat(parts),
    offset: Float64Array.from({ length: n }, (_, i) => 1000 + i),
    timestampMs: Float64Array.from(records, (r, i) => r.timestampMs ?? 5000 + i),
    timestampType: Uint8Array.from(records, (r) => r.timestampType ?? 0),
    keyStart: key.start,
    keyLength: key.length,
    valueStart: value.start,
    valueLength: value.length,
    headersStart: headers.start,
    headersLength: headers.length,
  };
}

function zigzagVarint(v: number): Buffer {
  let z = (v << 1) ^ (v >> 31);
  const out: number[] = [];
  while (z >>> 0 >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
  return Buffer.from(out);
}

/** The headers section of a Kafka record: count, then (key length, key, value length, value) each. */
export function encodeHeaders(headers: ReadonlyArray<readonly [string, Uint8Array | string | null]>): Buffer {
  const parts = [zigzagVarint(headers.length)];
  for (const [k, v] of headers) {
    const kb = Buffer.from(k, 'utf8');
    parts.push(zigzagVarint(kb.length), kb);
    if (v === null) parts.push(zigzagVarint(-1));
    else {
      const vb = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
      parts.push(zigzagVarint(vb.length), vb);
    }
  }
  return Buffer.concat(parts);
}
