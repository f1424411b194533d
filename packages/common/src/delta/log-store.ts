/**
 * The `_delta_log` directory of a table, in any Storage (storage/storage.ts).
 *
 * Commits are `_delta_log/%020d.json` and are never overwritten: a commit is `putIfAbsent`, so of
 * racing writers of one version exactly one wins and the others see `false` (never a replace, which
 * would lose commits under races).
 * Checkpoints: `%020d.checkpoint.parquet` (classic) and
 * `%020d.checkpoint.%010d.%010d.parquet` (multi-part: part, number of parts), written with `put`
 * (a checkpoint's content is determined by its version, so replacing one with another of the same
 * version is harmless). `_last_checkpoint` is the one file meant to be replaced: JSON
 * `{"version":v,"size":<actions>,"parts"?:n}`, written with `put`.
 * Which versions exist is learnt by listing `_delta_log`; a commit is then read by name, and a
 * version is only ever claimed by `putIfAbsent`, so a stale listing costs a retry, never a commit.
 * Version checksums: `%020d.crc` (version-checksum.ts), put-if-absent like commits (the protocol
 * forbids overwriting one), written after their commit.
 */
import { InvalidArgumentError, UnavailableError } from '../errors';
import { joinLocation, type Storage } from '../storage/storage';

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

export class LogStore {
  readonly logDir: string;

  constructor(
    readonly storage: Storage,
    readonly tablePath: string,
  ) {
    this.logDir = joinLocation(tablePath, LOG_DIR);
  }

  /** The location of `name` inside `_delta_log`. */
  location(name: string): string {
    return joinLocation(this.logDir, name);
  }

  /** Writes `content` as `version` if no commit of that version exists; false when it does. */
  async putIfAbsent(version: number, content: string): Promise<boolean> {
    const location = this.location(commitFileName(version));
    try {
      return await this.storage.putIfAbsent(location, content);
    } catch (err) {
      throw new UnavailableError(`cannot write Delta commit ${location}`, { cause: err });
    }
  }

  /** The commit's text, or undefined when that version has no commit file. */
  async readCommit(version: number): Promise<string | undefined> {
    return this.readText(commitFileName(version));
  }

  /** Writes `content` as the version checksum of `version` unless one exists; false when it does. */
  async putChecksum(version: number, content: string): Promise<boolean> {
    return this.storage.putIfAbsent(this.location(checksumFileName(version)), content);
  }

  /** The version checksum's text, or undefined when that version has none. */
  async readChecksum(version: number): Promise<string | undefined> {
    return this.readText(checksumFileName(version));
  }

  /** The bytes of `name`; throws when it does not exist. */
  async readFile(name: string): Promise<Uint8Array> {
    const bytes = await this.storage.get(this.location(name));
    if (bytes === undefined) throw new UnavailableError(`${this.location(name)} does not exist (any more)`);
    return bytes;
  }

  private async readText(name: string): Promise<string | undefined> {
    const bytes = await this.storage.get(this.location(name));
    return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** Every file name in `_delta_log` (hidden names left out), for housekeeping. */
  async names(): Promise<string[]> {
    return (await this.storage.list(this.logDir)).map((o) => o.name);
  }

  async list(): Promise<LogListing> {
    const names = await this.names();
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
    let text: string | undefined;
    try {
      text = await this.readText(LAST_CHECKPOINT);
    } catch {
      return undefined;
    }
    if (text === undefined) return undefined;
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

  /** Writes or replaces `name` in `_delta_log` (never a commit or a checksum). */
  async replaceFile(name: string, content: string | Uint8Array): Promise<void> {
    if (COMMIT_RE.test(name) || CHECKSUM_RE.test(name)) throw new InvalidArgumentError(`${name} must be written put-if-absent`);
    await this.storage.put(this.location(name), content);
  }

  /** Modification time (ms) of a commit file. */
  async commitModificationTime(version: number): Promise<number> {
    return this.modificationTime(commitFileName(version));
  }

  /** Modification time (ms) of `name`; throws when it does not exist. */
  async modificationTime(name: string): Promise<number> {
    const info = await this.storage.head(this.location(name));
    if (info === undefined) throw new UnavailableError(`${this.location(name)} does not exist (any more)`);
    return info.modifiedMs;
  }

  async deleteFile(name: string): Promise<void> {
    await this.storage.delete(this.location(name));
  }
}
