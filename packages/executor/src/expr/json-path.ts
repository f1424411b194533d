/**
 * get_json_object(json, path) (Spark's GetJsonObject in jsonExpressions.scala) over the UTF-8
 * bytes: the path (parsed once) is followed through the document without building objects.
 * Result: a string value unescaped; true or false as text; an object or array as compact JSON
 * (Spark re-generates it with Jackson's copyCurrentStructure); numbers as Jackson writes them back:
 * integers canonical, other numbers as the double's Java text (12.50 → 12.5, 1e3 → 1000.0); null
 * for a JSON null, a missing key or index, a malformed document or an invalid path.
 * Limits: no `*` wildcards.
 */
import { parseJsonPath, type BytesVector, type JsonPathStep, type SqlType } from '@tributary/common';
import { andValidity, BytesBuilder, type Operand } from './vectors';
import { javaDoubleText } from './cast-to-bytes';

const encoder = new TextEncoder();

function skipWs(d: Uint8Array, p: number, end: number): number {
  while (p < end && (d[p] === 0x20 || d[p] === 0x0a || d[p] === 0x0d || d[p] === 0x09)) p++;
  return p;
}

/** End of the string starting at the quote at p, or −1. */
function skipString(d: Uint8Array, p: number, end: number): number {
  for (let k = p + 1; k < end; k++) {
    if (d[k] === 0x5c) k++;
    else if (d[k] === 0x22) return k + 1;
  }
  return -1;
}

/** End of the JSON value at p (after whitespace), or −1. */
function skipValue(d: Uint8Array, p: number, end: number): number {
  p = skipWs(d, p, end);
  if (p >= end) return -1;
  const c = d[p];
  if (c === 0x22) return skipString(d, p, end);
  if (c === 0x7b || c === 0x5b) {
    const close = c === 0x7b ? 0x7d : 0x5d;
    let k = skipWs(d, p + 1, end);
    if (d[k] === close) return k + 1;
    for (;;) {
      if (c === 0x7b) {
        if (d[k] !== 0x22) return -1;
        k = skipString(d, k, end);
        if (k < 0) return -1;
        k = skipWs(d, k, end);
        if (d[k] !== 0x3a) return -1;
        k++;
      }
      k = skipValue(d, k, end);
      if (k < 0) return -1;
      k = skipWs(d, k, end);
      if (d[k] === 0x2c) { k = skipWs(d, k + 1, end); continue; }
      return d[k] === close ? k + 1 : -1;
    }
  }
  let k = p;
  while (k < end && /[-+0-9.eEtruefalsn]/.test(String.fromCharCode(d[k]))) k++;
  const word = Buffer.from(d.subarray(p, k)).toString('latin1');
  if (word === 'true' || word === 'false' || word === 'null' || /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(word)) return k;
  return -1;
}

function bytesEqual(d: Uint8Array, s: number, e: number, key: Uint8Array): boolean {
  if (e - s !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (d[s + k] !== key[k]) return false;
  return true;
}

/** [start, end) of the value the path leads to, or null. */
function follow(d: Uint8Array, start: number, end: number, steps: readonly JsonPathStep[], keys: readonly (Uint8Array | null)[]): [number, number] | null {
  let p = skipWs(d, start, end);
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s];
    if (step.kind === 'key') {
      if (d[p] !== 0x7b) return null;
      let k = skipWs(d, p + 1, end);
      let found = -1;
      while (d[k] === 0x22) {
        const keyEnd = skipString(d, k, end);
        if (keyEnd < 0) return null;
        const raw = d.subarray(k + 1, keyEnd - 1);
        const matches = raw.includes(0x5c)
          ? JSON.parse(Buffer.from(d.subarray(k, keyEnd)).toString('utf8')) === step.name
          : bytesEqual(d, k + 1, keyEnd - 1, keys[s]!);
        k = skipWs(d, keyEnd, end);
        if (d[k] !== 0x3a) return null;
        const valueStart = skipWs(d, k + 1, end);
        if (matches) { found = valueStart; break; }
        k = skipValue(d, valueStart, end);
        if (k < 0) return null;
        k = skipWs(d, k, end);
        if (d[k] === 0x2c) k = skipWs(d, k + 1, end);
      }
      if (found < 0) return null;
      p = found;
    } else {
      if (d[p] !== 0x5b) return null;
      let k = skipWs(d, p + 1, end);
      for (let idx = 0; idx < step.index; idx++) {
        k = skipValue(d, k, end);
        if (k < 0) return null;
        k = skipWs(d, k, end);
        if (d[k] !== 0x2c) return null;
        k = skipWs(d, k + 1, end);
      }
      if (d[k] === 0x5d) return null;
      p = k;
    }
  }
  const valueEnd = skipValue(d, p, end);
  return valueEnd < 0 ? null : [p, valueEnd];
}

/** Appends the value's text: strings unescaped, containers without insignificant whitespace. */
function appendValue(b: BytesBuilder, d: Uint8Array, s: number, e: number): boolean {
  const c = d[s];
  if (c === 0x22) {
    const raw = d.subarray(s + 1, e - 1);
    if (raw.includes(0x5c)) b.appendString(JSON.parse(Buffer.from(d.subarray(s, e)).toString('utf8')) as string);
    else b.appendBytes(d, s + 1, e - 1);
    return true;
  }
  if (c === 0x6e) return false; // null
  for (let k = s; k < e; k++) {
    const x = d[k];
    if (x === 0x22) {
      const end = skipString(d, k, e);
      for (let j = k; j < end; j++) b.pushByte(d[j]);
      k = end - 1;
    } else if (x === 0x2d || (x >= 0x30 && x <= 0x39)) {
      let end = k + 1;
      while (end < e && isNumberByte(d[end])) end++;
      pushText(b, numberText(Buffer.from(d.subarray(k, end)).toString('latin1')));
      k = end - 1;
    } else if (x !== 0x20 && x !== 0x0a && x !== 0x0d && x !== 0x09) b.pushByte(x);
  }
  b.endRow();
  return true;
}

function isNumberByte(x: number): boolean {
  return (x >= 0x30 && x <= 0x39) || x === 0x2e || x === 0x65 || x === 0x45 || x === 0x2b || x === 0x2d;
}

/** A JSON number as Jackson's generator writes it back: integers canonical, others as a double. */
function numberText(t: string): string {
  return /^-?\d+$/.test(t) ? BigInt(t).toString() : javaDoubleText(Number(t));
}

function pushText(b: BytesBuilder, t: string): void {
  for (let i = 0; i < t.length; i++) b.pushByte(t.charCodeAt(i));
}

export function getJsonObject(json: Operand, path: string | null, n: number): BytesVector {
  const steps = path === null ? null : parseJsonPath(path);
  const v = json.v as BytesVector;
  const validity = andValidity([json], n);
  const b = new BytesBuilder(n);
  const keys = steps?.map((s) => (s.kind === 'key' ? encoder.encode(s.name) : null)) ?? [];
  for (let i = 0; i < n; i++) {
    if (steps === null || (validity !== null && validity[i] === 0)) { b.appendNull(); continue; }
    const r = i & json.m;
    const span = follow(v.data, v.offsets[r], v.offsets[r + 1], steps, keys);
    if (span === null || !appendValue(b, v.data, span[0], span[1])) b.appendNull();
  }
  return b.finish({ kind: 'string' } as SqlType);
}
