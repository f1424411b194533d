/**
 * CPU and memory of a process from Linux procfs: /proc/<pid>/stat fields 14–15 (utime, stime, in
 * clock ticks of 1/100 s, the Linux default USER_HZ) and /proc/<pid>/status VmHWM / VmRSS (peak and
 * current resident set, kB). A process that is gone reads as null.
 */
import * as fs from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcSample {
  pid: number;
  /** user + system CPU since the process started, ms. */
  cpuMs: number;
  rssBytes: number;
  peakRssBytes: number;
}

export function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(rest[11]) + Number(rest[12]); // fields 14 and 15
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { pid, cpuMs: (cpuTicks * 1000) / TICKS_PER_SECOND, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return null;
  }
}

export interface ProcessUse {
  name: string;
  pid: number;
  /** CPU used between the two samples, ms, and as cores (CPU ms / wall ms). */
  cpuMs: number;
  cores: number;
  peakRssBytes: number;
  /** CPU per input event of the run, µs: the cost that does not depend on how busy the machine is. */
  cpuMicrosPerEvent?: number;
}

/** CPU of each named process between `before` and now (or until it was last seen). */
export class ProcessWatch {
  private readonly first = new Map<string, ProcSample>();
  private readonly last = new Map<string, ProcSample>();
  private started = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: () => Map<string, number>) {}

  start(): void {
    this.started = Date.now();
    for (const [name, pid] of this.pids()) {
      const s = sampleProc(pid);
      if (s) { this.first.set(name, s); this.last.set(name, s); }
    }
    // Keep the last sample fresh, so a process that exits still counts up to then.
    this.timer = setInterval(() => this.poll(), 500);
  }

  private poll(): void {
    for (const [name, pid] of this.pids()) {
      const s = sampleProc(pid);
      if (!s) continue;
      if (!this.first.has(name)) this.first.set(name, { ...s, cpuMs: 0 });
      // An exiting process's status no longer shows its peak: keep the highest seen.
      this.last.set(name, { ...s, peakRssBytes: Math.max(s.peakRssBytes, this.last.get(name)?.peakRssBytes ?? 0) });
    }
  }

  stop(): ProcessUse[] {
    this.poll();
    clearInterval(this.timer);
    const wall = Math.max(1, Date.now() - this.started);
    return [...this.last].map(([name, s]) => {
      const cpuMs = s.cpuMs - (this.first.get(name)?.cpuMs ?? 0);
      return { name, pid: s.pid, cpuMs: Math.round(cpuMs), cores: Math.round((cpuMs / wall) * 100) / 100, peakRssBytes: s.peakRssBytes };
    });
  }
}
