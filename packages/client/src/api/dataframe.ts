import type { ExprSpec, KafkaSourceSpec, LogicalOp } from '@tributary/common';
import { asColumn, Column, oneTimeZone, toColumn, type ColumnOrName } from './column';
import { exprSql } from './column-name';
import {
  aggregateColumns, checkReferences, dropColumns, KAFKA_SOURCE_COLUMNS, renameColumn, resolvePath, selectColumns, withColumn,
  type ColumnShape,
} from './frame-columns';
import { avg, containsAggregate, count, max, min, sum } from './functions';
import type { TributarySession } from './session';
import { invalid, refused, unsupported } from './unsupported';
import { DataStreamWriter } from './writer';

type Cols = (ColumnOrName | ColumnOrName[])[];

/** The parts of a query a DataFrame determines; the writer adds sink, trigger and options. */
export interface FramePlan {
  source: KafkaSourceSpec;
  plan: LogicalOp[];
  /** The timeZone option of the query's fromJson, if any. */
  jsonTimeZone?: string;
}

/**
 * An immutable streaming DataFrame over a Kafka topic: the source, the operations applied so far as
 * the logical plan's LogicalOps (plan/logical-plan.ts), and the column names they give. Each method
 * returns a new DataFrame, or refuses naming the feature and the step that brings it.
 */
export class DataFrame {
  private constructor(
    readonly session: TributarySession,
    private readonly source: KafkaSourceSpec,
    private readonly ops: readonly LogicalOp[],
    private readonly shapes: readonly ColumnShape[],
    private readonly jsonTimeZone: string | undefined,
  ) {}

  static kafka(session: TributarySession, source: KafkaSourceSpec): DataFrame {
    return new DataFrame(session, source, [], KAFKA_SOURCE_COLUMNS, undefined);
  }

  /**
   * @internal: a DataFrame over the named columns of a table, for `tributary sql -e` batch queries:
   * the CLI evaluates its plan itself; it is never submitted (its source is empty).
   */
  static overColumns(session: TributarySession, shapes: readonly ColumnShape[]): DataFrame {
    const none: KafkaSourceSpec = { format: 'kafka', bootstrapServers: '', topic: '', startingOffsets: 'latest', failOnDataLoss: true };
    return new DataFrame(session, none, [], shapes, undefined);
  }

  get isStreaming(): boolean {
    return true;
  }

  /** The top-level column names, as Spark names them. */
  get columns(): string[] {
    return this.shapes.map((c) => c.name);
  }

  /** The operations applied so far (a copy). */
  get logicalPlan(): LogicalOp[] {
    return structuredClone([...this.ops]);
  }

  /** select('a', col('b').alias('c'), '*', 'data.*', [..]). */
  select(...cols: Cols): DataFrame {
    const columns = cols.flat().map(toColumn);
    if (columns.length === 0) throw invalid('select needs at least one column');
    for (const c of columns) this.refuseAggregate(c.expr, 'select');
    const exprs = columns.map((c) => c.expr);
    return this.applied({ op: 'select', exprs }, selectColumns(this.shapes, exprs), columns);
  }

  /** Adds a column, or replaces the column of that name. */
  withColumn(colName: string, c: Column): DataFrame {
    if (typeof colName !== 'string' || colName === '') throw invalid('withColumn needs a column name');
    const column = asColumn(c, `withColumn('${colName}')`);
    this.refuseAggregate(column.expr, `withColumn('${colName}')`);
    return this.applied({ op: 'withColumn', name: colName, expr: column.expr }, withColumn(this.shapes, colName, column.expr), [column]);
  }

  /** Renames a column; a no-op when there is none of that name, as in Spark. */
  withColumnRenamed(existing: string, newName: string): DataFrame {
    if (typeof existing !== 'string' || typeof newName !== 'string' || newName === '') throw invalid('withColumnRenamed needs the existing and the new column name');
    return this.applied({ op: 'withColumnRenamed', from: existing, to: newName }, renameColumn(this.shapes, existing, newName));
  }

  /** Drops top-level columns by name (or col(name)); names that match no column are ignored, as in Spark. */
  drop(...cols: ColumnOrName[]): DataFrame {
    const names = cols.map((c) => {
      if (typeof c === 'string') return c;
      if (c instanceof Column && c.expr.kind === 'col') return c.expr.name;
      throw unsupported(`drop(${String(c)})`, 'drop columns by name');
    });
    return this.applied({ op: 'drop', columns: names }, dropColumns(this.shapes, names));
  }

  /** Keeps the rows where the condition is true (not false or null). */
  filter(condition: Column | string): DataFrame {
    if (typeof condition === 'string') {
      throw unsupported(`filter with a SQL expression string ("${condition}")`, "write the condition with Column methods, e.g. filter(col('price').gt(100)), or the query as SQL with spark.sql(…)");
    }
    const c = asColumn(condition, 'filter');
    this.refuseAggregate(c.expr, 'filter');
    checkReferences(this.shapes, c.expr);
    return this.applied({ op: 'filter', condition: c.expr }, this.shapes, [c]);
  }

  /** Same as filter. */
  where(condition: Column | string): DataFrame {
    return this.filter(condition);
  }

  /** The event-time watermark: rows older than max(eventTime) - delayThreshold are late. */
  withWatermark(eventTime: string, delayThreshold: string): DataFrame {
    if (typeof eventTime !== 'string' || eventTime === '') throw invalid('withWatermark needs the event-time column name');
    if (typeof delayThreshold !== 'string' || delayThreshold.trim() === '') throw invalid("withWatermark needs a delay such as '10 minutes'");
    if (this.ops.some((o) => o.op === 'withWatermark')) throw unsupported('a second withWatermark', 'set one watermark on the window column');
    resolvePath(this.shapes, eventTime);
    return this.applied({ op: 'withWatermark', column: eventTime, delay: delayThreshold }, this.shapes);
  }

  /** groupBy(window(col('ts'), '5 minutes'), 'key', …): then agg(…) or a shortcut. */
  groupBy(...cols: Cols): GroupedData {
    const keys = cols.flat().map(toColumn);
    for (const k of keys) {
      this.refuseAggregate(k.expr, 'groupBy');
      checkReferences(this.shapes, k.expr);
    }
    return new GroupedData(this, keys);
  }

  /** Same as groupBy (PySpark's alias). */
  groupby(...cols: Cols): GroupedData {
    return this.groupBy(...cols);
  }

  /** An aggregation over all rows: groupBy().agg(…). */
  agg(...exprs: (Column | Record<string, string>)[]): DataFrame {
    return this.groupBy().agg(...exprs);
  }

  /** Registers this DataFrame as a temp view for spark.sql and spark.table, replacing one of that name. */
  createOrReplaceTempView(name: string): void {
    this.session.registerView(name, this, true);
  }

  /** Registers this DataFrame as a temp view; refuses a name already taken. */
  createTempView(name: string): void {
    this.session.registerView(name, this, false);
  }

  get writeStream(): DataStreamWriter {
    return new DataStreamWriter(this);
  }

  /** The source and operations of the query, for the writer. */
  framePlan(): FramePlan {
    const frame: FramePlan = { source: structuredClone(this.source), plan: this.logicalPlan };
    if (this.jsonTimeZone !== undefined) frame.jsonTimeZone = this.jsonTimeZone;
    return frame;
  }

  /** @internal: the aggregation GroupedData builds. */
  aggregated(keys: readonly Column[], aggregates: readonly Column[]): DataFrame {
    for (const a of aggregates) {
      if (!containsAggregate(a.expr)) throw invalid(`${exprSql(a.expr)} in agg is not an aggregate; use count, sum, avg, min, max or approxCountDistinct`);
    }
    const op: LogicalOp = { op: 'aggregate', keys: keys.map((k) => k.expr), aggregates: aggregates.map((a) => a.expr) };
    return this.applied(op, aggregateColumns(this.shapes, op.keys, op.aggregates), [...keys, ...aggregates]);
  }

  join(): never {
    throw refused('DataFrame.join');
  }
  crossJoin(): never {
    throw refused('DataFrame.crossJoin');
  }
  union(): never {
    throw refused('DataFrame.union');
  }
  unionByName(): never {
    throw refused('DataFrame.unionByName');
  }
  /**
   * Keeps the first row of each key (the named columns, or every column) — with a watermark whose
   * column is among the keys, so that state leaves once the watermark passes a key's event time.
   * Names as a list (PySpark) or as arguments (Scala).
   */
  dropDuplicates(...subset: (string | readonly string[])[]): DataFrame {
    return this.deduplicated('dropDuplicates', subset, false);
  }

  /** Same as dropDuplicates (PySpark's alias). */
  drop_duplicates(...subset: (string | readonly string[])[]): DataFrame {
    return this.deduplicated('drop_duplicates', subset, false);
  }

  /** Spark 3.5's dropDuplicatesWithinWatermark: a key's state expires at its first event time + the watermark delay. */
  dropDuplicatesWithinWatermark(...subset: (string | readonly string[])[]): DataFrame {
    return this.deduplicated('dropDuplicatesWithinWatermark', subset, true);
  }

  private deduplicated(what: string, subset: readonly (string | readonly string[])[], withinWatermark: boolean): DataFrame {
    const names = subset.flat();
    if (names.some((n) => typeof n !== 'string' || n === '')) throw invalid(`${what} takes column names, e.g. ${what}(['event_id', 'ts'])`);
    for (const n of names) resolvePath(this.shapes, n);
    return this.applied({ op: 'dropDuplicates', columns: subset.length === 0 ? null : names, withinWatermark }, this.shapes);
  }
  /** Spark's distinct: dropDuplicates over every column (so the watermark's column is a key). */
  distinct(): DataFrame {
    return this.deduplicated('distinct', [], false);
  }
  orderBy(): never {
    throw refused('DataFrame.orderBy');
  }
  sort(): never {
    throw refused('DataFrame.sort');
  }
  limit(): never {
    throw refused('DataFrame.limit');
  }
  selectExpr(): never {
    throw refused('DataFrame.selectExpr');
  }
  rollup(): never {
    throw refused('DataFrame.rollup');
  }
  cube(): never {
    throw refused('DataFrame.cube');
  }
  repartition(): never {
    throw refused('DataFrame.repartition');
  }
  collect(): never {
    throw refused('DataFrame.collect');
  }
  show(): never {
    throw refused('DataFrame.show');
  }
  count(): never {
    throw refused('DataFrame.count');
  }

  // Not named `then`: a DataFrame must not look like a promise (spark.sql resolves to one).
  private applied(op: LogicalOp, shapes: readonly ColumnShape[], columns: readonly Column[] = []): DataFrame {
    const zone = oneTimeZone([this.jsonTimeZone, ...columns.map((c) => c.jsonTimeZone)]);
    return new DataFrame(this.session, this.source, [...this.ops, op], shapes, zone);
  }

  private refuseAggregate(e: ExprSpec, where: string): void {
    if (containsAggregate(e)) {
      throw unsupported(`the aggregate ${exprSql(e)} in ${where}`, 'aggregate with groupBy(...).agg(...) or agg(...)');
    }
  }
}

/** df.groupBy(…): agg(count('*').alias(…), sum(…).alias(…)), or the shortcuts count(), sum(…), avg(…), mean(…), min(…), max(…). */
export class GroupedData {
  constructor(private readonly df: DataFrame, private readonly keys: readonly Column[]) {}

  /** agg(count('*').alias('n'), sum('x')), or agg({ x: 'sum', y: 'max' }) (columns named 'sum(x)', 'max(y)'). */
  agg(...exprs: (Column | Record<string, string>)[]): DataFrame {
    const columns = exprs.flatMap((e) => (e instanceof Column ? [e] : fromDict(e)));
    if (columns.length === 0) throw invalid("agg needs at least one aggregate, e.g. count('*')");
    return this.df.aggregated(this.keys, columns);
  }

  /** The number of rows of each group, in a column named 'count'. */
  count(): DataFrame {
    return this.agg(count('*').alias('count'));
  }
  sum(...cols: string[]): DataFrame {
    return this.agg(...numericColumns('sum', cols).map((c) => sum(c)));
  }
  avg(...cols: string[]): DataFrame {
    return this.agg(...numericColumns('avg', cols).map((c) => avg(c)));
  }
  /** Same as avg. */
  mean(...cols: string[]): DataFrame {
    return this.agg(...numericColumns('mean', cols).map((c) => avg(c)));
  }
  min(...cols: string[]): DataFrame {
    return this.agg(...numericColumns('min', cols).map((c) => min(c)));
  }
  max(...cols: string[]): DataFrame {
    return this.agg(...numericColumns('max', cols).map((c) => max(c)));
  }
  pivot(): never {
    throw refused('GroupedData.pivot');
  }
}

const DICT_AGGREGATES: Record<string, (c: string) => Column> = { count, sum, avg, mean: avg, min, max };

function fromDict(d: Record<string, string>): Column[] {
  if (d === null || typeof d !== 'object') throw invalid(`agg takes Columns or a { column: 'function' } object, got ${String(d)}`);
  return Object.entries(d).map(([name, fn]) => {
    const make = DICT_AGGREGATES[String(fn).toLowerCase()];
    if (make === undefined) throw invalid(`agg({ ${name}: '${fn}' }): use one of ${Object.keys(DICT_AGGREGATES).join(', ')}`);
    return make(name);
  });
}

/** Spark's shortcuts take every numeric column when none is named; without types the client needs names. */
function numericColumns(fn: string, cols: string[]): string[] {
  if (cols.length === 0) throw unsupported(`${fn}() without column names`, `name the columns, e.g. ${fn}('price')`);
  for (const c of cols) if (typeof c !== 'string') throw invalid(`${fn} takes column names, got ${String(c)}`);
  return cols;
}
