/** ClusterService handlers: decode → registry → encode. */
import { InvalidArgumentError, ServiceHandlers } from '@tributary/common';
import { ExecutorRegistry } from '../scheduler/executor-registry';

export function clusterService(registry: ExecutorRegistry): ServiceHandlers {
  return {
    async RegisterExecutor(req: { executor_id: string; address: string; pid: number }) {
      if (!req.executor_id || !/^[\w.-]{1,128}$/.test(req.executor_id)) throw new InvalidArgumentError('executor_id must be 1–128 characters of [A-Za-z0-9_.-]');
      if (!/^[\w.-]+:\d{1,5}$/.test(req.address ?? '')) throw new InvalidArgumentError(`address must be host:port, got '${req.address}'`);
      const incarnation = registry.register(req.executor_id, req.address, req.pid);
      return { heartbeat_interval_ms: registry.heartbeatIntervalMs, incarnation };
    },
    async Heartbeat(req: { executor_id: string; rss_bytes: number; incarnation: string; cpu_percent?: number; tasks_running?: number; tasks_completed?: number | string }) {
      // A well-formed id the registry does not know (e.g. after a driver restart) is told to register again.
      if (!req.executor_id || !/^[\w.-]{1,128}$/.test(req.executor_id)) throw new InvalidArgumentError('executor_id must be 1–128 characters of [A-Za-z0-9_.-]');
      const load = { cpuPercent: Number(req.cpu_percent) || 0, tasksRunning: Number(req.tasks_running) || 0, tasksCompleted: Number(req.tasks_completed) || 0 };
      return { reregister: !registry.heartbeat(req.executor_id, String(req.incarnation ?? ''), Number(req.rss_bytes) || 0, load) };
    },
  };
}
