/**
 * Test-only fault injection at the named steps of the batch protocol. TRIBUTARY_FAULT_KILL_AT holds
 * `<step>:<batchId>` (e.g. `afterSinkCommit:3`); when the driver reaches that step of that batch it
 * kills itself with SIGKILL, as a crash would. Unset in production: the hook is then absent.
 */
import { BatchId } from '@tributary/common';
export const PROTOCOL_STEPS = ['beforeWalCommit', 'afterWalCommit', 'afterStateDurable', 'afterSideCommits', 'afterSinkCommit', 'afterCommitLog'] as const;

export function faultHookFromEnv(log: (m: string) => void): ((step: string, batchId: BatchId) => void) | undefined {
  const spec = process.env.TRIBUTARY_FAULT_KILL_AT;
  if (!spec) return undefined;
  const [step, batch] = spec.split(':');
  return (s, n) => {
    if (s === step && (batch === undefined || batch === '*' || Number(batch) === n)) {
      log(`fault hook: killing the driver at ${s} of batch ${n}`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}
