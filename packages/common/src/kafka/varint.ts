/**
 * Zig-zag varints of the Kafka record format (the protobuf encoding): 7 bits per byte, least
 * significant group first, high bit set on every byte but the last; then zig-zag maps
 * 0,-1,1,-2,… to 0,1,2,3,…. `varint` is 32-bit (at most 5 bytes), `varlong` 64-bit (at most 10).
 * The record decoder inlines the same steps on its hot path; this reader serves everything else.
 */
export class VarintReader {
  constructor(
    public buf: Uint8Array,
    public pos: number,
  ) {}

  /** A zig-zag int32. */
  varint(): number {
    const buf = this.buf;
    let p = this.pos;
    let b = buf[p++];
    let raw = b & 0x7f;
    let shift = 7;
    while (b & 0x80) {
      if (shift > 28) throw new RangeError(`varint longer than 5 bytes at ${this.pos}`);
      b = buf[p++];
      raw |= (b & 0x7f) << shift;
      shift += 7;
    }
    if (p > buf.length) throw new RangeError(`varint past the end of the buffer at ${this.pos}`);
    this.pos = p;
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** A zig-zag int64 as a number: exact while |value| <= 2^53, which Kafka timestamps and deltas are. */
  varlong(): number {
    const buf = this.buf;
    let p = this.pos;
    let b = buf[p++];
    let raw = b & 0x7f;
    let scale = 128;
    while (b & 0x80) {
      if (scale > 2 ** 63) throw new RangeError(`varlong longer than 10 bytes at ${this.pos}`);
      b = buf[p++];
      raw += (b & 0x7f) * scale;
      scale *= 128;
    }
    if (p > buf.length) throw new RangeError(`varlong past the end of the buffer at ${this.pos}`);
    this.pos = p;
    return raw % 2 === 1 ? -(raw + 1) / 2 : raw / 2;
  }
}
