/**
 * Test-only fault injection at the named steps of the batch protocol. TRIBUTARY_FAULT_KILL_AT holds
 * `<step>:<batchId>[:<queryId>]` (e.g. `afterSinkCommit:3`, `afterWalCommit:*:<id>`); when the
 * driver reaches that step of that batch (`*`: any) of that query (absent: any) it kills itself with
 * SIGKILL, as a crash would. TRIBUTARY_FAULT_STOP_AT, same syntax, freezes the driver there instead
 * (SIGSTOP, once: a partitioned or stalled leader; SIGCONT lets it go on from that very step).
 * Unset in production: the hook is then absent. Besides PROTOCOL_STEPS, a CDC query of several
 * source tables reaches `afterRouteCommit` after each route table's commit (micro-batch-execution.ts).
 */
import { BatchId } from '@tributary/common';
export const PROTOCOL_STEPS = ['beforeWalCommit', 'afterWalCommit', 'afterStateDurable', 'afterSideCommits', 'afterSinkCommit', 'afterCommitLog'] as const;

export type FaultHook = (step: string, batchId: BatchId, queryId: string) => void | Promise<void>;

export function faultHookFromEnv(log: (m: string) => void): FaultHook | undefined {
  const kill = matcher(process.env.TRIBUTARY_FAULT_KILL_AT);
  const stop = matcher(process.env.TRIBUTARY_FAULT_STOP_AT);
  if (!kill && !stop) return undefined;
  let stopped = false;
  return (s, n, q) => {
    if (kill?.(s, n, q)) {
      log(`fault hook: killing the driver at ${s} of batch ${n} of query ${q}`);
      process.kill(process.pid, 'SIGKILL');
    }
    if (!stopped && stop?.(s, n, q)) {
      stopped = true;
      log(`fault hook: freezing the driver (SIGSTOP) at ${s} of batch ${n} of query ${q}`);
      process.kill(process.pid, 'SIGSTOP');
      log(`fault hook: the driver runs again (SIGCONT) at ${s} of batch ${n} of query ${q}`);
    }
  };
}

function matcher(spec: string | undefined): ((step: string, batchId: BatchId, queryId: string) => boolean) | undefined {
  if (!spec) return undefined;
  const [step, batch, query] = spec.split(':');
  return (s, n, q) => s === step && (batch === undefined || batch === '*' || Number(batch) === n) && (query === undefined || query === q);
}
