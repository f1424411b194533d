/** Kafka for Tributary: exact offset-range reads, and the admin and producer calls around them. */
export type { RecordChunk } from './record-chunk';
export { createRangeReader } from './range-reader';
export type { PartitionRange, RangeReader, RangeReaderOptions, ReadStats } from './range-reader';
export { connectKafkaAdmin } from './admin';
export type { Compression, KafkaAdmin, ProducedBatch, ProducedMessage } from './admin';
export { RecordBatchBuilder } from './record-batch-builder';
export { createRecordProducer } from './record-producer';
export { createTransactionalProducer } from './transactional-producer';
export type { TransactionalProducer, TransactionalProducerFactory, TransactionalProducerOptions, TransactionalSend, TransactionalMessage } from './transactional-producer';
export type { RecordProducer, RecordProducerOptions } from './record-producer';
export { kafkaJsSecurity, kafkaSecurityFromOptions, securityKey } from './security';
export type { KafkaSasl, KafkaSecurity, KafkaTls } from './security';
