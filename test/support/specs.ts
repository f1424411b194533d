/** The seed job as a QuerySpec, for tests that submit specs straight to a driver. */
import * as path from 'node:path';
import { QuerySpec, referenceJobSpec } from '@tributary/common';

/** The reference job on `topic` of `bootstrap`; sink at <dir>/delta/<name>, checkpoint at <dir>/checkpoints/<name>. */
export function seedSpec(bootstrap: string, topic: string, dir: string, name = 'q'): QuerySpec {
  const spec = referenceJobSpec();
  return {
    ...spec,
    name,
    source: { ...spec.source, bootstrapServers: bootstrap, topic },
    sink: { ...spec.sink, path: path.join(dir, 'delta', name), checkpointLocation: path.join(dir, 'checkpoints', name) },
    trigger: { kind: 'processingTime', interval: '200 milliseconds' },
  };
}
