/**
 * Read bounds: E processes (as many as executors) read the same offset ranges the engine read, with
 * the engine's range reader. Partitions are dealt round-robin. The rate is records over the slowest
 * reader's reading time (process start-up left out).
 *   locate: locating values only: the reader ceiling of issue 6.
 *   decode: the engine's struct decoder (the seed job's scan) over every value as well (see ceiling-reader.ts).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export type CeilingMode = 'locate' | 'decode';

export interface CeilingResult {
  mode: CeilingMode;
  readers: number;
  records: number;
  ms: number;
  wallMs: number;
  eventsPerSecond: number;
  readerCpuMs: number[];
  badRecords: number;
}

export async function measureCeiling(mode: CeilingMode, broker: string, topic: string, ranges: { partition: number; from: bigint; to: bigint }[], readers: number): Promise<CeilingResult> {
  const shares: string[][] = Array.from({ length: readers }, () => []);
  ranges.forEach((r, i) => shares[i % readers].push(`${r.partition}:${r.from}:${r.to}`));
  const script = path.join(__dirname, 'ceiling-reader.js');
  const t0 = performance.now();
  const outs = await Promise.all(shares.filter((s) => s.length > 0).map((share) => new Promise<any>((resolve, reject) => {
    const child = spawn(process.execPath, [script, mode, broker, topic, ...share], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`ceiling reader exited with ${code}`))));
  })));
  const wallMs = performance.now() - t0;
  // Rate over the readers' own reading time (the slowest), leaving out process start-up.
  const ms = Math.max(...outs.map((o) => o.ms));
  const records = outs.reduce((a, o) => a + o.records, 0);
  return { mode, readers, records, ms: Math.round(ms), wallMs: Math.round(wallMs), eventsPerSecond: Math.round((records / ms) * 1000), readerCpuMs: outs.map((o) => Math.round(o.cpuMs)), badRecords: outs.reduce((a, o) => a + o.badRecords, 0) };
}
