/**
 * The row count a Parquet file declares, read from its footer alone (no page is read).
 *
 * File layout: "PAR1" <data pages> <FileMetaData, Thrift compact> <u32 LE footer length> "PAR1".
 * FileMetaData fields (parquet.thrift): 1 version i32, 2 schema list<SchemaElement>,
 * 3 num_rows i64, 4 row_groups list<RowGroup>, ... Fields arrive in id order, so the reader skips
 * fields 1 and 2 and stops at field 3. Compact protocol: a field header byte is (id delta << 4 |
 * type), a delta of 0 is followed by the id as a zig-zag varint; integers are zig-zag varints;
 * binary is a varint length then bytes; lists and sets start with (size << 4 | element type), size 15
 * meaning a varint size follows; maps with a varint size then (key type << 4 | value type).
 */
import type { Storage } from '../storage/storage';

const MAGIC = 0x31524150; // "PAR1" read as a little-endian u32
const TAIL_BYTES = 8;

export class ParquetFooterError extends Error {}

/**
 * The `num_rows` of the footer of the object at `location` (two range reads: the tail, then the
 * footer); throws ParquetFooterError when it is not Parquet, and when there is no object.
 */
export async function readParquetRowCount(storage: Storage, location: string): Promise<number> {
  const info = await storage.head(location);
  if (info === undefined) throw new ParquetFooterError('there is no such file');
  const size = info.size;
  if (size < 12) throw new ParquetFooterError(`${size} bytes is too short for a Parquet file`);
  const tail = Buffer.from(await storage.getRange(location, size - TAIL_BYTES, size));
  if (tail.length !== TAIL_BYTES) throw new ParquetFooterError(`the file shrank below ${size} bytes while being read`);
  if (tail.readUInt32LE(4) !== MAGIC) throw new ParquetFooterError('the file does not end with the Parquet magic PAR1');
  const footerLength = tail.readUInt32LE(0);
  if (footerLength === 0 || footerLength > size - 12) throw new ParquetFooterError(`footer length ${footerLength} does not fit a file of ${size} bytes`);
  const footer = await storage.getRange(location, size - TAIL_BYTES - footerLength, size - TAIL_BYTES);
  if (footer.length !== footerLength) throw new ParquetFooterError(`the file shrank below ${size} bytes while being read`);
  return footerRowCount(footer);
}

/** `num_rows` of a FileMetaData structure (the footer bytes without the length and magic). */
export function footerRowCount(footer: Uint8Array): number {
  const r = new CompactSkipper(footer);
  let id = 0;
  for (;;) {
    const header = r.byte();
    if (header === 0) throw new ParquetFooterError('the footer has no num_rows field');
    const type = header & 0x0f;
    const delta = header >> 4;
    id = delta === 0 ? r.zigzag() : id + delta;
    if (id === 3) {
      if (type !== 6) throw new ParquetFooterError(`num_rows has Thrift type ${type}, expected i64`);
      const rows = r.zigzag();
      if (!Number.isSafeInteger(rows) || rows < 0) throw new ParquetFooterError(`num_rows ${rows} is not a row count`);
      return rows;
    }
    if (id > 3) throw new ParquetFooterError('the footer has no num_rows field');
    r.skip(type);
  }
}

class CompactSkipper {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new ParquetFooterError('the footer ends inside a field');
    return this.buf[this.pos++];
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new ParquetFooterError('a varint of the footer is longer than 10 bytes');
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  skip(type: number): void {
    switch (type) {
      case 1: case 2: return; // booleans live in the field header
      case 3: this.byte(); return;
      case 4: case 5: case 6: this.varint(); return;
      case 7: this.advance(8); return;
      case 8: this.advance(this.varint()); return;
      case 9: case 10: {
        const header = this.byte();
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const elem = header & 0x0f;
        for (let i = 0; i < size; i++) this.skipElement(elem);
        return;
      }
      case 11: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) { this.skipElement(kv >> 4); this.skipElement(kv & 0x0f); }
        return;
      }
      case 12: {
        for (;;) {
          const header = this.byte();
          if (header === 0) return;
          if (header >> 4 === 0) this.zigzag();
          this.skip(header & 0x0f);
        }
      }
      default:
        throw new ParquetFooterError(`unknown Thrift compact type ${type} in the footer`);
    }
  }

  /** Inside lists and maps a boolean takes one byte of its own. */
  private skipElement(type: number): void {
    if (type === 1 || type === 2) this.byte();
    else this.skip(type);
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new ParquetFooterError('the footer ends inside a value');
    this.pos += n;
  }
}
