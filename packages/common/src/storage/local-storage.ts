import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { noObject, type ListedObject, type ObjectInfo, type Storage } from './storage';

/**
 * Storage on a local (or POSIX-like shared) file system. Locations are absolute paths.
 *
 * Put-if-absent: write the bytes to a temp file in the same directory, fsync it, hard-link it to the
 * final name, fsync the directory, unlink the temp file. `link` fails with EEXIST when the final
 * name exists, so of any number of racing writers (threads, processes, hosts on a shared volume)
 * exactly one wins and readers only ever see complete files. Never rename into place for these:
 * rename silently replaces an existing file.
 *
 * Put: temp file in the same directory, fsync, rename over the final name, fsync of the directory
 * (a reader sees the old file or the new one).
 *
 * Parent directories are created on demand. Temp files are named `.<final>.<pid>.<random>.tmp`; a
 * crash may leave one behind. `list` leaves out every name starting with '.', and
 * `removeStaleTempFiles` (housekeeping only this implementation needs) deletes old ones.
 *
 * Objects are regular files: `head` and `list` report nothing for directories, symbolic links or
 * other special files (`lstat`, so a link inside a table never passes for a file of it).
 */
export class LocalStorage implements Storage, TempFileSweeper {
  async putIfAbsent(location: string, contents: string | Uint8Array): Promise<boolean> {
    const file = localPath(location);
    const temp = await writeTemp(file, contents);
    try {
      await fs.link(temp, file);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.unlink(temp).catch(() => undefined);
    }
    await fsyncDirectory(path.dirname(file));
    return true;
  }

  async put(location: string, contents: string | Uint8Array): Promise<void> {
    const file = localPath(location);
    const temp = await writeTemp(file, contents);
    try {
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
    await fsyncDirectory(path.dirname(file));
  }

  async get(location: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(localPath(location));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async getRange(location: string, start: number, end: number): Promise<Uint8Array> {
    const handle = await fs.open(localPath(location), 'r').catch((err: unknown) => {
      throw errnoCode(err) === 'ENOENT' ? noObject(location) : err;
    });
    try {
      const { size } = await handle.stat();
      const from = Math.min(Math.max(0, start), size);
      const to = Math.min(Math.max(from, end), size);
      const out = Buffer.alloc(to - from);
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await handle.read(out, done, out.length - done, from + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return out.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  async head(location: string): Promise<ObjectInfo | undefined> {
    let stat;
    try {
      stat = await fs.lstat(localPath(location));
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
    return stat.isFile() ? { size: stat.size, modifiedMs: Math.floor(stat.mtimeMs) } : undefined;
  }

  async list(dir: string, options: { recursive?: boolean } = {}): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    await this.listInto(localPath(dir), '', options.recursive === true, out);
    return out;
  }

  private async listInto(dir: string, prefix: string, recursive: boolean, out: ListedObject[]): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    const files: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) {
        if (recursive) await this.listInto(path.join(dir, e.name), `${prefix}${e.name}/`, true, out);
      } else if (e.isFile()) {
        files.push(e.name);
      }
    }
    // Sizes and times, stat'ed side by side; a file removed meanwhile is left out.
    const stats = await Promise.all(files.map((name) => fs.lstat(path.join(dir, name)).catch(() => undefined)));
    files.forEach((name, i) => {
      const stat = stats[i];
      if (stat?.isFile()) out.push({ name: `${prefix}${name}`, size: stat.size, modifiedMs: Math.floor(stat.mtimeMs) });
    });
  }

  async delete(location: string): Promise<void> {
    try {
      await fs.unlink(localPath(location));
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
  }

  /** Removes temp files directly in `dir` last modified before `olderThanMs` ago; returns how many. */
  async removeStaleTempFiles(dir: string, olderThanMs: number, nowMs = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(localPath(dir));
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      if (!isTempName(name)) continue;
      const file = path.join(localPath(dir), name);
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat === undefined || nowMs - stat.mtimeMs < olderThanMs) continue;
      await fs.unlink(file).then(() => removed++, () => undefined);
    }
    return removed;
  }
}

/**
 * Housekeeping of storages that can leave temp files behind (LocalStorage, and a router in front
 * of one). Object stores write whole objects and have none.
 */
export interface TempFileSweeper {
  removeStaleTempFiles(dir: string, olderThanMs: number, nowMs?: number): Promise<number>;
}

/** Removes stale temp files directly in `dir` when `storage` keeps any; 0 for the others. */
export function sweepStaleTempFiles(storage: Storage, dir: string, olderThanMs: number, nowMs = Date.now()): Promise<number> {
  const sweeper = storage as Partial<TempFileSweeper>;
  return typeof sweeper.removeStaleTempFiles === 'function' ? sweeper.removeStaleTempFiles(dir, olderThanMs, nowMs) : Promise.resolve(0);
}

/** True for names the temp files of `putIfAbsent` and `put` have. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

function localPath(location: string): string {
  if (!path.isAbsolute(location)) throw new Error(`local storage needs an absolute path, got '${location}'`);
  return location;
}

/** Writes and fsyncs `contents` to a new temp file beside `file` (parents created); returns its path. */
async function writeTemp(file: string, contents: string | Uint8Array): Promise<string> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await fs.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o666);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    await fs.mkdir(dir, { recursive: true });
    handle = await fs.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o666);
  }
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await handle.close();
  return temp;
}

/** Makes created, linked or removed names in `dir` durable (Linux needs an fsync of the directory). */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
