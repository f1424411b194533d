/**
 * Test kit (not used by the engine): a Storage held in a Map, for unit tests of callers' logic on
 * any kind of location (e.g. `s3://bucket/prefix/…`) without a server. It meets the storage
 * contract (memory-storage.test.ts runs storageContract on it), records every call, and keeps
 * no directories: `list` derives them from the names below.
 */
import { noObject, type ListedObject, type ObjectInfo, type Storage } from './storage';

export class MemoryStorage implements Storage {
  readonly objects = new Map<string, { bytes: Uint8Array; modifiedMs: number }>();
  /** `<method> <location>` of every call, in order. */
  readonly calls: string[] = [];

  async putIfAbsent(location: string, contents: string | Uint8Array): Promise<boolean> {
    this.calls.push(`putIfAbsent ${location}`);
    await Promise.resolve(); // let racing callers interleave, as a real store would
    if (this.objects.has(location)) return false;
    this.objects.set(location, { bytes: bytesOf(contents), modifiedMs: Date.now() });
    return true;
  }

  async put(location: string, contents: string | Uint8Array): Promise<void> {
    this.calls.push(`put ${location}`);
    await Promise.resolve();
    this.objects.set(location, { bytes: bytesOf(contents), modifiedMs: Date.now() });
  }

  async get(location: string): Promise<Uint8Array | undefined> {
    this.calls.push(`get ${location}`);
    const o = this.objects.get(location);
    return o === undefined ? undefined : o.bytes.slice();
  }

  async getRange(location: string, start: number, end: number): Promise<Uint8Array> {
    this.calls.push(`getRange ${location}`);
    const o = this.objects.get(location);
    if (o === undefined) throw noObject(location);
    const from = Math.min(Math.max(0, start), o.bytes.length);
    return o.bytes.slice(from, Math.min(Math.max(from, end), o.bytes.length));
  }

  async head(location: string): Promise<ObjectInfo | undefined> {
    this.calls.push(`head ${location}`);
    const o = this.objects.get(location);
    return o === undefined ? undefined : { size: o.bytes.length, modifiedMs: o.modifiedMs };
  }

  async list(dir: string, options: { recursive?: boolean } = {}): Promise<ListedObject[]> {
    this.calls.push(`list ${dir}`);
    const prefix = dir.replace(/\/+$/, '') + '/';
    const out: ListedObject[] = [];
    for (const [location, o] of this.objects) {
      if (!location.startsWith(prefix)) continue;
      const name = location.slice(prefix.length);
      if (name.split('/').some((s) => s.startsWith('.'))) continue;
      if (!options.recursive && name.includes('/')) continue;
      out.push({ name, size: o.bytes.length, modifiedMs: o.modifiedMs });
    }
    return out;
  }

  async delete(location: string): Promise<void> {
    this.calls.push(`delete ${location}`);
    this.objects.delete(location);
  }
}

function bytesOf(contents: string | Uint8Array): Uint8Array {
  return typeof contents === 'string' ? new Uint8Array(Buffer.from(contents, 'utf8')) : contents.slice();
}
