/** The worker thread of SnapshotEncoder (snapshot-encoder.ts; messages there). */
import { parentPort } from 'node:worker_threads';
import { ColumnBuffers, PartialSetColumns, encodePartialSet } from '../aggregate';

interface EncodeRequest { buffers: ColumnBuffers; capacity: number; length: number; exactSums: Map<number, bigint> }

const port = parentPort;
if (!port) throw new Error('snapshot-encoder-worker runs as a worker thread');
port.on('message', (m: { id: number; encode?: EncodeRequest; prepare?: number }) => {
  if (m.prepare !== undefined) {
    const buffers = new PartialSetColumns(m.prepare).touch().buffers();
    port.postMessage({ id: m.id, buffers }, Object.values(buffers));
    return;
  }
  const { buffers, capacity, length, exactSums } = m.encode as EncodeRequest;
  let reply: { id: number; bytes?: Uint8Array; buffers: ColumnBuffers; error?: string };
  try {
    const columns = new PartialSetColumns(capacity, buffers);
    for (const [row, sum] of exactSums) columns.exactSums.set(row, sum);
    reply = { id: m.id, bytes: encodePartialSet(columns.finish(length)), buffers };
  } catch (error) {
    reply = { id: m.id, error: (error as Error).message, buffers };
  }
  const transfer: ArrayBuffer[] = Object.values(buffers);
  const bytes = reply.bytes;
  if (bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) transfer.push(bytes.buffer as ArrayBuffer);
  port.postMessage(reply, transfer);
});
