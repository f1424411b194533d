/**
 * Session-window aggregation (session_window(time, gap)), Spark's semantics: a row's session is
 * [t, t + gap); sessions of one key that overlap or touch merge, with their aggregates, within a
 * map task's input, across map tasks and executors at the key's shuffle partition, and across
 * batches with the partition's stored sessions.
 *
 *   map task     layout = sessionLayout(query.aggregate, pre's schema)
 *                PartialSessionAggregator.add(batch, lateWatermark): late when t + gap ≤ WM(N−1)
 *                drainPartitions(P) → merged partial sessions per partition of hash(keys) → encodeSessionPartials
 *   reduce task  SessionStateTable of the partition (newest session-state/v1 blob)
 *                merge(decodeSessionPartials(…)); append: evictClosed(WM(N)), complete: allRows()
 *                → sessionOutputRows() → sink; stateRows() → encodeSessionState → state version N+1
 *
 * Module map: session-layout (spec → state schema), session-sweep (sort by key and start, merge in
 * one pass), session-set (sessions and their accumulators), partial-session-aggregator,
 * session-state-table, session-codec (Arrow IPC), session-output.
 */
export { SessionLayout, sessionLayout, SESSION_START_FIELD, SESSION_END_FIELD } from './session-layout';
export { SessionSweep } from './session-sweep';
export { SessionSet } from './session-set';
export { PartialSessionAggregator, SessionDrainResult } from './partial-session-aggregator';
export { SessionStateTable } from './session-state-table';
export {
  encodeSessionPartials, decodeSessionPartials, encodeSessionState, decodeSessionState, SESSION_PARTIALS_FORMAT, SESSION_STATE_FORMAT,
} from './session-codec';
export { sessionOutputRows } from './session-output';
