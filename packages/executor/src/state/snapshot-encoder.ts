/**
 * Work on state snapshots that must not hold the executor's event loop, on one worker thread:
 * - `encode`: a PartialSet → Arrow IPC (aggregate/partial-codec.ts), whose cost grows with the whole
 *   state. Columns in shared memory are shared with the worker (the caller leaves them unchanged
 *   until the promise settles); others are transferred (the caller gives them up). The bytes come
 *   back transferred.
 * - `prepare`: shared columns of a given capacity, written once by the worker so that their pages are
 *   mapped there (fresh memory costs a page fault per page on first write), not on the event loop.
 *
 * Messages: → { id, set } | { id, prepare: capacity } ;  ← { id, bytes } | { id, buffers } | { id, error }.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PartialSet, PartialSetColumns, SharedColumnBuffers } from '../aggregate';

interface Reply { id: number; bytes?: Uint8Array; buffers?: SharedColumnBuffers; error?: string }

export class SnapshotEncoder {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  async encode(set: PartialSet): Promise<Uint8Array> {
    const columns = [set.windowStartMicros, set.customerId, set.count, set.sumCents];
    const transfer = columns
      .filter((c) => c.buffer instanceof ArrayBuffer && c.byteOffset === 0 && c.byteLength === c.buffer.byteLength)
      .map((c) => c.buffer as ArrayBuffer);
    return (await this.call({ set }, transfer)).bytes as Uint8Array;
  }

  async prepare(capacity: number): Promise<PartialSetColumns> {
    return new PartialSetColumns(capacity, (await this.call({ prepare: capacity }, [])).buffers as SharedColumnBuffers);
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
