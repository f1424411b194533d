/**
 * Spark's Kafka source columns, written for each row from the RecordChunk:
 *
 *   key            binary     null when the record has no key
 *   value          binary     null for a tombstone
 *   topic          string
 *   partition      int
 *   offset         bigint
 *   timestamp      timestamp  the Kafka record timestamp, ms → µs
 *   timestampType  int        0 = CreateTime, 1 = LogAppendTime
 *   headers        array<struct<key:string,value:binary>>   null when the record has no headers
 */
import { InvalidArgumentError, TributaryError } from '../errors';
import type { RecordChunk } from '../kafka/record-chunk';
import { KAFKA_COLUMNS, type KafkaColumn } from '../plan/resolved-query';
import { simpleString, type SqlField } from '../schema/sql-type';
import { ColumnNode } from './column-node';

const KEY = 0;
const VALUE = 1;
const TOPIC = 2;
const PARTITION = 3;
const OFFSET = 4;
const TIMESTAMP = 5;
const TIMESTAMP_TYPE = 6;
const HEADERS = 7;

const TYPE_OF: Record<KafkaColumn, string> = {
  key: 'binary',
  value: 'binary',
  topic: 'string',
  partition: 'int',
  offset: 'bigint',
  timestamp: 'timestamp',
  timestampType: 'int',
  headers: 'array<struct<key:string,value:binary>>',
};

export interface KafkaColumnNodes {
  /** Column ids (KEY … HEADERS) in scan order. */
  readonly ids: Int32Array;
  readonly nodes: ColumnNode[];
  /** Call once per chunk before writing rows. */
  startChunk(chunk: RecordChunk): void;
  topic: Buffer;
}

/** Nodes for the Kafka columns of a scan; `schema` starts with their fields, in the same order. */
export function kafkaColumnsOf(columns: readonly KafkaColumn[], schema: readonly SqlField[]): KafkaColumnNodes {
  const ids = new Int32Array(columns.length);
  const nodes = columns.map((name, i) => {
    const id = KAFKA_COLUMNS.indexOf(name);
    if (id < 0) throw new InvalidArgumentError(`unknown Kafka column ${JSON.stringify(name)}`);
    const field = schema[i];
    if (simpleString(field.type) !== TYPE_OF[name]) {
      throw new InvalidArgumentError(`Kafka column ${name} must be ${TYPE_OF[name]}, the scan schema has ${simpleString(field.type)}`);
    }
    ids[i] = id;
    // key, value and headers can be null whatever the field says; the others never are.
    return new ColumnNode(field.type, field.name, id === KEY || id === VALUE || id === HEADERS);
  });
  const out: KafkaColumnNodes = {
    ids,
    nodes,
    topic: Buffer.alloc(0),
    startChunk(chunk: RecordChunk): void {
      if (out.topic.toString('utf8') !== chunk.topic) out.topic = Buffer.from(chunk.topic, 'utf8');
    },
  };
  return out;
}

/** Writes record i of the chunk into row `row` of every Kafka column. */
export function writeKafkaColumns(k: KafkaColumnNodes, chunk: RecordChunk, i: number, row: number): void {
  const ids = k.ids;
  for (let c = 0; c < ids.length; c++) {
    const node = k.nodes[c];
    switch (ids[c]) {
      case KEY:
        writeBytes(node, row, chunk.buf, chunk.keyStart[i], chunk.keyLength[i]);
        break;
      case VALUE:
        writeBytes(node, row, chunk.buf, chunk.valueStart[i], chunk.valueLength[i]);
        break;
      case TOPIC:
        writeBytes(node, row, k.topic, 0, k.topic.length);
        break;
      case PARTITION:
        node.i32[row] = chunk.partition;
        break;
      case OFFSET:
        node.f64[row] = chunk.offset[i];
        break;
      case TIMESTAMP:
        node.f64[row] = chunk.timestampMs[i] * 1000;
        break;
      case TIMESTAMP_TYPE:
        node.i32[row] = chunk.timestampType[i];
        break;
      case HEADERS:
        writeHeaders(node, row, chunk, i);
        break;
    }
  }
}

function writeBytes(node: ColumnNode, slot: number, b: Buffer, start: number, len: number): void {
  if (len < 0) {
    node.writeNull(slot);
    return;
  }
  const at = node.offsets[slot];
  node.ensureData(at + len, at);
  b.copy(node.data, at, start, start + len);
  node.offsets[slot + 1] = at + len;
  if (node.validity !== null) node.validity[slot] = 1;
}

// A zig-zag varint read by `varint`: the value, and the position after it in `varintEnd`.
let varintEnd = 0;
function varint(b: Buffer, pos: number, end: number): number {
  let raw = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= end) break;
    const c = b[pos++];
    raw |= (c & 0x7f) << shift;
    if ((c & 0x80) === 0) {
      varintEnd = pos;
      return (raw >>> 1) ^ -(raw & 1);
    }
  }
  throw corruptHeaders();
}

function corruptHeaders(): TributaryError {
  return new TributaryError('corrupt Kafka record: its headers overrun the record', { code: 'CORRUPT_MESSAGE', retriable: true });
}

/** The headers of record i as an array of {key, value} structs; null when it has none. */
function writeHeaders(node: ColumnNode, row: number, chunk: RecordChunk, i: number): void {
  const b = chunk.buf;
  let pos = chunk.headersStart[i];
  const end = pos + chunk.headersLength[i];
  const count = pos < end ? varint(b, pos, end) : 0;
  if (count <= 0) {
    node.writeNull(row);
    return;
  }
  pos = varintEnd;
  const el = node.element!;
  const keys = el.children[0];
  const values = el.children[1];
  let k = node.offsets[row];
  for (let h = 0; h < count; h++) {
    if (k >= el.capacity) el.ensureSlots(k + 1, k);
    const keyLength = varint(b, pos, end);
    pos = varintEnd;
    if (keyLength < 0 || pos + keyLength > end) throw corruptHeaders();
    writeBytes(keys, k, b, pos, keyLength);
    pos += keyLength;
    const valueLength = varint(b, pos, end);
    pos = varintEnd;
    if (valueLength < -1 || pos + Math.max(valueLength, 0) > end) throw corruptHeaders();
    writeBytes(values, k, b, pos, valueLength);
    pos += Math.max(valueLength, 0);
    if (el.validity !== null) el.validity[k] = 1;
    k++;
  }
  node.offsets[row + 1] = k;
  if (node.validity !== null) node.validity[row] = 1;
}
