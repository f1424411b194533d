import { InvalidArgumentError } from '../errors';
import type { RecordChunk } from '../kafka/record-chunk';
import { BAD_REASONS, R, type BadReason } from './bad-reason';
import { describeBadRecord, FIELD_NAMES, recordFacts, snippetCopier, type BadRecordFacts } from './bad-record-detail';
import { centsOf, int32Of } from './decimal';
import { ensureEventCapacity, type EventColumns } from './event-columns';
import { EventTypeDictionary } from './event-type-dictionary';
import { scanJsonNumber } from './json-number';
import { scanPlainCents, scanPlainInt32 } from './plain-number';
import { decodeJsonString, JsonScanner, Syntax } from './json-scanner';
import { parseTimeZoneOffsetSeconds, parseTimestampBytes, scanTimestampBytes } from './timestamp';

/**
 * Receives each record that cannot become a row: the chunk and record index (for topic, partition,
 * offset, key and value), a stable reason code, and a function building a readable message. The
 * message is built only when called; it does not read the chunk's buffer, so it may be called after
 * the sink returns. A sink that throws stops `decode` (rows before the record stay in the columns).
 */
export type BadRecordSink = (chunk: RecordChunk, index: number, reason: BadReason, detail: () => string) => void;

export interface EventDecoderOptions {
  /** Values longer than this are VALUE_TOO_LARGE. Default 64 KiB. */
  maxValueBytes?: number;
  /** Deepest nesting of arrays/objects, counting the event object itself. Default 1000. */
  maxDepth?: number;
  /** Time zone of timestamps written without an offset: 'UTC' (default) or a fixed offset '+02:00'. */
  timeZone?: string;
}

// Fields of the event schema, by index.
const CUSTOMER_ID = 0;
const AMOUNT = 1;
const TIMESTAMP = 2;
const EVENT_TYPE = 3;
const FIELD_COUNT = 4;
const FIELD_KEYS = FIELD_NAMES.map((k) => Buffer.from(k, 'latin1'));
const KEY_FIRST_WORD = Int32Array.from(FIELD_KEYS, (k) => k.readInt32LE(0));
const KEY_MIDDLE_WORD = Int32Array.from(FIELD_KEYS, (k) => (k.length > 8 ? k.readInt32LE(4) : 0));
const KEY_LAST_WORD = Int32Array.from(FIELD_KEYS, (k) => k.readInt32LE(k.length - 4));

// State of a field in the record being decoded. A later duplicate key replaces an earlier one.
const MISSING = 0;
const PRESENT = 1;
const NULL = 2;
const BAD = 3;

const OK = -1;

/**
 * Kafka record values holding JSON customer events → EventColumns, with a reason for every record
 * that cannot become a row. One pass over the bytes per record, no object per record on the good
 * path; the whole value is validated as JSON (RFC 8259) even where fields are skipped.
 *
 * Schema: {"customer_id": int, "event_type": string, "amount": decimal(10,2), "timestamp": timestamp}
 * - customer_id: a JSON integer literal within int32 (see `int32Of`); required.
 * - amount: a JSON number, or a string holding exactly a JSON number, that is a whole number of
 *   cents with at most 8 integer digits (see `centsOf`); exponents are fine when the value is
 *   exact (`1e2`, `12345e-2`); required.
 * - timestamp: an ISO-8601 string (see timestamp.ts); JSON numbers are WRONG_TYPE (as Spark's
 *   from_json); required.
 * - event_type: a string, null or absent (null); any other type is WRONG_TYPE.
 * - Unknown fields are ignored after validation. Keys are compared after resolving escapes
 *   (`"customer\u005fid"` is customer_id). Duplicate keys: the last one wins, as Jackson/Spark.
 * - Required field null → NULL_FIELD, absent → MISSING_FIELD (Spark would give a null row; nulls
 *   cannot be aggregated, so the record is quarantined).
 * When a record has several problems, JSON validity comes first (the first syntax error in byte
 * order), then fields in the order customer_id, amount, timestamp, event_type.
 */
export class EventDecoder {
  readonly maxValueBytes: number;
  readonly maxDepth: number;
  readonly timeZone: string;
  private readonly offsetSeconds: number;
  private readonly scan: JsonScanner;
  private readonly dict = new EventTypeDictionary();
  private readonly reasonOut = new Int32Array(1);
  // The record being decoded.
  private readonly state = new Uint8Array(FIELD_COUNT);
  private readonly fieldReason = new Int32Array(FIELD_COUNT);
  private readonly fieldStart = new Int32Array(FIELD_COUNT);
  private readonly fieldEnd = new Int32Array(FIELD_COUNT);
  private customerId = 0;
  private cents = 0;
  private readonly micros = new Float64Array(1); // epoch µs of the timestamp field
  private readonly plain = new Float64Array(1); // value read by a fast path of plain-number.ts
  private typeStart = 0; // event_type content span, interned only if the record is good
  private typeEnd = 0;
  private typeEscaped = false;
  private topStart = 0; // where the top-level value starts (NOT_AN_OBJECT)
  private problemField = -1;

  constructor(opts: EventDecoderOptions = {}) {
    this.maxValueBytes = opts.maxValueBytes ?? 64 * 1024;
    this.maxDepth = opts.maxDepth ?? 1000;
    this.timeZone = opts.timeZone ?? 'UTC';
    if (!Number.isInteger(this.maxValueBytes) || this.maxValueBytes < 1) {
      throw new InvalidArgumentError(`maxValueBytes must be a positive integer, got ${this.maxValueBytes}`);
    }
    if (!Number.isInteger(this.maxDepth) || this.maxDepth < 1) {
      throw new InvalidArgumentError(`maxDepth must be a positive integer, got ${this.maxDepth}`);
    }
    this.offsetSeconds = parseTimeZoneOffsetSeconds(this.timeZone);
    if (Number.isNaN(this.offsetSeconds)) {
      throw new InvalidArgumentError(
        `unsupported time zone ${JSON.stringify(this.timeZone)}: use 'UTC' or a fixed offset such as '+02:00'`,
      );
    }
    this.scan = new JsonScanner(this.maxDepth);
  }

  /** event_type strings by code. Grows as new values are seen; codes stay valid until `clearDictionary`. */
  dictionary(): readonly string[] {
    return this.dict.values();
  }

  /** Forgets all event_type codes (call between batches, once no columns refer to them). */
  clearDictionary(): void {
    this.dict.clear();
  }

  /** Appends the chunk's good records to `out` (growing it as needed); reports every other one. */
  decode(chunk: RecordChunk, out: EventColumns, onBad: BadRecordSink): void {
    if (out.count === 0) out.partition = chunk.partition;
    else if (out.partition !== chunk.partition) {
      throw new InvalidArgumentError(`columns hold partition ${out.partition}, chunk is partition ${chunk.partition}`);
    }
    ensureEventCapacity(out, out.count + chunk.count);
    const buf = chunk.buf;
    for (let i = 0; i < chunk.count; i++) {
      const len = chunk.valueLength[i];
      const start = chunk.valueStart[i];
      let reason: number;
      if (len < 0) reason = R.TOMBSTONE;
      else if (len === 0) reason = R.EMPTY_VALUE;
      else if (len > this.maxValueBytes) reason = R.VALUE_TOO_LARGE;
      else reason = this.decodeValue(buf, start, start + len);
      if (reason === OK) {
        const row = out.count++;
        out.customerId[row] = this.customerId;
        out.amountCents[row] = this.cents;
        out.eventTimeMicros[row] = this.micros[0];
        out.eventType[row] = this.eventTypeCode(buf);
        out.kafkaOffset[row] = chunk.offset[i];
        out.kafkaTimestampMs[row] = chunk.timestampMs[i];
      } else {
        const facts = this.factsOf(reason, buf, start, len);
        onBad(chunk, i, BAD_REASONS[reason], () => describeBadRecord(facts));
      }
    }
  }

  /** Decodes b[start..end); returns OK with the row in the fields above, or a reason code. */
  private decodeValue(b: Uint8Array, start: number, end: number): number {
    const s = this.scan;
    s.reset(b, end);
    const state = this.state;
    state[0] = state[1] = state[2] = state[3] = MISSING;
    let pos = s.ws(start);
    if (pos >= end) {
      return this.syntaxError(pos, Syntax.NO_VALUE);
    }
    this.topStart = pos;
    if (b[pos] !== 0x7b) {
      pos = s.value(pos);
      if (pos < 0) return s.reason;
      pos = s.ws(pos);
      if (pos < end) return this.syntaxError(pos, Syntax.TRAILING_DATA);
      return R.NOT_AN_OBJECT;
    }
    s.depth = 1;
    pos = s.ws(pos + 1);
    if (pos < end && b[pos] === 0x7d) {
      pos++;
    } else {
      for (;;) {
        if (pos >= end || b[pos] !== 0x22) return this.syntaxError(pos, Syntax.EXPECTED_KEY);
        const keyStart = pos + 1;
        pos = s.string(keyStart);
        if (pos < 0) return s.reason;
        const field = s.escaped ? fieldOfText(decodeJsonString(b, keyStart, pos - 1)) : fieldOfBytes(b, keyStart, pos - 1);
        pos = s.ws(pos);
        if (pos >= end || b[pos] !== 0x3a) return this.syntaxError(pos, Syntax.EXPECTED_COLON);
        pos = s.ws(pos + 1);
        if (pos >= end) return this.syntaxError(pos, Syntax.UNEXPECTED_END);
        pos = field < 0 ? s.value(pos) : this.fieldValue(field, b, pos);
        if (pos < 0) return s.reason;
        pos = s.ws(pos);
        const c = pos < end ? b[pos] : -1;
        if (c === 0x2c) {
          pos = s.ws(pos + 1);
        } else if (c === 0x7d) {
          pos++;
          break;
        } else {
          return this.syntaxError(pos, Syntax.EXPECTED_COMMA_OR_CLOSE);
        }
      }
    }
    pos = s.ws(pos);
    if (pos < end) return this.syntaxError(pos, Syntax.TRAILING_DATA);
    return this.fieldsVerdict();
  }

  /** Records a syntax error at pos (NOT_UTF8 if a broken UTF-8 sequence starts there); returns its reason. */
  private syntaxError(pos: number, syntax: Syntax): number {
    this.scan.failAt(pos, syntax);
    return this.scan.reason;
  }

  /** Scans the value of a schema field at pos, recording its state; returns the position after it. */
  private fieldValue(field: number, b: Uint8Array, pos: number): number {
    const s = this.scan;
    const c = b[pos];
    this.fieldStart[field] = pos;
    let end: number;
    let reason = OK;
    if (c === 0x6e) {
      end = s.literal(pos);
      // event_type null is the same as absent; the others are required.
      if (end >= 0) this.state[field] = field === EVENT_TYPE ? MISSING : NULL;
      return end;
    }
    const isNumber = c === 0x2d || (c >= 0x30 && c <= 0x39);
    // Fast paths first (plain-number.ts, plainTimestamp): each either takes the common form whole
    // or leaves the value to the general path below.
    if (field === CUSTOMER_ID && isNumber && (end = scanPlainInt32(b, pos, s.end, this.plain)) >= 0) {
      this.customerId = this.plain[0];
    } else if (field === AMOUNT && isNumber && (end = scanPlainCents(b, pos, s.end, this.plain)) >= 0) {
      this.cents = this.plain[0];
    } else if (field === AMOUNT && c === 0x22 && (end = this.plainAmountString(b, pos + 1)) >= 0) {
      this.cents = this.plain[0];
    } else if (field === TIMESTAMP && c === 0x22 && (end = this.plainTimestamp(b, pos + 1)) >= 0) {
      // A timestamp string without escapes, scanned and validated in one pass.
    } else if (field === CUSTOMER_ID && isNumber) {
      end = s.number(pos);
      if (end < 0) return -1;
      const v = int32Of(s.num, this.reasonOut);
      if (Number.isNaN(v)) reason = this.reasonOut[0];
      else this.customerId = v;
    } else if (field === AMOUNT && isNumber) {
      end = s.number(pos);
      if (end < 0) return -1;
      reason = this.amountOfNumber();
    } else if (field !== CUSTOMER_ID && c === 0x22) {
      end = s.string(pos + 1);
      if (end < 0) return -1;
      reason = this.stringField(field, b, pos + 1, end - 1);
    } else {
      end = s.value(pos);
      if (end < 0) return -1;
      reason = R.WRONG_TYPE;
    }
    if (reason === OK) {
      this.state[field] = PRESENT;
    } else {
      this.state[field] = BAD;
      this.fieldReason[field] = reason;
      this.fieldEnd[field] = end;
    }
    return end;
  }

  /**
   * The fast path of a timestamp string whose content starts at `start`: when an accepted timestamp
   * is followed at once by the closing quote, the string is valid JSON without escapes (every byte
   * the timestamp scan accepts is plain ASCII). Returns the position after the quote with the
   * value in `micros`, or -1 to take the general path (string scan, then parse).
   */
  private plainTimestamp(b: Uint8Array, start: number): number {
    const end = this.scan.end;
    const after = scanTimestampBytes(b, start, end, this.offsetSeconds, this.micros);
    return after >= 0 && after < end && b[after] === 0x22 ? after + 1 : -1;
  }

  /** The fast path of an amount string holding a plain amount; as `plainTimestamp`, cents in `plain`. */
  private plainAmountString(b: Uint8Array, start: number): number {
    const end = this.scan.end;
    const after = scanPlainCents(b, start, end, this.plain);
    return after >= 0 && after < end && b[after] === 0x22 ? after + 1 : -1;
  }

  private amountOfNumber(): number {
    const cents = centsOf(this.scan.num, this.reasonOut);
    if (Number.isNaN(cents)) return this.reasonOut[0];
    this.cents = cents;
    return OK;
  }

  /** amount, timestamp or event_type given as a string with content b[start..end). */
  private stringField(field: number, b: Uint8Array, start: number, end: number): number {
    const escaped = this.scan.escaped;
    if (field === EVENT_TYPE) {
      this.typeStart = start;
      this.typeEnd = end;
      this.typeEscaped = escaped;
      return OK;
    }
    if (escaped) {
      const text = Buffer.from(decodeJsonString(b, start, end), 'utf8');
      b = text;
      start = 0;
      end = text.length;
    }
    if (field === TIMESTAMP) {
      return parseTimestampBytes(b, start, end, this.offsetSeconds, this.micros) ? OK : R.BAD_TIMESTAMP;
    }
    // amount: the string must hold exactly one JSON number.
    if (scanJsonNumber(b, start, end, this.scan.num) !== end) return R.WRONG_TYPE;
    return this.amountOfNumber();
  }

  /** After a whole valid object: the first problem of the schema fields, or OK. */
  private fieldsVerdict(): number {
    const state = this.state;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const st = state[f];
      if (st === PRESENT || (f === EVENT_TYPE && st === MISSING)) continue;
      this.problemField = f;
      if (st === MISSING) return R.MISSING_FIELD;
      if (st === NULL) return R.NULL_FIELD;
      return this.fieldReason[f];
    }
    return OK;
  }

  private eventTypeCode(b: Uint8Array): number {
    if (this.state[EVENT_TYPE] !== PRESENT) return -1;
    return this.typeEscaped
      ? this.dict.codeOfString(decodeJsonString(b, this.typeStart, this.typeEnd))
      : this.dict.codeOfBytes(b, this.typeStart, this.typeEnd);
  }

  /** Copies what a message about this bad record needs out of the buffer. Bad path only. */
  private factsOf(reason: number, b: Uint8Array, start: number, len: number): BadRecordFacts {
    const facts = recordFacts(reason, this.scan, b, start, len, this.topStart, this);
    if (reason >= R.MISSING_FIELD) {
      const f = this.problemField;
      facts.field = f;
      if (reason !== R.MISSING_FIELD && reason !== R.NULL_FIELD) {
        facts.pos = this.fieldStart[f] - start;
        facts.snippet = snippetCopier(b, start, len)(this.fieldStart[f], this.fieldEnd[f]);
      }
    }
    return facts;
  }
}

function fieldOfBytes(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  // The four names have distinct lengths, from 6 to 11 bytes: the 4-byte words at 0, len-4 and
  // (beyond 8 bytes) 4 cover every byte.
  const f = len === 11 ? CUSTOMER_ID : len === 6 ? AMOUNT : len === 9 ? TIMESTAMP : len === 10 ? EVENT_TYPE : -1;
  if (f < 0) return -1;
  if (word(b, start) !== KEY_FIRST_WORD[f] || word(b, end - 4) !== KEY_LAST_WORD[f]) return -1;
  if (len > 8 && word(b, start + 4) !== KEY_MIDDLE_WORD[f]) return -1;
  return f;
}

/** The 4 bytes at b[p..p+4) as a little-endian int32. */
function word(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

function fieldOfText(key: string): number {
  return (FIELD_NAMES as readonly string[]).indexOf(key);
}
