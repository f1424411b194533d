/**
 * The executors the driver knows, and their liveness. An executor registers with its address, then
 * heartbeats from a timer of its own (never from the busy path). One that has not heartbeated for
 * `timeoutMs` is declared lost: listeners hear of it at once, so a running batch attempt is
 * cancelled without waiting for its tasks' deadlines. A lost executor that heartbeats again is told
 * to re-register; it is used from the next attempt on.
 *
 * An id is held by one registration at a time: registering an id that is live at another address
 * is refused (ALREADY_EXISTS) until the holder is declared lost; each registration gets a fresh
 * incarnation token, and only heartbeats carrying it keep the registration alive. So a second
 * process cannot take over a live executor's id, and the real one's heartbeats never keep an
 * impostor registered. Re-registering at the same address (a restart on a fixed port) replaces it.
 *
 * Liveness is not progress: an executor can heartbeat while one of its tasks is stuck. Every task
 * call of an attempt therefore has a deadline (`taskDeadlineMs`, default 30 s); past it the attempt
 * fails as retriable and runs again, even though the executor still heartbeats.
 */
import { randomUUID } from 'node:crypto';
import { RpcClient, TlsIdentity, TributaryError } from '@tributary/common';
import { DEFAULT_MAX_ATTEMPTS_PER_BATCH } from './attempt-cap';

export interface ExecutorInfo {
  id: string;
  address: string;
  pid: number;
  /** Token of this registration; heartbeats must carry it. */
  incarnation: string;
  registeredAtMs: number;
  lastHeartbeatMs: number;
  rssBytes: number;
  /** The load its latest heartbeat reported (HeartbeatRequest fields 4–6; zeros until one does). */
  load: ExecutorLoad;
  tasks: RpcClient;
  shuffle: RpcClient;
}

export interface ExecutorLoad {
  /** Process CPU over wall time since the previous heartbeat, 100 = one core. */
  cpuPercent: number;
  tasksRunning: number;
  tasksCompleted: number;
}

export interface RegistryOptions {
  /** How often executors heartbeat (told to them when they register). Default 500 ms. */
  heartbeatIntervalMs?: number;
  /** An executor silent this long is lost. Default 3 s. */
  heartbeatTimeoutMs?: number;
  /** Deadline of each task call of an attempt. Default 30 s. */
  taskDeadlineMs?: number;
  /** Attempts a batch gets before its query fails (attempt-cap.ts). Default 8. */
  maxAttemptsPerBatch?: number;
  /** The driver's TLS identity for its calls to executors (plaintext without). */
  tls?: TlsIdentity;
  now?: () => number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 500;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3_000;
export const DEFAULT_TASK_DEADLINE_MS = 30_000;

export type MembershipListener = (event: 'added' | 'lost', executor: ExecutorInfo) => void;

export class ExecutorRegistry {
  private readonly executors = new Map<string, ExecutorInfo>();
  private readonly listeners = new Set<MembershipListener>();
  private readonly timer: NodeJS.Timeout;
  readonly heartbeatIntervalMs: number;
  readonly timeoutMs: number;
  readonly taskDeadlineMs: number;
  readonly maxAttemptsPerBatch: number;
  private readonly now: () => number;
  private readonly tls: TlsIdentity | undefined;

  constructor(opts: RegistryOptions = {}) {
    this.tls = opts.tls;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.timeoutMs = opts.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.taskDeadlineMs = opts.taskDeadlineMs ?? DEFAULT_TASK_DEADLINE_MS;
    this.maxAttemptsPerBatch = opts.maxAttemptsPerBatch ?? DEFAULT_MAX_ATTEMPTS_PER_BATCH;
    this.now = opts.now ?? Date.now;
    const heartbeatIntervalMs = this.heartbeatIntervalMs;
    this.timer = setInterval(() => this.expire(), Math.max(50, Math.floor(heartbeatIntervalMs / 2)));
    this.timer.unref();
  }

  /** Returns the registration's incarnation token; throws ALREADY_EXISTS when `id` is live elsewhere. */
  register(id: string, address: string, pid: number): string {
    const old = this.executors.get(id);
    if (old && old.address !== address) {
      throw new TributaryError(
        `executor id ${id} is already live at ${old.address} (pid ${old.pid}); it can be registered again once that executor is declared lost (${this.timeoutMs} ms without heartbeats)`,
        { code: 'ALREADY_EXISTS' },
      );
    }
    if (old) this.drop(old, false);
    const t = this.now();
    const info: ExecutorInfo = {
      id, address, pid, incarnation: randomUUID(), registeredAtMs: t, lastHeartbeatMs: t, rssBytes: 0, load: { cpuPercent: 0, tasksRunning: 0, tasksCompleted: 0 },
      tasks: new RpcClient('TaskService', address, { tls: this.tls }),
      shuffle: new RpcClient('ShuffleService', address, { tls: this.tls }),
    };
    this.executors.set(id, info);
    this.emit('added', info);
    return info.incarnation;
  }

  /** Returns false when the executor or this incarnation of it is unknown (it must re-register). */
  heartbeat(id: string, incarnation: string, rssBytes: number, load?: ExecutorLoad): boolean {
    const info = this.executors.get(id);
    if (!info || info.incarnation !== incarnation) return false;
    info.lastHeartbeatMs = this.now();
    info.rssBytes = rssBytes;
    if (load) info.load = load;
    return true;
  }

  /** Live executors, ordered by id so that placement is deterministic for a given membership. */
  live(): ExecutorInfo[] {
    return [...this.executors.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  isLive(id: string): boolean {
    return this.executors.has(id);
  }

  onChange(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits until at least `n` executors are live, or rejects after `timeoutMs`. */
  async waitFor(n: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (this.executors.size < n) {
      if (signal?.aborted) throw new Error('stopped');
      if (this.now() > deadline) throw new Error(`only ${this.executors.size} of ${n} executors registered after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Marks an executor lost at once (e.g. its task call failed with UNAVAILABLE). */
  markLost(id: string): void {
    const info = this.executors.get(id);
    if (info) this.drop(info, true);
  }

  close(): void {
    clearInterval(this.timer);
    for (const info of this.executors.values()) { info.tasks.close(); info.shuffle.close(); }
    this.executors.clear();
  }

  private expire(): void {
    const t = this.now();
    for (const info of [...this.executors.values()]) {
      if (t - info.lastHeartbeatMs > this.timeoutMs) this.drop(info, true);
    }
  }

  private drop(info: ExecutorInfo, notify: boolean): void {
    this.executors.delete(info.id);
    info.tasks.close();
    info.shuffle.close();
    if (notify) this.emit('lost', info);
  }

  private emit(event: 'added' | 'lost', info: ExecutorInfo): void {
    for (const l of this.listeners) l(event, info);
  }
}
