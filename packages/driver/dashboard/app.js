// The dashboard page: listens to /events (Server-Sent Events, one `snapshot` event per update; the
// snapshot's shape is DashboardSnapshot in packages/driver/src/dashboard/snapshot.ts) and renders
// it. Every value from the driver reaches the page as text (textContent), never as markup.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let selectedQuery = null;
  let charts = {};
  let chartQuery = null;

  // ---- small DOM helpers --------------------------------------------------------------------------

  function el(tag, props, children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'text') e.textContent = v;
        else if (k === 'className') e.className = v;
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k === 'onclick') e.addEventListener('click', v);
        else if (k === 'width') e.style.width = v;
        else e.setAttribute(k, v);
      }
    }
    for (const c of children || []) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }

  function td(text, className) {
    return el('td', className ? { text: String(text), className } : { text: String(text) });
  }

  function fillBody(table, rows) {
    const body = table.tBodies[0];
    body.replaceChildren(...rows);
  }

  const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
  const fmt1 = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
  function bytes(n) {
    if (!n) return '0 B';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${fmt1.format(n)} ${units[i]}`;
  }
  function secondsText(ms) { return ms === null || ms === undefined ? '–' : `${fmt1.format(ms / 1000)} s`; }

  // ---- charts (uPlot) -----------------------------------------------------------------------------

  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

  function makeChart(target, series, axes) {
    const width = Math.max(300, target.clientWidth || 440);
    const opts = {
      width,
      height: 200,
      scales: { x: { time: true } },
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5, scale: s.scale || 'y', points: { show: false } }))],
      axes: [{}, ...(axes || [{ scale: 'y' }]).map((a) => ({ size: 64, ...a }))],
      legend: { live: false },
    };
    const data = [[], ...series.map(() => [])];
    target.replaceChildren();
    return new uPlot(opts, data, target);
  }

  function ensureCharts(q) {
    if (chartQuery === q.id) return;
    for (const c of Object.values(charts)) c.destroy();
    chartQuery = q.id;
    charts = {
      rates: makeChart($('chart-rates'), [{ label: 'input (arrived in Kafka)' }, { label: 'processing' }]),
      steps: makeChart($('chart-steps'), [
        { label: 'latestOffset' }, { label: 'walCommit' }, { label: 'addBatch' }, { label: 'sinkCommit' }, { label: 'commitOffsets' }, { label: 'total' },
      ]),
      watermark: makeChart($('chart-watermark'), [{ label: 'event-time max − watermark' }, { label: 'trigger time − watermark' }]),
      state: makeChart($('chart-state'), [{ label: 'state rows' }, { label: 'state memory (MiB)', scale: 'mem' }], [{ scale: 'y' }, { scale: 'mem', side: 1, grid: { show: false } }]),
    };
  }

  function drawCharts(q) {
    ensureCharts(q);
    const b = q.batches;
    const x = b.map((p) => p.atMs / 1000);
    charts.rates.setData([x, b.map((p) => p.inputRate), b.map((p) => p.processingRate)]);
    charts.steps.setData([x, ...['latestOffset', 'walCommit', 'addBatch', 'sinkCommit', 'commitOffsets', 'total'].map((s) => b.map((p) => p.steps[s] ?? 0))]);
    charts.watermark.setData([x, b.map((p) => (p.eventTimeGapMs === null ? null : p.eventTimeGapMs / 1000)), b.map((p) => (p.wallGapMs === null ? null : p.wallGapMs / 1000))]);
    charts.state.setData([x, b.map((p) => p.stateRows), b.map((p) => p.stateMemoryBytes / 1048576)]);
  }

  // ---- panels -------------------------------------------------------------------------------------

  function renderQueries(snapshot) {
    const qs = snapshot.queries;
    $('no-queries').hidden = qs.length > 0;
    if (!qs.some((q) => q.id === selectedQuery)) {
      selectedQuery = (qs.find((q) => q.state === 'ACTIVE') || qs[0] || { id: null }).id;
    }
    fillBody($('queries'), qs.map((q) => el('tr', {
      className: `selectable${q.id === selectedQuery ? ' selected' : ''}`,
      dataset: { query: q.id },
      onclick: () => { selectedQuery = q.id; render(snapshot); },
    }, [td(q.name || '(unnamed)'), td(q.id), td(q.state, `state state-${q.state}`), td(q.lastCommittedBatch), td(q.error || q.message, 'detail')])));
  }

  function renderQuery(q) {
    $('query-detail').hidden = !q;
    if (!q) return;
    $('query-title').textContent = `${q.name || q.id} · ${q.state}`;
    const last = q.batches[q.batches.length - 1];
    $('rates-latest').textContent = last
      ? `batch ${last.batchId}: input ${fmt.format(last.inputRate)}/s · processing ${fmt.format(last.processingRate)}/s · ${fmt.format(last.numInputRows)} rows`
      : 'no batch yet';
    $('steps-latest').textContent = last
      ? `batch ${last.batchId}: ${fmt.format(last.steps.total)} ms — ` + ['latestOffset', 'walCommit', 'addBatch', 'sinkCommit', 'commitOffsets'].map((s) => `${s} ${fmt.format(last.steps[s])}`).join(' · ')
      : '';
    $('watermark-latest').textContent = last
      ? `watermark ${last.watermark || '–'} · event-time gap ${secondsText(last.eventTimeGapMs)} · behind now ${secondsText(last.wallGapMs)}`
      : '';
    $('state-latest').textContent = last ? `${fmt.format(last.stateRows)} rows · ${bytes(last.stateMemoryBytes)}` : '';
    drawCharts(q);

    const maxLag = Math.max(1, ...q.lag.map((l) => l.lag));
    fillBody($('lag'), q.lag.map((l) => el('tr', { dataset: { partition: String(l.partition) } }, [
      td(l.partition), td(l.latestOffset), td(l.endOffset), td(fmt.format(l.lag)),
      el('td', {}, [el('div', { className: 'bar', width: `${Math.round((l.lag / maxLag) * 160)}px` })]),
    ])));

    $('bad-totals').textContent = `late rows ${fmt.format(q.totals.late)} · bad records ${fmt.format(q.totals.bad)} · quarantined ${fmt.format(q.totals.quarantined)}`;
    fillBody($('bad-reasons'), Object.entries(q.totals.badByReason).map(([reason, n]) => el('tr', {}, [td(reason), td(fmt.format(n))])));
    fillBody($('bad-samples'), q.badRecordSamples.map((s) => el('tr', {}, [td(s.reason), td(s.detail, 'detail'), td(s.partition), td(s.offset), td(s.batchId)])));

    const r = q.results;
    $('results-selection').textContent = r ? `(table version ${r.version}; ${r.selection})` : '';
    const head = $('results').tHead;
    head.replaceChildren(el('tr', {}, (r ? r.columns : []).map((c) => el('th', { text: c }))));
    fillBody($('results'), (r ? r.rows : []).map((row) => el('tr', {}, row.map((v) => td(v)))));

    fillBody($('commits'), q.commits.map((c) => el('tr', {}, [
      td(c.version), td(c.batchId === null ? '–' : c.batchId), td(c.operation), td(c.timestampMs ? new Date(c.timestampMs).toISOString() : '–'),
      td(c.filesAdded), td(fmt.format(c.rowsAdded)), td(c.batchDurationMs === null ? '–' : fmt.format(c.batchDurationMs)),
      td(c.commitStepMs === null ? '–' : fmt.format(c.commitStepMs)),
    ])));
    $('table-error').hidden = !q.tableError;
    $('table-error').textContent = q.tableError ? `The query's tables could not be read: ${q.tableError}` : '';
    // A Kafka or webhook sink has no table: the results and commit panels say where the rows go.
    $('published-to').hidden = !q.publishedTo;
    $('published-to').textContent = q.publishedTo ? `This query publishes its rows to ${q.publishedTo}; it has no table to show.` : '';
    $('results-panel').hidden = Boolean(q.publishedTo);
    $('commits-panel').hidden = Boolean(q.publishedTo);
  }

  function renderExecutors(snapshot) {
    $('executors-note').textContent = `(lost after ${fmt1.format(snapshot.heartbeatTimeoutMs / 1000)} s without a heartbeat)`;
    fillBody($('executors'), snapshot.executors.map((e) => el('tr', { className: e.state, dataset: { executor: e.id, state: e.state } }, [
      td(e.id), td(e.address), td(e.state === 'lost' ? `lost at ${new Date(e.lostAtMs).toISOString().slice(11, 19)}` : 'live', `state state-${e.state}`),
      td(secondsText(e.heartbeatAgeMs)), td(e.tasksRunning), td(fmt.format(e.tasksCompleted)), td(`${fmt1.format(e.cpuPercent)} %`), td(bytes(e.rssBytes)),
    ])));
  }

  function render(snapshot) {
    $('clock').textContent = new Date(snapshot.atMs).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    renderQueries(snapshot);
    renderQuery(snapshot.queries.find((q) => q.id === selectedQuery) || null);
    renderExecutors(snapshot);
  }

  // ---- live updates -------------------------------------------------------------------------------

  const events = new EventSource('/events');
  events.addEventListener('open', () => { $('connection').textContent = 'live'; $('connection').className = 'badge live'; });
  events.addEventListener('error', () => { $('connection').textContent = 'reconnecting…'; $('connection').className = 'badge down'; });
  events.addEventListener('snapshot', (e) => render(JSON.parse(e.data)));
})();
