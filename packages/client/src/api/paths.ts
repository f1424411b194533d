import * as path from 'node:path';
import { isObjectStoreLocation, type QuerySpec, type QuerySpecV2 } from '@tributary/common';

/**
 * The spec with its relative locations (table, checkpoint, side tables) made absolute against
 * `base`, the directory of the process that submits it: as in Spark, where a relative path is
 * qualified against the working directory of the application that starts the query. The driver
 * refuses relative paths instead of resolving them against its own directory. Object-store URLs
 * (`s3://bucket/…`) are left as they are.
 */
export function withAbsolutePaths<S extends QuerySpec | QuerySpecV2>(spec: S, base: string = process.cwd()): S {
  const abs = (p: unknown): unknown =>
    (typeof p === 'string' && p.trim() !== '' && !path.isAbsolute(p) && !isObjectStoreLocation(p) ? path.resolve(base, p) : p);
  if (spec === null || typeof spec !== 'object') return spec;
  const out = { ...spec };
  if (spec.sink !== null && typeof spec.sink === 'object') {
    out.sink = { ...spec.sink, path: abs(spec.sink.path) as string, checkpointLocation: abs(spec.sink.checkpointLocation) as string };
  }
  if (spec.options !== null && typeof spec.options === 'object') {
    out.options = { ...spec.options };
    if (spec.options.quarantinePath !== undefined) out.options.quarantinePath = abs(spec.options.quarantinePath) as string;
    if (spec.options.lateRowsPath !== undefined) out.options.lateRowsPath = abs(spec.options.lateRowsPath) as string;
  }
  return out;
}
