/**
 * A test fixture (the seed sink's former derived columns, for tests that write seed-shaped tables
 * directly; queries compute withColumn with the executors' expressions). Columns computed from an
 * aggregated row (withColumn of a v1 spec; see DerivedColumnSpec), used as partition columns. Each
 * evaluates to the partition value text Delta stores (PROTOCOL.md, "Partition Value Serialization"):
 *
 *   to_date(window.start|window.end)              date 'yyyy-MM-dd' of the bound in the time zone
 *   date_format(window.start|window.end, pattern) string; pattern tokens yyyy MM dd HH mm ss,
 *                                                 separators - _ / : . space and T
 *   hour(window.start|window.end)                 int 0..23 in the time zone
 *
 * The time zone is the query's ('UTC' or a fixed offset '+hh:mm'), as Spark uses its session time
 * zone for these functions.
 */
import type { DerivedExpr } from '../plan/query-spec';
import { zoneOffsetMicros } from '../plan/time-zone';

export function derivedColumnType(expr: DerivedExpr): 'date' | 'string' | 'int' {
  switch (expr?.fn) {
    case 'to_date': return 'date';
    case 'date_format': return 'string';
    case 'hour': return 'int';
  }
  return 'string';
}

/** The partition value text of `expr` for a row whose window is [startMicros, endMicros). */
export function evaluateDerived(expr: DerivedExpr, startMicros: number, endMicros: number, timeZone: string): string {
  const micros = (expr.column === 'window.end' ? endMicros : startMicros) + zoneOffsetMicros(timeZone);
  const d = new Date(Math.floor(micros / 1000));
  const p2 = (n: number): string => String(n).padStart(2, '0');
  switch (expr.fn) {
    case 'to_date':
      return `${String(d.getUTCFullYear()).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
    case 'hour':
      return String(d.getUTCHours());
    case 'date_format':
      return expr.format.replace(/yyyy|MM|dd|HH|mm|ss/g, (t) => {
        switch (t) {
          case 'yyyy': return String(d.getUTCFullYear()).padStart(4, '0');
          case 'MM': return p2(d.getUTCMonth() + 1);
          case 'dd': return p2(d.getUTCDate());
          case 'HH': return p2(d.getUTCHours());
          case 'mm': return p2(d.getUTCMinutes());
          default: return p2(d.getUTCSeconds());
        }
      });
  }
}
