import { BAD_REASONS, R } from './bad-reason';
import { SYNTAX_MESSAGES } from './json-scanner';

/**
 * What is known about a bad record when it is found, copied out of the (reusable) fetch buffer so
 * the message can be built later, only if someone asks for it.
 */
export interface BadRecordFacts {
  reason: number;
  /** Syntax code for MALFORMED_JSON / NOT_UTF8 / TOO_DEEP. */
  syntax: number;
  /** Byte position within the value where the problem was found (or where the field value starts). */
  pos: number;
  valueLength: number;
  maxValueBytes: number;
  maxDepth: number;
  /** Up to SNIPPET_BYTES bytes around the problem (or of the offending field value). */
  snippet: Uint8Array | null;
}

export const SNIPPET_BYTES = 48;

/** A copier of byte ranges of a record's value out of the (reused) fetch buffer, clipped to the value and to SNIPPET_BYTES. */
export function snippetCopier(b: Uint8Array, start: number, len: number): (from: number, to: number) => Uint8Array {
  const end = start + Math.max(len, 0);
  // A copy (Buffer#slice would be a view into the reusable fetch buffer).
  return (from, to) => new Uint8Array(b.subarray(Math.max(from, start), Math.min(to, end, from + SNIPPET_BYTES)));
}

/**
 * The facts of a bad record that do not depend on the decoder's schema: its value's size and the
 * limits, and for a syntax problem (MALFORMED_JSON, NOT_UTF8, TOO_DEEP) or NOT_AN_OBJECT where it
 * is, with a snippet. Each decoder adds its field facts. Bad path only.
 */
export function recordFacts(
  reason: number, scan: { syntax: number; errorPos: number }, b: Uint8Array, start: number, len: number, topStart: number,
  limits: { maxValueBytes: number; maxDepth: number },
): BadRecordFacts {
  const copy = snippetCopier(b, start, len);
  const facts: BadRecordFacts = {
    reason, syntax: 0, pos: 0, valueLength: len, maxValueBytes: limits.maxValueBytes, maxDepth: limits.maxDepth, snippet: null,
  };
  if (reason === R.MALFORMED_JSON || reason === R.NOT_UTF8 || reason === R.TOO_DEEP) {
    facts.syntax = scan.syntax;
    facts.pos = scan.errorPos - start;
    facts.snippet = copy(scan.errorPos - SNIPPET_BYTES / 2, scan.errorPos + SNIPPET_BYTES / 2);
  } else if (reason === R.NOT_AN_OBJECT) {
    facts.snippet = copy(topStart, start + Math.max(len, 0));
  }
  return facts;
}

export function describeBadRecord(f: BadRecordFacts): string {
  const shown = f.snippet === null ? '' : JSON.stringify(Buffer.from(f.snippet).toString('utf8'));
  switch (f.reason) {
    case R.EMPTY_VALUE:
      return 'record value is empty (0 bytes)';
    case R.TOMBSTONE:
      return 'record value is null (a tombstone)';
    case R.VALUE_TOO_LARGE:
      return `record value is ${f.valueLength} bytes, over the limit of ${f.maxValueBytes}`;
    case R.MALFORMED_JSON:
    case R.NOT_UTF8:
      return `${SYNTAX_MESSAGES[f.syntax]} at byte ${f.pos}, near ${shown}`;
    case R.TOO_DEEP:
      return `arrays/objects nested deeper than ${f.maxDepth} at byte ${f.pos}`;
    case R.NOT_AN_OBJECT:
      return `value is a JSON ${kindOf(f.snippet)}, not an object: ${shown}`;
    default:
      return BAD_REASONS[f.reason] ?? 'unknown reason';
  }
}

function kindOf(snippet: Uint8Array | null): string {
  const c = snippet === null || snippet.length === 0 ? 0 : snippet[0];
  if (c === 0x5b) return 'array';
  if (c === 0x22) return 'string';
  if (c === 0x74 || c === 0x66) return 'boolean';
  if (c === 0x6e) return 'null';
  return 'number';
}
