/**
 * LIKE over UTF-8 bytes, compiled once per pattern (Spark's Like with StringUtils.escapeLikeRegex):
 * `_` matches one character, `%` any sequence (also empty), the escape character (default `\`)
 * makes the next `_`, `%` or escape character literal; an escape before any other character or at
 * the end of the pattern is an error, as in Spark (checkLikePattern, in the catalog). Case-sensitive; whole-string match.
 *
 * The compiled form is the pattern split at `%` into segments of literal bytes and one-character
 * wildcards; the first segment is anchored at the start, the last at the end, and the ones between
 * are found leftmost (which is optimal: a segment's length from a given start is fixed by the text).
 */
import { checkLikePattern } from '@tributary/common';

/** −1: any one character; otherwise a byte. */
type Segment = Int32Array;

export interface LikePattern {
  readonly segments: readonly Segment[];
  /** The pattern has no `%`: the one segment must match the whole text. */
  readonly exact: boolean;
}

const ANY_CHAR = -1;
const encoder = new TextEncoder();

export function compileLike(pattern: string, escape: string): LikePattern {
  checkLikePattern(pattern, escape);
  const segments: number[][] = [[]];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === escape) {
      const next = chars[i + 1];
      segments[segments.length - 1].push(...encoder.encode(next)); // checked: `_`, `%` or the escape
      i++;
      continue;
    }
    if (c === '%') segments.push([]);
    else if (c === '_') segments[segments.length - 1].push(ANY_CHAR);
    else segments[segments.length - 1].push(...encoder.encode(c));
  }
  return { segments: segments.map((s) => Int32Array.from(s)), exact: segments.length === 1 };
}

/** The end offset when `seg` matches text[pos…] within [pos, end), else −1. */
function matchAt(seg: Segment, d: Uint8Array, pos: number, end: number): number {
  let k = pos;
  for (let j = 0; j < seg.length; j++) {
    if (k >= end) return -1;
    const p = seg[j];
    if (p === ANY_CHAR) {
      k++;
      while (k < end && (d[k] & 0xc0) === 0x80) k++;
    } else if (d[k++] !== p) return -1;
  }
  return k;
}

export function likeMatches(pat: LikePattern, d: Uint8Array, start: number, end: number): boolean {
  const segs = pat.segments;
  const first = matchAt(segs[0], d, start, end);
  if (first < 0) return false;
  if (pat.exact) return first === end;
  let pos = first;
  for (let k = 1; k < segs.length - 1; k++) {
    let at = pos;
    let found = -1;
    while (at <= end) {
      found = matchAt(segs[k], d, at, end);
      if (found >= 0) break;
      at++;
      while (at < end && (d[at] & 0xc0) === 0x80) at++;
    }
    if (found < 0) return false;
    pos = found;
  }
  // The last segment must end exactly at `end`, starting at a character boundary ≥ pos.
  const last = segs[segs.length - 1];
  for (let at = pos; at <= end; ) {
    if (matchAt(last, d, at, end) === end) return true;
    at++;
    while (at < end && (d[at] & 0xc0) === 0x80) at++;
  }
  return false;
}
