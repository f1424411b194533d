import { formatMicros, parseDuration } from './duration';
import { typeName } from './output-schema';
import type { FieldType, QuerySpec } from './query-spec';

/**
 * The parts of a plan that the state of a running query depends on. A checkpoint records them at first
 * start; a restart whose parts differ cannot reuse the state and is refused, naming what changed.
 * Durations are in microseconds, so '5 minutes' and '300 seconds' are the same plan. Aliases and the
 * watermark delay are left out: they change the output, not the state.
 * Format version 1, serialised as canonical JSON (keys sorted, no spaces).
 */
export interface StatefulParts {
  version: 1;
  windowColumn: string;
  windowMicros: number;
  slideMicros: number;
  keys: { name: string; type: string }[];
  aggregates: { fn: string; column: string; type: string }[];
  watermarkColumn: string | null;
  /** null when the spec leaves it to the checkpoint (the value recorded at first start is kept). */
  shufflePartitions: number | null;
  outputMode: string;
}

/** Canonical JSON of the stateful parts of a valid spec. */
export function statefulFingerprint(spec: QuerySpec): string {
  return canonicalJson(statefulParts(spec));
}

export function statefulParts(spec: QuerySpec): StatefulParts {
  const typeOf = (column: string): string => {
    if (column === '*') return '*';
    const field = spec.parse.schema.find((f) => f.name === column);
    return field === undefined ? 'unknown' : typeName(field.type as FieldType);
  };
  const win = spec.aggregation.window;
  const windowMicros = parseDuration(win.duration);
  return {
    version: 1,
    windowColumn: win.column,
    windowMicros,
    slideMicros: win.slide === undefined ? windowMicros : parseDuration(win.slide),
    keys: spec.aggregation.keys.map((name) => ({ name, type: typeOf(name) })),
    aggregates: spec.aggregation.aggregates.map((a) => ({ fn: a.fn, column: a.column, type: typeOf(a.column) })),
    watermarkColumn: spec.watermark?.column ?? null,
    shufflePartitions: spec.options.shufflePartitions ?? null,
    outputMode: spec.sink.outputMode,
  };
}

/**
 * Sentences naming each stateful part that differs between the fingerprint recorded in a checkpoint
 * and the one of the restarted query; empty when the state can be reused. A restart that leaves
 * shufflePartitions unset keeps the recorded number and is no change.
 */
export function diffStateful(recorded: string, restarted: string): string[] {
  const a = JSON.parse(recorded) as StatefulParts;
  const b = JSON.parse(restarted) as StatefulParts;
  const changes: string[] = [];
  const changed = (what: string, before: string, after: string): void => {
    changes.push(`${what} changed from ${before} to ${after}`);
  };
  const q = (v: string | number | null): string => (v === null ? 'none' : typeof v === 'string' ? `'${v}'` : String(v));
  if (a.version !== b.version) changed('the fingerprint version', q(a.version), q(b.version));
  if (a.windowColumn !== b.windowColumn) changed('the window column', q(a.windowColumn), q(b.windowColumn));
  if (a.windowMicros !== b.windowMicros) changed('the window duration', formatMicros(a.windowMicros), formatMicros(b.windowMicros));
  const tumbling = a.slideMicros === a.windowMicros && b.slideMicros === b.windowMicros;
  if (a.slideMicros !== b.slideMicros && !tumbling) changed('the window slide', formatMicros(a.slideMicros), formatMicros(b.slideMicros));
  if (canonicalJson(a.keys) !== canonicalJson(b.keys)) changed('the grouping keys', keyList(a.keys), keyList(b.keys));
  if (canonicalJson(a.aggregates) !== canonicalJson(b.aggregates)) changed('the aggregates', aggList(a.aggregates), aggList(b.aggregates));
  if (a.watermarkColumn !== b.watermarkColumn) changed('the watermark column', q(a.watermarkColumn), q(b.watermarkColumn));
  if (b.shufflePartitions !== null && a.shufflePartitions !== b.shufflePartitions) {
    changed('shufflePartitions', q(a.shufflePartitions), q(b.shufflePartitions));
  }
  if (a.outputMode !== b.outputMode) changed('the output mode', q(a.outputMode), q(b.outputMode));
  return changes;
}

function keyList(keys: StatefulParts['keys']): string {
  return `[${keys.map((k) => `${k.name} ${k.type}`).join(', ')}]`;
}

function aggList(aggs: StatefulParts['aggregates']): string {
  return `[${aggs.map((a) => `${a.fn}(${a.column}${a.column === '*' ? '' : ` ${a.type}`})`).join(', ')}]`;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
