/**
 * Test support: decodes a Parquet footer (Thrift compact protocol) into nested objects keyed by
 * field id, independently of parquet-wasm, so tests can check the physical and logical types and
 * codecs a file really has. File layout: ... <FileMetaData> <u32 LE length> "PAR1".
 */
type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;
export interface ThriftStruct {
  [fieldId: number]: ThriftValue;
}

export function readFooter(file: Uint8Array): ThriftStruct {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const len = view.getUint32(file.length - 8, true);
  const reader = new CompactReader(file.subarray(file.length - 8 - len, file.length - 8));
  return reader.struct();
}

class CompactReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  struct(): ThriftStruct {
    const out: ThriftStruct = {};
    let lastId = 0;
    for (;;) {
      const header = this.buf[this.pos++];
      if (header === 0) return out;
      const delta = header >> 4;
      const type = header & 0x0f;
      const id = delta === 0 ? this.zigzag() : lastId + delta;
      lastId = id;
      out[id] = type === 1 ? true : type === 2 ? false : this.value(type);
    }
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case 1:
      case 2:
        return this.buf[this.pos++] === 1;
      case 3:
        return (this.buf[this.pos++] << 24) >> 24;
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7: {
        const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case 8: {
        const n = this.varint();
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case 9:
      case 10: {
        const header = this.buf[this.pos++];
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const elemType = header & 0x0f;
        return Array.from({ length: size }, () => this.value(elemType));
      }
      case 11: {
        const size = this.varint();
        if (size === 0) return [];
        const kv = this.buf[this.pos++];
        return Array.from({ length: size }, () => [this.value(kv >> 4), this.value(kv & 0x0f)]);
      }
      case 12:
        return this.struct();
      default:
        throw new Error(`unknown thrift compact type ${type} at ${this.pos}`);
    }
  }

  private varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}

export interface LeafColumn {
  name: string;
  physicalType: number;
  logicalType?: ThriftStruct;
}

/** Parquet physical types. */
export const PHYSICAL = { INT32: 1, INT64: 2, INT96: 3, FIXED_LEN_BYTE_ARRAY: 7 } as const;
/** Parquet compression codecs. */
export const CODEC = { UNCOMPRESSED: 0, SNAPPY: 1, ZSTD: 6 } as const;

export function schemaElements(footer: ThriftStruct): LeafColumn[] {
  const elements = footer[2] as ThriftStruct[];
  return elements.map((e) => ({
    name: new TextDecoder().decode(e[4] as Uint8Array),
    physicalType: e[1] as number,
    logicalType: e[10] as ThriftStruct | undefined,
  }));
}

export function columnCodecs(footer: ThriftStruct): number[] {
  const rowGroups = footer[4] as ThriftStruct[];
  return rowGroups.flatMap((rg) => (rg[1] as ThriftStruct[]).map((chunk) => (chunk[3] as ThriftStruct)[4] as number));
}

/** Parquet encodings that mean a dictionary. */
export const DICTIONARY_ENCODINGS = [2, 8] as const; // PLAIN_DICTIONARY, RLE_DICTIONARY

/** Each column chunk's encodings (ColumnMetaData field 2), in row-group then column order. */
export function columnEncodings(footer: ThriftStruct): number[][] {
  const rowGroups = footer[4] as ThriftStruct[];
  return rowGroups.flatMap((rg) => (rg[1] as ThriftStruct[]).map((chunk) => (chunk[3] as ThriftStruct)[2] as number[]));
}
