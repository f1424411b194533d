import { MAX_SHUFFLE_PARTITIONS, type QueryOptions } from '@tributary/common';
import { invalid } from './unsupported';

/** An option value as Spark keeps it: text. */
export type OptionValue = string | number | boolean;

export function optionText(value: OptionValue): string {
  return String(value).trim();
}

export function positiveIntegerOption(name: string, value: OptionValue): number {
  const text = optionText(value);
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw invalid(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

export function booleanOption(name: string, value: OptionValue): boolean {
  const text = optionText(value).toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalid(`${name} must be true or false, got ${JSON.stringify(optionText(value))}`);
}

/** Keys of the query-wide options, accepted on writeStream (and shuffle partitions also as session config). */
export const QUERY_OPTION_KEYS = [
  'badRecords', 'quarantinePath', 'lateRows', 'lateRowsPath', 'maxValueBytes', 'maxEventTimeAhead', 'shufflePartitions',
  'spark.sql.shuffle.partitions',
];

/**
 * Sets a query-wide option on `options`; false when `key` is not one. Values the validation can name
 * precisely (an out-of-range partition count, an unknown policy) are kept for it to report.
 */
export function setQueryOption(options: QueryOptions, key: string, value: OptionValue): boolean {
  const text = optionText(value);
  switch (key) {
    case 'badRecords':
      options.badRecords = text as QueryOptions['badRecords'];
      return true;
    case 'lateRows':
      options.lateRows = text as QueryOptions['lateRows'];
      return true;
    case 'quarantinePath':
      options.quarantinePath = text;
      return true;
    case 'lateRowsPath':
      options.lateRowsPath = text;
      return true;
    case 'maxEventTimeAhead':
      options.maxEventTimeAhead = text;
      return true;
    case 'maxValueBytes':
      options.maxValueBytes = positiveIntegerOption(key, value);
      return true;
    case 'shufflePartitions':
    case 'spark.sql.shuffle.partitions':
      if (!/^-?\d+$/.test(text)) throw invalid(`shufflePartitions must be an integer in 1..${MAX_SHUFFLE_PARTITIONS}, got ${JSON.stringify(text)}`);
      options.shufflePartitions = Number(text);
      return true;
    default:
      return false;
  }
}
