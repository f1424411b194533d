import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Durable writes on a local (or POSIX-like shared) file system: the one implementation used by the
 * checkpoint logs, the Delta log and the state store.
 *
 * Put-if-absent. Protocol: write the bytes to a temp file in the same directory, fsync it, hard-link it to the
 * final name, fsync the directory, unlink the temp file. `link` fails with EEXIST when the final
 * name exists, so of any number of racing writers (threads, processes, hosts on a shared volume)
 * exactly one wins and readers only ever see complete files. Never rename into place: rename
 * silently replaces an existing file.
 *
 * Temp files are named `.<final>.<pid>.<random>.tmp`; a crash may leave one behind. Readers ignore
 * every name starting with '.', and `removeStaleTempFiles` deletes old ones.
 */
export async function putIfAbsent(file: string, contents: string | Uint8Array): Promise<boolean> {
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

/**
 * Replaces `file` with `contents` atomically: temp file in the same directory, fsync, rename, fsync
 * of the directory. Only for files meant to be replaced (e.g. Delta's `_last_checkpoint`) or that no
 * other writer shares (state files named by attempt); a file that must be written once uses
 * putIfAbsent.
 */
export async function replaceFile(file: string, contents: string | Uint8Array): Promise<void> {
  const temp = await writeTemp(file, contents);
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDirectory(path.dirname(file));
}

/** Writes and fsyncs `contents` to a new temp file beside `file`; returns the temp file's path. */
async function writeTemp(file: string, contents: string | Uint8Array): Promise<string> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx');
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
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** True for names `putIfAbsent` uses for its temp files (and other hidden names readers skip). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** Removes temp files in `dir` last modified before `olderThanMs` ago; returns how many. */
export async function removeStaleTempFiles(dir: string, olderThanMs: number, nowMs = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await fs.readdir(dir)) {
    if (!isTempName(name)) continue;
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat === undefined || nowMs - stat.mtimeMs < olderThanMs) continue;
    await fs.unlink(file).then(() => removed++, () => undefined);
  }
  return removed;
}

/** Reads a file as UTF-8, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
