import type { ResolvedQuery } from '../plan/resolved-query';
import { resolveQuery } from '../resolve/resolve-query';
import { upgradeSpec } from '../resolve/upgrade-spec';
import type { QuerySpec } from '../plan/query-spec';

/** The reference job (seed case 15) as a spec, written out by hand; tests change copies of it. */
export function referenceJobSpec(): QuerySpec {
  return {
    version: 1,
    source: {
      format: 'kafka',
      bootstrapServers: 'localhost:9092',
      topic: 'customer_events',
      startingOffsets: 'earliest',
      failOnDataLoss: true,
    },
    parse: {
      format: 'json',
      schema: [
        { name: 'customer_id', type: 'int', nullable: true },
        { name: 'event_type', type: 'string', nullable: true },
        { name: 'amount', type: { decimal: [10, 2] }, nullable: true },
        { name: 'timestamp', type: 'timestamp', nullable: true },
      ],
      timeZone: 'UTC',
    },
    watermark: { column: 'timestamp', delay: '10 minutes' },
    aggregation: {
      window: { column: 'timestamp', duration: '5 minutes' },
      keys: ['customer_id'],
      aggregates: [
        { fn: 'count', column: '*', alias: 'event_count' },
        { fn: 'sum', column: 'amount', alias: 'total_amount' },
      ],
    },
    sink: { format: 'delta', path: '/delta/customer_aggregates', outputMode: 'append', checkpointLocation: '/checkpoints/customers' },
    trigger: { kind: 'processingTime', interval: '10 seconds' },
    options: {},
  };
}

/** The reference job resolved as the driver resolves it (its v1 spec upgraded). */
export function referenceQuery(): ResolvedQuery {
  return resolveQuery(upgradeSpec(referenceJobSpec()));
}
