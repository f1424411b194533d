import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TributaryError } from '../errors';
import { errnoCode, putIfAbsent, readIfExists } from '../fs/durable-file';
import { decodeVersioned, encodeVersioned } from './versioned-json';

/** Who holds a checkpoint location. `token` tells this holder from a later one with the same pid. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAtMs: number;
  readonly token: string;
  /** The driver lease's fencing token of the holder's driver, when it runs with a lease (docs/standby-driver.md). */
  readonly leaseToken?: number;
}

export const CHECKPOINT_IN_USE = 'CHECKPOINT_IN_USE';
export const LOCK_FILE = '.lock';
const TAKEOVER_FILE = '.lock.takeover';

/**
 * One running query per checkpoint location: `<checkpoint>/.lock` (format v1, a LockHolder).
 *
 * Acquire: create the file put-if-absent (its content is complete the moment the name exists).
 * If it exists, the holder is
 *   - on another host: refused (we cannot see its processes; delete the file if that host is gone);
 *   - alive on this host (`kill(pid, 0)` succeeds or says EPERM): refused;
 *   - dead on this host: stale. Take-over runs under `.lock.takeover` (itself put-if-absent), re-reads
 *     the lock, deletes it only if it still names the same dead holder (same token), then creates ours;
 *     so of several processes taking over at once exactly one wins, and the others see a live holder.
 * A recycled pid makes a stale lock look live: refused on the safe side, the error names the file.
 * A driver that holds the cluster's driver lease passes its fencing token: a holder with a smaller
 * token belongs to a deposed leader (alive or not, on any host) and is taken over the same way.
 * The lock guards against two drivers by mistake; fencing of writes is the attempt numbers' job.
 */
export class LocationLock {
  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  static async acquire(location: string, nowMs = Date.now(), leaseToken?: number): Promise<LocationLock> {
    await fs.mkdir(location, { recursive: true });
    const file = path.join(location, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: os.hostname(), startedAtMs: nowMs, token: randomUUID(), ...(leaseToken === undefined ? {} : { leaseToken }) };
    for (let round = 0; round < 20; round++) {
      if (await putIfAbsent(file, encodeVersioned(1, holder))) return new LocationLock(file, holder);
      const current = await readHolder(file);
      if (current === undefined) continue; // released meanwhile
      const deposed = leaseToken !== undefined && typeof current.leaseToken === 'number' && current.leaseToken < leaseToken;
      if (!deposed && (current.host !== holder.host || isAlive(current.pid))) throw inUse(location, file, current);
      if (await takeOverStale(location, file, current, holder)) return new LocationLock(file, holder);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
    throw new TributaryError(`could not lock checkpoint location ${location}: the lock keeps changing hands`, {
      code: CHECKPOINT_IN_USE,
    });
  }

  /** Deletes the lock file if it is still ours. */
  async release(): Promise<void> {
    const current = await readHolder(this.file).catch(() => undefined);
    if (current?.token === this.holder.token) await fs.unlink(this.file).catch(() => undefined);
  }
}

/** True if the lock was replaced by `ours`; false if someone else moved first (the caller looks again). */
async function takeOverStale(location: string, file: string, stale: LockHolder, ours: LockHolder): Promise<boolean> {
  const guard = path.join(location, TAKEOVER_FILE);
  if (!(await putIfAbsent(guard, encodeVersioned(1, ours)))) {
    const guardHolder = await readHolder(guard).catch(() => undefined);
    // A take-over whose process died mid-way leaves the guard behind; it is stale the same way.
    if (guardHolder !== undefined && guardHolder.host === ours.host && !isAlive(guardHolder.pid)) {
      await unlinkIfHeldBy(guard, guardHolder.token);
    }
    return false;
  }
  try {
    if (!(await unlinkIfHeldBy(file, stale.token))) return false;
    return await putIfAbsent(file, encodeVersioned(1, ours));
  } finally {
    await fs.unlink(guard).catch(() => undefined);
  }
}

async function unlinkIfHeldBy(file: string, token: string): Promise<boolean> {
  const current = await readHolder(file).catch(() => undefined);
  if (current?.token !== token) return false;
  try {
    await fs.unlink(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  const { value } = decodeVersioned(text, 1, file);
  const h = value as Partial<LockHolder> | null;
  if (h === null || typeof h !== 'object' || !Number.isSafeInteger(h.pid) || typeof h.host !== 'string' || typeof h.token !== 'string') {
    throw new TributaryError(`lock file ${file} is corrupt; delete it if no query uses this checkpoint`, {
      code: 'CHECKPOINT_CORRUPT',
    });
  }
  return h as LockHolder;
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours). */
function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

function inUse(location: string, file: string, holder: LockHolder): TributaryError {
  const since = new Date(holder.startedAtMs).toISOString();
  return new TributaryError(
    `checkpoint location ${location} is already used by a running query (pid ${holder.pid} on host ${holder.host}, ` +
      `since ${since}); stop it first, or delete ${file} if that process is gone`,
    { code: CHECKPOINT_IN_USE },
  );
}
