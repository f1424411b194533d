/** The worker thread of SnapshotEncoder (snapshot-encoder.ts; messages there). */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { allocateImageBuffers, encodeGroupImage, GroupImage, ImageBuffers } from '../aggregate/group-by';

/** Snapshot encoding is background work: it yields the CPU to the event loops of the executors. */
const WORKER_NICE = 10;

const port = parentPort;
if (!port) throw new Error('snapshot-encoder-worker runs as a worker thread');
try {
  setPriority(WORKER_NICE); // on Linux the nice value is per thread: this thread only
} catch {
  // not allowed or not supported here: the worker runs at the executor's priority
}
port.on('message', (m: { id: number; encode?: GroupImage; prepare?: Record<string, number> }) => {
  if (m.prepare !== undefined) {
    const buffers = allocateImageBuffers(m.prepare);
    port.postMessage({ id: m.id, buffers }, Object.values(buffers));
    return;
  }
  const image = m.encode as GroupImage;
  let reply: { id: number; bytes?: Uint8Array; buffers: ImageBuffers; error?: string };
  try {
    reply = { id: m.id, bytes: encodeGroupImage(image), buffers: image.buffers };
  } catch (error) {
    reply = { id: m.id, error: (error as Error).message, buffers: image.buffers };
  }
  const transfer: ArrayBuffer[] = Object.values(image.buffers);
  const bytes = reply.bytes;
  if (bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) transfer.push(bytes.buffer as ArrayBuffer);
  port.postMessage(reply, transfer);
});
