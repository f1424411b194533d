/**
 * A damaged commit (issue: "Why" 7): the newest commit of the main table loses its last `add` line
 * at a line boundary while the query is stopped, as disk damage would leave it. Submitting the query
 * again must be refused naming the damaged version (its `.crc` no longer matches the log), and
 * nothing more may be committed to the table: the rows of that file are not lost silently.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventGenerator, produceEvents } from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { deltaCommits, MINUTE, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';

describe('a damaged Delta commit', function () {
  this.timeout(5 * 60_000);
  const fx = clusterPerTest('tributary-damaged-commit-', 2);

  it('is refused at the next submit, naming the version, and nothing more is committed', async () => {
    const topic = `customer_events_damaged_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 11, customers: 200, eventsPerSecond: 10, outOfOrderShare: 0, maxDisorderMicros: MINUTE });
    const events = gen.phaseInOrder(6_000);
    const closing = gen.phaseCloseAll(2);
    await produceEvents(bootstrap, topic, 2, events);
    await produceEvents(bootstrap, topic, 2, closing);
    const table = path.join(fx.dir, 'delta', 'customer_aggregates');
    const checkpoint = path.join(fx.dir, 'checkpoints', 'customers');

    const first = await startSeedJob(fx.cluster.driverAddress, { bootstrap, topic, table, checkpoint });
    fx.track(first.client);
    const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
    await waitUntil(first.query, async () => watermarkMicros(await first.query.lastProgress()) >= finalWatermark, 120_000,
      async () => JSON.stringify(await first.query.lastProgress()));
    await first.query.stop();

    // Drop the last `add` line of the newest commit that has one, keeping whole lines.
    const withAdds = deltaCommits(table).filter((c) => c.actions.some((a) => a.add));
    assert.ok(withAdds.length > 0, 'the query committed no data file');
    const damaged = withAdds[withAdds.length - 1].version;
    const name = `${String(damaged).padStart(20, '0')}.json`;
    const file = path.join(table, '_delta_log', name);
    assert.ok(fs.existsSync(path.join(table, '_delta_log', `${String(damaged).padStart(20, '0')}.crc`)), 'no checksum was written beside the commit');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const lastAdd = lines.map((l) => 'add' in JSON.parse(l)).lastIndexOf(true);
    fs.writeFileSync(file, lines.filter((_, i) => i !== lastAdd).map((l) => l + '\n').join(''));
    const versionsBefore = deltaCommits(table).length;

    await assert.rejects(
      async () => {
        const again = await startSeedJob(fx.cluster.driverAddress, { bootstrap, topic, table, checkpoint });
        fx.track(again.client);
        // If the submit were accepted, the damage must still stop the query before it commits.
        await waitUntil(again.query, async () => false, 20_000, async () => JSON.stringify(await again.query.status()));
      },
      (err: Error) => {
        assert.match(err.message, new RegExp(`${name}.*damaged|damaged.*${name}`));
        return true;
      },
    );
    assert.equal(deltaCommits(table).length, versionsBefore, 'a commit was added on top of the damaged log');
  });
});
