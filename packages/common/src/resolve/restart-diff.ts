/**
 * Restart rules: what a query restarted on an existing checkpoint may change. Spark keeps the state
 * of a streaming aggregation keyed by its grouping values and refuses a restart whose state schema
 * differs ("Recovery Semantics after Changes in a Streaming Query": any change in number or type of
 * grouping keys or aggregates is not allowed); stateless parts — filters, projections, the parsed
 * schema of an ingest job — may change. Tributary refuses, besides, what would make the kept state
 * mean something else without changing its schema:
 *
 *   refused                                                   accepted
 *   the source topic                                          filters and projections, before or after the aggregation
 *   adding or removing the aggregation                        computed columns, the JSON schema, aliases, key names
 *   the window: present or not, duration, slide, start,       the watermark delay, the trigger, side-table options
 *     its time column; a session window's gap
 *   the grouping keys: number or type (names may change)
 *   the aggregates: number, function or result type
 *   the output mode of an aggregation
 *   dropDuplicates: added, removed, Within-
 *     Watermark or not, its keys' number or types
 *   the shuffle partitions (the state is partitioned by them)
 *   applyChanges: added, removed, its change format and        applyChanges' tombstoneRetention
 *     position, keys, columns or source table, its routes (added,
 *     removed, their tables, keys, columns, paths; docs/cdc.md)
 *
 * On a restart, resolve the new spec with the recorded shuffle partitions as the default
 * (ResolveOptions.defaults), so a spec that leaves them unset keeps them.
 */
import { formatMicros } from '../plan/duration';
import type { AggregateSpec, ResolvedQuery } from '../plan/resolved-query';
import { aggregateInput, stepsOutput } from '../plan/resolved-query';
import { simpleString } from '../schema/sql-type';

/** One sentence per refused change, naming it with its old and new value; empty when the checkpoint can be reused. */
export function diffResolved(previous: ResolvedQuery, next: ResolvedQuery): string[] {
  const changes: string[] = [];
  const changed = (what: string, before: string, after: string): void => {
    if (before !== after) changes.push(`${what} changed from ${before} to ${after}`);
  };
  const q = (s: string): string => `'${s}'`;
  changed('the resolved query format', String(previous.format), String(next.format));
  changed('the source topic', q(previous.source.topic), q(next.source.topic));
  changed('shufflePartitions', String(previous.options.shufflePartitions), String(next.options.shufflePartitions));
  const dedupKind = (query: ResolvedQuery): string => dedupText(query, false);
  if (dedupKind(previous) !== dedupKind(next)) changes.push(`the deduplication changed from ${dedupText(previous, true)} to ${dedupText(next, true)}`);
  if (cdcText(previous) !== cdcText(next)) changes.push(`applyChanges changed from ${cdcText(previous)} to ${cdcText(next)}`);
  const a = previous.aggregate;
  const b = next.aggregate;
  if (a === null || b === null) {
    if (a !== b) changed('the query', a === null ? 'an ingest job (no aggregation)' : 'an aggregation', b === null ? 'an ingest job (no aggregation)' : 'an aggregation');
    return changes;
  }
  changed('the window', windowText(previous, a), windowText(next, b));
  const keyTypes = (agg: AggregateSpec): string => agg.keys.map((k) => simpleString(k.field.type)).join(',');
  if (keyTypes(a) !== keyTypes(b)) changes.push(`the grouping keys changed from ${keyList(a)} to ${keyList(b)}`);
  const aggKinds = (agg: AggregateSpec): string => agg.aggregates.map((x) => `${x.fn}:${simpleString(x.field.type)}${x.relativeSD === undefined ? '' : `:${x.relativeSD}`}`).join(',');
  if (aggKinds(a) !== aggKinds(b)) changes.push(`the aggregates changed from ${aggList(a)} to ${aggList(b)}`);
  changed('the output mode', q(previous.sink.outputMode), q(next.sink.outputMode));
  return changes;
}

function windowText(query: ResolvedQuery, agg: AggregateSpec): string {
  const w = agg.window;
  const pre = aggregateInput(query);
  const s = agg.session ?? null;
  if (s !== null) return `session_window(${pre[s.column]?.name ?? `#${s.column}`}, gap ${formatMicros(s.gapMicros)})`;
  if (w === null) return 'none';
  const slide = w.slideMicros === w.sizeMicros ? '' : `, slide ${formatMicros(w.slideMicros)}`;
  const start = w.startMicros === 0 ? '' : `, start ${formatMicros(w.startMicros)}`;
  return `window(${pre[w.column]?.name ?? `#${w.column}`}, ${formatMicros(w.sizeMicros)}${slide}${start})`;
}

/** A CDC query's kept layout as text ('none' for another query): what its key state and files mean. */
function cdcText(query: ResolvedQuery): string {
  const c = query.cdc;
  if (c === undefined) return 'none';
  const cols = query.output.map((f) => `${f.name} ${simpleString(f.type)}`).join(', ');
  const routes = (c.routes ?? []).map((r) => `; ${r.sourceTable}${r.storedAs === 'scd2' ? ' as SCD type 2' : ''} keyed by [${r.source.keys.join(', ')}] into [${r.output.map((f) => `${f.name} ${simpleString(f.type)}`).join(', ')}] at ${r.path}`).join('');
  return `${c.source.format}${c.source.position === null ? '' : ` (${c.source.position})`}${c.storedAs === 'scd2' ? ' as SCD type 2' : ''} keyed by [${c.source.keys.join(', ')}] into [${cols}] from ${c.sourceTable ?? 'every table'}${routes}`;
}

/** The query's dropDuplicates as text ('none' without one); with or without the key names (names may change). */
function dedupText(query: ResolvedQuery, names: boolean): string {
  const d = query.dedup;
  if (d === undefined) return 'none';
  const pre = stepsOutput(query.scan.schema, query.pre);
  const keys = d.keys.map((k) => `${names ? `${pre[k]?.name ?? `#${k}`} ` : ''}${pre[k] === undefined ? '?' : simpleString(pre[k].type)}`);
  return `${d.withinWatermark ? 'dropDuplicatesWithinWatermark' : 'dropDuplicates'}([${keys.join(', ')}])`;
}

function keyList(agg: AggregateSpec): string {
  return `[${agg.keys.map((k) => `${k.field.name} ${simpleString(k.field.type)}`).join(', ')}]`;
}

function aggList(agg: AggregateSpec): string {
  return `[${agg.aggregates.map((x) => `${x.field.name} = ${x.fn}${x.relativeSD === undefined ? '' : ` (rsd ${x.relativeSD})`} → ${simpleString(x.field.type)}`).join(', ')}]`;
}
