import { InvalidArgumentError } from '@tributary/common';

/** The error of a call the job API does not support yet: it names the feature and, where one exists, the way that works. */
export function unsupported(feature: string, instead?: string): InvalidArgumentError {
  return new InvalidArgumentError(`${feature} is not supported yet${instead === undefined ? '' : `; ${instead}`}`, { code: 'UNSUPPORTED' });
}

export function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

const SQL_STEP = 'or write the query as SQL with spark.sql(…)';
const NOT_PLANNED = 'no step plans it yet';

/**
 * PySpark names the job API knows but refuses, with why and the step that brings them. The key is
 * the name as the user calls it (`DataFrame.join`, `functions.countDistinct`).
 */
export const REFUSED: Readonly<Record<string, string>> = {
  'DataFrame.join': `join is not supported yet; ${NOT_PLANNED} (stream-stream and stream-static joins)`,
  'DataFrame.crossJoin': `crossJoin is not supported yet; ${NOT_PLANNED}`,
  'DataFrame.union': `union is not supported yet; a query reads one Kafka topic (${NOT_PLANNED})`,
  'DataFrame.unionByName': `unionByName is not supported yet; a query reads one Kafka topic (${NOT_PLANNED})`,
  'DataFrame.orderBy': 'orderBy on a stream is not supported yet; sorting is not supported on streaming DataFrames (Spark allows it only after an aggregation in complete mode)',
  'DataFrame.sort': 'sort on a stream is not supported yet; sorting is not supported on streaming DataFrames (Spark allows it only after an aggregation in complete mode)',
  'DataFrame.limit': 'limit on a stream is not supported yet; Spark allows it only in complete mode',
  'DataFrame.selectExpr': `selectExpr is not supported yet; build the columns with functions and Column methods (${SQL_STEP})`,
  'DataFrame.rollup': `rollup is not supported yet; group with groupBy (${NOT_PLANNED})`,
  'DataFrame.cube': `cube is not supported yet; group with groupBy (${NOT_PLANNED})`,
  'DataFrame.repartition': 'repartition is not supported yet; the aggregation shuffles by its keys (set spark.sql.shuffle.partitions)',
  'DataFrame.collect': 'collect is not supported on a stream; Queries with streaming sources must be executed with writeStream.start()',
  'DataFrame.show': 'show is not supported on a stream; Queries with streaming sources must be executed with writeStream.start()',
  'DataFrame.count': 'count is not supported on a stream; Queries with streaming sources must be executed with writeStream.start() (group and count with groupBy(...).count())',
  'GroupedData.pivot': `pivot is not supported yet; ${NOT_PLANNED}`,
  'functions.countDistinct': 'countDistinct is not supported; distinct aggregations are not supported on streaming DataFrames, as in Spark; use approxCountDistinct (Step 8)',
  'functions.count_distinct': 'count_distinct is not supported; distinct aggregations are not supported on streaming DataFrames, as in Spark; use approx_count_distinct (Step 8)',
  'functions.expr': `expr is not supported yet; build the expression with functions and Column methods (${SQL_STEP})`,
  'DataStreamWriter.foreachBatch': "foreachBatch is not supported yet; write with format('delta')",
};

/** The error for a refused name of REFUSED. */
export function refused(name: keyof typeof REFUSED | string): InvalidArgumentError {
  const message = REFUSED[name];
  return new InvalidArgumentError(message ?? `${name} is not supported yet`, { code: 'UNSUPPORTED' });
}
