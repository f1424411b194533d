/**
 * The logical plan of a streaming query as the job API builds it (QuerySpec format version 2),
 * before resolution: column names are not yet looked up, types are not yet known. The driver
 * resolves it once (resolve/resolve-query.ts) into a ResolvedQuery, the one form every later
 * stage reads.
 *
 * A v2 query is a Kafka source, then the DataFrame operations in the order the user applied them,
 * then a Delta sink. The source yields Spark's Kafka columns:
 *
 *   key binary, value binary, topic string, partition int, offset bigint, timestamp timestamp,
 *   timestampType int, headers array<struct<key:string,value:binary>>
 *
 * and the usual first operation is
 *   select(from_json(col('value').cast('string'), schema).alias('data'), …).select('data.*')
 *
 * Expressions are trees of ExprSpec. Function and operator names are Spark SQL's (lower case, as
 * `spark.sql` and `expr()` spell them): the job API maps camelCase and snake_case names and Column
 * methods onto these.
 *
 *   operators  = <=> != < <= > >= and or not + - * / % negative
 *   predicates isnull isnotnull in between like
 *   functions  when (via `case`), coalesce, lower, upper, trim, substring, concat, length, abs,
 *              round, to_date, date_trunc, hour, dayofweek, date_format, get_json_object, …
 *   aggregates count (args [] for count('*')), sum, avg, min, max, approx_count_distinct
 *   windows    `window` (its own kind below)
 */
import type { SqlField, SqlType } from '../schema/sql-type';
import type { DeltaSinkSpec, KafkaSourceSpec, QueryOptions, TriggerSpec } from './query-spec';

export type ExprSpec =
  /** A column by name; 'a.b' reaches into struct a. `*` only inside select (all columns) or 'data.*'. */
  | { readonly kind: 'col'; readonly name: string }
  /**
   * A literal. Typed as PySpark types `lit()`: boolean → boolean; an integral number → int when it
   * fits 32 bits, else bigint; any other number → double; a string → string; null → null (void).
   * `type` forces a type (e.g. lit(Decimal('1.50')) → decimal(3,2)); then `value` is the literal's
   * text ('1.50', '2024-01-01', '2024-01-01 10:00:00').
   */
  | { readonly kind: 'lit'; readonly value: string | number | boolean | null; readonly type?: SqlType }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly ExprSpec[] }
  | { readonly kind: 'case'; readonly branches: readonly { readonly when: ExprSpec; readonly then: ExprSpec }[]; readonly otherwise?: ExprSpec }
  | { readonly kind: 'cast'; readonly expr: ExprSpec; readonly to: SqlType }
  | { readonly kind: 'alias'; readonly expr: ExprSpec; readonly name: string }
  /** from_json(expr, schema): the struct parsed from a JSON string. Timestamps without an offset use options.timeZone. */
  | { readonly kind: 'fromJson'; readonly expr: ExprSpec; readonly schema: readonly SqlField[] }
  /** window(timeColumn, duration[, slide[, startTime]]): Spark's time window struct<start,end>. */
  | { readonly kind: 'window'; readonly column: ExprSpec; readonly duration: string; readonly slide?: string; readonly startTime?: string };

export type LogicalOp =
  | { readonly op: 'select'; readonly exprs: readonly ExprSpec[] }
  | { readonly op: 'withColumn'; readonly name: string; readonly expr: ExprSpec }
  | { readonly op: 'withColumnRenamed'; readonly from: string; readonly to: string }
  | { readonly op: 'drop'; readonly columns: readonly string[] }
  | { readonly op: 'filter'; readonly condition: ExprSpec }
  | { readonly op: 'withWatermark'; readonly column: string; readonly delay: string }
  /** groupBy(keys…).agg(aggregates…); keys may include a `window` expression. */
  | { readonly op: 'aggregate'; readonly keys: readonly ExprSpec[]; readonly aggregates: readonly ExprSpec[] }
  /**
   * dropDuplicates(columns) (withinWatermark false) or dropDuplicatesWithinWatermark(columns)
   * (true): keep the first row of each key; `columns` null means every column.
   */
  | { readonly op: 'dropDuplicates'; readonly columns: readonly string[] | null; readonly withinWatermark: boolean };

export interface QuerySpecV2 {
  version: 2;
  name?: string;
  source: KafkaSourceSpec;
  plan: LogicalOp[];
  sink: DeltaSinkSpec;
  trigger: TriggerSpec;
  /** QueryOptions plus the session time zone ('UTC' or a fixed offset such as '+02:00'; default 'UTC'). */
  options: QueryOptions & { timeZone?: string };
}
