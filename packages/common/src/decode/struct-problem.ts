/**
 * Bad records of the struct decoder: what is known when the problem is found (copied out of the
 * reusable fetch buffer) and the message built from it, only when someone asks.
 */
import { simpleString, type SqlType } from '../schema/sql-type';
import { BAD_REASONS, R } from './bad-reason';
import { describeBadRecord, type BadRecordFacts } from './bad-record-detail';

/**
 * A field value that cannot become its type: the reason, the field's type, the value's span in the
 * buffer, and its path as segments from the innermost out ('price', '[2]', 'items', 'order').
 * Made on the bad path only; a later duplicate key may still replace the value and drop it.
 */
export class FieldProblem {
  readonly segments: string[] = [];
  constructor(
    readonly reason: number,
    readonly type: SqlType,
    readonly start: number,
    readonly end: number,
  ) {}
}

/** `order.items[2].price` from segments innermost first. */
export function pathOf(segments: readonly string[]): string {
  let path = '';
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    path += s.startsWith('[') || path === '' ? s : '.' + s;
  }
  return path;
}

export interface StructBadFacts {
  /** Facts of a record-level problem (size, syntax, not an object), or null for a field problem. */
  record: BadRecordFacts | null;
  reason: number;
  path: string;
  type: SqlType | null;
  /** Up to SNIPPET_BYTES bytes of the offending value, or null. */
  snippet: Uint8Array | null;
}

function expected(t: SqlType): string {
  switch (t.kind) {
    case 'boolean':
      return 'true or false';
    case 'int':
    case 'long':
      return 'a JSON integer (no fraction, exponent or quotes)';
    case 'double':
      return 'a JSON number or one of the strings "NaN", "Infinity", "-Infinity"';
    case 'decimal':
      return 'a JSON number or a string holding one';
    case 'timestamp':
      return 'an ISO-8601 string or whole epoch seconds';
    case 'date':
      return 'a date string';
    case 'struct':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return 'a string';
  }
}

export function describeStructBadRecord(f: StructBadFacts): string {
  if (f.record !== null) return describeBadRecord(f.record);
  const shown = f.snippet === null ? '' : JSON.stringify(Buffer.from(f.snippet).toString('utf8'));
  const type = f.type === null ? '' : simpleString(f.type);
  const t = f.type;
  switch (f.reason) {
    case R.MISSING_FIELD:
      return `field ${f.path} is missing (not nullable)`;
    case R.NULL_FIELD:
      return `field ${f.path} is null (not nullable)`;
    case R.WRONG_TYPE:
      return `field ${f.path} (${type}) must be ${t === null ? 'of its type' : expected(t)}, got ${shown}`;
    case R.INT_RANGE:
      return `field ${f.path} value ${shown} is outside ${type}`;
    case R.DECIMAL_PRECISION:
      return `field ${f.path} value ${shown} has more integer digits than ${type} holds`;
    case R.DECIMAL_SCALE:
      return `field ${f.path} value ${shown} has more decimal places than ${type} holds (no rounding)`;
    case R.BAD_TIMESTAMP:
      return `field ${f.path} value ${shown} is not YYYY-MM-DD[T ]hh:mm:ss[.fraction][Z|±hh:mm] (or whole epoch seconds) within the years 1684–2255`;
    case R.BAD_DATE:
      return `field ${f.path} value ${shown} is not a date [+-]yyyy[-m[m][-d[d]]] within the int32 day range`;
    default:
      return `field ${f.path}: ${BAD_REASONS[f.reason] ?? 'unknown reason'}`;
  }
}
