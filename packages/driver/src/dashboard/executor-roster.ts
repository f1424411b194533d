/**
 * The executors the dashboard lists: the registry's live ones, and the ones it declared lost (kept
 * here, newest first, until the same id registers again or more than MAX_LOST were lost since).
 */
import { ExecutorInfo, ExecutorRegistry } from '../scheduler/executor-registry';

const MAX_LOST = 20;

export interface ExecutorRow {
  id: string;
  address: string;
  pid: number;
  state: 'live' | 'lost';
  /** ms since its last heartbeat (for a lost one: until it was declared lost). */
  heartbeatAgeMs: number;
  /** ms since the epoch when it was declared lost; null while live. */
  lostAtMs: number | null;
  rssBytes: number;
  cpuPercent: number;
  tasksRunning: number;
  tasksCompleted: number;
}

export class ExecutorRoster {
  private readonly lost: { info: ExecutorInfo; atMs: number }[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly registry: ExecutorRegistry, private readonly now: () => number = Date.now) {
    this.unsubscribe = registry.onChange((event, info) => {
      const i = this.lost.findIndex((l) => l.info.id === info.id);
      if (i >= 0) this.lost.splice(i, 1);
      if (event === 'lost') {
        this.lost.unshift({ info, atMs: this.now() });
        this.lost.length = Math.min(this.lost.length, MAX_LOST);
      }
    });
  }

  /** The registry's heartbeat timeout: a silent executor shows as lost at most this long (plus a check interval) after its last heartbeat. */
  get heartbeatTimeoutMs(): number {
    return this.registry.timeoutMs;
  }

  rows(): ExecutorRow[] {
    const t = this.now();
    const row = (e: ExecutorInfo, lostAtMs: number | null): ExecutorRow => ({
      id: e.id, address: e.address, pid: e.pid, state: lostAtMs === null ? 'live' : 'lost',
      heartbeatAgeMs: (lostAtMs ?? t) - e.lastHeartbeatMs, lostAtMs,
      rssBytes: e.rssBytes, cpuPercent: e.load.cpuPercent, tasksRunning: lostAtMs === null ? e.load.tasksRunning : 0, tasksCompleted: e.load.tasksCompleted,
    });
    return [...this.registry.live().map((e) => row(e, null)), ...this.lost.map((l) => row(l.info, l.atMs))];
  }

  close(): void {
    this.unsubscribe();
  }
}
