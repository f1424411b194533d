/**
 * Test helpers for the general group-by: column vectors from plain JS values and back, so tests
 * state inputs and expectations as literals. Values: strings for string, Uint8Array for binary,
 * bigint for long/timestamp/decimal (unscaled), numbers for int/date/double, booleans for boolean,
 * null for NULL. Shares no code with the kernels.
 */
import { ColumnBatch, SqlField, SqlType, Vector } from '@tributary/common';

export type Cell = string | number | bigint | boolean | Uint8Array | null;

const LIMIT = 2n ** 53n;

export function vector(type: SqlType, cells: readonly Cell[]): Vector {
  const n = cells.length;
  const validity = cells.some((c) => c === null) ? Uint8Array.from(cells, (c) => (c === null ? 0 : 1)) : null;
  switch (type.kind) {
    case 'boolean':
      return { type, validity, values: Uint8Array.from(cells, (c) => (c === true ? 1 : 0)) };
    case 'int':
    case 'date':
      return { type, validity, values: Int32Array.from(cells, (c) => (c === null ? 0 : (c as number))) };
    case 'double':
      return { type, validity, values: Float64Array.from(cells, (c) => (c === null ? 0 : (c as number))) };
    case 'long':
    case 'timestamp':
    case 'decimal': {
      const values = new Float64Array(n);
      let wide: Map<number, bigint> | null = null;
      cells.forEach((c, i) => {
        if (c === null) return;
        const b = BigInt(c as bigint | number);
        if (b < LIMIT && b > -LIMIT) values[i] = Number(b);
        else {
          values[i] = NaN;
          (wide ??= new Map()).set(i, b);
        }
      });
      return { type, validity, values, wide };
    }
    case 'string':
    case 'binary': {
      const parts = cells.map((c) => (c === null ? new Uint8Array(0) : typeof c === 'string' ? new TextEncoder().encode(c) : (c as Uint8Array)));
      const offsets = new Int32Array(n + 1);
      parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
      const data = new Uint8Array(offsets[n]);
      parts.forEach((p, i) => data.set(p, offsets[i]));
      return { type, validity, offsets, data };
    }
    default:
      throw new Error(`no test vector for ${type.kind}`);
  }
}

export function batch(schema: readonly SqlField[], rows: readonly (readonly Cell[])[]): ColumnBatch {
  return { count: rows.length, schema, columns: schema.map((f, c) => vector(f.type, rows.map((r) => r[c]))) };
}

export function cell(v: Vector, i: number): Cell {
  if (v.validity !== null && v.validity[i] === 0) return null;
  switch (v.type.kind) {
    case 'boolean':
      return (v as { values: Uint8Array }).values[i] === 1;
    case 'int':
    case 'date':
    case 'double':
      return (v as { values: Float64Array }).values[i];
    case 'long':
    case 'timestamp':
    case 'decimal': {
      const e = v as { values: Float64Array; wide: Map<number, bigint> | null };
      const x = e.values[i];
      if (x === x) return BigInt(x);
      const w = e.wide?.get(i);
      if (w === undefined) throw new Error(`row ${i} NaN without wide`);
      return w;
    }
    case 'string': {
      const b = v as { offsets: Int32Array; data: Uint8Array };
      return new TextDecoder().decode(b.data.subarray(b.offsets[i], b.offsets[i + 1]));
    }
    case 'binary': {
      const b = v as { offsets: Int32Array; data: Uint8Array };
      return b.data.slice(b.offsets[i], b.offsets[i + 1]);
    }
    default:
      throw new Error(`no test cell for ${v.type.kind}`);
  }
}

/** Rows of a batch as arrays of cells. */
export function rowsOf(b: ColumnBatch): Cell[][] {
  const out: Cell[][] = [];
  for (let i = 0; i < b.count; i++) out.push(b.columns.map((v) => cell(v, i)));
  return out;
}

/** A printable, comparable text of a cell (NaN, −0 and bytes included). */
export function show(c: Cell): string {
  if (c === null) return 'NULL';
  if (c instanceof Uint8Array) return `0x${Buffer.from(c).toString('hex')}`;
  if (typeof c === 'bigint') return `${c}n`;
  if (typeof c === 'number' && Object.is(c, -0)) return '-0';
  return typeof c === 'string' ? JSON.stringify(c) : String(c);
}

/** Rows as sorted lines of text, for order-insensitive comparison. */
export function sortedLines(rows: readonly (readonly Cell[])[]): string[] {
  return rows.map((r) => r.map(show).join(' | ')).sort();
}
