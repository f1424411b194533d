import type { ColumnBatch } from '../columns/vector';
import { InvalidArgumentError } from '../errors';
import type { RecordChunk } from '../kafka/record-chunk';
import type { ScanSpec } from '../plan/resolved-query';
import { structType, type SqlField } from '../schema/sql-type';
import { BAD_REASONS, R } from './bad-reason';
import { recordFacts, snippetCopier } from './bad-record-detail';
import { ColumnNode, Kind } from './column-node';
import { parseDateBytes } from './date';
import type { BadRecordSink } from './bad-reason';
import { scanJsonNumber } from './json-number';
import { decodeJsonString, JsonScanner, Syntax } from './json-scanner';
import { compactJsonInto, doubleOf, ExactOut, intOf, longOf, OK, specialDouble, unescapeInto, unscaledOf, WIDE } from './json-values';
import { kafkaColumnsOf, writeKafkaColumns, type KafkaColumnNodes } from './kafka-columns';
import { scanPlainInt32, scanPlainUnscaled } from './plain-number';
import { describeStructBadRecord, FieldProblem, pathOf, type StructBadFacts } from './struct-problem';
import { parseTimeZoneOffsetSeconds, parseTimestampBytes, scanTimestampBytes } from './timestamp';

export interface StructDecoderOptions {
  /** Deepest nesting of arrays/objects, counting the record's object itself. Default 1000. */
  maxDepth?: number;
  /**
   * Struct fields of the parsed value (top level) whose objects' keys are tracked: `presence(name)`
   * then tells, per field of that struct and per row, whether the key was in the object (a JSON
   * null counts as present), which from_json's nulls do not (change events' partial updates).
   */
  trackPresence?: readonly string[];
}

// State of a struct field in the object being decoded. A later duplicate key replaces an earlier one.
const MISSING = 0;
const PRESENT = 1;
const NULL = 2;
const BAD = 3;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Makes the decoder of a scan: its Kafka columns, then the parsed JSON struct when `scan.json` is set. */
export function createStructDecoder(scan: ScanSpec, opts: StructDecoderOptions = {}): StructDecoder {
  return new StructDecoder(scan, opts);
}

/**
 * Kafka records → the scan's ColumnBatch (schema `scan.schema`): the Kafka columns the query reads,
 * then, when the query parses JSON, one struct column of the value parsed by the JSON schema with
 * Spark's from_json rules (decode/README.md has the table). One pass over the bytes per record,
 * the whole value validated as JSON (RFC 8259, json-scanner.ts), no object per row on the good path.
 *
 * Every record that cannot become a row goes to `onBad` with a stable reason: TOMBSTONE,
 * EMPTY_VALUE (when parsing JSON), VALUE_TOO_LARGE; then the first syntax problem in byte order
 * (MALFORMED_JSON, NOT_UTF8, TOO_DEEP); NOT_AN_OBJECT; then the first field problem in schema
 * order, depth first (MISSING_FIELD, NULL_FIELD for non-nullable fields and array elements,
 * WRONG_TYPE, INT_RANGE, DECIMAL_PRECISION, DECIMAL_SCALE, BAD_TIMESTAMP, BAD_DATE), its detail
 * naming the field's path (`order.items[2].price`).
 *
 * The batch and its arrays belong to the decoder and are reused by the next `decode`.
 */
export class StructDecoder {
  readonly maxValueBytes: number;
  readonly maxDepth: number;
  readonly batch: ColumnBatch;
  private readonly kafka: KafkaColumnNodes;
  /** The parsed JSON struct, or null when the scan does not parse JSON. */
  private readonly root: ColumnNode | null;
  private readonly top: ColumnNode[];
  private readonly offsetSeconds: number;
  private readonly scan: JsonScanner;
  private recordIndex = new Int32Array(0);
  private readonly plain = new Float64Array(1); // value read by a fast path
  private readonly exact = new ExactOut();
  /** After `value`, `object` or `array`: the problem of the value just decoded, or null. */
  private problem: FieldProblem | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private topStart = 0; // where the top-level value starts (NOT_AN_OBJECT)
  /** Tracked struct nodes (trackPresence) → per field, per row: 1 when the key was present. */
  private readonly tracked = new Map<ColumnNode, Uint8Array[]>();
  private readonly trackedByName = new Map<string, ColumnNode>();

  constructor(scanSpec: ScanSpec, opts: StructDecoderOptions = {}) {
    this.maxValueBytes = scanSpec.maxValueBytes;
    this.maxDepth = opts.maxDepth ?? 1000;
    if (!Number.isInteger(this.maxValueBytes) || this.maxValueBytes < 1) {
      throw new InvalidArgumentError(`maxValueBytes must be a positive integer, got ${this.maxValueBytes}`);
    }
    if (!Number.isInteger(this.maxDepth) || this.maxDepth < 1) {
      throw new InvalidArgumentError(`maxDepth must be a positive integer, got ${this.maxDepth}`);
    }
    const json = scanSpec.json;
    const expectedColumns = scanSpec.kafkaColumns.length + (json === null ? 0 : 1);
    if (scanSpec.schema.length !== expectedColumns) {
      throw new InvalidArgumentError(`scan schema has ${scanSpec.schema.length} columns, expected ${expectedColumns}`);
    }
    this.kafka = kafkaColumnsOf(scanSpec.kafkaColumns, scanSpec.schema);
    this.offsetSeconds = 0;
    this.root = null;
    if (json !== null) {
      this.offsetSeconds = parseTimeZoneOffsetSeconds(json.timeZone);
      if (Number.isNaN(this.offsetSeconds)) {
        throw new InvalidArgumentError(
          `unsupported time zone ${JSON.stringify(json.timeZone)}: use 'UTC' or a fixed offset such as '+02:00'`,
        );
      }
      refuseBinary(json.schema, '');
      this.root = new ColumnNode(structType(json.schema), '', false);
    }
    this.top = [...this.kafka.nodes];
    if (this.root !== null) this.top.push(this.root);
    for (const name of opts.trackPresence ?? []) {
      const node = this.root?.children.find((c) => c.name === name);
      if (node === undefined || node.kind !== Kind.STRUCT) throw new InvalidArgumentError(`trackPresence: ${name} is not a struct field of the JSON schema`);
      this.tracked.set(node, node.children.map(() => new Uint8Array(0)));
      this.trackedByName.set(name, node);
    }
    this.scan = new JsonScanner(this.maxDepth);
    this.batch = { count: 0, schema: scanSpec.schema, columns: this.top.map((n) => n.vector), recordIndex: this.recordIndex };
  }

  /**
   * Decodes a chunk into `batch` (replacing what it held): rows in record order, `recordIndex[row]`
   * the record's index in the chunk. Reports every other record to `onBad`.
   */
  decode(chunk: RecordChunk, onBad: BadRecordSink): ColumnBatch {
    const n = chunk.count;
    for (const node of this.top) {
      node.clear();
      node.ensureSlots(Math.max(n, 1), 0);
    }
    if (this.recordIndex.length < n) this.recordIndex = new Int32Array(Math.max(n, this.recordIndex.length * 2));
    for (const [node, flags] of this.tracked) {
      for (let f = 0; f < flags.length; f++) {
        if (flags[f].length < n) flags[f] = new Uint8Array(Math.max(n, flags[f].length * 2));
        else flags[f].fill(0, 0, n);
      }
      this.tracked.set(node, flags);
    }
    const recordIndex = this.recordIndex;
    const buf = (this.buf = chunk.buf);
    const root = this.root;
    const kafka = this.kafka;
    const writeKafka = kafka.nodes.length > 0;
    if (writeKafka) kafka.startChunk(chunk);
    let row = 0;
    for (let i = 0; i < n; i++) {
      const len = chunk.valueLength[i];
      const start = chunk.valueStart[i];
      let reason = OK;
      if (len > this.maxValueBytes) reason = R.VALUE_TOO_LARGE;
      else if (root !== null) {
        if (len < 0) reason = R.TOMBSTONE;
        else if (len === 0) reason = R.EMPTY_VALUE;
        else reason = this.decodeValue(root, buf, start, start + len, row);
      }
      if (reason === OK) {
        if (writeKafka) writeKafkaColumns(kafka, chunk, i, row);
        recordIndex[row++] = i;
      } else {
        // the slot is reused by the next record: forget the keys this one had
        for (const flags of this.tracked.values()) for (const f of flags) f[row] = 0;
        const facts = this.factsOf(reason, buf, start, len);
        onBad(chunk, i, BAD_REASONS[reason], () => describeStructBadRecord(facts));
      }
    }
    const batch = this.batch;
    batch.count = row;
    batch.recordIndex = recordIndex;
    for (const node of this.top) node.publish(row);
    return batch;
  }

  /**
   * After `decode`: for a tracked struct field (trackPresence), per field of its struct, per row,
   * 1 when the object had the key (null or not), 0 when it had not or the struct itself was null.
   * Reused by the next `decode`.
   */
  presence(name: string): readonly Uint8Array[] {
    const node = this.trackedByName.get(name);
    if (node === undefined) throw new RangeError(`${name} is not tracked (trackPresence)`);
    return this.tracked.get(node) as Uint8Array[];
  }

  /** Decodes b[start..end) into slot `row` of the root; returns OK or a reason code. */
  private decodeValue(root: ColumnNode, b: Uint8Array, start: number, end: number, row: number): number {
    const s = this.scan;
    s.reset(b, end);
    let pos = s.ws(start);
    if (pos >= end) return this.syntaxError(pos, Syntax.NO_VALUE);
    this.topStart = pos;
    if (b[pos] !== 0x7b) {
      pos = s.value(pos);
      if (pos < 0) return s.reason;
      pos = s.ws(pos);
      if (pos < end) return this.syntaxError(pos, Syntax.TRAILING_DATA);
      return R.NOT_AN_OBJECT;
    }
    pos = this.object(root, row, pos);
    if (pos < 0) return s.reason;
    pos = s.ws(pos);
    if (pos < end) return this.syntaxError(pos, Syntax.TRAILING_DATA);
    return this.problem === null ? OK : this.problem.reason;
  }

  private syntaxError(pos: number, syntax: Syntax): number {
    this.scan.failAt(pos, syntax);
    return this.scan.reason;
  }

  /**
   * The object at pos ('{') into slot `slot` of a struct node: each schema field's value, absent
   * ones null. Returns the position after it (or -1 on a syntax error), with `problem` set to the
   * first field problem in schema order (or null).
   */
  private object(node: ColumnNode, slot: number, pos: number): number {
    const s = this.scan;
    const b = s.b;
    const end = s.end;
    if (s.depth >= s.maxDepth) return s.fail(pos, Syntax.TOO_DEEP);
    s.depth++;
    const state = node.state;
    const fields = state.length;
    for (let f = 0; f < fields; f++) state[f] = MISSING;
    pos = s.ws(pos + 1);
    if (pos < end && b[pos] === 0x7d) {
      pos++;
    } else {
      const nextField = node.nextField;
      let previous = -1; // the field of the previous key (−1: none yet, or a key not in the schema)
      for (;;) {
        if (pos >= end || b[pos] !== 0x22) return s.failAt(pos, Syntax.EXPECTED_KEY);
        const keyStart = pos + 1;
        // the predicted field's name, matched whole (column-node.ts), or the key scanned and looked up
        const predicted = nextField[previous + 1];
        let f: number;
        if (predicted >= 0 && node.keyIs(predicted, b, keyStart, end)) {
          f = predicted;
          pos = keyStart + node.keys[predicted].length + 1;
        } else {
          pos = s.string(keyStart);
          if (pos < 0) return -1;
          f = s.escaped ? node.fieldOfText(decodeJsonString(b, keyStart, pos - 1)) : node.fieldOfBytes(b, keyStart, pos - 1);
          if (f >= 0) nextField[previous + 1] = f;
        }
        previous = f;
        pos = s.ws(pos);
        if (pos >= end || b[pos] !== 0x3a) return s.failAt(pos, Syntax.EXPECTED_COLON);
        pos = s.ws(pos + 1);
        if (pos >= end) return s.fail(pos, Syntax.UNEXPECTED_END);
        if (f < 0) {
          pos = s.value(pos);
        } else if (b[pos] === 0x6e) {
          pos = s.literal(pos);
          state[f] = NULL;
        } else {
          const child = node.children[f];
          pos = this.value(child, slot, pos);
          if (pos < 0) return -1;
          if (this.problem === null) {
            state[f] = PRESENT;
          } else {
            state[f] = BAD;
            this.problem.segments.push(child.name);
            node.problems[f] = this.problem;
          }
        }
        if (pos < 0) return -1;
        pos = s.ws(pos);
        const c = pos < end ? b[pos] : -1;
        if (c === 0x2c) {
          pos = s.ws(pos + 1);
        } else if (c === 0x7d) {
          pos++;
          break;
        } else {
          return s.failAt(pos, Syntax.EXPECTED_COMMA_OR_CLOSE);
        }
      }
    }
    s.depth--;
    const presence = this.tracked.size === 0 ? undefined : this.tracked.get(node);
    if (presence !== undefined) for (let f = 0; f < fields; f++) presence[f][slot] = state[f] === MISSING ? 0 : 1;
    let problem: FieldProblem | null = null;
    for (let f = 0; f < fields; f++) {
      const st = state[f];
      if (st === PRESENT) continue;
      if (st === BAD) {
        if (problem === null) problem = node.problems[f];
        continue;
      }
      const child = node.children[f];
      child.writeNull(slot);
      if (!child.nullable && problem === null) {
        problem = new FieldProblem(st === MISSING ? R.MISSING_FIELD : R.NULL_FIELD, child.type, -1, -1);
        problem.segments.push(child.name);
      }
    }
    this.problem = problem;
    return pos;
  }

  /** The array at pos ('[') into slot `slot` of an array node; as `object`. */
  private array(node: ColumnNode, slot: number, pos: number): number {
    const s = this.scan;
    const b = s.b;
    const end = s.end;
    if (s.depth >= s.maxDepth) return s.fail(pos, Syntax.TOO_DEEP);
    s.depth++;
    const el = node.element!;
    let k = node.offsets[slot];
    let index = 0;
    let problem: FieldProblem | null = null;
    pos = s.ws(pos + 1);
    if (pos < end && b[pos] === 0x5d) {
      pos++;
    } else {
      for (;;) {
        if (pos >= end) return s.fail(pos, Syntax.UNEXPECTED_END);
        if (k >= el.capacity) el.ensureSlots(k + 1, k);
        if (b[pos] === 0x6e) {
          pos = s.literal(pos);
          if (pos < 0) return -1;
          el.writeNull(k);
          if (!el.nullable && problem === null) {
            problem = new FieldProblem(R.NULL_FIELD, el.type, -1, -1);
            problem.segments.push(`[${index}]`);
          }
        } else {
          pos = this.value(el, k, pos);
          if (pos < 0) return -1;
          if (this.problem !== null && problem === null) {
            problem = this.problem;
            problem.segments.push(`[${index}]`);
          }
        }
        k++;
        index++;
        pos = s.ws(pos);
        const c = pos < end ? b[pos] : -1;
        if (c === 0x2c) {
          pos = s.ws(pos + 1);
        } else if (c === 0x5d) {
          pos++;
          break;
        } else {
          return s.failAt(pos, Syntax.EXPECTED_COMMA_OR_CLOSE);
        }
      }
    }
    s.depth--;
    node.offsets[slot + 1] = k;
    this.problem = problem;
    return pos;
  }

  /**
   * A non-null value at pos into slot `slot` of `node`. Returns the position after it (or -1 on a
   * syntax error), with `problem` null when the value became the node's type exactly. Fast paths
   * first (plain-number.ts, scanTimestampBytes): each takes a common form whole or leaves the value
   * to the general path, which alone decides errors.
   */
  private value(node: ColumnNode, slot: number, pos: number): number {
    const s = this.scan;
    const b = s.b;
    const c = b[pos];
    const isNumber = c === 0x2d || (c >= 0x30 && c <= 0x39);
    let end: number;
    let reason = OK;
    switch (node.kind) {
      case Kind.INT:
        if (isNumber && (end = scanPlainInt32(b, pos, s.end, this.plain)) >= 0) {
          node.i32[slot] = this.plain[0];
        } else if (isNumber) {
          if ((end = s.number(pos)) < 0) return -1;
          reason = intOf(s.num, this.exact);
          if (reason === OK) node.i32[slot] = this.exact.value[0];
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.LONG:
        if (isNumber && (end = scanPlainInt32(b, pos, s.end, this.plain)) >= 0) {
          this.setExact(node, slot, this.plain[0]);
        } else if (isNumber) {
          if ((end = s.number(pos)) < 0) return -1;
          reason = this.exactResult(node, slot, longOf(s.num, b, pos, end, this.exact));
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.DECIMAL:
        if (isNumber && node.plainDecimal && (end = scanPlainUnscaled(b, pos, s.end, node.precision - node.scale, node.scale, this.plain)) >= 0) {
          this.setExact(node, slot, this.plain[0]);
        } else if (c === 0x22 && node.plainDecimal && (end = this.plainDecimalString(node, b, pos + 1)) >= 0) {
          this.setExact(node, slot, this.plain[0]);
        } else if (isNumber) {
          if ((end = s.number(pos)) < 0) return -1;
          reason = this.exactResult(node, slot, unscaledOf(s.num, b, pos, end, node.precision, node.scale, this.exact));
        } else if (c === 0x22) {
          if ((end = s.string(pos + 1)) < 0) return -1;
          reason = this.decimalString(node, slot, b, pos + 1, end - 1);
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.TIMESTAMP:
        if (c === 0x22 && (end = this.plainTimestamp(b, pos + 1)) >= 0) {
          node.f64[slot] = this.plain[0];
        } else if (c === 0x22) {
          if ((end = s.string(pos + 1)) < 0) return -1;
          const t = this.unescaped(b, pos + 1, end - 1);
          if (parseTimestampBytes(t, this.textStart, this.textEnd, this.offsetSeconds, this.plain)) node.f64[slot] = this.plain[0];
          else reason = R.BAD_TIMESTAMP;
        } else if (isNumber) {
          if ((end = s.number(pos)) < 0) return -1;
          reason = this.epochSeconds(node, slot);
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.STRING:
        if (c === 0x22) {
          if ((end = s.string(pos + 1)) < 0) return -1;
          this.copyString(node, slot, b, pos + 1, end - 1);
        } else {
          if ((end = s.value(pos)) < 0) return -1;
          const at = node.offsets[slot];
          node.ensureData(at + end - pos, at);
          node.offsets[slot + 1] = compactJsonInto(b, pos, end, node.data, at);
        }
        break;
      case Kind.DOUBLE:
        if (isNumber && (end = scanPlainInt32(b, pos, s.end, this.plain)) >= 0) {
          node.f64[slot] = this.plain[0];
        } else if (isNumber) {
          if ((end = s.number(pos)) < 0) return -1;
          node.f64[slot] = doubleOf(s.num, b, pos, end);
        } else if (c === 0x22) {
          if ((end = s.string(pos + 1)) < 0) return -1;
          const t = this.unescaped(b, pos + 1, end - 1);
          const v = specialDouble(Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('utf8', this.textStart, this.textEnd));
          if (v === null) reason = R.WRONG_TYPE;
          else node.f64[slot] = v;
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.BOOLEAN:
        if (c === 0x74 || c === 0x66) {
          end = s.literal(pos);
          node.u8[slot] = c === 0x74 ? 1 : 0;
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.DATE:
        if (c === 0x22) {
          if ((end = s.string(pos + 1)) < 0) return -1;
          const t = this.unescaped(b, pos + 1, end - 1);
          const days = parseDateBytes(t, this.textStart, this.textEnd);
          if (Number.isNaN(days)) reason = R.BAD_DATE;
          else node.i32[slot] = days;
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.STRUCT:
        if (c === 0x7b) {
          if ((end = this.object(node, slot, pos)) < 0) return -1;
          if (this.problem !== null) return end;
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      case Kind.ARRAY:
        if (c === 0x5b) {
          if ((end = this.array(node, slot, pos)) < 0) return -1;
          if (this.problem !== null) return end;
        } else {
          end = s.value(pos);
          reason = R.WRONG_TYPE;
        }
        break;
      default:
        end = s.value(pos);
        reason = R.WRONG_TYPE;
    }
    if (end < 0) return -1;
    if (reason === OK) {
      if (node.validity !== null) node.validity[slot] = 1;
      this.problem = null;
    } else {
      // The record is bad, but a later element of the same array still writes the next slot, which
      // starts where this one ends: an empty (null) slot, not offsets left from an earlier chunk.
      node.writeNull(slot);
      this.problem = new FieldProblem(reason, node.type, pos, end);
    }
    return end;
  }

  /** A long/decimal value below 2^53 in magnitude. */
  private setExact(node: ColumnNode, slot: number, v: number): void {
    node.f64[slot] = v;
    if (node.wide !== null) node.wide.delete(slot);
  }

  /** Stores the result of longOf/unscaledOf; returns OK or the reason. */
  private exactResult(node: ColumnNode, slot: number, result: number): number {
    if (result === OK) this.setExact(node, slot, this.exact.value[0]);
    else if (result === WIDE) node.writeWide(slot, this.exact.wide);
    else return result;
    return OK;
  }

  /** Whole epoch seconds (Jackson's VALUE_NUMBER_INT, as Spark's from_json) → µs; fractions are WRONG_TYPE. */
  private epochSeconds(node: ColumnNode, slot: number): number {
    const n = this.scan.num;
    if (n.hasFraction || n.hasExponent) return R.WRONG_TYPE;
    if (n.sigCount + n.pow10 > 10) return R.BAD_TIMESTAMP;
    const seconds = n.sig * 10 ** n.pow10;
    const us = (n.neg ? -seconds : seconds) * 1e6;
    if (us > MAX_SAFE || us < -MAX_SAFE) return R.BAD_TIMESTAMP;
    node.f64[slot] = us === 0 ? 0 : us;
    return OK;
  }

  /** The fast path of a timestamp string: an accepted timestamp followed at once by the closing quote. */
  private plainTimestamp(b: Uint8Array, start: number): number {
    const end = this.scan.end;
    const after = scanTimestampBytes(b, start, end, this.offsetSeconds, this.plain);
    return after >= 0 && after < end && b[after] === 0x22 ? after + 1 : -1;
  }

  /** The fast path of a decimal string holding a plain decimal, as `plainTimestamp`. */
  private plainDecimalString(node: ColumnNode, b: Uint8Array, start: number): number {
    const end = this.scan.end;
    const after = scanPlainUnscaled(b, start, end, node.precision - node.scale, node.scale, this.plain);
    return after >= 0 && after < end && b[after] === 0x22 ? after + 1 : -1;
  }

  /** A decimal given as a string with content b[start..end): it must hold exactly one JSON number. */
  private decimalString(node: ColumnNode, slot: number, b: Uint8Array, start: number, end: number): number {
    const t = this.unescaped(b, start, end);
    const num = this.scan.num;
    if (scanJsonNumber(t, this.textStart, this.textEnd, num) !== this.textEnd) return R.WRONG_TYPE;
    return this.exactResult(node, slot, unscaledOf(num, t, this.textStart, this.textEnd, node.precision, node.scale, this.exact));
  }

  // The text of a string, escapes resolved: `unescaped` returns the bytes, with the span in textStart/textEnd.
  private textStart = 0;
  private textEnd = 0;
  private unescaped(b: Uint8Array, start: number, end: number): Uint8Array {
    if (!this.scan.escaped) {
      this.textStart = start;
      this.textEnd = end;
      return b;
    }
    const text = Buffer.from(decodeJsonString(b, start, end), 'utf8');
    this.textStart = 0;
    this.textEnd = text.length;
    return text;
  }

  /** Copies a string's content b[start..end) (escapes resolved) into slot `slot` of a string node. */
  private copyString(node: ColumnNode, slot: number, b: Uint8Array, start: number, end: number): void {
    const at = node.offsets[slot];
    const len = end - start;
    node.ensureData(at + len, at);
    const data = node.data;
    if (this.scan.escaped) {
      node.offsets[slot + 1] = unescapeInto(b, start, end, data, at);
      return;
    }
    if (len <= 32) {
      for (let i = 0; i < len; i++) data[at + i] = b[start + i];
    } else {
      this.buf.copy(data, at, start, end);
    }
    node.offsets[slot + 1] = at + len;
  }

  /** Copies what a message about this bad record needs out of the buffer. Bad path only. */
  private factsOf(reason: number, b: Uint8Array, start: number, len: number): StructBadFacts {
    const problem = this.problem;
    if (reason >= R.MISSING_FIELD && problem !== null) {
      return {
        record: null,
        reason,
        path: pathOf(problem.segments),
        type: problem.type,
        snippet: problem.start >= 0 ? snippetCopier(b, start, len)(problem.start, problem.end) : null,
      };
    }
    const record = recordFacts(reason, this.scan, b, start, len, this.topStart, this);
    return { record, reason, path: '', type: null, snippet: null };
  }
}

/** Binary fields are not read from JSON yet (Spark reads them as base64 strings). */
function refuseBinary(fields: readonly SqlField[], path: string): void {
  for (const f of fields) {
    const at = path === '' ? f.name : `${path}.${f.name}`;
    let t = f.type;
    while (t.kind === 'array') t = t.element;
    if (t.kind === 'binary') throw new InvalidArgumentError(`field ${at}: binary fields in a JSON schema are not supported yet`);
    if (t.kind === 'struct') refuseBinary(t.fields, at);
  }
}
