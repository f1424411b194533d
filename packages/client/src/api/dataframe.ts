import type { AggregateFn, AggregationSpec, DerivedColumnSpec, FieldSpec, JsonParseSpec, KafkaSourceSpec, WatermarkSpec } from '@tributary/common';
import { Column, outputName, sqlText, toColumn, unalias, type Expr } from './column';
import type { TributarySession } from './session';
import { StructType } from './types';
import { invalid, unsupported } from './unsupported';
import { DataStreamWriter } from './writer';

/** The columns of Spark's Kafka source. */
export const KAFKA_COLUMNS = ['key', 'value', 'topic', 'partition', 'offset', 'timestamp', 'timestampType'];

/**
 * How far a DataFrame has come along the one pipeline Tributary runs:
 * kafka → (select fromJson … alias) struct → (select 'data.*') parsed → (withWatermark) → (groupBy.agg) aggregated.
 */
type Stage =
  | { kind: 'kafka' }
  | { kind: 'struct'; name: string; schema: StructType; timeZone?: string }
  | { kind: 'parsed'; columns: FieldSpec[]; timeZone?: string; watermark?: WatermarkSpec }
  | { kind: 'aggregated'; columns: FieldSpec[]; timeZone?: string; watermark?: WatermarkSpec; aggregation: AggregationSpec; withColumns?: DerivedColumnSpec[] };

/** The parts of a QuerySpec a DataFrame determines; the writer adds sink, trigger and options. */
export interface FrameSpec {
  source: KafkaSourceSpec;
  parse: Omit<JsonParseSpec, 'timeZone'> & { timeZone?: string };
  watermark?: WatermarkSpec;
  aggregation: AggregationSpec;
  withColumns?: DerivedColumnSpec[];
}

/** An immutable streaming DataFrame; each method returns a new one or refuses, naming the feature. */
export class DataFrame {
  private constructor(readonly session: TributarySession, private readonly source: KafkaSourceSpec, private readonly stage: Stage) {}

  static kafka(session: TributarySession, source: KafkaSourceSpec): DataFrame {
    return new DataFrame(session, source, { kind: 'kafka' });
  }

  get isStreaming(): boolean {
    return true;
  }

  get columns(): string[] {
    switch (this.stage.kind) {
      case 'kafka': return [...KAFKA_COLUMNS];
      case 'struct': return [this.stage.name];
      case 'parsed': return this.stage.columns.map((c) => c.name);
      case 'aggregated': return ['window', ...this.stage.aggregation.keys, ...this.stage.aggregation.aggregates.map((a) => a.alias), ...(this.stage.withColumns ?? []).map((d) => d.name)];
    }
  }

  select(...cols: (Column | string)[]): DataFrame {
    const stage = this.stage;
    switch (stage.kind) {
      case 'kafka': return this.selectFromJson(cols.map(toColumn));
      case 'struct': return this.with({ kind: 'parsed', columns: selectFields(stage, cols.map(toColumn)), timeZone: stage.timeZone });
      case 'parsed': return this.with({ ...stage, columns: selectColumns(stage.columns, cols.map(toColumn)) });
      case 'aggregated': throw unsupported('select after an aggregation', 'write the aggregation with writeStream');
    }
  }

  withWatermark(eventTime: string, delayThreshold: string): DataFrame {
    const stage = this.stage;
    if (stage.kind === 'kafka' || stage.kind === 'struct') {
      throw unsupported('withWatermark before the value is parsed', "parse with fromJson(...).alias('data'), select('data.*'), then set the watermark on a field");
    }
    if (stage.kind === 'aggregated') throw unsupported('withWatermark after an aggregation', 'set the watermark before groupBy');
    if (stage.watermark !== undefined) throw unsupported('a second withWatermark', 'set one watermark on the window column');
    return this.with({ ...stage, watermark: { column: eventTime, delay: delayThreshold } });
  }

  groupBy(...cols: (Column | string)[]): GroupedData {
    const stage = this.stage;
    if (stage.kind !== 'parsed') throw unsupported(`groupBy on ${stage.kind === 'aggregated' ? 'an aggregation' : 'unparsed Kafka records'}`, "parse the value with fromJson and select('data.*') first");
    const exprs = cols.map((c) => toColumn(c).expr);
    const windows = exprs.filter((e) => unalias(e).kind === 'window');
    if (windows.length === 0) throw unsupported('aggregation without a window', 'group by window(col(<timestamp>), <duration>) and a key column');
    if (windows.length > 1) throw unsupported('grouping by several windows', 'group by one window');
    if (unalias(exprs[0]).kind !== 'window') throw unsupported('a grouping key before the window', 'put window(...) first in groupBy');
    const win = unalias(exprs[0]) as Extract<Expr, { kind: 'window' }>;
    if (exprs[0].kind === 'alias') throw unsupported(`renaming the window column (alias '${exprs[0].name}')`, "the output column is named 'window'");
    const time = win.child;
    if (time.kind !== 'col') throw unsupported(`a window over an expression (${sqlText(time)})`, 'window over a column');
    const keys = exprs.slice(1).map((e) => {
      if (e.kind !== 'col') throw unsupported(`grouping by an expression (${sqlText(e)})`, 'group by columns');
      return e.name;
    });
    const window = win.slide === undefined ? { column: time.name, duration: win.duration } : { column: time.name, duration: win.duration, slide: win.slide };
    return new GroupedData((aggregates) => this.with({ kind: 'aggregated', columns: stage.columns, timeZone: stage.timeZone, watermark: stage.watermark, aggregation: { window, keys, aggregates } }));
  }

  get writeStream(): DataStreamWriter {
    return new DataStreamWriter(this);
  }

  /** The source, parse, watermark and aggregation of the query; refuses a frame without an aggregation. */
  frameSpec(): FrameSpec {
    const stage = this.stage;
    if (stage.kind !== 'aggregated') {
      throw unsupported('writing a stream without an aggregation', 'group by window(...) and a key, then agg(count(...), sum(...))');
    }
    const parse: FrameSpec['parse'] = { format: 'json', schema: stage.columns.map((c) => ({ ...c })) };
    if (stage.timeZone !== undefined) parse.timeZone = stage.timeZone;
    const spec: FrameSpec = { source: structuredClone(this.source), parse, aggregation: structuredClone(stage.aggregation) };
    if (stage.watermark !== undefined) spec.watermark = { ...stage.watermark };
    if (stage.withColumns !== undefined) spec.withColumns = structuredClone(stage.withColumns);
    return spec;
  }

  /**
   * withColumn(name, expr) after the aggregation, for partitioning by a function of the window:
   * to_date(col('window.start')), date_format(col('window.start'), 'yyyy-MM-dd-HH') or
   * hour(col('window.start')) (also over window.end). Other expressions are refused by name.
   */
  withColumn(name: string, column?: Column): DataFrame {
    const stage = this.stage;
    if (stage.kind !== 'aggregated') throw unsupported(`withColumn('${name}', …) before the aggregation`, 'aggregate the parsed columns directly');
    if (typeof name !== 'string' || name === '') throw invalid('withColumn needs a column name');
    if (column === undefined) throw invalid(`withColumn('${name}') needs an expression`);
    const e = unalias(column.expr);
    if (e.kind !== 'datetime') {
      throw unsupported(`withColumn('${name}', ${sqlText(e)})`, "use to_date(col('window.start')), date_format(col('window.start'), 'yyyy-MM-dd') or hour(col('window.start'))");
    }
    if (e.child.kind !== 'col' || !['window.start', 'window.end'].includes(e.child.name)) {
      throw unsupported(`${e.fn} over ${sqlText(e.child)}`, "apply it to col('window.start') or col('window.end')");
    }
    if (this.columns.includes(name)) throw unsupported(`withColumn('${name}') replacing an existing column`, 'give the new column another name');
    const expr: DerivedColumnSpec['expr'] = e.fn === 'date_format' ? { fn: 'date_format', column: e.child.name, format: e.format } : { fn: e.fn, column: e.child.name };
    return this.with({ ...stage, withColumns: [...(stage.withColumns ?? []), { name, expr }] });
  }
  filter(): never {
    throw unsupported('filter/where', 'aggregate all parsed rows');
  }
  where(): never {
    return this.filter();
  }
  join(): never {
    throw unsupported('join');
  }
  dropDuplicates(): never {
    throw unsupported('dropDuplicates');
  }
  orderBy(): never {
    throw unsupported('orderBy on a stream');
  }

  private with(stage: Stage): DataFrame {
    return new DataFrame(this.session, this.source, stage);
  }

  private selectFromJson(cols: Column[]): DataFrame {
    const e = cols.length === 1 ? unalias(cols[0].expr) : undefined;
    if (e === undefined || e.kind !== 'fromJson') {
      throw unsupported(`select(${cols.map(String).join(', ')}) on Kafka records`, "select(fromJson(col('value').cast('string'), schema).alias('data'))");
    }
    const input = e.child;
    const isValueText = input.kind === 'cast' && input.to.fieldType === 'string' && input.child.kind === 'col' && input.child.name === 'value';
    if (!isValueText) throw unsupported(`fromJson over ${sqlText(input)}`, "parse col('value').cast('string')");
    const stage: Stage = { kind: 'struct', name: outputName(cols[0].expr), schema: e.schema };
    if (e.options.timeZone !== undefined) stage.timeZone = e.options.timeZone;
    return this.with(stage);
  }
}

/** df.groupBy(…): agg(count('*').alias(…), sum(…).alias(…)). */
export class GroupedData {
  constructor(private readonly finish: (aggregates: AggregateFn[]) => DataFrame) {}

  agg(...cols: Column[]): DataFrame {
    if (cols.length === 0) throw invalid("agg needs at least one aggregate, e.g. count('*')");
    return this.finish(cols.map((c) => {
      const e = unalias(c.expr);
      const alias = c.outputName();
      if (e.kind === 'count') return { fn: 'count', column: '*', alias };
      if (e.kind === 'sum' && e.child.kind === 'col') return { fn: 'sum', column: e.child.name, alias };
      throw unsupported(`aggregate ${sqlText(e)}`, "use count('*') and sum(<column>)");
    }));
  }
}

/** select('data.*') or select('data.a', 'data.b') on the parsed struct. */
function selectFields(stage: Extract<Stage, { kind: 'struct' }>, cols: Column[]): FieldSpec[] {
  const fields = stage.schema.toFieldSpecs();
  const out: FieldSpec[] = [];
  for (const c of cols) {
    if (c.expr.kind !== 'col') throw unsupported(`select(${String(c)}) on the parsed struct`, `select('${stage.name}.*')`);
    const name = c.expr.name;
    if (name === '*' || name === `${stage.name}.*`) {
      out.push(...fields);
      continue;
    }
    const prefix = `${stage.name}.`;
    if (!name.startsWith(prefix)) throw invalid(`cannot resolve '${name}': the only column is '${stage.name}'; select '${stage.name}.*' or '${stage.name}.<field>'`);
    const field = fields.find((f) => f.name === name.slice(prefix.length));
    if (field === undefined) throw invalid(`no field '${name.slice(prefix.length)}' in '${stage.name}'; fields: ${fields.map((f) => f.name).join(', ')}`);
    out.push(field);
  }
  return out;
}

/** select of plain column names on the parsed rows (narrows the schema). */
function selectColumns(columns: FieldSpec[], cols: Column[]): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const c of cols) {
    if (c.expr.kind !== 'col') throw unsupported(`select(${String(c)}) (computed or renamed columns)`, 'select columns by name');
    const name = c.expr.name;
    if (name === '*') {
      out.push(...columns);
      continue;
    }
    const field = columns.find((f) => f.name === name);
    if (field === undefined) throw invalid(`cannot resolve '${name}'; available columns: ${columns.map((f) => f.name).join(', ')}`);
    out.push(field);
  }
  return out;
}
