/**
 * Rows of a table as plain JSON values in one canonical form, for display and for comparing rows
 * with another engine exactly:
 *
 *   integers, longs        decimal strings ("42")
 *   timestamps             µs since the epoch (UTC) as decimal strings
 *   decimals               plain strings with the type's scale ("12.30", "-0.05")
 *   dates                  yyyy-MM-dd
 *   float, double          JSON numbers; "NaN", "Infinity", "-Infinity" as strings
 *   strings, booleans      as is;  binary: "0x" + lower-case hex
 *   structs                objects; arrays: arrays; maps: arrays of [key, value]
 *   null                   null
 *
 * Values are read from the Arrow buffers (never through floats), so longs and decimals are exact.
 */
import * as arrow from 'apache-arrow';

export type CanonicalValue = null | boolean | number | string | CanonicalValue[] | { [k: string]: CanonicalValue };

export function canonicalRows(table: arrow.Table): Record<string, CanonicalValue>[] {
  const out: Record<string, CanonicalValue>[] = [];
  for (const batch of table.batches) {
    const fields = batch.schema.fields;
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, CanonicalValue> = {};
      fields.forEach((f, c) => {
        row[f.name] = valueAt(batch.data.children[c], i);
      });
      out.push(row);
    }
  }
  return out;
}

function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const j = data.offset + i;
  return (data.nullBitmap[j >> 3] & (1 << (j & 7))) !== 0;
}

export function valueAt(data: arrow.Data, i: number): CanonicalValue {
  if (!isValid(data, i)) return null;
  const type = data.type;
  if (arrow.DataType.isStruct(type)) {
    const o: Record<string, CanonicalValue> = {};
    type.children.forEach((f, c) => {
      o[f.name] = valueAt(data.children[c], i);
    });
    return o;
  }
  if (arrow.DataType.isList(type) || arrow.DataType.isMap(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const child = data.children[0];
    const items: CanonicalValue[] = [];
    for (let k = offsets[i]; k < offsets[i + 1]; k++) {
      if (arrow.DataType.isMap(type)) {
        const entry = valueAt(child, k) as Record<string, CanonicalValue>;
        items.push([entry.key, entry.value]);
      } else items.push(valueAt(child, k));
    }
    return items;
  }
  if (arrow.DataType.isDecimal(type)) {
    const w = data.values as Uint32Array;
    const words = type.bitWidth / 32;
    let u = 0n;
    for (let k = words - 1; k >= 0; k--) u = (u << 32n) | BigInt(w[i * words + k]);
    const v = BigInt.asIntN(type.bitWidth, u);
    return formatUnscaled(v, type.scale);
  }
  if (arrow.DataType.isTimestamp(type)) {
    const v = (data.values as BigInt64Array)[i];
    const perMicro = [1_000_000n, 1000n, 1n, 0n][type.unit];
    if (perMicro === 0n) return String(v / 1000n - (v < 0n && v % 1000n !== 0n ? 1n : 0n));
    return String(v * perMicro);
  }
  if (arrow.DataType.isDate(type)) {
    const ms = type.unit === arrow.DateUnit.DAY ? (data.values as Int32Array)[i] * 86_400_000 : Number((data.values as BigInt64Array)[i]);
    return new Date(ms).toISOString().slice(0, 10);
  }
  if (arrow.DataType.isInt(type)) return String((data.values as ArrayLike<number | bigint>)[i]);
  if (arrow.DataType.isFloat(type)) {
    const v = Number((data.values as Float64Array)[i]);
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return v;
  }
  const v = new arrow.Vector([data]).get(i) as unknown;
  if (v instanceof Uint8Array) return '0x' + Buffer.from(v).toString('hex');
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

/** An unscaled decimal as text with `scale` fraction digits. */
export function formatUnscaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return neg ? `-${text}` : text;
}
