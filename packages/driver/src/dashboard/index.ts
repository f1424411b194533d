/**
 * The driver's dashboard: an executor roster, a snapshot gatherer over a QuerySource, and the HTTP
 * server that serves the page and streams snapshots (http-server.ts).
 */
import type { Storage } from '@tributary/common';
import { ExecutorRegistry } from '../scheduler/executor-registry';
import { ExecutorRoster } from './executor-roster';
import { Authorize, DashboardServer, startDashboardServer } from './http-server';
import { QuerySource, SnapshotGatherer } from './snapshot';

export type { DashboardSnapshot, QuerySnapshot, QuerySource, QueryView, BatchPoint } from './snapshot';
export type { Authorize } from './http-server';

export interface DashboardOptions {
  host: string;
  port: number;
  queries: QuerySource;
  registry: ExecutorRegistry;
  /** Where the queries' tables are read. */
  storage: Storage;
  authorize?: Authorize;
  log: (m: string) => void;
}

export async function startDashboard(opts: DashboardOptions): Promise<DashboardServer> {
  const roster = new ExecutorRoster(opts.registry);
  try {
    const server = await startDashboardServer({ host: opts.host, port: opts.port, gatherer: new SnapshotGatherer(opts.queries, roster, opts.storage), authorize: opts.authorize, log: opts.log });
    return { ...server, async close() { roster.close(); await server.close(); } };
  } catch (err) {
    roster.close();
    throw err;
  }
}
