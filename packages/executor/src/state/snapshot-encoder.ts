/**
 * Work on state snapshots that must not hold the executor's event loop, on one worker thread:
 * - `encode`: the first `length` rows of snapshot columns → Arrow IPC (aggregate/partial-codec.ts),
 *   whose cost grows with the whole state. The columns' memory is transferred to the worker and
 *   back with the bytes, so the same mapped pages serve every snapshot, and nothing can change
 *   them while the worker reads them.
 * - `prepare`: columns of a given capacity, written once by the worker so that their pages are
 *   mapped there (fresh memory costs a page fault per page on first write), not on the event loop.
 *
 * Messages: → { id, encode: { buffers, capacity, length, exactSums } } | { id, prepare: capacity }
 *           ← { id, bytes?, buffers } | { id, error }   (buffers by transfer, both ways)
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ColumnBuffers, PartialSetColumns } from '../aggregate';

interface Reply { id: number; bytes?: Uint8Array; buffers?: ColumnBuffers; error?: string }

export class SnapshotEncoder {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  /** Encodes rows [0, length) of `columns`; they are unusable until the promise gives them back. */
  async encode(columns: PartialSetColumns, length: number): Promise<{ bytes: Uint8Array; columns: PartialSetColumns }> {
    const buffers = columns.buffers();
    const message = { encode: { buffers, capacity: columns.capacity, length, exactSums: columns.exactSums } };
    const reply = await this.call(message, Object.values(buffers));
    return { bytes: reply.bytes as Uint8Array, columns: new PartialSetColumns(columns.capacity, reply.buffers) };
  }

  async prepare(capacity: number): Promise<PartialSetColumns> {
    return new PartialSetColumns(capacity, (await this.call({ prepare: capacity }, [])).buffers);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private call(message: object, transfer: ArrayBuffer[]): Promise<Reply> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, ...message }, transfer);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(path.join(__dirname, 'snapshot-encoder-worker.js'));
    w.unref();
    w.on('message', (m: Reply) => {
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (m.error === undefined) p.resolve(m);
      else p.reject(new Error(`snapshot worker: ${m.error}`));
    });
    const failAll = (err: Error) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`snapshot worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}
