/**
 * The `_delta_log` directory of a table on a local (or POSIX-shared) file system.
 *
 * Commits are `_delta_log/%020d.json` and are never overwritten. A commit is put-if-absent: the
 * content goes to a hidden temp file in `_delta_log`, is fsynced, then hard-linked to the final
 * name; `link` fails with EEXIST when another writer holds that version. Renaming into place is
 * never used: rename replaces an existing file silently, which loses commits under races.
 * Checkpoints: `%020d.checkpoint.parquet` (classic) and
 * `%020d.checkpoint.%010d.%010d.parquet` (multi-part: part, number of parts), written to a temp file
 * and renamed into place (a checkpoint's content is determined by its version, so replacing one
 * with another of the same version is harmless). `_last_checkpoint` is the one file meant to be
 * replaced: JSON `{"version":v,"size":<actions>,"parts"?:n}`, written to a temp file and renamed.
 * Version checksums: `%020d.crc` (version-checksum.ts), put-if-absent like commits (the protocol
 * forbids overwriting one), written after their commit.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { putIfAbsent, readIfExists, replaceFile } from '../fs/durable-file';
import { InvalidArgumentError, UnavailableError } from '../errors';

export const LOG_DIR = '_delta_log';

export function commitFileName(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) throw new InvalidArgumentError(`bad Delta version ${version}`);
  return String(version).padStart(20, '0') + '.json';
}

export const LAST_CHECKPOINT = '_last_checkpoint';

export interface LastCheckpoint {
  version: number;
  /** Number of actions in the checkpoint. */
  size: number;
  /** Number of parts of a multi-part checkpoint. */
  parts?: number;
}

export function checkpointFileName(version: number): string {
  return commitFileName(version).replace(/\.json$/, '.checkpoint.parquet');
}

export function checksumFileName(version: number): string {
  return commitFileName(version).replace(/\.json$/, '.crc');
}

export interface CheckpointFiles {
  version: number;
  /** File names inside `_delta_log`, in part order. */
  files: string[];
}

export interface LogListing {
  /** Versions with a commit JSON file, ascending. */
  commits: number[];
  /** Complete checkpoints (every part present), ascending by version. */
  checkpoints: CheckpointFiles[];
  /** Versions with a version checksum file. */
  checksums: Set<number>;
}

const COMMIT_RE = /^(\d{20})\.json$/;
const CHECKSUM_RE = /^(\d{20})\.crc$/;
const CLASSIC_CP_RE = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI_CP_RE = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;

export class LocalLogStore {
  readonly logDir: string;

  constructor(readonly tablePath: string) {
    this.logDir = path.join(tablePath, LOG_DIR);
  }

  /** Writes `content` as `version` if no commit of that version exists; false when it does. */
  async putIfAbsent(version: number, content: string): Promise<boolean> {
    const finalPath = path.join(this.logDir, commitFileName(version));
    try {
      return await putIfAbsent(finalPath, content);
    } catch (err) {
      throw new UnavailableError(`cannot write Delta commit ${finalPath}`, { cause: err });
    }
  }

  /** The commit's text, or undefined when that version has no commit file. */
  async readCommit(version: number): Promise<string | undefined> {
    try {
      return await fs.readFile(path.join(this.logDir, commitFileName(version)), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Writes `content` as the version checksum of `version` unless one exists; false when it does. */
  async putChecksum(version: number, content: string): Promise<boolean> {
    return putIfAbsent(path.join(this.logDir, checksumFileName(version)), content);
  }

  /** The version checksum's text, or undefined when that version has none. */
  async readChecksum(version: number): Promise<string | undefined> {
    return readIfExists(path.join(this.logDir, checksumFileName(version)));
  }

  async readFile(name: string): Promise<Buffer> {
    return fs.readFile(path.join(this.logDir, name));
  }

  async exists(): Promise<boolean> {
    try {
      return (await fs.stat(this.logDir)).isDirectory();
    } catch {
      return false;
    }
  }

  async list(): Promise<LogListing> {
    let names: string[];
    try {
      names = await fs.readdir(this.logDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { commits: [], checkpoints: [], checksums: new Set() };
      throw err;
    }
    const commits: number[] = [];
    const checksums = new Set<number>();
    const classic = new Map<number, string>();
    const multi = new Map<string, { version: number; parts: number; files: (string | undefined)[] }>();
    for (const name of names) {
      let m = COMMIT_RE.exec(name);
      if (m) {
        commits.push(Number(m[1]));
        continue;
      }
      m = CHECKSUM_RE.exec(name);
      if (m) {
        checksums.add(Number(m[1]));
        continue;
      }
      m = CLASSIC_CP_RE.exec(name);
      if (m) {
        classic.set(Number(m[1]), name);
        continue;
      }
      m = MULTI_CP_RE.exec(name);
      if (m) {
        const version = Number(m[1]);
        const part = Number(m[2]);
        const parts = Number(m[3]);
        if (parts < 1 || parts > 100_000) continue;
        const key = `${version}/${parts}`;
        let entry = multi.get(key);
        if (!entry) multi.set(key, (entry = { version, parts, files: new Array(parts) }));
        if (part >= 1 && part <= parts) entry.files[part - 1] = name;
      }
    }
    commits.sort((a, b) => a - b);
    const checkpoints: CheckpointFiles[] = [...classic].map(([version, name]) => ({ version, files: [name] }));
    for (const entry of multi.values()) {
      // Array.prototype.every skips holes: count the parts present instead.
      if (entry.files.filter((f) => f !== undefined).length === entry.parts) checkpoints.push({ version: entry.version, files: entry.files as string[] });
    }
    checkpoints.sort((a, b) => a.version - b.version);
    return { commits, checkpoints, checksums };
  }

  /** `_last_checkpoint`, or undefined when absent or unreadable (readers then list the log). */
  async readLastCheckpoint(): Promise<LastCheckpoint | undefined> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.logDir, LAST_CHECKPOINT), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      if (!Number.isSafeInteger(json.version) || (json.version as number) < 0) return undefined;
      const parts = json.parts;
      return { version: json.version as number, size: Number(json.size ?? 0), ...(Number.isSafeInteger(parts) ? { parts: parts as number } : {}) };
    } catch {
      return undefined;
    }
  }

  async writeLastCheckpoint(last: LastCheckpoint): Promise<void> {
    await this.replaceFile(LAST_CHECKPOINT, JSON.stringify(last));
  }

  /** Writes `name` in `_delta_log` through a temp file and rename (never for commits). */
  async replaceFile(name: string, content: string | Uint8Array): Promise<void> {
    if (COMMIT_RE.test(name) || CHECKSUM_RE.test(name)) throw new InvalidArgumentError(`${name} must be written put-if-absent`);
    await replaceFile(path.join(this.logDir, name), content);
  }

  /** Modification time (ms) of a commit file. */
  async commitModificationTime(version: number): Promise<number> {
    return Math.floor((await fs.stat(path.join(this.logDir, commitFileName(version)))).mtimeMs);
  }

  async modificationTime(name: string): Promise<number> {
    return Math.floor((await fs.stat(path.join(this.logDir, name))).mtimeMs);
  }

  async deleteFile(name: string): Promise<void> {
    await fs.rm(path.join(this.logDir, name), { force: true });
  }

  async ensureLogDir(): Promise<void> {
    await fs.mkdir(this.logDir, { recursive: true });
  }
}
