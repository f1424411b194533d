/**
 * Columns computed from an aggregated row at write time (withColumn; see DerivedColumnSpec), used
 * as partition columns. Each evaluates to the partition value text Delta stores
 * (PROTOCOL.md, "Partition Value Serialization"):
 *
 *   to_date(window.start|window.end)              date 'yyyy-MM-dd' of the bound in the time zone
 *   date_format(window.start|window.end, pattern) string; pattern tokens yyyy MM dd HH mm ss,
 *                                                 separators - _ / : . space and T
 *   hour(window.start|window.end)                 int 0..23 in the time zone
 *
 * The time zone is the query's ('UTC' or a fixed offset '+hh:mm'), as Spark uses its session time
 * zone for these functions.
 */
import type { DerivedExpr } from './query-spec';

export const DERIVED_SOURCE_COLUMNS = ['window.start', 'window.end'];
const PATTERN_RE = /^(yyyy|MM|dd|HH|mm|ss|[-_/:. T])+$/;

export function derivedColumnType(expr: DerivedExpr): 'date' | 'string' | 'int' {
  switch (expr?.fn) {
    case 'to_date': return 'date';
    case 'date_format': return 'string';
    case 'hour': return 'int';
  }
  return 'string';
}

/** Problems of one expression, each a sentence; empty when it can be evaluated. */
export function derivedExprProblems(name: string, expr: DerivedExpr): string[] {
  const problems: string[] = [];
  if (expr === null || typeof expr !== 'object' || !['to_date', 'date_format', 'hour'].includes((expr as { fn: string }).fn)) {
    return [`withColumn('${name}'): only to_date, date_format and hour over window.start or window.end are supported`];
  }
  if (!DERIVED_SOURCE_COLUMNS.includes(expr.column)) {
    problems.push(`withColumn('${name}'): ${expr.fn} over '${String(expr.column)}' is not supported yet; use col('window.start') or col('window.end')`);
  }
  if (expr.fn === 'date_format' && !(typeof expr.format === 'string' && PATTERN_RE.test(expr.format))) {
    problems.push(`withColumn('${name}'): date_format pattern ${JSON.stringify(expr.format)} is not supported; use tokens yyyy MM dd HH mm ss and separators - _ / : . space T`);
  }
  return problems;
}

/** Offset of 'UTC' or '+hh:mm' in µs. */
export function zoneOffsetMicros(timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(timeZone);
  if (!m) throw new Error(`time zone '${timeZone}' is not 'UTC' or '+hh:mm'`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000_000;
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
