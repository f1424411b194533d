import { KAFKA_COLUMNS, type KafkaColumn } from '../plan/resolved-query';
import { arrayType, BINARY, INT, LONG, sqlField, STRING, structType, TIMESTAMP, type SqlField, type SqlType } from '../schema/sql-type';

/**
 * The columns of Spark's Kafka source with Spark's types (KafkaRecordToRowConverter), all nullable
 * as Spark declares them:
 *   key binary, value binary, topic string, partition int, offset bigint, timestamp timestamp,
 *   timestampType int, headers array<struct<key:string,value:binary>>
 */
const TYPES: Record<KafkaColumn, SqlType> = {
  key: BINARY,
  value: BINARY,
  topic: STRING,
  partition: INT,
  offset: LONG,
  timestamp: TIMESTAMP,
  timestampType: INT,
  headers: arrayType(structType([sqlField('key', STRING), sqlField('value', BINARY)])),
};

export const KAFKA_SCHEMA: readonly SqlField[] = KAFKA_COLUMNS.map((name) => sqlField(name, TYPES[name]));
