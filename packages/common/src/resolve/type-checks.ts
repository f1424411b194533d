/**
 * Types written in a spec (from_json schemas, cast targets, typed literals) come from the wire: each
 * is checked to be a SqlType before anything reads it.
 */
import { MAX_DECIMAL_PRECISION, type SqlField, type SqlType } from '../schema/sql-type';
import { ResolveProblem } from './problem';

const SIMPLE = new Set(['boolean', 'int', 'long', 'double', 'string', 'binary', 'timestamp', 'date']);

/** Throws ResolveProblem naming what is wrong with `t` (in `where`), or returns it typed. */
export function checkedType(t: unknown, where: string): SqlType {
  const fail = (why: string): never => {
    throw new ResolveProblem(`${where}: ${why}`);
  };
  if (t === null || typeof t !== 'object' || Array.isArray(t)) return fail(`a type must be an object such as { kind: 'int' }, got ${JSON.stringify(t)}`);
  const v = t as Record<string, unknown>;
  if (typeof v.kind === 'string' && SIMPLE.has(v.kind)) return t as SqlType;
  switch (v.kind) {
    case 'decimal': {
      const { precision: p, scale: s } = v;
      if (!Number.isInteger(p) || !Number.isInteger(s) || (p as number) < 1 || (p as number) > MAX_DECIMAL_PRECISION || (s as number) < 0 || (s as number) > (p as number)) {
        return fail(`decimal(${String(p)},${String(s)}) is not a valid type: precision must be 1..38 and scale 0..precision`);
      }
      return t as SqlType;
    }
    case 'struct':
      checkedFields(v.fields, where);
      return t as SqlType;
    case 'array':
      checkedType(v.element, where);
      if (typeof v.containsNull !== 'boolean') fail('an array type needs containsNull true or false');
      return t as SqlType;
    default:
      return fail(`unknown type ${JSON.stringify(v.kind)}`);
  }
}

/** The fields of a struct (or a from_json schema): named, typed, nullable given, no name twice (case-insensitively, as Spark resolves them). */
export function checkedFields(fields: unknown, where: string): SqlField[] {
  if (!Array.isArray(fields)) throw new ResolveProblem(`${where}: a struct needs a list of fields, got ${JSON.stringify(fields)}`);
  const seen = new Set<string>();
  for (const f of fields as unknown[]) {
    const field = f as Record<string, unknown> | null;
    if (field === null || typeof field !== 'object' || typeof field.name !== 'string' || typeof field.nullable !== 'boolean') {
      throw new ResolveProblem(`${where}: a field must be { name, type, nullable }, got ${JSON.stringify(f)}`);
    }
    if (seen.has(field.name.toLowerCase())) throw new ResolveProblem(`${where}: field '${field.name}' appears twice`);
    seen.add(field.name.toLowerCase());
    checkedType(field.type, `${where}, field '${field.name}'`);
  }
  return fields as SqlField[];
}

/** Binary has no JSON form the decoder reads; every other type may be parsed. */
export function jsonSchemaProblem(fields: readonly SqlField[]): string | null {
  const binaryAt = (t: SqlType, path: string): string | null => {
    if (t.kind === 'binary') return path;
    if (t.kind === 'struct') for (const f of t.fields) { const p = binaryAt(f.type, `${path}.${f.name}`); if (p !== null) return p; }
    if (t.kind === 'array') return binaryAt(t.element, path);
    return null;
  };
  for (const f of fields) {
    const p = binaryAt(f.type, f.name);
    if (p !== null) return `from_json: field '${p}' is binary, which JSON does not carry; declare it as string`;
  }
  return null;
}
