import { R } from './bad-reason';
import { JsonNumber, scanJsonNumber } from './json-number';
import { skipPlainInteger } from './plain-number';

/**
 * A strict RFC 8259 validator over bytes, without recursion and without building values.
 *
 * - Whitespace is exactly space, tab, LF, CR. No BOM, comments, trailing commas, NaN/Infinity,
 *   single quotes or leading zeros.
 * - Strings: no raw control characters (< 0x20); escapes `\" \\ \/ \b \f \n \r \t \uXXXX`; raw bytes
 *   must be well-formed UTF-8 (no overlongs, no encoded surrogates, nothing above U+10FFFF). A
 *   `\uD800`–`\uDFFF` escape must be half of a high-low pair: lone surrogates are rejected because
 *   they cannot be stored as UTF-8 (RFC 8259 §8.2 leaves them undefined).
 * - Nesting: containers are tracked in a byte stack of `maxDepth` entries; going deeper is TOO_DEEP.
 *
 * Methods return the position after what they scanned, or -1 after recording the failure in
 * `reason` (MALFORMED_JSON, NOT_UTF8 or TOO_DEEP), `syntax` and `errorPos` (absolute index in `b`).
 * Invalid UTF-8 is reported as NOT_UTF8 wherever it is the first problem, also outside strings.
 */
export const enum Syntax {
  NO_VALUE = 0,
  UNEXPECTED_END,
  EXPECTED_VALUE,
  EXPECTED_KEY,
  EXPECTED_COLON,
  EXPECTED_COMMA_OR_CLOSE,
  UNTERMINATED_STRING,
  CONTROL_IN_STRING,
  BAD_ESCAPE,
  LONE_SURROGATE,
  BAD_NUMBER,
  BAD_LITERAL,
  TRAILING_DATA,
  BAD_UTF8,
  TOO_DEEP,
}

export const SYNTAX_MESSAGES: readonly string[] = [
  'no JSON value (only whitespace)',
  'unexpected end of value',
  'expected a JSON value',
  'expected a string key or }',
  "expected ':' after a key",
  "expected ',' or a closing bracket",
  'unterminated string',
  'raw control character in a string',
  'invalid escape in a string',
  'lone UTF-16 surrogate in a \\u escape',
  'invalid number',
  'invalid literal (true, false or null)',
  'data after the JSON value',
  'invalid UTF-8',
  'nesting too deep',
];

/** 1 for the bytes that stand for themselves inside a string: printable ASCII but '"' and '\\'. */
const PLAIN_STRING_BYTE = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN_STRING_BYTE[c] = c === 0x22 || c === 0x5c ? 0 : 1;

const OBJECT = 1;
const ARRAY = 2;

export class JsonScanner {
  b: Uint8Array = new Uint8Array(0);
  end = 0;
  depth = 0;
  /** After `string()`: whether the string held a backslash escape. */
  escaped = false;
  reason = 0;
  syntax = 0;
  errorPos = 0;
  readonly num = new JsonNumber();
  private readonly stack: Uint8Array;

  constructor(readonly maxDepth: number) {
    this.stack = new Uint8Array(maxDepth + 1);
  }

  reset(b: Uint8Array, end: number): void {
    this.b = b;
    this.end = end;
    this.depth = 0;
  }

  ws(pos: number): number {
    const b = this.b;
    const end = this.end;
    while (pos < end) {
      const c = b[pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    return pos;
  }

  fail(pos: number, syntax: Syntax): number {
    this.reason = syntax === Syntax.BAD_UTF8 ? R.NOT_UTF8 : syntax === Syntax.TOO_DEEP ? R.TOO_DEEP : R.MALFORMED_JSON;
    this.syntax = syntax;
    this.errorPos = pos;
    return -1;
  }

  /** Fails at an unexpected byte: end of input, a broken UTF-8 sequence, or the given syntax error. */
  failAt(pos: number, syntax: Syntax): number {
    if (pos >= this.end) return this.fail(pos, Syntax.UNEXPECTED_END);
    if (this.b[pos] >= 0x80 && utf8SequenceLength(this.b, pos, this.end) === 0) return this.fail(pos, Syntax.BAD_UTF8);
    return this.fail(pos, syntax);
  }

  /** Scans a string whose opening quote is at pos - 1; returns the position after the closing quote. */
  string(pos: number): number {
    const b = this.b;
    const end = this.end;
    let escaped = false;
    for (;;) {
      // Plain bytes four at a time while four remain, then one at a time.
      while (pos + 4 <= end && (PLAIN_STRING_BYTE[b[pos]] & PLAIN_STRING_BYTE[b[pos + 1]] & PLAIN_STRING_BYTE[b[pos + 2]] & PLAIN_STRING_BYTE[b[pos + 3]]) === 1) pos += 4;
      while (pos < end && PLAIN_STRING_BYTE[b[pos]] === 1) pos++;
      if (pos >= end) return this.fail(pos, Syntax.UNTERMINATED_STRING);
      const c = b[pos];
      if (c === 0x22) {
        this.escaped = escaped;
        return pos + 1;
      }
      if (c === 0x5c) {
        escaped = true;
        pos = this.escape(pos);
        if (pos < 0) return -1;
      } else if (c < 0x20) {
        return this.fail(pos, Syntax.CONTROL_IN_STRING);
      } else if (c < 0x80) {
        pos++;
      } else {
        const n = utf8SequenceLength(b, pos, end);
        if (n === 0) return this.fail(pos, Syntax.BAD_UTF8);
        pos += n;
      }
    }
  }

  private escape(pos: number): number {
    const b = this.b;
    const c = pos + 1 < this.end ? b[pos + 1] : -1;
    if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
      return pos + 2;
    }
    if (c !== 0x75) return c === -1 ? this.fail(pos, Syntax.UNTERMINATED_STRING) : this.failAt(pos + 1, Syntax.BAD_ESCAPE);
    const unit = hex4(b, pos + 2, this.end);
    if (unit < 0) return this.fail(pos, Syntax.BAD_ESCAPE);
    if (unit < 0xd800 || unit > 0xdfff) return pos + 6;
    if (unit >= 0xdc00) return this.fail(pos, Syntax.LONE_SURROGATE);
    // High surrogate: a \uDC00–\uDFFF escape must follow at once.
    if (pos + 7 < this.end && b[pos + 6] === 0x5c && b[pos + 7] === 0x75) {
      const low = hex4(b, pos + 8, this.end);
      if (low < 0) return this.fail(pos + 6, Syntax.BAD_ESCAPE);
      if (low >= 0xdc00 && low <= 0xdfff) return pos + 12;
    }
    return this.fail(pos, Syntax.LONE_SURROGATE);
  }

  number(pos: number): number {
    const p = scanJsonNumber(this.b, pos, this.end, this.num);
    return p < 0 ? this.failAt(this.num.errorPos, Syntax.BAD_NUMBER) : p;
  }

  /** A number that is only validated (its value is not kept in `num`). */
  skipNumber(pos: number): number {
    const p = skipPlainInteger(this.b, pos, this.end);
    return p >= 0 ? p : this.number(pos);
  }

  /** Scans `true`, `false` or `null` starting at pos. */
  literal(pos: number): number {
    const b = this.b;
    const c = b[pos];
    let n: number;
    if (c === 0x74) n = pos + 3 < this.end && b[pos + 1] === 0x72 && b[pos + 2] === 0x75 && b[pos + 3] === 0x65 ? 4 : 0;
    else if (c === 0x66)
      n = pos + 4 < this.end && b[pos + 1] === 0x61 && b[pos + 2] === 0x6c && b[pos + 3] === 0x73 && b[pos + 4] === 0x65 ? 5 : 0;
    else if (c === 0x6e) n = pos + 3 < this.end && b[pos + 1] === 0x75 && b[pos + 2] === 0x6c && b[pos + 3] === 0x6c ? 4 : 0;
    else n = 0;
    return n === 0 ? this.failAt(pos, Syntax.BAD_LITERAL) : pos + n;
  }

  /** Scans `"key"` then `:` (with whitespace around); returns the position after the colon. */
  key(pos: number): number {
    if (pos >= this.end || this.b[pos] !== 0x22) return this.failAt(pos, Syntax.EXPECTED_KEY);
    pos = this.string(pos + 1);
    if (pos < 0) return -1;
    pos = this.ws(pos);
    if (pos >= this.end || this.b[pos] !== 0x3a) return this.failAt(pos, Syntax.EXPECTED_COLON);
    return this.ws(pos + 1);
  }

  /**
   * Validates one JSON value starting at pos (leading whitespace allowed), nested inside `depth`
   * open containers. Returns the position after the value.
   */
  value(pos: number): number {
    const b = this.b;
    const end = this.end;
    const stack = this.stack;
    const base = this.depth;
    value: for (;;) {
      pos = this.ws(pos);
      if (pos >= end) return this.fail(pos, Syntax.UNEXPECTED_END);
      let c = b[pos];
      if (c === 0x22) {
        pos = this.string(pos + 1);
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        pos = this.skipNumber(pos);
      } else if (c === 0x7b || c === 0x5b) {
        if (this.depth >= this.maxDepth) return this.fail(pos, Syntax.TOO_DEEP);
        const isObject = c === 0x7b;
        stack[++this.depth] = isObject ? OBJECT : ARRAY;
        pos = this.ws(pos + 1);
        if (pos < end && b[pos] === (isObject ? 0x7d : 0x5d)) {
          this.depth--;
          pos++;
        } else {
          if (isObject) {
            pos = this.key(pos);
            if (pos < 0) return -1;
          }
          continue value;
        }
      } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
        pos = this.literal(pos);
      } else {
        return this.failAt(pos, Syntax.EXPECTED_VALUE);
      }
      if (pos < 0) return -1;
      // A value is complete: continue the innermost container or close it.
      while (this.depth > base) {
        pos = this.ws(pos);
        if (pos >= end) return this.fail(pos, Syntax.UNEXPECTED_END);
        c = b[pos];
        const inObject = stack[this.depth] === OBJECT;
        if (c === 0x2c) {
          pos = this.ws(pos + 1);
          if (inObject) {
            pos = this.key(pos);
            if (pos < 0) return -1;
          }
          continue value;
        }
        if (c !== (inObject ? 0x7d : 0x5d)) return this.failAt(pos, Syntax.EXPECTED_COMMA_OR_CLOSE);
        this.depth--;
        pos++;
      }
      return pos;
    }
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Four hex digits at b[pos..pos+4) as a UTF-16 code unit, or -1. */
function hex4(b: Uint8Array, pos: number, end: number): number {
  if (pos + 4 > end) return -1;
  const a = hexDigit(b[pos]);
  const c = hexDigit(b[pos + 1]);
  const d = hexDigit(b[pos + 2]);
  const e = hexDigit(b[pos + 3]);
  if ((a | c | d | e) < 0) return -1;
  return (a << 12) | (c << 8) | (d << 4) | e;
}

function isCont(b: Uint8Array, pos: number, end: number): boolean {
  return pos < end && (b[pos] & 0xc0) === 0x80;
}

/**
 * Length of the well-formed UTF-8 sequence starting at b[pos] (a byte >= 0x80), or 0
 * (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
 */
export function utf8SequenceLength(b: Uint8Array, pos: number, end: number): number {
  const c = b[pos];
  if (c >= 0xc2 && c <= 0xdf) return isCont(b, pos + 1, end) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (pos + 2 >= end) return 0;
    const c1 = b[pos + 1];
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return c1 >= lo && c1 <= hi && isCont(b, pos + 2, end) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (pos + 3 >= end) return 0;
    const c1 = b[pos + 1];
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return c1 >= lo && c1 <= hi && isCont(b, pos + 2, end) && isCont(b, pos + 3, end) ? 4 : 0;
  }
  return 0;
}

/**
 * The text of a string already validated by `JsonScanner.string`, b[start..end) being its content
 * between the quotes, escapes resolved. The slow path: used only for strings with escapes.
 */
export function decodeJsonString(b: Uint8Array, start: number, end: number): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let out = '';
  let run = start;
  let pos = start;
  while (pos < end) {
    if (b[pos] !== 0x5c) {
      pos++;
      continue;
    }
    out += buf.toString('utf8', run, pos);
    const c = b[pos + 1];
    if (c === 0x75) {
      out += String.fromCharCode(hex4(b, pos + 2, end));
      pos += 6;
    } else {
      out += c === 0x62 ? '\b' : c === 0x66 ? '\f' : c === 0x6e ? '\n' : c === 0x72 ? '\r' : c === 0x74 ? '\t' : String.fromCharCode(c);
      pos += 2;
    }
    run = pos;
  }
  return out + buf.toString('utf8', run, end);
}
