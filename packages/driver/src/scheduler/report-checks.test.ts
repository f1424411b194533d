import { strict as assert } from 'node:assert';
import { emptyMapStats, MapTaskStats, ReduceTaskStats, asBatchId } from '@tributary/common';
import { reduceReportProblems, ReportFacts } from './report-checks';
import { afterFailedAttempt } from './attempt-cap';

function map(sent: number[]): MapTaskStats {
  return { ...emptyMapStats(), sentRowsByPartition: sent };
}

function reduce(byPartition: { partition: number; mergedPartialRows: number; emittedRows: number }[]): ReduceTaskStats {
  return {
    partitions: byPartition.map((p) => p.partition), mergedPartialRows: 0, emittedRows: byPartition.reduce((a, p) => a + p.emittedRows, 0),
    stateRowsTotal: 0, stateRowsUpdated: 0, stateRowsRemoved: 0, stateMemoryBytes: 0, filesWritten: 1, byPartition,
    timingsMs: { stateLoad: 0, merge: 0, stateWrite: 0, parquet: 0, total: 0 },
  };
}

/** Two map tasks sending to 3 partitions; exec-a reduces 0 and 2, exec-b reduces 1; all agree. */
function honest(): ReportFacts {
  return {
    batchId: asBatchId(4), attempt: 2,
    mapStats: [map([3, 1, 0]), map([2, 4, 5])],
    reduces: [
      { executorId: 'exec-a', partitions: [0, 2], stats: reduce([{ partition: 0, mergedPartialRows: 5, emittedRows: 2 }, { partition: 2, mergedPartialRows: 5, emittedRows: 1 }]), fileRows: 3 },
      { executorId: 'exec-b', partitions: [1], stats: reduce([{ partition: 1, mergedPartialRows: 5, emittedRows: 4 }]), fileRows: 4 },
    ],
    stateEmitted: new Map([[0, 2], [1, 4], [2, 1]]),
  };
}

describe('cross-checks of reduce reports', () => {
  it('finds nothing when the reports agree with the map tasks and the state writes', () => {
    assert.deepEqual(reduceReportProblems(honest()), []);
  });

  it('catches a reduce that drops its output and says so consistently (no files, no emitted rows)', () => {
    const f = honest();
    f.reduces[1] = { ...f.reduces[1], stats: reduce([{ partition: 1, mergedPartialRows: 5, emittedRows: 0 }]), fileRows: 0 };
    assert.deepEqual(reduceReportProblems(f), ['reduce task on executor exec-b (batch 4 attempt 2) reported 0 rows emitted by partition 1, but its state write recorded 4']);
  });

  it('catches files holding fewer rows than the partitions emitted', () => {
    const f = honest();
    f.reduces[0].fileRows = 2;
    assert.match(reduceReportProblems(f).join(), /exec-a .*files holding 2 rows, but its partitions emitted 3/);
  });

  it('catches merged rows that differ from what the map tasks sent', () => {
    const f = honest();
    f.reduces[1] = { ...f.reduces[1], stats: reduce([{ partition: 1, mergedPartialRows: 2, emittedRows: 4 }]) };
    assert.match(reduceReportProblems(f).join(), /exec-b .*merged 2 partial rows for partition 1, but the map tasks sent 5/);
  });

  it('a dedup reduce before an aggregation writes no files: only its merged and kept rows are checked; the aggregation reduces are checked against what it sent', () => {
    const dedup = honest();
    dedup.reduces = dedup.reduces.map((r) => ({ ...r, fileRows: 0, writesFiles: false }));
    assert.deepEqual(reduceReportProblems(dedup), []);
    const aggregation = honest();
    aggregation.mapStats = [{ sentRowsByPartition: [5, 4, 5] }, { sentRowsByPartition: [0, 1, 0] }];
    assert.deepEqual(reduceReportProblems(aggregation), []);
    aggregation.mapStats = [{ sentRowsByPartition: [5, 4, 5] }];
    assert.match(reduceReportProblems(aggregation).join(), /exec-b .*merged 5 partial rows for partition 1, but the map tasks sent 4/);
  });

  it('catches a partition not reported, one not given, a missing state record and map reports without counts', () => {
    const f = honest();
    f.reduces[0] = { ...f.reduces[0], stats: reduce([{ partition: 0, mergedPartialRows: 5, emittedRows: 2 }, { partition: 1, mergedPartialRows: 5, emittedRows: 0 }]), fileRows: 2 };
    f.stateEmitted = new Map([[0, undefined], [1, 4], [2, 1]]);
    f.mapStats.push({ ...emptyMapStats(), sentRowsByPartition: undefined as unknown as number[] });
    const text = reduceReportProblems(f).join('\n');
    assert.match(text, /map task report 2 has no per-partition sent row counts/);
    assert.match(text, /exec-a .*reported partition 1, which it was not given/);
    assert.match(text, /exec-a .*did not report partition 2/);
    assert.match(text, /no emitted row count of partition 0 written by this attempt/);
  });
});

describe('the attempt cap', () => {
  it('retries below the cap', () => {
    assert.deepEqual(afterFailedAttempt(asBatchId(3), 1, 8, 'x'), { kind: 'retry' });
    assert.deepEqual(afterFailedAttempt(asBatchId(3), 7, 8, 'x'), { kind: 'retry' });
  });

  it('fails the query at the cap, not retriable, naming the batch, the count and the last error', () => {
    const d = afterFailedAttempt(asBatchId(3), 8, 8, 'map task 1 on executor e: Deadline exceeded');
    assert.equal(d.kind, 'fail');
    if (d.kind !== 'fail') return;
    assert.equal(d.error.retriable, false);
    assert.equal(d.error.code, 'BATCH_ATTEMPTS_EXHAUSTED');
    assert.equal(d.error.message, 'batch 3 failed 8 attempts (maxAttemptsPerBatch 8); last error: map task 1 on executor e: Deadline exceeded');
  });
});
