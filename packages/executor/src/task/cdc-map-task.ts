/**
 * A map task of a CDC query in batch attempt (N, A): read exactly the planned Kafka ranges, read
 * each record as change rows (common/src/cdc: GoldenGate or Debezium), keep those of the query's
 * source table, and send each to the owner of its key's shuffle partition — Spark's
 * pmod(hash(keys…), P), as the group-by computes it — in the cdc-changes/v1 format (cdc-codec.ts),
 * one message per partition. A truncate has no key: it goes to every partition. Bad records
 * follow the query's policy. The task answers once every push was acknowledged.
 *
 * Several source tables (routes, cdc-spec.ts): each route's table is read with its own columns and
 * keys and partitioned by its own keys; a partition's message holds every route's rows
 * (cdc-routes/v1, cdc-route-frames.ts); a truncate of table T goes to every partition of T's route
 * only. Changes of tables no route names are counted and logged.
 *
 * Stats: sentRowsByPartition (checked against each reduce), route r's count for partition p at
 * r·P + p; no event time.
 */
import type { Storage } from '@tributary/common';
import { AddFile, BatchId, emptyMapStats, ExecutorJob, MapTaskStats, ResolvedQuery } from '@tributary/common';
import { CdcRouter } from '../cdc/cdc-router';
import { ShuffleSender, ShuffleTarget } from '../shuffle/shuffle-sender';
import { readChunks } from './decoded-chunks';
import { RangeReaders } from './range-readers';

export interface CdcMapTaskInput {
  batchId: BatchId;
  attempt: number;
  taskId: number;
  job: ExecutorJob;
  query: ResolvedQuery;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  owners: ShuffleTarget[];
  signal: AbortSignal;
}

export class CdcMapTaskRunner {
  constructor(
    private readonly sender: ShuffleSender,
    private readonly readers: RangeReaders,
    private readonly storage: Storage,
    private readonly log: (m: string) => void,
  ) {}

  async run(input: CdcMapTaskInput): Promise<{ stats: MapTaskStats; quarantineAdds: AddFile[] }> {
    const t0 = Date.now();
    const { job, query } = input;
    if (query.cdc === undefined) throw new RangeError('a CDC map task needs a CDC query');
    const router = new CdcRouter(query.cdc, query.output, query.sink.path, job.shufflePartitions);
    const stats = emptyMapStats();
    let routeMs = 0;
    const read = await readChunks(this.readers, this.storage, input, stats, this.log, (chunk, onBad) => router.decode(chunk, onBad), (changes, chunk) => {
      const tr = performance.now();
      router.route(changes, chunk);
      routeMs += performance.now() - tr;
    });
    const te = performance.now();
    const out = router.finish();
    routeMs += performance.now() - te;
    if (out.otherTables > 0) this.log(`batch ${input.batchId} map task ${input.taskId}: ${out.otherTables} changes of tables other than ${out.tables.join(', ')} skipped`);
    if (out.skippedTombstones > 0) this.log(`batch ${input.batchId} map task ${input.taskId}: ${out.skippedTombstones} Debezium tombstones skipped`);
    stats.partialRows = out.parts.reduce((a, p) => a + p.rows, 0);
    stats.sentRowsByPartition = out.sentRowsByPartition;
    const ts = Date.now();
    await this.sender.pushAll({ queryId: job.queryId, batchId: input.batchId, attempt: input.attempt, mapTaskId: input.taskId }, input.owners, out.parts);
    const shuffleMs = Date.now() - ts;
    const total = Date.now() - t0;
    stats.timingsMs = {
      fetch: Math.max(0, total - Math.round(read.decodeMs + routeMs) - shuffleMs),
      decode: Math.round(read.decodeMs),
      aggregate: Math.round(routeMs),
      shuffle: shuffleMs,
      total,
      steps: 0,
    };
    return { stats, quarantineAdds: read.quarantineAdds };
  }
}
