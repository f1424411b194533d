/**
 * The one query shape the seed's kernels run (v1 specs): JSON values with
 *   customer_id int, amount decimal(10,2), timestamp timestamp [, event_type string]
 * grouped by window(timestamp, d) and customer_id, with count('*') and/or sum(amount). The event
 * decoder, the partial aggregator and the aggregate table read exactly these fields, so a v1 spec
 * of any other shape is refused at submit, naming what differs, instead of quarantining every
 * record. Other queries are v2 specs, resolved (resolve/) and run by the general kernels.
 */
import type { FieldType, QuerySpec } from './query-spec';

const SEED_FIELDS: readonly { name: string; type: FieldType; required: boolean }[] = [
  { name: 'customer_id', type: 'int', required: true },
  { name: 'amount', type: { decimal: [10, 2] }, required: true },
  { name: 'timestamp', type: 'timestamp', required: true },
  { name: 'event_type', type: 'string', required: false },
];

function typeText(t: FieldType): string {
  return typeof t === 'object' ? `decimal(${t.decimal[0]},${t.decimal[1]})` : t;
}

/** Null when the (already validated) v1 spec has the seed's shape; else a message naming every difference. */
export function seedSchemaProblem(spec: QuerySpec): string | null {
  const problems: string[] = [];
  const schema = spec.parse.schema;
  for (const want of SEED_FIELDS) {
    const have = schema.find((f) => f.name === want.name);
    if (!have) {
      if (want.required) problems.push(`the schema has no field ${want.name} ${typeText(want.type)}`);
    } else if (typeText(have.type) !== typeText(want.type)) {
      problems.push(`field ${want.name} is ${typeText(have.type)}, not ${typeText(want.type)}`);
    }
  }
  for (const f of schema) if (!SEED_FIELDS.some((s) => s.name === f.name)) problems.push(`field ${f.name} is not one of the seed's`);
  const agg = spec.aggregation;
  if (agg.window.column !== 'timestamp') problems.push(`the window is over ${agg.window.column}, not timestamp`);
  if (agg.window.slide !== undefined && agg.window.slide !== agg.window.duration) problems.push('the window slides');
  if (agg.keys.length !== 1 || agg.keys[0] !== 'customer_id') problems.push(`the grouping keys are [${agg.keys.join(', ')}], not [customer_id]`);
  for (const a of agg.aggregates) {
    if (!(a.fn === 'count' && a.column === '*') && !(a.fn === 'sum' && a.column === 'amount')) problems.push(`aggregate ${a.fn}(${a.column}) is not count('*') or sum(amount)`);
  }
  if (spec.watermark && spec.watermark.column !== 'timestamp') problems.push(`the watermark is on ${spec.watermark.column}, not timestamp`);
  if (problems.length === 0) return null;
  return `a version 1 query spec runs only the seed's query shape (customer_id int, amount decimal(10,2), timestamp timestamp; `
    + `window(timestamp) and customer_id; count('*') and sum(amount)), and this one differs: ${problems.join('; ')}. `
    + 'Submit it as a version 2 spec (the job API builds one) to run it with the general engine.';
}
