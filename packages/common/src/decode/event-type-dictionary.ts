/**
 * Dictionary of event_type strings, keyed by their UTF-8 bytes so that a known value costs a hash
 * and a byte compare, never a string allocation. Codes are dense (0, 1, 2, …) in first-seen order
 * and stable until `clear()`. Open addressing with linear probing over an Int32Array of codes.
 */
export class EventTypeDictionary {
  private readonly strings: string[] = [];
  private slots = new Int32Array(64).fill(-1);
  private hashes = new Int32Array(16);
  private starts = new Int32Array(16);
  private lengths = new Int32Array(16);
  private arena = new Uint8Array(1024);
  private arenaUsed = 0;

  get size(): number {
    return this.strings.length;
  }

  values(): readonly string[] {
    return this.strings;
  }

  clear(): void {
    this.strings.length = 0;
    this.slots.fill(-1);
    this.arenaUsed = 0;
  }

  /** Code of the string whose UTF-8 bytes are b[start..end) (valid UTF-8), adding it if new. */
  codeOfBytes(b: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5; // FNV-1a, 32 bit
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const mask = this.slots.length - 1;
    const len = end - start;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const code = this.slots[s];
      if (code === -1) return this.add(s, h, b, start, end);
      if (this.hashes[code] === h && this.lengths[code] === len && this.sameBytes(code, b, start, len)) return code;
    }
  }

  /** Code of a JS string (the slow path for strings written with escapes). */
  codeOfString(s: string): number {
    const bytes = Buffer.from(s, 'utf8');
    return this.codeOfBytes(bytes, 0, bytes.length);
  }

  private sameBytes(code: number, b: Uint8Array, start: number, len: number): boolean {
    const a = this.arena;
    const o = this.starts[code];
    for (let i = 0; i < len; i++) if (a[o + i] !== b[start + i]) return false;
    return true;
  }

  private add(slot: number, h: number, b: Uint8Array, start: number, end: number): number {
    const code = this.strings.length;
    const len = end - start;
    if (code === this.hashes.length) {
      this.hashes = grow(this.hashes, code * 2);
      this.starts = grow(this.starts, code * 2);
      this.lengths = grow(this.lengths, code * 2);
    }
    if (this.arenaUsed + len > this.arena.length) {
      const next = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
    }
    this.arena.set(b.subarray(start, end), this.arenaUsed);
    this.starts[code] = this.arenaUsed;
    this.lengths[code] = len;
    this.hashes[code] = h;
    this.arenaUsed += len;
    this.strings.push(Buffer.from(b.buffer, b.byteOffset + start, len).toString('utf8'));
    this.slots[slot] = code;
    if ((code + 1) * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let code = 0; code < this.strings.length; code++) {
      let s = this.hashes[code] & mask;
      while (slots[s] !== -1) s = (s + 1) & mask;
      slots[s] = code;
    }
    this.slots = slots;
  }
}

function grow(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(n);
  next.set(a);
  return next;
}
