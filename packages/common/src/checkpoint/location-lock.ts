import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { TributaryError } from '../errors';
import { joinLocation, type Storage } from '../storage/storage';
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
    private readonly storage: Storage,
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  static async acquire(storage: Storage, location: string, nowMs = Date.now(), leaseToken?: number): Promise<LocationLock> {
    const file = joinLocation(location, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: os.hostname(), startedAtMs: nowMs, token: randomUUID(), ...(leaseToken === undefined ? {} : { leaseToken }) };
    for (let round = 0; round < 20; round++) {
      if (await storage.putIfAbsent(file, encodeVersioned(1, holder))) return new LocationLock(storage, file, holder);
      const current = await readHolder(storage, file);
      if (current === undefined) continue; // released meanwhile
      const deposed = leaseToken !== undefined && typeof current.leaseToken === 'number' && current.leaseToken < leaseToken;
      if (!deposed && (current.host !== holder.host || isAlive(current.pid))) throw inUse(location, file, current);
      if (await takeOverStale(storage, location, file, current, holder)) return new LocationLock(storage, file, holder);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
    throw new TributaryError(`could not lock checkpoint location ${location}: the lock keeps changing hands`, {
      code: CHECKPOINT_IN_USE,
    });
  }

  /** Deletes the lock file if it is still ours. */
  async release(): Promise<void> {
    const current = await readHolder(this.storage, this.file).catch(() => undefined);
    if (current?.token === this.holder.token) await this.storage.delete(this.file).catch(() => undefined);
  }
}

/** True if the lock was replaced by `ours`; false if someone else moved first (the caller looks again). */
async function takeOverStale(storage: Storage, location: string, file: string, stale: LockHolder, ours: LockHolder): Promise<boolean> {
  const guard = joinLocation(location, TAKEOVER_FILE);
  if (!(await storage.putIfAbsent(guard, encodeVersioned(1, ours)))) {
    const guardHolder = await readHolder(storage, guard).catch(() => undefined);
    // A take-over whose process died mid-way leaves the guard behind; it is stale the same way.
    if (guardHolder !== undefined && guardHolder.host === ours.host && !isAlive(guardHolder.pid)) {
      await unlinkIfHeldBy(storage, guard, guardHolder.token);
    }
    return false;
  }
  try {
    if (!(await unlinkIfHeldBy(storage, file, stale.token))) return false;
    return await storage.putIfAbsent(file, encodeVersioned(1, ours));
  } finally {
    await storage.delete(guard).catch(() => undefined);
  }
}

/** Deletes `file` if it names the holder `token`; true when it did (a racing deleter may have been first). */
async function unlinkIfHeldBy(storage: Storage, file: string, token: string): Promise<boolean> {
  const current = await readHolder(storage, file).catch(() => undefined);
  if (current?.token !== token) return false;
  await storage.delete(file);
  return true;
}

async function readHolder(storage: Storage, file: string): Promise<LockHolder | undefined> {
  const bytes = await storage.get(file);
  if (bytes === undefined) return undefined;
  const text = Buffer.from(bytes).toString('utf8');
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

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
