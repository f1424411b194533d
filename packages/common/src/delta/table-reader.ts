/**
 * Reads the rows of a snapshot: every live data file, decoded with the table schema's Arrow types.
 * For checks, tests and small tables: it holds the whole table in memory. Partitioned tables and
 * deletion vectors are not read here (partition values would have to be materialised as columns).
 */
import { promises as fs } from 'node:fs';
import * as arrow from 'apache-arrow';
import { InvalidArgumentError } from '../errors';
import { readParquet } from '../parquet';
import { toArrowSchema } from './arrow-schema';
import { readSnapshot, snapshotSchema } from './snapshot';

export async function readTableRows(tablePath: string, opts: { version?: number } = {}): Promise<arrow.Table> {
  const snapshot = await readSnapshot(tablePath, opts);
  if (snapshot.metadata.partitionColumns.length > 0) {
    throw new InvalidArgumentError(`${tablePath}: readTableRows does not read partitioned tables yet`);
  }
  const deltaSchema = snapshotSchema(snapshot);
  const names = deltaSchema.fields.map((f) => f.name);
  let schema: arrow.Schema | undefined;
  const batches: arrow.RecordBatch[] = [];
  for (const file of [...snapshot.files.keys()].sort()) {
    const table = readParquet(await fs.readFile(file), { columns: names });
    for (const batch of table.batches) {
      const children = names.map((name) => {
        const column = batch.getChild(name);
        if (!column) throw new InvalidArgumentError(`${file} has no column '${name}'`, { code: 'DELTA_DATA_FILE_INVALID' });
        return column.data[0];
      });
      schema ??= new arrow.Schema(children.map((d, i) => new arrow.Field(names[i], d.type, deltaSchema.fields[i].nullable)));
      const rows = arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children });
      batches.push(new arrow.RecordBatch(schema, rows));
    }
  }
  return new arrow.Table(schema ?? toArrowSchema(deltaSchema), batches);
}
