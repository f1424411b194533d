/**
 * The executor's load as its heartbeats report it (HeartbeatRequest fields 4–6): CPU use of the
 * process since the previous reading (user + system CPU time over wall time, 100 = one core busy),
 * and its task calls — those in progress and those answered since the process started.
 */
import type { ServiceHandlers } from '@tributary/common';

const TASK_CALLS = ['RunMapTask', 'RunReduceTask'];

export interface ExecutorLoad {
  cpuPercent: number;
  tasksRunning: number;
  tasksCompleted: number;
}

export class LoadGauge {
  private running = 0;
  private completed = 0;
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();

  /** `handlers` with their task calls counted (other calls pass through unchanged). */
  track(handlers: ServiceHandlers): ServiceHandlers {
    const out: ServiceHandlers = { ...handlers };
    for (const name of TASK_CALLS) {
      const inner = handlers[name];
      if (!inner) continue;
      out[name] = async (req, call) => {
        this.running++;
        try {
          return await inner(req, call);
        } finally {
          this.running--;
          this.completed++;
        }
      };
    }
    return out;
  }

  /** The load since the previous call (the first call: since the gauge was made). */
  read(): ExecutorLoad {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage(this.lastCpu);
    const wallMicros = Number(now - this.lastAt) / 1000;
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const cpuPercent = wallMicros > 0 ? ((cpu.user + cpu.system) / wallMicros) * 100 : 0;
    return { cpuPercent: Math.round(cpuPercent * 10) / 10, tasksRunning: this.running, tasksCompleted: this.completed };
  }
}
