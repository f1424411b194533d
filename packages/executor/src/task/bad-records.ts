/**
 * What a task does with a record that cannot become a row, by the query's badRecords policy:
 *   'quarantine'  writes it with raw key, value, coordinates, reason and detail to quarantine files
 *                 (the first QUARANTINE_LOG_LIMIT of a task are also logged in full);
 *   'drop'        counts and logs it;
 *   'fail'        fails the task as FATAL naming topic, partition, offset and reason.
 * Every bad record is counted by reason in the task's stats.
 */
import { MapTaskStats, RecordChunk, ResolvedOptions, TributaryError } from '@tributary/common';
import { QuarantineFiles } from '../sink/quarantine-files';

/** Under the quarantine policy, logs this many bad records per task in full (all are in the table). */
const QUARANTINE_LOG_LIMIT = 20;

export type OnBadRecord = (chunk: RecordChunk, i: number, reason: string, detail: () => string) => void;

export function badRecordHandler(
  policy: ResolvedOptions['badRecords'], batchId: number, stats: MapTaskStats, quarantine: QuarantineFiles | undefined, log: (m: string) => void,
): OnBadRecord {
  let logged = 0;
  return (chunk, i, reason, detail) => {
    stats.badRecords[reason] = (stats.badRecords[reason] ?? 0) + 1;
    const where = `topic ${chunk.topic} partition ${chunk.partition} offset ${chunk.offset[i]}`;
    if (policy === 'fail') {
      throw new TributaryError(`bad record at ${where}: ${reason}: ${detail()} (badRecords is 'fail')`, { code: 'BAD_RECORD' });
    }
    if (quarantine) {
      const text = detail();
      quarantine.add(chunk, i, reason, text);
      if (logged++ < QUARANTINE_LOG_LIMIT) log(`quarantined record in batch ${batchId}: ${where}: ${reason}: ${text}`);
    } else {
      log(`dropped bad record in batch ${batchId}: ${where}: ${reason}: ${detail()}`);
    }
  };
}
