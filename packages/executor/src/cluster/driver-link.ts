/**
 * The executor's membership with the driver: register once (retrying until the driver answers),
 * then heartbeat from a timer of its own — never from task work — so a busy executor still
 * heartbeats with the incarnation token the registration returned. When the driver does not know
 * us or this incarnation (it restarted, or declared us lost), register again. A registration
 * refused because the id is still live elsewhere (ALREADY_EXISTS) is retried like any other.
 *
 * Standby drivers (docs/standby-driver.md): `driverAddress` may list every driver of the cluster
 * ("a,b"). Only the leader accepts registrations and heartbeats; a standby refuses them (NOT_LEADER,
 * naming the leader when it knows it). A registration that fails moves on to the named leader or
 * the next address; heartbeats that fail twice in a row (the leader died or froze) or are refused
 * as NOT_LEADER (it was deposed) move on too, and the executor registers with whichever driver leads.
 * A registration refused by the driver's access rules (UNAUTHENTICATED, PERMISSION_DENIED: this
 * certificate may not register as an executor) is final: start() rejects naming the status.
 */
import { LeaderAddresses, RpcClient, TlsIdentity, TributaryError, isLeaderMiss } from '@tributary/common';
import type { ExecutorLoad } from './load-gauge';

/** Consecutive failed heartbeats after which the executor looks for the leader at the other addresses. */
const HEARTBEAT_FAILURES_BEFORE_MOVING = 2;

/** Statuses that no retry can change: the driver does not accept this process as an executor. */
const FINAL_REFUSALS = new Set(['UNAUTHENTICATED', 'PERMISSION_DENIED']);

export class DriverLink {
  private readonly drivers: LeaderAddresses;
  private readonly clients = new Map<string, RpcClient>();
  private readonly tls: TlsIdentity | undefined;
  private heartbeatFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 1000;
  private incarnation = '';
  private stopped = false;

  /**
   * `onMembership(true)` after each registration, `(false)` when the driver asks us to register again.
   * `tls`: this executor's identity toward the driver (plaintext without).
   */
  constructor(
    driverAddress: string, private readonly executorId: string, private readonly address: string, private readonly log: (m: string) => void,
    private readonly onMembership: (registered: boolean) => void = () => {},
    /** The load each heartbeat reports (load-gauge.ts); none reported when absent. */
    private readonly load?: () => ExecutorLoad,
    tls?: TlsIdentity,
  ) {
    this.drivers = new LeaderAddresses(driverAddress);
    this.tls = tls;
  }

  /** The client of the driver currently believed to lead. */
  private get client(): RpcClient {
    const address = this.drivers.current();
    let c = this.clients.get(address);
    if (!c) { c = new RpcClient('ClusterService', address, { tls: this.tls }); this.clients.set(address, c); }
    return c;
  }

  async start(): Promise<void> {
    await this.register();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.clients.values()) c.close();
  }

  private async register(): Promise<void> {
    let delay = 100;
    let lastCode = '';
    while (!this.stopped) {
      try {
        const res: any = await this.client.call('RegisterExecutor', { executor_id: this.executorId, address: this.address, pid: process.pid }, this.drivers.all.length > 1 ? 2000 : 5000);
        this.intervalMs = Number(res.heartbeat_interval_ms) || 1000;
        this.incarnation = String(res.incarnation ?? '');
        this.heartbeatFailures = 0;
        this.log(`registered with the driver${this.drivers.all.length > 1 ? ` at ${this.drivers.current()}` : ''} (heartbeat every ${this.intervalMs} ms)`);
        this.onMembership(true);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'UNKNOWN';
        if (FINAL_REFUSALS.has(code)) {
          throw new TributaryError(`the driver refused this executor's registration (${code}): ${(err as Error).message}`, { code });
        }
        // Each new kind of failure is logged once (e.g. UNAVAILABLE naming a failed TLS handshake).
        if (code !== lastCode) this.log(`registration failed (${code}), retrying: ${(err as Error).message}`);
        lastCode = code;
        if (this.drivers.all.length > 1 && isLeaderMiss(err)) this.drivers.moveOn(err);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      try {
        const load = this.load?.();
        const res: any = await this.client.call('Heartbeat', {
          executor_id: this.executorId, incarnation: this.incarnation, rss_bytes: process.memoryUsage().rss,
          ...(load ? { cpu_percent: load.cpuPercent, tasks_running: load.tasksRunning, tasks_completed: load.tasksCompleted } : {}),
        }, Math.max(1000, this.intervalMs * 2));
        this.heartbeatFailures = 0;
        if (res.reregister) { this.onMembership(false); await this.register(); }
      } catch (err) {
        // The driver is away (restarting): keep trying on the next tick; it re-registers us then.
        // With several drivers, one that stays away or no longer leads is left for the leader.
        this.heartbeatFailures++;
        const notLeader = /not the leader/.test((err as Error).message);
        if (this.drivers.all.length > 1 && (notLeader || this.heartbeatFailures >= HEARTBEAT_FAILURES_BEFORE_MOVING)) {
          const from = this.drivers.current();
          const to = this.drivers.moveOn(err);
          this.log(`the driver at ${from} ${notLeader ? 'no longer leads' : 'does not answer'}; looking for the leader at ${to}`);
          this.onMembership(false);
          await this.register();
        }
      }
      this.schedule();
    }, this.intervalMs);
  }
}
