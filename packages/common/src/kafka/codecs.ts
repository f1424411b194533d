/**
 * Snappy and LZ4 codecs for kafkajs's producer (and its consumer, unused by Tributary). kafkajs's
 * codec plugin API is `CompressionCodecs[type] = () => ({ compress(encoder), decompress(buffer) })`:
 * `compress` gets an Encoder whose `.buffer` holds the encoded records and returns the compressed
 * bytes; `decompress` gets the record section of a batch. kafkajs adds no framing of its own, so the
 * snappy codec writes xerial framing itself (what Java producers write and every consumer reads);
 * the lz4 codec writes frames of independent blocks (Kafka refuses dependent ones).
 * zstd compression needs a native or wasm package and lives with the tests (test-codecs.ts).
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { CODEC_LZ4, CODEC_SNAPPY, decompress, lz4FrameCompress, xerialSnappyCompress } from './compression';

export interface KafkaJsEncoder {
  buffer: Buffer;
}

let registered = false;

/** Registers the snappy and lz4 codecs with kafkajs (process-wide, once). */
export function registerKafkaJsCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = () => ({
    compress: async (encoder: KafkaJsEncoder) => xerialSnappyCompress(encoder.buffer),
    decompress: async (buffer: Buffer) => Buffer.from(decompress(CODEC_SNAPPY, buffer)),
  });
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: KafkaJsEncoder) => lz4FrameCompress(encoder.buffer),
    decompress: async (buffer: Buffer) => Buffer.from(decompress(CODEC_LZ4, buffer)),
  });
}
