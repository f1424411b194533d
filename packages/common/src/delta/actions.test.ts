import { strict as assert } from 'node:assert';
import { Action, parseActions, serialiseActions } from './actions';

describe('Delta actions', () => {
  it('serialises one action per line in the protocol examples exact shape', () => {
    const actions: Action[] = [
      { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
      { txn: { appId: '3ba13872-2d47-4e17-86a0-21afd2a22395', version: 364475 } },
      {
        remove: {
          path: 'part-00001-9.snappy.parquet',
          deletionTimestamp: 1515488792485,
          dataChange: true,
        },
      },
    ];
    const expected =
      '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}\n' +
      '{"txn":{"appId":"3ba13872-2d47-4e17-86a0-21afd2a22395","version":364475}}\n' +
      '{"remove":{"path":"part-00001-9.snappy.parquet","deletionTimestamp":1515488792485,"dataChange":true}}\n';
    assert.equal(serialiseActions(actions), expected);
  });

  it('writes an add with its stats as a JSON string inside the action', () => {
    const line = serialiseActions([
      {
        add: {
          path: 'date=2017-12-10/part-000.c000.gz.parquet',
          partitionValues: { date: '2017-12-10' },
          size: 841454,
          modificationTime: 1512909768000,
          dataChange: true,
          stats: '{"numRecords":1}',
        },
      },
    ]);
    assert.equal(
      line,
      '{"add":{"path":"date=2017-12-10/part-000.c000.gz.parquet","partitionValues":{"date":"2017-12-10"},' +
        '"size":841454,"modificationTime":1512909768000,"dataChange":true,"stats":"{\\"numRecords\\":1}"}}\n',
    );
  });

  it('reads a Spark-written commit, keeping actions it does not know as unknown', () => {
    const text =
      '{"commitInfo":{"timestamp":1603723967632,"operation":"WRITE","operationParameters":{"mode":"Append"},"isBlindAppend":true}}\n' +
      '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}\n' +
      '{"cdc":{"path":"_change_data/cdc-1.parquet","partitionValues":{},"size":1213,"dataChange":false}}\n' +
      '{"add":{"path":"a.parquet","partitionValues":{},"size":650,"modificationTime":1603723967000,"dataChange":true}}\n';
    const actions = parseActions(text);
    assert.equal(actions.length, 4);
    assert.deepEqual(actions[2], { unknown: 'cdc', body: { path: '_change_data/cdc-1.parquet', partitionValues: {}, size: 1213, dataChange: false } });
    assert.ok('add' in actions[3] && actions[3].add.size === 650);
  });

  it('refuses a txn version that a double cannot hold exactly', () => {
    assert.throws(() => serialiseActions([{ txn: { appId: 'q', version: 2 ** 53 + 2 } }]), /txn.version/);
  });

  it('names the line of a corrupt commit', () => {
    assert.throws(() => parseActions('{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}\n{"add":', 'commit 7'), /commit 7 line 2/);
    assert.throws(() => parseActions('{"add":{"path":"a"},"remove":{"path":"a"}}'), /exactly one action/);
  });
});
