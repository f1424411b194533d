/**
 * Latencies of a steady-rate run, computed exactly from what Kafka and the Delta log hold:
 * - batch latency of an event: the commit time of the batch that read it (the Delta commit's
 *   commitInfo.timestamp, found by the query's txn version = batch id) minus the event's Kafka
 *   timestamp; the batch that read an offset comes from the progress reports' offset ranges;
 * - emission latency of a window [s, e): the commit time of the Delta commit holding the window's
 *   rows (by the add actions' window.start statistics) minus the Kafka timestamp of the first event
 *   whose event time reached e + delay, i.e. the first that moved the watermark to or past e.
 *   (Event time is the Kafka timestamp in this run.)
 * Events and windows before `fromMs` (warm-up) are left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRangeReader, type QueryProgress } from '@tributary/common';

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LatencyResult {
  batch: Percentiles;
  emission: Percentiles;
  emissionSamples: { windowEndMs: number; firstEventMs: number; commitMs: number; latencyMs: number }[];
}

export function percentiles(values: Float64Array): Percentiles {
  if (values.length === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const v = values.slice().sort();
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  let sum = 0;
  for (const x of v) sum += x;
  return { count: v.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: v[v.length - 1], mean: Math.round(sum / v.length) };
}

interface DeltaCommit { version: number; timestampMs: number; batchId: number | null; windowStarts: number[] }

function readDeltaCommits(table: string, queryId: string, windowMs: number): DeltaCommit[] {
  const log = path.join(table, '_delta_log');
  return fs.readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).sort().map((f) => {
    const actions = fs.readFileSync(path.join(log, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const info = actions.find((a) => a.commitInfo)?.commitInfo;
    const txn = actions.find((a) => a.txn && a.txn.appId === queryId)?.txn;
    const windowStarts = new Set<number>();
    for (const a of actions) {
      if (!a.add?.stats) continue;
      const s = JSON.parse(a.add.stats);
      if (!s.numRecords) continue;
      const lo = Date.parse(s.minValues.window.start);
      const hi = Date.parse(s.maxValues.window.start);
      for (let w = lo; w <= hi; w += windowMs) windowStarts.add(w);
    }
    return { version: Number(f.slice(0, 20)), timestampMs: info?.timestamp ?? 0, batchId: txn ? Number(txn.version) : null, windowStarts: [...windowStarts] };
  });
}

export async function measureLatency(args: {
  broker: string; topic: string; table: string; queryId: string; progress: QueryProgress[];
  windowMs: number; delayMs: number; fromMs: number;
}): Promise<LatencyResult> {
  const { windowMs, delayMs, fromMs } = args;
  const commits = readDeltaCommits(args.table, args.queryId, windowMs);
  const commitOfBatch = new Map<number, number>();
  for (const c of commits) if (c.batchId !== null) commitOfBatch.set(c.batchId, c.timestampMs);

  // Per partition: the batches' [from, to) ranges in offset order.
  const rangesOf = new Map<number, { from: number; to: number; commitMs: number }[]>();
  for (const p of args.progress) {
    const src = p.sources[0];
    const commitMs = commitOfBatch.get(p.batchId);
    if (!src?.startOffset || !src.endOffset || commitMs === undefined) continue;
    const start = src.startOffset[args.topic] ?? {};
    const end = src.endOffset[args.topic] ?? {};
    for (const [part, to] of Object.entries(end)) {
      const from = Number(start[part] ?? to);
      if (Number(to) > from) {
        const list = rangesOf.get(Number(part)) ?? [];
        list.push({ from, to: Number(to), commitMs });
        rangesOf.set(Number(part), list);
      }
    }
  }

  const latencies: number[] = [];
  /** boundary index k (window end e = k × window) → earliest Kafka timestamp with ts − delay ≥ e */
  const firstPast = new Map<number, number>();
  const reader = await createRangeReader({ brokers: [args.broker], clientId: 'tributary-bench-latency' });
  try {
    for (const [partition, ranges] of rangesOf) {
      ranges.sort((a, b) => a.from - b.from);
      const first = ranges[0].from;
      const last = ranges[ranges.length - 1].to;
      let r = 0;
      await reader.read({ topic: args.topic, partition, from: BigInt(first), to: BigInt(last) }, (c) => {
        for (let i = 0; i < c.count; i++) {
          const off = c.offset[i];
          while (r < ranges.length && off >= ranges[r].to) r++;
          const ts = c.timestampMs[i];
          const k = Math.floor((ts - delayMs) / windowMs);
          const prev = firstPast.get(k);
          if (prev === undefined || ts < prev) firstPast.set(k, ts);
          if (r < ranges.length && off >= ranges[r].from && ts >= fromMs) latencies.push(ranges[r].commitMs - ts);
        }
      });
    }
  } finally {
    await reader.close();
  }

  // The first event moving the watermark to or past end e: the earliest over boundaries ≥ e.
  const ks = [...firstPast.keys()].sort((a, b) => a - b);
  const suffixMin = new Map<number, number>();
  let min = Infinity;
  for (let i = ks.length - 1; i >= 0; i--) {
    min = Math.min(min, firstPast.get(ks[i])!);
    suffixMin.set(ks[i], min);
  }
  const emissionSamples: LatencyResult['emissionSamples'] = [];
  for (const c of commits) {
    for (const s of c.windowStarts) {
      const end = s + windowMs;
      const k = Math.round(end / windowMs);
      const idx = ks.findIndex((x) => x >= k);
      if (idx < 0) continue;
      const firstEventMs = suffixMin.get(ks[idx])!;
      if (end < fromMs) continue;
      emissionSamples.push({ windowEndMs: end, firstEventMs, commitMs: c.timestampMs, latencyMs: c.timestampMs - firstEventMs });
    }
  }
  return {
    batch: percentiles(Float64Array.from(latencies)),
    emission: percentiles(Float64Array.from(emissionSamples.map((e) => e.latencyMs))),
    emissionSamples,
  };
}
