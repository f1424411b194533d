/**
 * Test-only fault injection at the named steps of the batch protocol. TRIBUTARY_FAULT_KILL_AT holds
 * `<step>:<batchId>[:<queryId>]` (e.g. `afterSinkCommit:3`, `afterWalCommit:*:<id>`); when the
 * driver reaches that step of that batch (`*`: any) of that query (absent: any) it kills itself with
 * SIGKILL, as a crash would. Unset in production: the hook is then absent.
 */
import { BatchId } from '@tributary/common';
export const PROTOCOL_STEPS = ['beforeWalCommit', 'afterWalCommit', 'afterStateDurable', 'afterSideCommits', 'afterSinkCommit', 'afterCommitLog'] as const;

export type FaultHook = (step: string, batchId: BatchId, queryId: string) => void | Promise<void>;

export function faultHookFromEnv(log: (m: string) => void): FaultHook | undefined {
  const spec = process.env.TRIBUTARY_FAULT_KILL_AT;
  if (!spec) return undefined;
  const [step, batch, query] = spec.split(':');
  return (s, n, q) => {
    if (s === step && (batch === undefined || batch === '*' || Number(batch) === n) && (query === undefined || query === q)) {
      log(`fault hook: killing the driver at ${s} of batch ${n} of query ${q}`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}
