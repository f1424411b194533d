/**
 * Test support: a zstd codec for kafkajs, compressing with @bokuweb/zstd-wasm (a devDependency,
 * hence not in production code) and decompressing with fzstd like the reader.
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { CODEC_ZSTD, decompress } from './compression';
import type { KafkaJsEncoder } from './codecs';

interface ZstdWasm {
  init(): Promise<void>;
  compress(src: Uint8Array, level: number): Uint8Array;
}

let ready: Promise<void> | null = null;

export function registerTestZstdCodec(): Promise<void> {
  if (ready) return ready;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zstd: ZstdWasm = require('@bokuweb/zstd-wasm');
  ready = zstd.init().then(() => {
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      compress: async (encoder: KafkaJsEncoder) => Buffer.from(zstd.compress(encoder.buffer, 3)),
      decompress: async (buffer: Buffer) => Buffer.from(decompress(CODEC_ZSTD, buffer)),
    });
  });
  return ready;
}
