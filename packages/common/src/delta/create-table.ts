/**
 * Version 0 of a table: commitInfo (CREATE TABLE), protocol {minReaderVersion 1, minWriterVersion 2}
 * and metaData, committed put-if-absent, then its version checksum (as every commit's). Creating a table that exists with the same columns and
 * partitioning is a no-op (two drivers starting at once both succeed); a different table there is
 * an error.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import { Action, ENGINE_INFO, Metadata, serialiseActions } from './actions';
import { LogStore } from './log-store';
import type { Storage } from '../storage/storage';
import { StructType, sameSchema, toSchemaString } from './schema';
import { ReplayState, readSnapshot, snapshotSchema } from './snapshot';
import { writeVersionChecksum } from './transaction';

export interface CreateTableOptions {
  partitionColumns?: string[];
  /** Table properties, e.g. `{'delta.appendOnly': 'true'}`. */
  configuration?: Record<string, string>;
  name?: string;
  description?: string;
  now?: () => number;
  /** Told when the version checksum could not be written. Default: ignored. */
  warn?: (message: string) => void;
}

export async function createTable(
  storage: Storage,
  tablePath: string,
  schema: StructType,
  opts: CreateTableOptions = {},
): Promise<{ created: boolean; version: number }> {
  const partitionColumns = opts.partitionColumns ?? [];
  for (const c of partitionColumns) {
    const f = schema.fields.find((x) => x.name === c);
    if (!f) throw new InvalidArgumentError(`partition column '${c}' is not a column of the schema`);
    if (f.type.kind !== 'primitive' && f.type.kind !== 'decimal') throw new InvalidArgumentError(`partition column '${c}' must have a primitive type`);
  }
  const store = new LogStore(storage, tablePath);
  if ((await store.list()).commits.length > 0) return existing(storage, tablePath, schema, partitionColumns);

  const now = (opts.now ?? Date.now)();
  const configuration = opts.configuration ?? {};
  const metaData: Metadata = {
    id: randomUUID(),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    format: { provider: 'parquet', options: {} },
    schemaString: toSchemaString(schema),
    partitionColumns,
    configuration,
    createdTime: now,
  };
  const txnId = randomUUID();
  const actions: Action[] = [
    {
      commitInfo: {
        timestamp: now,
        operation: 'CREATE TABLE',
        operationParameters: {
          partitionBy: JSON.stringify(partitionColumns),
          description: opts.description ?? null,
          properties: JSON.stringify(configuration),
        },
        isolationLevel: 'Serializable',
        isBlindAppend: true,
        engineInfo: ENGINE_INFO,
        txnId,
      },
    },
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    { metaData },
  ];
  if (await store.putIfAbsent(0, serialiseActions(actions))) {
    const state = new ReplayState(tablePath);
    state.apply(actions);
    await writeVersionChecksum(store, state.finish(0), txnId, opts.warn);
    return { created: true, version: 0 };
  }
  return existing(storage, tablePath, schema, partitionColumns);
}

async function existing(storage: Storage, tablePath: string, schema: StructType, partitionColumns: string[]): Promise<{ created: false; version: number }> {
  const snapshot = await readSnapshot(storage, tablePath);
  const same =
    sameSchema(snapshotSchema(snapshot), schema) && snapshot.metadata.partitionColumns.join('\u0000') === partitionColumns.join('\u0000');
  if (!same) {
    throw new InvalidArgumentError(`${tablePath} already exists with a different schema or partitioning`, {
      code: 'DELTA_TABLE_EXISTS',
    });
  }
  return { created: false, version: snapshot.version };
}
