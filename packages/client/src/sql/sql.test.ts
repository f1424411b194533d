import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, resolveQuery } from '@tributary/common';
import type { DataFrame } from '../api/dataframe';
import {
  approxCountDistinct, avg, coalesce, col, concat, count, dateFormat, fromJson, getJsonObject, hour, lit, lower, max, min, negative, round,
  sessionWindow, substring, sum, upper, when, window,
} from '../api/functions';
import { TributarySession } from '../api/session';
import { DecimalType, IntegerType, StringType, StructField, StructType, TimestampType } from '../api/types';
import { SqlError } from './sql-error';
import { runBatchSql } from './batch-query';

const KAFKA = 'kafka.`k:9092`.`events`';
const newSession = () => TributarySession.builder().getOrCreate();
const kafkaOf = (spark: TributarySession) => spark.readStream.format('kafka').option('kafka.bootstrap.servers', 'k:9092').option('subscribe', 'events')
  .option('startingOffsets', 'earliest').load();
const SCHEMA = new StructType([
  new StructField('user_id', IntegerType()),
  new StructField('kind', StringType()),
  new StructField('price', DecimalType(12, 2)),
  new StructField('ts', TimestampType()),
]);
const DDL = 'user_id INT, kind STRING, price DECIMAL(12,2), ts TIMESTAMP';
/** The view `e` every case reads: the parsed events, in SQL and with the DataFrame API. */
const EVENTS_SQL = `CREATE TEMP VIEW e AS SELECT from_json(CAST(value AS STRING), '${DDL}') AS data FROM ${KAFKA};
CREATE TEMP VIEW events AS SELECT data.* FROM e;`;
const eventsOf = (spark: TributarySession) => kafkaOf(spark).select(fromJson(col('value').cast('string'), SCHEMA).alias('data')).select('data.*');

async function sqlPlan(text: string): Promise<unknown> {
  const spark = newSession();
  const df = await spark.sql(`${EVENTS_SQL}\n${text}`, { kafka: { startingOffsets: 'earliest' } });
  return df.framePlan();
}

function dfPlan(build: (events: DataFrame) => DataFrame): unknown {
  return build(eventsOf(newSession())).framePlan();
}

/** Each clause: the SQL text and the DataFrame code a user would write for it give the same plan. */
const SAME_PLAN: [string, string, (e: DataFrame) => DataFrame][] = [
  ['select list with expressions and aliases', 'SELECT user_id, price * 2 AS double_price, upper(kind) AS k, -price FROM events',
    (e) => e.select(col('user_id'), col('price').multiply(2).alias('double_price'), upper('kind').alias('k'), negative('price'))],
  ['WHERE with AND, OR, NOT, comparisons', "SELECT * FROM events WHERE (price > 10 AND kind <> 'view') OR NOT user_id = 3",
    (e) => e.filter(col('price').gt(10).and(col('kind').notEqual('view')).or(col('user_id').equalTo(3).not())).select('*')],
  ['IS NULL, IN, BETWEEN, LIKE', "SELECT user_id FROM events WHERE kind IS NOT NULL AND user_id IN (1, 2) AND price BETWEEN 1 AND 5 AND kind LIKE 'b%' AND kind NOT LIKE '%x'",
    (e) => e.filter(col('kind').isNotNull().and(col('user_id').isin(1, 2)).and(col('price').between(1, 5)).and(col('kind').like('b%')).and(col('kind').like('%x').not())).select('user_id')],
  ['CASE WHEN and simple CASE', "SELECT CASE WHEN price > 100 THEN 'big' WHEN price > 10 THEN 'mid' ELSE 'small' END AS size, CASE kind WHEN 'buy' THEN 1 END AS b FROM events",
    (e) => e.select(when(col('price').gt(100), 'big').when(col('price').gt(10), 'mid').otherwise('small').alias('size'), when(col('kind').equalTo('buy'), 1).alias('b'))],
  ['CAST and functions by their SQL names', "SELECT CAST(user_id AS BIGINT) AS u, CAST(price AS DECIMAL) AS p, lower(kind) AS l, coalesce(kind, 'none') AS c, concat(kind, '-', kind) AS cc, kind || '!' AS bang, substring(kind, 1, 2) AS s, round(price, 1) AS r, hour(ts) AS h, date_format(ts, 'yyyy-MM-dd') AS d FROM events",
    (e) => e.select(col('user_id').cast('bigint').alias('u'), col('price').cast(DecimalType()).alias('p'), lower('kind').alias('l'), coalesce(col('kind'), lit('none')).alias('c'),
      concat(col('kind'), lit('-'), col('kind')).alias('cc'), concat(col('kind'), lit('!')).alias('bang'), substring('kind', 1, 2).alias('s'), round('price', 1).alias('r'), hour('ts').alias('h'), dateFormat('ts', 'yyyy-MM-dd').alias('d'))],
  ['GROUP BY window and key with COUNT(*), SUM, AVG, MIN, MAX, approx_count_distinct',
    "SELECT window(ts, '5 minutes') AS w, kind, COUNT(*) AS n, SUM(price) AS total, AVG(price), MIN(price), MAX(price), approx_count_distinct(user_id) FROM events GROUP BY window(ts, '5 minutes'), kind",
    (e) => e.groupBy(window(col('ts'), '5 minutes').alias('w'), col('kind')).agg(count('*').alias('n'), sum('price').alias('total'), avg('price'), min('price'), max('price'), approxCountDistinct('user_id'))],
  ['sliding window and session_window', "SELECT window(ts, '10 minutes', '5 minutes'), COUNT(*) AS n FROM events GROUP BY 1",
    (e) => e.groupBy(window(col('ts'), '10 minutes', '5 minutes')).agg(count('*').alias('n'))],
  ['session_window', "SELECT session_window(ts, '5 minutes') AS s, user_id, count(kind) AS n FROM events GROUP BY session_window(ts, '5 minutes'), user_id",
    (e) => e.groupBy(sessionWindow(col('ts'), '5 minutes').alias('s'), col('user_id')).agg(count('kind').alias('n'))],
  ['a global aggregate', 'SELECT count(*) AS n, sum(price) AS s FROM events', (e) => e.agg(count('*').alias('n'), sum('price').alias('s'))],
  ['HAVING and a select list in another order', 'SELECT count(*) AS n, kind FROM events GROUP BY kind HAVING sum(price) > 100',
    (e) => e.groupBy(col('kind').alias('__key_0')).agg(count('*').alias('__agg_0'), sum('price').alias('__agg_1')).filter(col('__agg_1').gt(100))
      .select(col('__agg_0').alias('n'), col('__key_0').alias('kind'))],
  ['an expression over aggregates, GROUP BY an alias', 'SELECT upper(kind) AS k, sum(price) / count(*) AS mean FROM events GROUP BY k',
    (e) => e.groupBy(upper('kind').alias('__key_0')).agg(sum('price').alias('__agg_0'), count('*').alias('__agg_1'))
      .select(col('__key_0').alias('k'), col('__agg_0').divide(col('__agg_1')).alias('mean'))],
  ['get_json_object over the Kafka value, backquoted identifiers', `SELECT get_json_object(CAST(\`value\` AS STRING), '$.a.b') AS \`the a\`, \`partition\`, offset, timestamp FROM ${KAFKA}`,
    () => kafkaOf(newSession()).select(getJsonObject(col('value').cast('string'), '$.a.b').alias('the a'), col('partition'), col('offset'), col('timestamp'))],
  ['a qualified column and an alias for the relation', 'SELECT ev.kind FROM events AS ev WHERE ev.user_id = 1',
    (e) => e.filter(col('user_id').equalTo(1)).select('kind')],
  ['SELECT DISTINCT', 'SELECT DISTINCT user_id, ts FROM events', (e) => e.select('user_id', 'ts').distinct()],
];

describe('spark.sql builds the plan the DataFrame API builds', function () {
  this.timeout(60_000);

  for (const [name, text, build] of SAME_PLAN) {
    it(name, async () => {
      const fromSql = await sqlPlan(text);
      const fromDf = dfPlan(build);
      assert.deepEqual(fromSql, fromDf);
    });
  }

  it("the seed's three statements (examples/seed.sql) give its windowed aggregation; update mode resolves, append is refused with Spark's message", async () => {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'examples', 'seed.sql'), 'utf8');
    const spark = newSession();
    const df = await spark.sql(text);
    assert.deepEqual(df.columns, ['time_window', 'customer_id', 'event_count', 'total_amount']);
    assert.equal(spark.table('WINDOWED_AGGREGATES'), df);
    const kafka = spark.readStream.format('kafka').option('kafka.bootstrap.servers', 'kafka-server:9092').option('subscribe', 'customer_events').load();
    const expected = kafka
      .select(col('key').cast('string').alias('key'), col('value').cast('string').alias('value'), 'topic', 'partition', 'offset', 'timestamp')
      .select(getJsonObject('value', '$.customer_id').alias('customer_id'), getJsonObject('value', '$.event_type').alias('event_type'),
        getJsonObject('value', '$.amount').alias('amount'), col('timestamp'))
      .groupBy(window(col('timestamp'), '5 minutes').alias('time_window'), col('customer_id'))
      .agg(count('*').alias('event_count'), sum(col('amount').cast('decimal')).alias('total_amount'));
    assert.deepEqual(df.framePlan(), expected.framePlan());
    const sumType = (df.framePlan().plan.at(-1) as any).aggregates[1].expr.args[0].to;
    assert.deepEqual(sumType, { kind: 'decimal', precision: 10, scale: 0 });
    const write = (mode: string) => df.writeStream.format('delta').outputMode(mode).option('checkpointLocation', '/chk').toQuerySpec('/table');
    resolveQuery(write('update'));
    resolveQuery(write('complete'));
    assert.throws(() => resolveQuery(write('append')), /Append output mode not supported when there are streaming aggregations on streaming DataFrames\/DataSets without watermark/);
  });

  it('withWatermark on a view\'s DataFrame, registered as a view, makes append possible', async () => {
    const spark = newSession();
    await spark.sql(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'examples', 'seed.sql'), 'utf8'));
    spark.table('parsed_stream').withWatermark('timestamp', '10 minutes').createOrReplaceTempView('watermarked');
    const df = await spark.sql(`SELECT window(timestamp, '5 minutes') AS time_window, customer_id, COUNT(*) AS event_count
      FROM watermarked GROUP BY window(timestamp, '5 minutes'), customer_id`);
    resolveQuery(df.writeStream.format('delta').outputMode('append').option('checkpointLocation', '/chk').toQuerySpec('/table'));
  });

  it('the DataFrame API takes the same DDL schema text: fromJson(col, ddl) is fromJson(col, StructType)', () => {
    assert.deepEqual(fromJson(col('value').cast('string'), DDL).expr, fromJson(col('value').cast('string'), SCHEMA).expr);
    assert.deepEqual(fromJson('v', 'a: INT, `b c` ARRAY<STRING>').expr, fromJson('v', 'struct<a:int,`b c`:array<string>>').expr);
  });

  it('literals are typed as Spark types them', async () => {
    const plan = await sqlPlan("SELECT 1 AS a, 3000000000 AS b, 1.50 AS c, 1e3 AS d, 2L AS e, TRUE AS f, NULL AS g, DATE '2024-01-02' AS h, 'it''s' AS i, 'a\\tb' AS j FROM events") as any;
    const lits = plan.plan.at(-1).exprs.map((x: any) => x.expr);
    assert.deepEqual(lits, [
      { kind: 'lit', value: 1 },
      { kind: 'lit', value: '3000000000', type: { kind: 'long' } },
      { kind: 'lit', value: '1.50', type: { kind: 'decimal', precision: 3, scale: 2 } },
      { kind: 'lit', value: '1000', type: { kind: 'double' } },
      { kind: 'lit', value: '2', type: { kind: 'long' } },
      { kind: 'lit', value: true },
      { kind: 'lit', value: null },
      { kind: 'lit', value: '2024-01-02', type: { kind: 'date' } },
      // adjacent literals concatenate, as in Spark: 'it''s' is 'its'
      { kind: 'lit', value: 'its' },
      { kind: 'lit', value: 'a\tb' },
    ]);
  });

  it('a failing text registers no view; views replace with OR REPLACE only', async () => {
    const spark = newSession();
    await assert.rejects(spark.sql(`CREATE TEMP VIEW v1 AS SELECT key FROM ${KAFKA}; SELECT nope FROM v1`));
    assert.throws(() => spark.table('v1'), /TABLE_OR_VIEW_NOT_FOUND/);
    await spark.sql(`CREATE TEMP VIEW v1 AS SELECT key FROM ${KAFKA}`);
    await assert.rejects(spark.sql(`CREATE TEMP VIEW v1 AS SELECT value FROM ${KAFKA}`), /line 1, column 18: \[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS\]/);
    const replaced = await spark.sql(`CREATE OR REPLACE TEMPORARY VIEW v1 AS SELECT value FROM ${KAFKA}`);
    assert.deepEqual(spark.table('v1').columns, ['value']);
    assert.equal(spark.table('v1'), replaced);
  });
});

/** Syntax errors and refusals: the message names the position and the construct. */
const ERRORS: [string, string][] = [
  ['SELEC key FROM events', "line 1, column 1: syntax error at 'SELEC'"],
  ['SELECT key FROM events WHERE price >', 'line 1, column 37: syntax error at end of input'],
  ['SELECT key,\n  FROM events', "line 2, column 3: syntax error at 'FROM'"],
  ["SELECT kind FROM events WHERE kind = 'a", 'line 1, column 38: syntax error'],
  ['SELECT a.kind FROM events a JOIN events b ON a.user_id = b.user_id', 'line 1, column 29: JOIN is not supported'],
  ['SELECT kind FROM events, events', 'line 1, column 26: a join (FROM a, b) is not supported'],
  ['SELECT kind FROM events ORDER BY kind', 'line 1, column 25: ORDER BY on a stream is not supported'],
  ['SELECT kind FROM events LIMIT 10', 'line 1, column 25: LIMIT on a stream is not supported'],
  ['SELECT kind FROM (SELECT kind FROM events)', 'line 1, column 18: a subquery in FROM is not supported'],
  ['SELECT kind FROM events WHERE user_id IN (SELECT user_id FROM events)', 'line 1, column 39: IN (a subquery) is not supported'],
  ['SELECT kind FROM events UNION SELECT kind FROM events', 'line 1, column 25: UNION is not supported'],
  ['SELECT kind, count(*) OVER (PARTITION BY kind) FROM events', 'line 1, column 14: the window function count(…) OVER (…) is not supported'],
  ['WITH x AS (SELECT kind FROM events) SELECT kind FROM x', 'line 1, column 1: WITH (common table expressions) is not supported'],
  ['SELECT count(DISTINCT kind) FROM events', 'line 1, column 8: count(DISTINCT …) is not supported'],
  ['SELECT levenshtein(kind, kind) FROM events', 'line 1, column 8: the function levenshtein is not supported'],
  ['SELECT current_timestamp() FROM events', 'line 1, column 8: the function current_timestamp is not supported'],
  ['SELECT kind FROM nowhere', 'line 1, column 18: [TABLE_OR_VIEW_NOT_FOUND] The table or view `nowhere` cannot be found.'],
  ['SELECT kind FROM delta.`/tmp/t`', 'line 1, column 18: reading a Delta table in a streaming query is not supported'],
  ['SELECT nope FROM events', "line 1, column 8: cannot resolve 'nope'"],
  ['SELECT kind, count(*) FROM events GROUP BY user_id', 'line 1, column 8: [MISSING_AGGREGATION] The non-aggregating expression "kind"'],
  ['SELECT kind FROM events WHERE count(*) > 1', 'line 1, column 25: aggregate functions are not allowed in WHERE'],
  ['SELECT kind FROM events GROUP BY kind WITH ROLLUP', 'line 1, column 25: GROUP BY … ROLLUP is not supported'],
  ['INSERT INTO t SELECT kind FROM events', 'line 1, column 1: the statement INSERT INTO is not supported'],
  ['CREATE VIEW v AS SELECT kind FROM events', 'line 1, column 1: CREATE VIEW without TEMP (a permanent view in a catalog) is not supported'],
  ['SELECT kind FROM events; SELECT kind FROM events', 'line 1, column 1: a query that is not the last statement is not supported'],
  ["SELECT CAST(kind AS FLOAT) FROM events", "line 1, column 8: type 'float' (in 'FLOAT') is not supported yet; use double"],
  ["SELECT from_json(kind, 'a INT, b WHAT') FROM events", "line 1, column 8: from_json schema 'a INT, b WHAT'"],
  ["SELECT window(ts, 5) FROM events", 'line 1, column 8: window needs a string literal here'],
  ['SELECT kind FROM events TABLESAMPLE (10 PERCENT)', 'line 1, column 25: TABLESAMPLE is not supported'],
  ['SELECT kind FROM events LATERAL VIEW explode(x) t AS y', 'line 1, column 25: LATERAL VIEW is not supported'],
  ['SELECT TRY_CAST(kind AS INT) FROM events', 'line 1, column 8: TRY_CAST is not supported'],
  ['SELECT kind RLIKE \'a+\' FROM events', 'line 1, column 13: RLIKE is not supported'],
];

describe('spark.sql refuses with the position and the construct', function () {
  this.timeout(60_000);
  for (const [text, message] of ERRORS) {
    it(text.replace(/\n/g, ' '), async () => {
      const spark = newSession();
      await spark.sql(EVENTS_SQL);
      await assert.rejects(spark.sql(text), (e: unknown) => {
        assert.ok(e instanceof SqlError && e instanceof InvalidArgumentError, `expected SqlError, got ${String(e)}`);
        assert.ok(e.message.startsWith(message), `message\n  ${e.message}\ndoes not start with\n  ${message}`);
        return true;
      });
    });
  }
});

describe('tributary sql -e refuses what a batch query cannot read, with the position', function () {
  this.timeout(60_000);
  const cases: [string, RegExp][] = [
    ['SELECT a FROM events', /^line 1, column 15: a batch query reads a Delta table: FROM delta\.`\/path\/to\/table`, got events/],
    ['SELECT a FROM kafka.`k:9092`.`t`', /^line 1, column 15: a batch query reads a Delta table/],
    ['CREATE TEMP VIEW v AS SELECT a FROM delta.`/t`', /^line 1, column 1: tributary sql -e runs one SELECT/],
    ['SELECT a FROM delta.`/t` WHERE a >', /^line 1, column 35: syntax error at end of input/],
    ['SELECT a FROM delta.`/t` UNION SELECT a FROM delta.`/t`', /^line 1, column 26: UNION is not supported/],
  ];
  for (const [text, message] of cases) {
    it(text, async () => {
      await assert.rejects(runBatchSql(text), (e: unknown) => e instanceof SqlError && message.test(e.message));
    });
  }
});
