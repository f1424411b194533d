/** Command line of `npm run bench -- [seed|state|delta] [--option value]…`. */

export interface BenchOptions {
  command: 'seed' | 'state' | 'delta';
  quick: boolean;
  events: number;
  executors: number;
  partitions: number;
  customers: number;
  batch: number;
  rate: number;
  durationS: number;
  warmupS: number;
  trigger: string;
  window: string;
  delay: string;
  keys: number;
  probeEvents: number;
  /** CDC run: keys of the table (inserted first) and changes of the measured backlog. */
  cdcKeys: number;
  changes: number;
  seed: number;
  profile: boolean;
  /** The runs of the seed command to do (default all of them, in this order). */
  only: BenchRun[];
  out: string | null;
  keep: boolean;
  spark: boolean;
}

/** The runs of the seed command: the seed job's backlog and steady runs, and the backlog runs of the general jobs (query-jobs.ts). */
export type BenchRun = 'backlog' | 'ingest' | 'two-key' | 'sliding' | 'cdc' | 'steady' | 'update-commit';
export const BENCH_RUNS: readonly BenchRun[] = ['backlog', 'ingest', 'two-key', 'sliding', 'cdc', 'steady', 'update-commit'];

export const USAGE = `npm run bench -- [seed|state|delta] [options]
  seed (default)   backlog throughput + reader ceiling of the seed job, backlog throughput of the ingest,
                   two-key and sliding-window jobs (test/bench/query-jobs.ts), CDC apply throughput
                   (test/bench/cdc-bench.ts), then steady-rate latency of the seed job
  state            "state that scales": reduce cost of small batches as state grows to --keys
  delta            the Delta benchmark (test/bench/delta-bench.ts), when present
options:
  --events N        backlog events of each job (default 80,000,000, for ≥ 30 s measured at up to ~2.6 M/s; --quick 1,000,000)
  --executors E     executor processes (default 2)
  --partitions P    Kafka partitions (default 8)
  --customers C     distinct customer ids (default 100,000)
  --batch B         maxOffsetsPerTrigger of the backlog run (default 1,000,000)
  --rate R          steady input, events/s (default 100,000)
  --duration S      measured seconds of the steady run (default 30; --quick 8)
  --warmup S        steady warm-up seconds, not measured (default 10; --quick 3)
  --trigger T       steady processing-time trigger (default '100 milliseconds')
  --window W        steady window (default '2 seconds'; '5 minutes' with --delay '10 minutes' = the seed job)
  --delay D         steady watermark delay (default '4 seconds')
  --keys K          state run: keys in state at the end (default 5,000,000; --quick 300,000)
  --probe-events N  state run: events per probe batch (default 10,000)
  --cdc-keys K      cdc run: keys inserted into the table first (default 1,000,000)
  --changes N       cdc run: changes of the measured backlog (default 8,000,000; --quick 1,000,000)
  --only RUNS       some of the runs, comma-separated: backlog (the seed job), ingest, two-key, sliding, cdc, steady,
                    update-commit (update mode's commit of 10,000 keys on tables of 100,000 and 10,000,000 rows)
  --profile         driver and executors run with node --cpu-prof; the report attributes CPU to stages
  --spark           after each run, the same on Apache Spark Structured Streaming (local mode; the
                    backlog on the same topic, the steady run on a fresh one at the same rate; fetches
                    Spark from Maven Central once; e.g. --only backlog --events 20000000, or --only
                    steady --rate 10000 --warmup 30 --duration 60)
  --out DIR         where report.json and report.html go (default bench-results/<time>)
  --keep            keep the servers' and the cluster's directory (logs, tables, checkpoints)
  --quick           a short sanity run`;

export function parseOptions(argv: string[]): BenchOptions {
  const args = [...argv];
  let command: BenchOptions['command'] = 'seed';
  if (args[0] && !args[0].startsWith('--')) {
    const c = args.shift()!;
    if (c !== 'seed' && c !== 'state' && c !== 'delta') throw new Error(`unknown subcommand '${c}'\n${USAGE}`);
    command = c;
  }
  const flags = new Map<string, string>();
  const bools = new Set(['quick', 'profile', 'keep', 'help', 'spark']);
  while (args.length) {
    const a = args.shift()!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'\n${USAGE}`);
    const name = a.slice(2);
    if (bools.has(name)) { flags.set(name, 'true'); continue; }
    const v = args.shift();
    if (v === undefined) throw new Error(`--${name} needs a value\n${USAGE}`);
    flags.set(name, v);
  }
  if (flags.has('help')) { console.log(USAGE); process.exit(0); }
  const known = new Set(['quick', 'profile', 'keep', 'spark', 'events', 'executors', 'partitions', 'customers', 'batch', 'rate', 'duration', 'warmup', 'trigger', 'window', 'delay', 'keys', 'probe-events', 'cdc-keys', 'changes', 'seed', 'only', 'out']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const quick = flags.has('quick');
  const num = (k: string, d: number) => {
    if (!flags.has(k)) return d;
    const v = Number(flags.get(k)!.replace(/[_,]/g, ''));
    if (!(v > 0)) throw new Error(`--${k} must be a positive number`);
    return v;
  };
  const only = flags.has('only') ? flags.get('only')!.split(',').map((r) => r.trim()) : [...BENCH_RUNS];
  for (const r of only) if (!BENCH_RUNS.includes(r as BenchRun)) throw new Error(`--only takes ${BENCH_RUNS.join(', ')} (comma-separated), not '${r}'\n${USAGE}`);
  return {
    command,
    quick,
    events: num('events', quick ? 1_000_000 : 80_000_000),
    executors: num('executors', 2),
    partitions: num('partitions', 8),
    customers: num('customers', 100_000),
    batch: num('batch', quick ? 250_000 : 1_000_000),
    rate: num('rate', 100_000),
    durationS: num('duration', quick ? 8 : 30),
    warmupS: num('warmup', quick ? 3 : 10),
    trigger: flags.get('trigger') ?? '100 milliseconds',
    window: flags.get('window') ?? '2 seconds',
    delay: flags.get('delay') ?? '4 seconds',
    keys: num('keys', quick ? 300_000 : 5_000_000),
    probeEvents: num('probe-events', 10_000),
    cdcKeys: num('cdc-keys', 1_000_000),
    changes: num('changes', quick ? 1_000_000 : 8_000_000),
    seed: num('seed', 42),
    profile: flags.has('profile'),
    only: BENCH_RUNS.filter((r) => only.includes(r)),
    out: flags.get('out') ?? null,
    keep: flags.has('keep'),
    spark: flags.has('spark'),
  };
}
