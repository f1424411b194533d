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
  seed: number;
  profile: boolean;
  only: 'backlog' | 'steady' | null;
  out: string | null;
  keep: boolean;
  spark: boolean;
}

export const USAGE = `npm run bench -- [seed|state|delta] [options]
  seed (default)   backlog throughput + reader ceiling, then steady-rate latency, of the seed job
  state            "state that scales": reduce cost of small batches as state grows to --keys
  delta            the Delta benchmark (test/bench/delta-bench.ts), when present
options:
  --events N        backlog events (default 80,000,000, for ≥ 30 s measured at up to ~2.6 M/s; --quick 1,000,000)
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
  --only backlog|steady
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
  const known = new Set(['quick', 'profile', 'keep', 'spark', 'events', 'executors', 'partitions', 'customers', 'batch', 'rate', 'duration', 'warmup', 'trigger', 'window', 'delay', 'keys', 'probe-events', 'seed', 'only', 'out']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const quick = flags.has('quick');
  const num = (k: string, d: number) => {
    if (!flags.has(k)) return d;
    const v = Number(flags.get(k)!.replace(/[_,]/g, ''));
    if (!(v > 0)) throw new Error(`--${k} must be a positive number`);
    return v;
  };
  const only = flags.get('only') ?? null;
  if (only !== null && only !== 'backlog' && only !== 'steady') throw new Error(`--only is backlog or steady\n${USAGE}`);
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
    seed: num('seed', 42),
    profile: flags.has('profile'),
    only: only as BenchOptions['only'],
    out: flags.get('out') ?? null,
    keep: flags.has('keep'),
    spark: flags.has('spark'),
  };
}
