/** The seed job as a QuerySpec written out by hand, for tests that submit specs straight to a driver. */
import * as path from 'node:path';
import { QuerySpec } from '@tributary/common';

/** Sink at <dir>/delta/<name>, checkpoint at <dir>/checkpoints/<name>. */
export function seedSpec(bootstrap: string, topic: string, dir: string, name = 'q'): QuerySpec {
  return {
    version: 1,
    name,
    source: { format: 'kafka', bootstrapServers: bootstrap, topic, startingOffsets: 'earliest', failOnDataLoss: true },
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
      aggregates: [{ fn: 'count', column: '*', alias: 'event_count' }, { fn: 'sum', column: 'amount', alias: 'total_amount' }],
    },
    sink: { format: 'delta', path: path.join(dir, 'delta', name), outputMode: 'append', checkpointLocation: path.join(dir, 'checkpoints', name) },
    trigger: { kind: 'processingTime', interval: '200 milliseconds' },
    options: {},
  };
}

