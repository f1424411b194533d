/**
 * Work on state snapshots that must not hold the executor's event loop, on one worker thread:
 * - `encode`: an image of a group table (aggregate/group-by/group-image.ts) → the snapshot's Arrow
 *   IPC bytes (group-partials/v1), whose cost grows with the whole state. The image's buffers are
 *   transferred to the worker and back with the bytes, so the same mapped pages serve every
 *   snapshot of a partition, and nothing can change them while the worker reads them.
 * - `prepare`: buffers of given sizes, written once by the worker so that their pages are mapped
 *   there (fresh memory costs a page fault per page on first write), not on the event loop.
 * The worker thread runs at a lower priority (nice 10; on Linux a thread's own), so that on a
 * busy machine encoding takes the CPU the event loops leave, not theirs.
 *
 * Messages: → { id, encode: GroupImage } | { id, prepare: { name: bytes } }
 *           ← { id, bytes?, buffers } | { id, error, buffers? }   (buffers by transfer, both ways)
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { GroupImage, ImageBuffers } from '../aggregate/group-by';

interface Reply { id: number; bytes?: Uint8Array; buffers?: ImageBuffers; error?: string }

export class SnapshotEncoder {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  /**
   * The snapshot bytes of `image`; its buffers are unusable until the promise gives them back
   * (with the bytes, or attached to the error as `buffers` when encoding failed).
   */
  async encode(image: GroupImage): Promise<{ bytes: Uint8Array; buffers: ImageBuffers }> {
    const reply = await this.call({ encode: image }, Object.values(image.buffers));
    return { bytes: reply.bytes as Uint8Array, buffers: reply.buffers as ImageBuffers };
  }

  async prepare(sizes: Record<string, number>): Promise<ImageBuffers> {
    return (await this.call({ prepare: sizes }, [])).buffers as ImageBuffers;
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
      else p.reject(Object.assign(new Error(`snapshot worker: ${m.error}`), { buffers: m.buffers }));
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
