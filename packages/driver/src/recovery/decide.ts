import { asBatchId, BatchId, InvalidArgumentError } from '@tributary/common';

/**
 * The recovery decision: what a (re)starting query does first, from facts alone. A thin I/O shell
 * reads the facts (offsets log, commit log, each sink's `txn` for this queryId, the state store,
 * Kafka's earliest offsets), calls `decideRecovery`, and carries out the answer.
 *
 * Notation: P = last planned batch (offsets log), C = last committed batch (commit log),
 * T(s) = sink s's txn version for this query, S = the newest batch whose state is durable (the
 * state store's version S+1, batch-id.ts in common). "none" counts as −1 in comparisons.
 *
 * The protocol guarantees (DESIGN.md, "The batch protocol"):
 *   G1 plan N is written before anything of N happens             → C ≤ P, T(s) ≤ P, S ≤ P
 *   G2 at most one batch is planned and not committed             → P ∈ {C, C+1}
 *   G3 the commit log gets N only after every sink holds N        → T(s) ≥ C
 *   G4 every batch commits a txn to every sink (even with no files), so T(s) ∈ {C, P}
 *   G5 sinks of N commit only after state N is durable            → S ≥ max T(s), unless state was lost
 * Sink order (side tables first, main last) is not checked: the skip rule is per table.
 *
 * Rules, first match wins:
 * | #  | facts                                       | decision                                        |
 * |----|---------------------------------------------|-------------------------------------------------|
 * | 1  | C > P (or C with no P)                      | fail COMMIT_AHEAD_OF_OFFSETS (G1 broken)        |
 * | 2  | P > C + 1                                   | fail MULTIPLE_UNCOMMITTED (G2 broken)           |
 * | 3  | some T(s) > P                               | fail SINK_AHEAD_OF_OFFSETS: the table holds a   |
 * |    |                                             | batch this checkpoint never planned (another    |
 * |    |                                             | checkpoint with the same queryId?)              |
 * | 4  | some T(s) < C                               | fail SINK_BEHIND_COMMITS: the table lost        |
 * |    |                                             | committed batches (restored or recreated)       |
 * | 5  | stateful, S > P                             | fail STATE_AHEAD_OF_OFFSETS (state of another   |
 * |    |                                             | query or a checkpoint copied without its logs)  |
 * | 6  | stateful, S < C, plan S+1 purged            | fail STATE_PLANS_PURGED: cannot rebuild         |
 * | 7  | stateful, S < C                             | rebuildState S+1..C: re-run those batches from  |
 * |    |                                             | their plans with every sink skipped; the shell  |
 * |    |                                             | then decides again (→ 9 or 10)                  |
 * | 8  | no P                                        | startFresh                                      |
 * | 9  | P = C                                       | runNext P+1 (planned anew from plan P's `to`)   |
 * | 10 | P = C + 1                                   | replay P from its plan, skipping sinks with     |
 * |    |                                             | T(s) ≥ P; then record commit P. State S = P is  |
 * |    |                                             | rewritten by the replay (same inputs, same      |
 * |    |                                             | state); S = P−1 is the normal crash mid-batch;  |
 * |    |                                             | a sink holding P with S = P−1 means state P was |
 * |    |                                             | lost after that commit: the replay rebuilds it. |
 * Every batch re-run (7, 10) re-runs the whole batch even if all sinks are skipped: the commit
 * record needs the batch's max event time and counts.
 *
 * Data loss (only when `source` is given), checked on the first offsets the decision reads:
 * rebuildState → plan(from).from, replay → plan(P).from, runNext → plan(P).to. A partition whose
 * earliest available offset is past that start (or that no longer exists) lost data:
 * failOnDataLoss → fail DATA_LOSS naming topic, partition and range; otherwise the decision
 * carries `dataLoss` and the runner reads from the earliest available offset instead.
 */

export interface SinkFact {
  /** The table's path, as in the query metadata. */
  readonly path: string;
  /** Version of the table's `txn` action with appId = queryId; null when it has none. */
  readonly txnVersion: number | null;
}

/** One planned partition range, shaped like BatchPlan.sources so a plan can be passed as is. */
export interface PlannedSource {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly from: string; readonly to: string }[];
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface SourceFacts {
  readonly failOnDataLoss: boolean;
  /** Earliest offset Kafka still holds, per partition. */
  readonly earliestOffsets: readonly PartitionOffset[];
  /** Planned ranges by batch id; must hold the batch `firstRead(decision)` names. */
  readonly plans: ReadonlyMap<BatchId, readonly PlannedSource[]>;
}

export interface RecoveryFacts {
  readonly lastPlanned: BatchId | null;
  /** Oldest batch still in the offsets log (retention purges older ones); null iff lastPlanned is. */
  readonly oldestPlanned: BatchId | null;
  readonly lastCommitted: BatchId | null;
  /** Sinks in commit order: side tables first, the main table last. */
  readonly sinks: readonly SinkFact[];
  /** The newest batch whose state is durable for every partition; null when none; 'notApplicable' for a stateless query. */
  readonly stateBatch: BatchId | null | 'notApplicable';
  /** Absent: no data-loss check (the caller does it, or tests of the log rules). */
  readonly source?: SourceFacts;
}

/** Offsets `[from, to)` of a partition that Kafka deleted before the query read them; `to` null: the partition is gone. */
export interface LostRange {
  readonly topic: string;
  readonly partition: number;
  readonly from: string;
  readonly to: string | null;
}

export type FailCode =
  | 'COMMIT_AHEAD_OF_OFFSETS'
  | 'MULTIPLE_UNCOMMITTED'
  | 'SINK_AHEAD_OF_OFFSETS'
  | 'SINK_BEHIND_COMMITS'
  | 'STATE_AHEAD_OF_OFFSETS'
  | 'STATE_PLANS_PURGED'
  | 'DATA_LOSS';

export type RecoveryDecision =
  | { readonly kind: 'startFresh' }
  | { readonly kind: 'runNext'; readonly batchId: BatchId; readonly dataLoss?: readonly LostRange[] }
  | {
      readonly kind: 'replay';
      readonly batchId: BatchId;
      /** Paths of the sinks that already hold the batch; all others are written. */
      readonly skipSinks: readonly string[];
      readonly dataLoss?: readonly LostRange[];
    }
  | {
      readonly kind: 'rebuildState';
      readonly fromBatchId: BatchId;
      readonly toBatchId: BatchId;
      readonly dataLoss?: readonly LostRange[];
    }
  | { readonly kind: 'fail'; readonly code: FailCode; readonly reason: string };

/** Decides what to do first; pure. Throws InvalidArgumentError only for self-contradictory facts. */
export function decideRecovery(facts: RecoveryFacts): RecoveryDecision {
  checkFacts(facts);
  const decision = decideFromLogs(facts);
  return facts.source === undefined ? decision : checkDataLoss(decision, facts.source);
}

/** Which plan, and which edge of it, the decision reads first (undefined: nothing to check). */
export function firstRead(decision: RecoveryDecision): { batchId: BatchId; edge: 'from' | 'to' } | undefined {
  switch (decision.kind) {
    case 'rebuildState':
      return { batchId: decision.fromBatchId, edge: 'from' };
    case 'replay':
      return { batchId: decision.batchId, edge: 'from' };
    case 'runNext':
      return { batchId: asBatchId(decision.batchId - 1), edge: 'to' };
    default:
      return undefined;
  }
}

const NONE = -1;
const n = (v: number | null): number => (v === null ? NONE : v);
const show = (v: number | null): string => (v === null ? 'none' : String(v));

function fail(code: FailCode, reason: string): RecoveryDecision {
  return { kind: 'fail', code, reason };
}

function decideFromLogs(facts: RecoveryFacts): RecoveryDecision {
  const planned = n(facts.lastPlanned);
  const committed = n(facts.lastCommitted);

  // The two logs against each other (G1, G2).
  if (committed > planned) {
    return fail(
      'COMMIT_AHEAD_OF_OFFSETS',
      `the commit log ends at batch ${committed} but the offsets log at ${show(facts.lastPlanned)}: ` +
        'a batch cannot be committed before it is planned; the checkpoint was edited or mixed with another',
    );
  }
  if (planned > committed + 1) {
    return fail(
      'MULTIPLE_UNCOMMITTED',
      `the offsets log ends at batch ${planned} but the commit log at ${show(facts.lastCommitted)}: ` +
        'only one batch may be planned and not committed; the checkpoint was edited or mixed with another',
    );
  }

  // Sinks against the logs (G1, G3/G4).
  const ahead = facts.sinks.filter((s) => n(s.txnVersion) > planned);
  if (ahead.length > 0) {
    return fail(
      'SINK_AHEAD_OF_OFFSETS',
      `${describeSinks(ahead)} for this query, but the offsets log ends at ${show(facts.lastPlanned)}: ` +
        'the table was written by a batch this checkpoint never planned',
    );
  }
  const behind = facts.sinks.filter((s) => n(s.txnVersion) < committed);
  if (behind.length > 0) {
    return fail(
      'SINK_BEHIND_COMMITS',
      `${describeSinks(behind)} for this query, but the commit log says batch ${committed} was written to every ` +
        'sink: the table lost committed batches (restored to an older version or recreated)',
    );
  }

  // State against the logs (G1, G5).
  if (facts.stateBatch !== 'notApplicable') {
    const state = n(facts.stateBatch);
    if (state > planned) {
      return fail(
        'STATE_AHEAD_OF_OFFSETS',
        `the newest durable state is version ${state} but the offsets log ends at ${show(facts.lastPlanned)}: ` +
          'the state belongs to another query or the checkpoint was copied without its logs',
      );
    }
    if (state < committed) {
      const from = state + 1;
      if (n(facts.oldestPlanned) > from) {
        return fail(
          'STATE_PLANS_PURGED',
          `state versions ${from}..${committed} are missing (newest durable: ${show(facts.stateBatch)}) and ` +
            `the plans needed to rebuild them start at batch ${show(facts.oldestPlanned)}: state cannot be rebuilt`,
        );
      }
      return { kind: 'rebuildState', fromBatchId: asBatchId(from), toBatchId: asBatchId(committed) };
    }
  }

  if (facts.lastPlanned === null) return { kind: 'startFresh' };
  if (planned === committed) return { kind: 'runNext', batchId: asBatchId(planned + 1) };
  return {
    kind: 'replay',
    batchId: asBatchId(planned),
    skipSinks: facts.sinks.filter((s) => n(s.txnVersion) >= planned).map((s) => s.path),
  };
}

function describeSinks(sinks: readonly SinkFact[]): string {
  return sinks.map((s) => `sink ${s.path} holds txn ${show(s.txnVersion)}`).join(', ');
}

function checkDataLoss(decision: RecoveryDecision, source: SourceFacts): RecoveryDecision {
  if (decision.kind === 'startFresh' || decision.kind === 'fail') return decision;
  const read = firstRead(decision)!;
  const plan = source.plans.get(read.batchId);
  if (plan === undefined) {
    throw new InvalidArgumentError(`recovery facts: the plan of batch ${read.batchId} is needed for the data-loss check`);
  }
  const earliest = new Map<string, bigint>();
  for (const e of source.earliestOffsets) earliest.set(`${e.topic}\u0000${e.partition}`, BigInt(e.offset));

  const lost: LostRange[] = [];
  for (const s of plan) {
    for (const p of s.partitions) {
      const start = read.edge === 'from' ? p.from : p.to;
      const available = earliest.get(`${s.topic}\u0000${p.partition}`);
      if (available === undefined) lost.push({ topic: s.topic, partition: p.partition, from: start, to: null });
      else if (available > BigInt(start)) {
        lost.push({ topic: s.topic, partition: p.partition, from: start, to: available.toString() });
      }
    }
  }
  if (lost.length === 0) return decision;
  if (!source.failOnDataLoss) return { ...decision, dataLoss: lost };
  const which = read.edge === 'from' ? `batch ${read.batchId}` : `the batch after ${read.batchId}`;
  return fail(
    'DATA_LOSS',
    `data was lost before ${which} read it: ` +
      lost
        .map((l) =>
          l.to === null
            ? `topic ${l.topic} partition ${l.partition} no longer exists (needed from offset ${l.from})`
            : `offsets [${l.from}, ${l.to}) of topic ${l.topic} partition ${l.partition} were deleted by Kafka retention`,
        )
        .join('; ') +
      '. Set failOnDataLoss=false to continue from the earliest available offsets.',
  );
}

function checkFacts(facts: RecoveryFacts): void {
  const id = (v: number | null, what: string): void => {
    if (v !== null && (!Number.isSafeInteger(v) || v < 0)) {
      throw new InvalidArgumentError(`recovery facts: ${what} must be a batch id or null, got ${v}`);
    }
  };
  id(facts.lastPlanned, 'lastPlanned');
  id(facts.oldestPlanned, 'oldestPlanned');
  id(facts.lastCommitted, 'lastCommitted');
  if (facts.stateBatch !== 'notApplicable') id(facts.stateBatch, 'stateBatch');
  if ((facts.lastPlanned === null) !== (facts.oldestPlanned === null) || n(facts.oldestPlanned) > n(facts.lastPlanned)) {
    throw new InvalidArgumentError(
      `recovery facts: oldestPlanned ${show(facts.oldestPlanned)} does not fit lastPlanned ${show(facts.lastPlanned)}`,
    );
  }
  const paths = new Set<string>();
  for (const s of facts.sinks) {
    id(s.txnVersion, `txn version of sink ${s.path}`);
    if (paths.has(s.path)) throw new InvalidArgumentError(`recovery facts: sink ${s.path} is listed twice`);
    paths.add(s.path);
  }
}
