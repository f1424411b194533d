/** ShuffleService handlers: partials pushed by map tasks go to the inbox, unless fenced. */
import { InvalidArgumentError, ServiceHandlers } from '@tributary/common';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';

export function shuffleService(inbox: ShuffleInbox): ServiceHandlers {
  return {
    async PushPartials(req) {
      const ctx = req.ctx;
      if (!ctx || !Number.isInteger(ctx.batch_id) || !Number.isInteger(ctx.attempt) || ctx.attempt < 1) throw new InvalidArgumentError('ctx must name batch_id and attempt ≥ 1');
      if (!Number.isInteger(req.partition) || req.partition < 0) throw new InvalidArgumentError('partition must be ≥ 0');
      const bytes: Buffer = req.arrow_ipc ?? Buffer.alloc(0);
      const ok = inbox.push(ctx.batch_id, ctx.attempt, req.partition, { mapTaskId: req.map_task_id, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), rows: Number(req.rows) });
      return ok ? {} : { error: { code: 'FENCED', message: `batch ${ctx.batch_id} attempt ${ctx.attempt} was superseded`, retry: 'RETRY_CLASS_FENCED' } };
    },
  };
}
