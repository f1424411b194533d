/** The worker thread of SnapshotEncoder (snapshot-encoder.ts; messages there). */
import { parentPort } from 'node:worker_threads';
import { PartialSet, PartialSetColumns, encodePartialSet } from '../aggregate';

const port = parentPort;
if (!port) throw new Error('snapshot-encoder-worker runs as a worker thread');
port.on('message', (m: { id: number; set?: PartialSet; prepare?: number }) => {
  try {
    if (m.prepare !== undefined) {
      port.postMessage({ id: m.id, buffers: new PartialSetColumns(m.prepare, 'shared').touch().sharedBuffers() });
      return;
    }
    const bytes = encodePartialSet(m.set as PartialSet);
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    port.postMessage({ id: m.id, bytes }, whole ? [bytes.buffer as ArrayBuffer] : []);
  } catch (error) {
    port.postMessage({ id: m.id, error: (error as Error).message });
  }
});
