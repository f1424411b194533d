import { strict as assert } from 'node:assert';
import { Action } from './actions';
import { CommitIntent, checkConflicts } from './conflict-checker';

const add = (path: string, dataChange = true): Action => ({ add: { path, partitionValues: {}, size: 1, modificationTime: 1, dataChange } });
const remove = (path: string, dataChange = true): Action => ({ remove: { path, dataChange, deletionTimestamp: 1 } });
const txn = (appId: string, version: number): Action => ({ txn: { appId, version } });

const blindAppend: CommitIntent = { tablePath: '/t', txn: { appId: 'q', version: 5 }, removedPaths: [], readPaths: [], readWholeTable: false };
const complete: CommitIntent = { ...blindAppend, removedPaths: ['old-1.parquet'], readWholeTable: true };
const compaction: CommitIntent = { tablePath: '/t', removedPaths: ['a%20b.parquet'], readPaths: ['c.parquet'], readWholeTable: false };

interface Case {
  name: string;
  intent: CommitIntent;
  winners: Action[][];
  expect: string; // 'retry' | 'skip' | 'fail:<check>'
}

const cases: Case[] = [
  { name: 'a blind append after another blind append retries', intent: blindAppend, winners: [[add('x.parquet'), txn('other', 9)]], expect: 'retry' },
  { name: 'a winner holding our txn at our version skips', intent: blindAppend, winners: [[add('x.parquet'), txn('q', 5)]], expect: 'skip' },
  { name: 'a winner holding our txn beyond our version skips', intent: blindAppend, winners: [[txn('q', 7)]], expect: 'skip' },
  { name: 'our txn in a later winner skips even when an earlier winner changed metadata', intent: blindAppend, winners: [[{ metaData: { id: 'i', format: { provider: 'parquet', options: {} }, schemaString: '{}', partitionColumns: [], configuration: {} } }], [txn('q', 5)]], expect: 'skip' },
  { name: 'a winner holding our appId below our version fails', intent: blindAppend, winners: [[txn('q', 4)]], expect: 'fail:ConcurrentTransaction' },
  { name: 'a protocol change fails', intent: blindAppend, winners: [[{ protocol: { minReaderVersion: 1, minWriterVersion: 3 } }]], expect: 'fail:ProtocolChanged' },
  { name: 'a metadata change fails', intent: blindAppend, winners: [[add('y.parquet')], [{ metaData: { id: 'i', format: { provider: 'parquet', options: {} }, schemaString: '{}', partitionColumns: [], configuration: {} } }]], expect: 'fail:MetadataChanged' },
  { name: 'removing a file a winner removed fails (same file, other spelling)', intent: compaction, winners: [[remove('a b.parquet')]], expect: 'fail:ConcurrentDeleteDelete' },
  { name: 'a winner removing a file we read fails', intent: compaction, winners: [[remove('c.parquet', false), add('d.parquet', false)]], expect: 'fail:ConcurrentDeleteRead' },
  { name: 'a winner adding data while we read the whole table fails', intent: complete, winners: [[add('new.parquet')]], expect: 'fail:ConcurrentAppend' },
  { name: 'a winner removing data while we read the whole table fails', intent: { ...complete, removedPaths: [] }, winners: [[remove('z.parquet')]], expect: 'fail:ConcurrentDeleteRead' },
  { name: 'a winner that only rearranges files does not stop a complete-mode commit', intent: { ...complete, removedPaths: [] }, winners: [[add('compacted.parquet', false)]], expect: 'retry' },
  { name: 'a compaction that touched other files retries', intent: compaction, winners: [[remove('e.parquet'), add('f.parquet')]], expect: 'retry' },
];

describe('conflict checks after a lost commit race', () => {
  for (const c of cases) {
    it(c.name, () => {
      const decision = checkConflicts(c.intent, c.winners.map((actions, i) => ({ version: 10 + i, actions })));
      const got = decision.kind === 'fail' ? `fail:${decision.check}` : decision.kind;
      assert.equal(got, c.expect);
    });
  }
});
