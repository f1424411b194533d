/**
 * The executor's membership with the driver: register once (retrying until the driver answers),
 * then heartbeat from a timer of its own — never from task work — so a busy executor still
 * heartbeats. When the driver does not know us (it restarted), register again.
 */
import { RpcClient } from '@tributary/common';

export class DriverLink {
  private readonly client: RpcClient;
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 1000;
  private stopped = false;

  constructor(driverAddress: string, private readonly executorId: string, private readonly address: string, private readonly log: (m: string) => void) {
    this.client = new RpcClient('ClusterService', driverAddress);
  }

  async start(): Promise<void> {
    await this.register();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.client.close();
  }

  private async register(): Promise<void> {
    let delay = 100;
    while (!this.stopped) {
      try {
        const res: any = await this.client.call('RegisterExecutor', { executor_id: this.executorId, address: this.address, pid: process.pid }, 5000);
        this.intervalMs = Number(res.heartbeat_interval_ms) || 1000;
        this.log(`registered with the driver (heartbeat every ${this.intervalMs} ms)`);
        return;
      } catch (err) {
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      try {
        const res: any = await this.client.call('Heartbeat', { executor_id: this.executorId, rss_bytes: process.memoryUsage().rss }, Math.max(1000, this.intervalMs * 2));
        if (res.reregister) await this.register();
      } catch {
        // The driver is away (restarting): keep trying on the next tick; it re-registers us then.
      }
      this.schedule();
    }, this.intervalMs);
  }
}
