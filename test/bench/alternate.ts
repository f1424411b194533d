/**
 * Alternating runs of the benchmark in two checkouts: this one and a baseline (e.g. the previous
 * main, cloned and built beside it), so that a change is compared with what it replaces under the
 * same machine conditions. Each round runs the baseline, then this checkout, each as its own
 * `node test/dist/bench/main.js <args>` process with its own servers; the reports' throughputs are
 * read back from their report.json and printed per round, with the mean ratio.
 *
 *   npm run build && node test/dist/bench/alternate.js --baseline ../prev-main [--rounds 3] -- --only backlog --events 16000000
 *
 * The baseline must be built (`npm ci && npm run build` in it). Only the backlog runs' throughputs
 * (the seed job, and the ingest and two-key jobs where the baseline has them) are compared.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Throughputs { [job: string]: number | undefined }

function usage(): never {
  console.error('usage: node test/dist/bench/alternate.js --baseline DIR [--rounds N] -- <npm run bench options>');
  process.exit(2);
}

function parse(argv: string[]): { baseline: string; rounds: number; benchArgs: string[] } {
  const sep = argv.indexOf('--');
  const own = sep < 0 ? argv : argv.slice(0, sep);
  const benchArgs = sep < 0 ? [] : argv.slice(sep + 1);
  let baseline: string | undefined;
  let rounds = 3;
  for (let i = 0; i < own.length; i += 2) {
    if (own[i] === '--baseline') baseline = own[i + 1];
    else if (own[i] === '--rounds') rounds = Number(own[i + 1]);
    else usage();
  }
  if (baseline === undefined || !(rounds >= 1)) usage();
  return { baseline: path.resolve(baseline), rounds, benchArgs };
}

/**
 * The bench arguments for `checkout`: an `--only` list keeps the runs its usage text names (an
 * older baseline has fewer jobs; those it lacks run in this checkout only).
 */
function argsFor(checkout: string, benchArgs: string[]): string[] {
  const at = benchArgs.indexOf('--only');
  if (at < 0 || at + 1 >= benchArgs.length) return benchArgs;
  const help = spawnSync(process.execPath, [path.join(checkout, 'test', 'dist', 'bench', 'main.js'), '--help'], { cwd: checkout, encoding: 'utf8' });
  // the option's paragraph: its line and the indented lines after it, up to the next option
  const lines = `${help.stdout}${help.stderr}`.split('\n');
  const first = lines.findIndex((l) => l.trimStart().startsWith('--only'));
  let last = first + 1;
  while (first >= 0 && last < lines.length && !lines[last].trimStart().startsWith('--')) last++;
  const paragraph = first < 0 ? '' : lines.slice(first, last).join(' ');
  const known = benchArgs[at + 1].split(',').filter((run) => new RegExp(`(^|[\\s,|(])${run}([\\s,|)]|$)`).test(paragraph));
  if (known.length === 0) throw new Error(`the bench in ${checkout} has none of the runs ${benchArgs[at + 1]}`);
  return [...benchArgs.slice(0, at + 1), known.join(','), ...benchArgs.slice(at + 2)];
}

/** Runs the bench of `checkout` and returns its backlog throughputs by job. */
function runBench(checkout: string, benchArgs: string[], out: string): Throughputs {
  const main = path.join(checkout, 'test', 'dist', 'bench', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} does not exist: build that checkout first (npm ci && npm run build)`);
  const run = spawnSync(process.execPath, [main, ...argsFor(checkout, benchArgs), '--out', out], { cwd: checkout, stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error(`the bench in ${checkout} exited with ${run.status}`);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as {
    backlog?: { eventsPerSecond: number };
    jobs?: { job: string; eventsPerSecond?: number }[];
  };
  const t: Throughputs = { seed: report.backlog?.eventsPerSecond };
  for (const j of report.jobs ?? []) t[j.job] = j.eventsPerSecond;
  return t;
}

function main(): void {
  const { baseline, rounds, benchArgs } = parse(process.argv.slice(2));
  const here = path.resolve(__dirname, '..', '..', '..');
  const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-alternate-'));
  const rows: { round: number; base: Throughputs; head: Throughputs; load: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const base = runBench(baseline, benchArgs, path.join(outRoot, `base-${round}`));
    const head = runBench(here, benchArgs, path.join(outRoot, `head-${round}`));
    rows.push({ round, base, head, load: os.loadavg()[0] });
  }
  const jobs = [...new Set(rows.flatMap((r) => Object.keys(r.head)))].filter((j) => rows.some((r) => r.head[j] !== undefined));
  const fmt = (v: number | undefined) => (v === undefined ? '—' : Math.round(v).toLocaleString('en-US'));
  console.log(`\nalternating runs: baseline ${baseline} vs this checkout ${here}; bench ${benchArgs.join(' ')}`);
  for (const job of jobs) {
    console.log(`\n${job} job, events/s:\n| round | load | baseline | this checkout | ratio |\n|---|---|---|---|---|`);
    const ratios: number[] = [];
    for (const r of rows) {
      const b = r.base[job];
      const h = r.head[job];
      const ratio = b && h ? h / b : undefined;
      if (ratio !== undefined) ratios.push(ratio);
      console.log(`| ${r.round} | ${r.load.toFixed(1)} | ${fmt(b)} | ${fmt(h)} | ${ratio === undefined ? '—' : ratio.toFixed(2)} |`);
    }
    const mean = (k: 'base' | 'head') => {
      const v = rows.map((r) => r[k][job]).filter((x): x is number => x !== undefined);
      return v.length ? v.reduce((a, x) => a + x, 0) / v.length : undefined;
    };
    const mb = mean('base');
    const mh = mean('head');
    console.log(`| mean | | ${fmt(mb)} | ${fmt(mh)} | ${mb && mh ? (mh / mb).toFixed(2) : '—'} |`);
  }
  console.log(`\nreports under ${outRoot}`);
}

main();
