/**
 * The driver's dashboard in a real browser (headless Chromium driven by playwright-core): a real
 * cluster (Kafka, Redis, driver with --dashboard-port, 3 executor processes) runs the seed job while
 * events are produced continuously, and the page is read as a person sees it.
 *
 * Events are produced at 2,000 a second with event time running 100 times faster than the wall
 * clock (20 events per second of event time), so that 5-minute windows close every few seconds
 * once the 10-minute watermark delay has passed, and the results panel changes while one watches.
 *
 * Chromium: Debian's package (`apt-get install -y chromium`), at /usr/bin/chromium or
 * $TRIBUTARY_CHROMIUM. The screenshot is written to the run's temp directory each run, and to
 * docs/images/dashboard.png (the README's) when TRIBUTARY_UPDATE_SCREENSHOT=1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { EventBatch, EventGenerator, produceEvents, REPO_ROOT } from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { startSeedJob } from '../support/seed-run';

const CHROMIUM = process.env.TRIBUTARY_CHROMIUM ?? '/usr/bin/chromium';
const HEARTBEAT_TIMEOUT_MS = 3000;
/** After the timeout: the registry checks every half heartbeat interval, the page is pushed a snapshot every second. */
const LOST_SHOWN_WITHIN_MS = HEARTBEAT_TIMEOUT_MS + 2000;
const RATE = 2000;

/** Chunks of in-order events, a tenth of a second's worth each, until `signal` aborts. */
async function* steady(gen: EventGenerator, signal: AbortSignal): AsyncGenerator<EventBatch> {
  while (!signal.aborted) {
    yield gen.phaseInOrder(RATE / 10);
    await new Promise((r) => setImmediate(r));
  }
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).trim();
}

/** Waits until `read()` returns something other than `before` (polling), and returns it. */
async function changed(read: () => Promise<string>, before: string, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await read();
    if (now !== before) return now;
    if (Date.now() > deadline) throw new Error(`${what} did not change within ${timeoutMs} ms; it still reads:\n${now}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the dashboard in headless Chromium (real cluster: Kafka, Redis, driver + 3 executors)', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-browser-', 3, { dashboardPort: 0, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
  let browser: Browser | undefined;
  const stopProducing = new AbortController();
  let producing: Promise<unknown> = Promise.resolve();

  afterEach(async () => {
    stopProducing.abort();
    await producing.catch(() => {});
    await browser?.close();
  });

  it('loads without console errors, moves with the query, shows a killed executor as lost, and is photographed', async () => {
    assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
    const { cluster } = env;
    assert.match(cluster.dashboardUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);

    const topic = `customer_events_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 7, customers: 200, startMicros: Date.now() * 1000, eventsPerSecond: 20 });
    producing = produceEvents(bootstrap, topic, 8, steady(gen, stopProducing.signal), RATE);
    // The topic exists once the producer has sent its first chunk.
    await new Promise((r) => setTimeout(r, 2000));
    const { query, client } = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic, table: path.join(env.dir, 'delta', 'customer_aggregates'), checkpoint: path.join(env.dir, 'checkpoints', 'customers'),
      trigger: '500 milliseconds',
    });
    env.track(client);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => { if (!r.url().endsWith('/events')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`); });
    const response = await page.goto(cluster.dashboardUrl);
    assert.equal(response?.status(), 200);
    await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 30_000 });

    // The query is listed with its state, and every executor is live.
    await page.locator(`#queries tr[data-query="${query.id}"]`).waitFor({ timeout: 30_000 });
    assert.match(await text(page, `#queries tr[data-query="${query.id}"]`), /ACTIVE/);
    for (const id of ['exec-0', 'exec-1', 'exec-2']) {
      await page.locator(`#executors tr[data-executor="${id}"][data-state="live"]`).waitFor({ timeout: 10_000 });
    }

    // Results appear once the first windows close (event time 15 minutes in: about 9 s of producing).
    await page.locator('#results tbody tr').first().waitFor({ timeout: 180_000 });
    await page.locator('#rates-latest', { hasText: 'batch' }).waitFor({ timeout: 30_000 });

    // Two readings of the input-rate and results panels, a few seconds apart, differ.
    const rates1 = await text(page, '#rates-latest');
    const results1 = await text(page, '#results-panel');
    const rates2 = await changed(() => text(page, '#rates-latest'), rates1, 30_000, 'the input-rate panel');
    const results2 = await changed(() => text(page, '#results-panel'), results1, 60_000, 'the results panel');
    assert.notEqual(rates2, rates1);
    assert.notEqual(results2, results1);

    // The results panel holds the newest window's top rows, at most 10, by total_amount descending:
    // checked against the page's own cells and the table version it names.
    const header = await page.locator('#results thead th').allInnerTexts();
    assert.deepEqual(header, ['window', 'customer_id', 'event_count', 'total_amount']);
    const rows = await page.locator('#results tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.ok(rows.length >= 1 && rows.length <= 10, `1 to 10 result rows, got ${rows.length}`);
    assert.equal(new Set(rows.map((r) => r[0])).size, 1, `one window: ${rows.map((r) => r[0]).join(' | ')}`);
    const totals = rows.map((r) => Number(r[3]));
    assert.deepEqual(totals, [...totals].sort((a, b) => b - a));
    const events = rows.map((r) => Number(r[2]));
    assert.ok(events.every((n) => Number.isInteger(n) && n >= 1));

    // The panels agree with the driver's own snapshot and with the query's progress over gRPC.
    const snapshot = await (await fetch(new URL('/api/snapshot', cluster.dashboardUrl))).json() as any;
    const progress = await query.recentProgress();
    const q = snapshot.queries.find((x: any) => x.id === query.id);
    assert.ok(q, 'the snapshot lists the query');
    const common = q.batches.filter((b: any) => progress.some((p) => p.batchId === b.batchId));
    assert.ok(common.length > 0);
    for (const b of common) {
      const p = progress.find((x) => x.batchId === b.batchId)!;
      assert.equal(b.numInputRows, p.numInputRows);
      assert.equal(b.steps.total, p.durationMs.triggerExecution);
      assert.equal(b.stateRows, p.stateOperators.reduce((a, s) => a + s.numRowsTotal, 0));
    }
    const last = progress.at(-1)!;
    for (const l of q.lag) {
      const latest = BigInt(last.sources[0].latestOffset![topic][String(l.partition)]);
      const end = BigInt(last.sources[0].endOffset![topic][String(l.partition)]);
      if (q.batches.at(-1).batchId === last.batchId) assert.equal(l.lag, Number(latest - end));
    }
    for (const c of q.commits.filter((c: any) => c.batchId !== null)) {
      assert.ok(c.filesAdded >= 0 && c.rowsAdded >= 0);
    }

    const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-dashboard-'));
    await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });
    if (process.env.TRIBUTARY_UPDATE_SCREENSHOT === '1') {
      fs.mkdirSync(path.join(REPO_ROOT, 'docs', 'images'), { recursive: true });
      await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'images', 'dashboard.png'), fullPage: true });
    }

    // An executor killed with SIGKILL shows as lost within its heartbeat timeout (plus the check and
    // push intervals); sooner when a task call of a running batch finds it gone first.
    const killedAt = Date.now();
    cluster.kill('exec-2', 'SIGKILL');
    await page.locator('#executors tr[data-executor="exec-2"][data-state="lost"]').waitFor({ timeout: LOST_SHOWN_WITHIN_MS });
    const shownAfter = Date.now() - killedAt;
    assert.ok(shownAfter <= LOST_SHOWN_WITHIN_MS, `shown as lost after ${shownAfter} ms`);
    assert.match(await text(page, '#executors tr[data-executor="exec-2"]'), /lost at/);
    for (const id of ['exec-0', 'exec-1']) assert.equal(await page.locator(`#executors tr[data-executor="${id}"][data-state="live"]`).count(), 1);
    await page.screenshot({ path: path.join(shots, 'dashboard-executor-lost.png'), fullPage: true });
    console.log(`      screenshots in ${shots}`);

    assert.deepEqual(problems, []);
    await query.stop();
  });
});
