/**
 * ShuffleService handlers: partials pushed by map tasks go to the inbox when their attempt is open
 * there (shuffle/shuffle-inbox.ts); a refusal travels as a TaskError naming why, and stores nothing.
 */
import { asBatchId, InvalidArgumentError, ServiceHandlers } from '@tributary/common';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';

export function shuffleService(inbox: ShuffleInbox): ServiceHandlers {
  return {
    async PushPartials(req) {
      const ctx = req.ctx;
      if (!ctx || !ctx.query_id || !Number.isInteger(ctx.batch_id) || ctx.batch_id < 0 || !Number.isInteger(ctx.attempt) || ctx.attempt < 1) {
        throw new InvalidArgumentError('ctx must name query_id, batch_id ≥ 0 and attempt ≥ 1');
      }
      if (!Number.isInteger(req.partition) || req.partition < 0) throw new InvalidArgumentError('partition must be ≥ 0');
      if (!Number.isInteger(req.map_task_id) || req.map_task_id < 0) throw new InvalidArgumentError('map_task_id must be ≥ 0');
      const bytes: Buffer = req.arrow_ipc ?? Buffer.alloc(0);
      const refused = inbox.push(ctx.query_id, asBatchId(ctx.batch_id), ctx.attempt, req.partition, {
        mapTaskId: req.map_task_id, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), rows: Number(req.rows),
      });
      if (!refused) return {};
      return { error: { code: refused.code, message: refused.message, retry: refused.code === 'FENCED' ? 'RETRY_CLASS_FENCED' : 'RETRY_CLASS_RETRIABLE' } };
    },
    async GetInboxStats() {
      const s = inbox.stats();
      return { held_bytes: s.heldBytes, open_attempts: s.openAttempts, queries: s.queries };
    },
  };
}
