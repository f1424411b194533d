import { strict as assert } from 'node:assert';
import { asBatchId, BatchId, InvalidArgumentError } from '@tributary/common';
import { decideRecovery, firstRead, type PlannedSource, type RecoveryDecision, type RecoveryFacts, type SourceFacts } from './decide';

const SINKS = ['quarantine', 'main'] as const; // commit order: side table first, main last
const IDS: readonly (number | null)[] = [null, 0, 1, 2, 3];

function facts(f: {
  planned: number | null;
  oldest?: number | null;
  committed: number | null;
  txns: readonly (number | null)[];
  state: number | null | 'notApplicable';
  source?: SourceFacts;
}): RecoveryFacts {
  const id = (v: number | null): BatchId | null => (v === null ? null : (v as BatchId)); // unchecked: some cases are invalid on purpose
  return {
    lastPlanned: id(f.planned),
    oldestPlanned: id(f.oldest === undefined ? (f.planned === null ? null : 0) : f.oldest),
    lastCommitted: id(f.committed),
    sinks: f.txns.map((t, i) => ({ path: SINKS[i], txnVersion: t })),
    stateBatch: f.state === 'notApplicable' ? f.state : id(f.state),
    source: f.source,
  };
}

/** Drops the human-readable reason so decisions compare by meaning. */
function gist(d: RecoveryDecision): unknown {
  return d.kind === 'fail' ? { kind: 'fail', code: d.code } : d;
}

/**
 * The oracle: the protocol's guarantees as an ordered list of rules over numbers, none = −1.
 * Written from DESIGN.md's batch protocol, not from decide.ts's control flow.
 */
type Numeric = { P: number; O: number; C: number; T: number[]; S: number | 'na' };
const rules: { when: (f: Numeric) => boolean; then: (f: Numeric) => unknown }[] = [
  { when: (f) => f.C > f.P, then: () => ({ kind: 'fail', code: 'COMMIT_AHEAD_OF_OFFSETS' }) },
  { when: (f) => f.P - f.C >= 2, then: () => ({ kind: 'fail', code: 'MULTIPLE_UNCOMMITTED' }) },
  { when: (f) => Math.max(-1, ...f.T) > f.P, then: () => ({ kind: 'fail', code: 'SINK_AHEAD_OF_OFFSETS' }) },
  { when: (f) => f.T.some((t) => t < f.C), then: () => ({ kind: 'fail', code: 'SINK_BEHIND_COMMITS' }) },
  { when: (f) => f.S !== 'na' && f.S > f.P, then: () => ({ kind: 'fail', code: 'STATE_AHEAD_OF_OFFSETS' }) },
  {
    when: (f) => f.S !== 'na' && f.S < f.C && f.O > f.S + 1,
    then: () => ({ kind: 'fail', code: 'STATE_PLANS_PURGED' }),
  },
  {
    when: (f) => f.S !== 'na' && f.S < f.C,
    then: (f) => ({ kind: 'rebuildState', fromBatchId: (f.S as number) + 1, toBatchId: f.C }),
  },
  { when: (f) => f.P < 0, then: () => ({ kind: 'startFresh' }) },
  { when: (f) => f.P === f.C, then: (f) => ({ kind: 'runNext', batchId: f.C + 1 }) },
  {
    when: () => true,
    then: (f) => ({ kind: 'replay', batchId: f.P, skipSinks: SINKS.filter((_, i) => f.T[i] >= f.P) }),
  },
];

function oracle(f: RecoveryFacts): unknown {
  const num = (v: number | null): number => v ?? -1;
  const numeric: Numeric = {
    P: num(f.lastPlanned),
    O: num(f.oldestPlanned),
    C: num(f.lastCommitted),
    T: f.sinks.map((s) => num(s.txnVersion)),
    S: f.stateBatch === 'notApplicable' ? 'na' : num(f.stateBatch),
  };
  return rules.find((r) => r.when(numeric))!.then(numeric);
}

function* everyCombination(): Generator<RecoveryFacts> {
  for (const planned of IDS) {
    const oldests = planned === null ? [null] : Array.from({ length: planned + 1 }, (_, i) => i);
    for (const oldest of oldests)
      for (const committed of IDS)
        for (const t0 of IDS)
          for (const t1 of IDS)
            for (const state of ['notApplicable' as const, ...IDS]) {
              yield facts({ planned, oldest, committed, txns: [t0, t1], state });
            }
  }
}

describe('decideRecovery', () => {
  describe('over every combination of P, oldest plan, C, two sink txns and state in {none, 0..3}', () => {
    it('agrees with the rule-list oracle in every case', () => {
      let count = 0;
      const seen = new Set<string>();
      for (const f of everyCombination()) {
        const got = gist(decideRecovery(f));
        assert.deepEqual(got, oracle(f), `facts ${JSON.stringify(f)}`);
        seen.add(JSON.stringify(got).replace(/[0-9]+/g, '#'));
        count++;
      }
      assert.equal(count, 11 * 5 * 5 * 5 * 6);
      assert.ok(seen.size >= 12, 'every kind of decision occurs');
    });

    it('never writes a sink that already holds the batch, and writes every other sink', () => {
      for (const f of everyCombination()) {
        const d = decideRecovery(f);
        if (d.kind !== 'replay') continue;
        for (const s of f.sinks) {
          assert.equal(d.skipSinks.includes(s.path), (s.txnVersion ?? -1) >= d.batchId, JSON.stringify(f));
        }
      }
    });

    it('replays only the one planned and uncommitted batch, and runs next only when none is', () => {
      for (const f of everyCombination()) {
        const d = decideRecovery(f);
        if (d.kind === 'replay') assert.equal(d.batchId, (f.lastCommitted ?? -1) + 1);
        if (d.kind === 'replay') assert.equal(d.batchId, f.lastPlanned);
        if (d.kind === 'runNext') assert.equal(f.lastPlanned, f.lastCommitted);
        if (d.kind === 'fail') assert.ok(d.reason.length > 40, d.reason);
      }
    });
  });

  describe('against a model of the batch protocol crashing at every step', () => {
    /**
     * World: the durable facts plus how often each sink got each batch written. Executing a
     * decision is a list of atomic steps; a crash may stop after any of them, and a state loss
     * may roll the newest durable state back to any older version at any time.
     */
    interface World {
      P: number | null;
      C: number | null;
      T: (number | null)[];
      S: number | null;
      writes: number[][]; // writes[sink][batch]
    }
    const MAX_BATCH = 3;
    const clone = (w: World): World => ({ ...w, T: [...w.T], writes: w.writes.map((r) => [...r]) });
    const key = (w: World): string => JSON.stringify(w);
    const toFacts = (w: World): RecoveryFacts =>
      facts({ planned: w.P, committed: w.C, txns: w.T, state: w.S });

    function stepsOf(w: World, d: RecoveryDecision): ((w: World) => void)[] {
      // Batch n computes state n from state n−1 (older versions are retained, so S ≥ n−1 will do).
      const runBatch = (n: number, skip: readonly string[]) => [
        (x: World) => {
          assert.ok((x.S ?? -1) >= n - 1, `batch ${n} would run on missing state (newest ${x.S}): ${key(x)}`);
          x.S = n;
        },
        ...SINKS.map((name, i) => (x: World) => {
          if (skip.includes(name)) return;
          x.writes[i][n]++;
          x.T[i] = n;
        }),
        (x: World) => void (x.C = n),
      ];
      switch (d.kind) {
        case 'startFresh':
        case 'runNext': {
          const n = d.kind === 'startFresh' ? 0 : d.batchId;
          if (n > MAX_BATCH) return [];
          return [(x: World) => void (x.P = n), ...runBatch(n, [])];
        }
        case 'replay':
          return runBatch(d.batchId, d.skipSinks);
        case 'rebuildState':
          return [
            (x: World) => {
              assert.equal(x.S ?? -1, d.fromBatchId - 1, `rebuild must start right after the newest state: ${key(x)}`);
              x.S = d.toBatchId;
            },
          ];
        case 'fail':
          assert.fail(`a world reachable by crashes fails recovery: ${d.reason}\n${key(w)}`);
      }
    }

    function assertExactlyOnce(w: World): void {
      w.writes.forEach((perBatch, sink) =>
        perBatch.forEach((count, batch) => {
          assert.ok(count <= 1, `sink ${SINKS[sink]} got batch ${batch} ${count} times: ${key(w)}`);
          if (batch <= (w.C ?? -1)) assert.equal(count, 1, `committed batch ${batch} missing in ${SINKS[sink]}: ${key(w)}`);
        }),
      );
    }

    it('recovers every reachable world without failing, runs each batch on the state before it, and writes each batch to each sink exactly once', () => {
      const start: World = { P: null, C: null, T: [null, null], S: null, writes: SINKS.map(() => Array(MAX_BATCH + 1).fill(0)) };
      const seen = new Map<string, World>([[key(start), start]]);
      const queue = [start];
      while (queue.length > 0) {
        const w = queue.shift()!;
        const next: World[] = [];
        const run = clone(w);
        for (const step of stepsOf(w, decideRecovery(toFacts(w)))) {
          step(run);
          next.push(clone(run)); // a crash right after this step
        }
        for (let s = -1; s < (w.S ?? -1); s++) next.push({ ...clone(w), S: s < 0 ? null : s }); // state loss
        for (const x of next) {
          if (seen.has(key(x))) continue;
          assertExactlyOnce(x); // checked on arrival, so a wrong decision cannot loop forever
          seen.set(key(x), x);
          queue.push(x);
        }
      }
      const finished = [...seen.values()].filter((w) => w.C === MAX_BATCH && w.S === MAX_BATCH);
      assert.ok(finished.length > 0, 'the model reaches the last batch');
      assert.ok(seen.size > 50, `the model explores many crash points (${seen.size})`);
    });
  });

  describe('named cases', () => {
    it('starts fresh on an empty checkpoint', () => {
      assert.deepEqual(decideRecovery(facts({ planned: null, committed: null, txns: [null, null], state: null })), {
        kind: 'startFresh',
      });
    });

    it('runs the next batch when the last planned batch is committed', () => {
      assert.deepEqual(decideRecovery(facts({ planned: 4, committed: 4, txns: [4, 4], state: 4 })), {
        kind: 'runNext',
        batchId: 5,
      });
    });

    it('replays a batch planned but not committed from its plan', () => {
      assert.deepEqual(decideRecovery(facts({ planned: 5, committed: 4, txns: [4, 4], state: 4 })), {
        kind: 'replay',
        batchId: 5,
        skipSinks: [],
      });
    });

    it('skips a table already holding the batch and still writes the others', () => {
      assert.deepEqual(decideRecovery(facts({ planned: 5, committed: 4, txns: [5, 4], state: 5 })), {
        kind: 'replay',
        batchId: 5,
        skipSinks: ['quarantine'],
      });
    });

    it('a CDC query of several tables, dead between two route commits: replays the batch to the route tables and main table that do not hold it', () => {
      // Commit order (micro-batch-execution.ts commitSinks): side tables, routes 1, 2, …, the main table.
      const sinks = (txns: number[]) => ['quarantine', 'customers', 'items', 'orders'].map((path, i) => ({ path, txnVersion: txns[i] }));
      const at = (txns: number[]) => decideRecovery({ lastPlanned: asBatchId(5), oldestPlanned: asBatchId(0), lastCommitted: asBatchId(4), sinks: sinks(txns), stateBatch: asBatchId(5) });
      assert.deepEqual(at([5, 5, 4, 4]), { kind: 'replay', batchId: 5, skipSinks: ['quarantine', 'customers'] });
      assert.deepEqual(at([5, 5, 5, 4]), { kind: 'replay', batchId: 5, skipSinks: ['quarantine', 'customers', 'items'] });
      assert.deepEqual(at([5, 4, 4, 4]), { kind: 'replay', batchId: 5, skipSinks: ['quarantine'] });
      // A route table that lost a committed batch is refused like any sink.
      assert.deepEqual(gist(decideRecovery({ lastPlanned: asBatchId(5), oldestPlanned: asBatchId(0), lastCommitted: asBatchId(5), sinks: sinks([5, 5, 3, 5]), stateBatch: asBatchId(5) })), { kind: 'fail', code: 'SINK_BEHIND_COMMITS' });
    });

    it('replays with the main table skipped when it holds the batch but the commit log does not', () => {
      assert.deepEqual(decideRecovery(facts({ planned: 5, committed: 4, txns: [5, 5], state: 5 })), {
        kind: 'replay',
        batchId: 5,
        skipSinks: ['quarantine', 'main'],
      });
    });

    it('rebuilds state behind the commit log by re-running its batches with every sink skipped', () => {
      assert.deepEqual(decideRecovery(facts({ planned: 7, committed: 7, txns: [7, 7], state: 4 })), {
        kind: 'rebuildState',
        fromBatchId: 5,
        toBatchId: 7,
      });
      assert.deepEqual(decideRecovery(facts({ planned: 2, committed: 1, txns: [1, 2], state: null })), {
        kind: 'rebuildState',
        fromBatchId: 0,
        toBatchId: 1,
      });
    });

    it('fails when the plans needed to rebuild state were purged', () => {
      const d = decideRecovery(facts({ planned: 150, oldest: 50, committed: 150, txns: [150, 150], state: 10 }));
      assert.equal(d.kind, 'fail');
      assert.match((d as { reason: string }).reason, /state versions 11\.\.150 are missing.*start at batch 50/);
    });

    it('ignores state for a stateless query', () => {
      assert.deepEqual(
        decideRecovery(facts({ planned: 3, committed: 2, txns: [2, 2], state: 'notApplicable' })),
        { kind: 'replay', batchId: 3, skipSinks: [] },
      );
    });

    it('fails when the commit log is ahead of the offsets log', () => {
      const d = decideRecovery(facts({ planned: 2, committed: 3, txns: [3, 3], state: 3 }));
      assert.deepEqual(gist(d), { kind: 'fail', code: 'COMMIT_AHEAD_OF_OFFSETS' });
      assert.match((d as { reason: string }).reason, /commit log ends at batch 3 but the offsets log at 2/);
    });

    it('fails when a sink holds a batch the offsets log never planned, naming the sink', () => {
      const d = decideRecovery(facts({ planned: 2, committed: 2, txns: [2, 3], state: 2 }));
      assert.deepEqual(gist(d), { kind: 'fail', code: 'SINK_AHEAD_OF_OFFSETS' });
      assert.match((d as { reason: string }).reason, /sink main holds txn 3/);
    });

    it('fails when a sink lost batches the commit log records as written', () => {
      const d = decideRecovery(facts({ planned: 2, committed: 2, txns: [null, 2], state: 2 }));
      assert.deepEqual(gist(d), { kind: 'fail', code: 'SINK_BEHIND_COMMITS' });
      assert.match((d as { reason: string }).reason, /sink quarantine holds txn none/);
    });

    it('fails when state is ahead of every planned batch', () => {
      const d = decideRecovery(facts({ planned: null, committed: null, txns: [null, null], state: 0 }));
      assert.deepEqual(gist(d), { kind: 'fail', code: 'STATE_AHEAD_OF_OFFSETS' });
    });

    it('fails when two batches are planned and not committed', () => {
      assert.deepEqual(gist(decideRecovery(facts({ planned: 3, committed: 1, txns: [1, 1], state: 1 }))), {
        kind: 'fail',
        code: 'MULTIPLE_UNCOMMITTED',
      });
    });

    it('throws on self-contradictory facts rather than deciding', () => {
      assert.throws(() => decideRecovery(facts({ planned: 2, oldest: 3, committed: 2, txns: [2, 2], state: 2 })), InvalidArgumentError);
      assert.throws(() => decideRecovery(facts({ planned: -1, committed: null, txns: [], state: null })), InvalidArgumentError);
      assert.throws(
        () => decideRecovery({ ...facts({ planned: 1, committed: 1, txns: [], state: 1 }), sinks: [{ path: 'a', txnVersion: 1 }, { path: 'a', txnVersion: 1 }] }),
        InvalidArgumentError,
      );
    });
  });

  describe('data loss', () => {
    const plans = new Map<BatchId, PlannedSource[]>([
      [asBatchId(4), [{ topic: 'payments', partitions: [{ partition: 0, from: '100', to: '200' }, { partition: 1, from: '50', to: '60' }] }]],
      [asBatchId(5), [{ topic: 'payments', partitions: [{ partition: 0, from: '200', to: '300' }, { partition: 1, from: '60', to: '90' }] }]],
    ]);
    const earliest = (p0: string, p1?: string) =>
      [{ topic: 'payments', partition: 0, offset: p0 }, ...(p1 === undefined ? [] : [{ topic: 'payments', partition: 1, offset: p1 }])];
    const source = (failOnDataLoss: boolean, p0: string, p1?: string): SourceFacts => ({
      failOnDataLoss,
      earliestOffsets: earliest(p0, p1),
      plans,
    });

    it('fails a replay whose planned offsets were deleted by retention, naming topic, partition and range', () => {
      const d = decideRecovery(facts({ planned: 5, committed: 4, txns: [4, 4], state: 4, source: source(true, '250', '0') }));
      assert.deepEqual(gist(d), { kind: 'fail', code: 'DATA_LOSS' });
      assert.match((d as { reason: string }).reason, /offsets \[200, 250\) of topic payments partition 0 were deleted by Kafka retention/);
      assert.match((d as { reason: string }).reason, /before batch 5 read it/);
    });

    it('fails the next batch when offsets after the last plan were deleted', () => {
      const d = decideRecovery(facts({ planned: 5, committed: 5, txns: [5, 5], state: 5, source: source(true, '300', '95') }));
      assert.deepEqual(gist(d), { kind: 'fail', code: 'DATA_LOSS' });
      assert.match((d as { reason: string }).reason, /offsets \[90, 95\) of topic payments partition 1/);
      assert.doesNotMatch((d as { reason: string }).reason, /partition 0/, 'partition 0 starts exactly at its earliest offset');
    });

    it('checks a state rebuild against the first batch it re-reads', () => {
      const d = decideRecovery(facts({ planned: 5, oldest: 4, committed: 5, txns: [5, 5], state: 3, source: source(true, '150', '0') }));
      assert.match((d as { reason: string }).reason, /offsets \[100, 150\) of topic payments partition 0/);
    });

    it('reports a partition that no longer exists', () => {
      const d = decideRecovery(facts({ planned: 5, committed: 4, txns: [4, 4], state: 4, source: source(true, '0') }));
      assert.match((d as { reason: string }).reason, /topic payments partition 1 no longer exists \(needed from offset 60\)/);
    });

    it('continues and lists the lost ranges when failOnDataLoss is false', () => {
      assert.deepEqual(decideRecovery(facts({ planned: 5, committed: 4, txns: [5, 4], state: 5, source: source(false, '250', '0') })), {
        kind: 'replay',
        batchId: 5,
        skipSinks: ['quarantine'],
        dataLoss: [{ topic: 'payments', partition: 0, from: '200', to: '250' }],
      });
    });

    it('passes a decision through when every needed offset is still in Kafka', () => {
      assert.deepEqual(decideRecovery(facts({ planned: 5, committed: 4, txns: [4, 4], state: 4, source: source(true, '200', '60') })), {
        kind: 'replay',
        batchId: 5,
        skipSinks: [],
      });
    });

    it('names the plan each decision reads first', () => {
      assert.deepEqual(firstRead({ kind: 'runNext', batchId: asBatchId(6) }), { batchId: 5, edge: 'to' });
      assert.deepEqual(firstRead({ kind: 'replay', batchId: asBatchId(6), skipSinks: [] }), { batchId: 6, edge: 'from' });
      assert.deepEqual(firstRead({ kind: 'rebuildState', fromBatchId: asBatchId(2), toBatchId: asBatchId(6) }), { batchId: 2, edge: 'from' });
      assert.equal(firstRead({ kind: 'startFresh' }), undefined);
    });
  });
});
