/**
 * The Kafka wire format's primitives (big-endian): a request is int32 size, then the request header
 * v1 (api_key int16, api_version int16, correlation_id int32, client_id nullable string), then the
 * body; a response is int32 size, then correlation_id int32, then the body. Strings are int16
 * length + UTF-8 (-1 = null), bytes are int32 length + bytes (-1 = null), arrays int32 count + items.
 * Only non-flexible versions are spoken here (no compact encodings, no tagged fields).
 */
export class RequestWriter {
  private buf = Buffer.allocUnsafe(256);
  private len = 4; // the size prefix is filled in by `frame`

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.len);
    this.len += 1;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.len);
    this.len += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.len);
    this.len += 4;
    return this;
  }

  int64(v: number | bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(v), this.len);
    this.len += 8;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const n = Buffer.byteLength(v, 'utf8');
    this.int16(n);
    this.ensure(n);
    this.buf.write(v, this.len, 'utf8');
    this.len += n;
    return this;
  }

  /** Nullable bytes: int32 length, then the bytes (copied). */
  bytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
    return this;
  }

  /** An array's item count; the caller writes the items. */
  arrayLength(n: number): this {
    return this.int32(n);
  }

  /** The request with its size prefix. */
  frame(): Buffer {
    this.buf.writeInt32BE(this.len - 4, 0);
    return this.buf.subarray(0, this.len);
  }
}

/** Writes the request header v1. */
export function writeRequestHeader(
  w: RequestWriter,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string,
): void {
  w.int16(apiKey).int16(apiVersion).int32(correlationId).string(clientId);
}

export class ResponseReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new RangeError(`Kafka response ended early: need ${n} bytes at ${this.pos} of ${this.buf.length}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** An int64 as a number (offsets and producer ids stay below 2^53). */
  int64(): number {
    this.need(8);
    const v = this.buf.readInt32BE(this.pos) * 4294967296 + this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return v;
  }

  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A view of the bytes, not a copy. */
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** An array's item count; -1 for a null array. */
  arrayLength(): number {
    return this.int32();
  }
}
