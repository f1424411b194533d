import type { RecordChunk } from '../kafka/record-chunk';
import type { BadReason } from './bad-reason';
import { createEventColumns, type EventColumns } from './event-columns';
import type { EventDecoder } from './event-decoder';

/**
 * Test and benchmark support: a RecordChunk over values laid out in one Buffer (null = tombstone),
 * with offsets 1000, 1001, … and Kafka timestamps 5000, 5001, …, each value preceded by a few
 * junk bytes so that decoding must respect valueStart/valueLength.
 */
export function chunkOf(values: ReadonlyArray<string | Uint8Array | null>, partition = 0): RecordChunk {
  const parts: Buffer[] = [];
  const n = values.length;
  const valueStart = new Int32Array(n);
  const valueLength = new Int32Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const junk = Buffer.from('"}]x');
    parts.push(junk);
    at += junk.length;
    const v = values[i];
    if (v === null) {
      valueStart[i] = at;
      valueLength[i] = -1;
      continue;
    }
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
    parts.push(bytes);
    valueStart[i] = at;
    valueLength[i] = bytes.length;
    at += bytes.length;
  }
  parts.push(Buffer.from('{"'));
  return {
    topic: 'events',
    partition,
    count: n,
    buf: Buffer.concat(parts),
    offset: Float64Array.from({ length: n }, (_, i) => 1000 + i),
    timestampMs: Float64Array.from({ length: n }, (_, i) => 5000 + i),
    keyStart: new Int32Array(n),
    keyLength: new Int32Array(n).fill(-1),
    valueStart,
    valueLength,
  };
}

export interface Outcome {
  cols: EventColumns;
  bad: Array<{ index: number; reason: BadReason; detail: string }>;
}

/** Decodes values with the decoder, collecting rows and bad records (details built at once). */
export function decodeAll(decoder: EventDecoder, values: ReadonlyArray<string | Uint8Array | null>): Outcome {
  const cols = createEventColumns(4);
  const bad: Outcome['bad'] = [];
  decoder.decode(chunkOf(values), cols, (_chunk, index, reason, detail) => bad.push({ index, reason, detail: detail() }));
  return { cols, bad };
}
