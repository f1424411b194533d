/**
 * What a chaos run prints: each fault with the time from the moment it took effect to the next
 * committed batch, the median and worst of those times (overall and per kind), and the checks of
 * the verdict as mocha prints tests ("  ✓ …", then "  N passing" / "  N failing"), which .ci/run
 * counts like any suite. The checks of every query are listed, each titled with its query (the seed
 * query, the second, the string-key and update-mode queries, the CDC queries of SCD type 1 and 2).
 */
import { Check } from './verify';

export interface FaultRecord {
  index: number;
  name: string;
  detail: string;
  at: number;
  /** ms from the fault to the next committed batch; undefined when none came. */
  recoveryMs?: number;
  nextBatch?: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const secs = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(2)} s`);

export function printFaults(faults: FaultRecord[], startedAt: number, print: (s: string) => void): void {
  print('\nFaults injected:');
  for (const f of faults) {
    const next = f.recoveryMs === undefined ? 'no batch committed after it' : `next batch (${f.nextBatch}) committed after ${secs(f.recoveryMs)}`;
    print(`  #${String(f.index + 1).padStart(2)} +${((f.at - startedAt) / 1000).toFixed(1).padStart(6)} s  ${f.name}: ${f.detail}; ${next}`);
  }
  const times = faults.map((f) => f.recoveryMs).filter((x): x is number => x !== undefined);
  print(`\nTime from fault to next committed batch over ${times.length} of ${faults.length} faults: median ${secs(median(times))}, worst ${secs(Math.max(...times))}`);
  const kinds = [...new Set(faults.map((f) => f.name.split(' ')[0]))].sort();
  for (const k of kinds) {
    const ts = faults.filter((f) => f.name.split(' ')[0] === k).map((f) => f.recoveryMs).filter((x): x is number => x !== undefined);
    print(`  ${k.padEnd(16)} ${String(ts.length).padStart(2)}×  median ${secs(median(ts)).padStart(8)}  worst ${secs(ts.length ? Math.max(...ts) : NaN).padStart(8)}`);
  }
}

/** Prints the checks mocha-style; returns the number failed. */
export function printChecks(checks: Check[], print: (s: string) => void): number {
  print('\nVerdict:');
  for (const c of checks) {
    print(`  ${c.ok ? '✓' : '✗'} ${c.title}`);
    if (!c.ok && c.detail) print(c.detail.split('\n').map((l) => `      ${l}`).join('\n'));
  }
  const failed = checks.filter((c) => !c.ok).length;
  print('');
  print(`  ${checks.length - failed} passing`);
  if (failed > 0) print(`  ${failed} failing`);
  return failed;
}
