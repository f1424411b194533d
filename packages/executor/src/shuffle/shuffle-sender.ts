/**
 * Sends a map task's partials to the owners of the shuffle partitions: one PushPartials per
 * partition (possibly empty, so owners know every map output arrived). Partitions this executor
 * owns go straight into its own inbox without a network hop.
 */
import { RpcClient, TributaryError, BatchId, TlsIdentity } from '@tributary/common';
import { ShuffleInbox } from './shuffle-inbox';

export interface ShuffleTarget { partition: number; executorId: string; address: string }

export class ShuffleSender {
  private readonly clients = new Map<string, RpcClient>();

  /** `tls`: this executor's identity for its pushes to other executors (plaintext without).
   *  `onPushed`: told of each partition's bytes once delivered (metrics). */
  constructor(
    private readonly selfId: string, private readonly inbox: ShuffleInbox, private readonly tls?: TlsIdentity,
    private readonly onPushed: (bytes: number, local: boolean) => void = () => {},
  ) {}

  async pushAll(
    ctx: { queryId: string; batchId: BatchId; attempt: number; mapTaskId: number },
    owners: ShuffleTarget[],
    parts: { bytes: Uint8Array; rows: number }[],
  ): Promise<void> {
    const { queryId, batchId, attempt, mapTaskId } = ctx;
    if (parts.length !== owners.length) throw new TributaryError(`shuffle: ${parts.length} partitions produced but ${owners.length} owners known`);
    await Promise.all(owners.map(async (owner) => {
      const part = parts[owner.partition];
      if (owner.executorId === this.selfId) {
        const refused = this.inbox.push(queryId, batchId, attempt, owner.partition, { mapTaskId, bytes: part.bytes, rows: part.rows });
        if (refused) throw new TributaryError(`push to ${owner.executorId} (itself) refused: [${refused.code}] ${refused.message}`, { code: refused.code, retriable: refused.code !== 'FENCED' });
        this.onPushed(part.bytes.byteLength, true);
        return;
      }
      const res: any = await this.client(owner.address).call('PushPartials', {
        ctx: { query_id: queryId, batch_id: batchId, attempt },
        map_task_id: mapTaskId,
        partition: owner.partition,
        arrow_ipc: Buffer.from(part.bytes.buffer, part.bytes.byteOffset, part.bytes.byteLength),
        rows: part.rows,
      }, 60_000).catch((err: TributaryError) => {
        // A message over the owner's receive bound: the attempt fails, a new one may plan differently.
        if (err.code === 'RESOURCE_EXHAUSTED') throw new TributaryError(`push of ${part.bytes.byteLength} bytes to ${owner.executorId} refused: ${err.message}`, { code: err.code, retriable: true });
        throw err;
      });
      if (res.error && res.error.code) throw new TributaryError(`push to ${owner.executorId} failed: ${res.error.message}`, { code: res.error.code, retriable: res.error.retry === 'RETRY_CLASS_RETRIABLE' });
      this.onPushed(part.bytes.byteLength, false);
    }));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(address: string): RpcClient {
    let c = this.clients.get(address);
    if (!c) { c = new RpcClient('ShuffleService', address, { tls: this.tls }); this.clients.set(address, c); }
    return c;
  }
}
