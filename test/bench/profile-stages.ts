/**
 * Where the CPU of the driver and executors went, by stage, from the V8 CPU profiles written by
 * cpu-profile-preload.js (bench --profile): each sample's self time goes to the stage of the innermost
 * frame whose script is recognised (Tributary's folders, then the libraries they wrap), else to the
 * frame's own category (garbage collector, idle, other). Also lists the heaviest functions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** First match wins: script path fragment → stage. */
const STAGES: [RegExp, string][] = [
  [/common\/dist\/kafka\//, 'fetch + locate (Kafka range reader)'],
  [/common\/dist\/decode\//, 'parse (JSON scanner → columns)'],
  [/executor\/dist\/aggregate\/partial-codec/, 'shuffle (partial encode/decode)'],
  [/executor\/dist\/aggregate\/group-by\/(group-state-table|group-image)|executor\/dist\/state\//, 'state (merge, evict, live table, snapshots)'],
  [/executor\/dist\/aggregate\//, 'aggregate (partial hash aggregation)'],
  [/executor\/dist\/shuffle\/|@grpc|grpc-js|proto-loader|protobufjs/, 'shuffle + RPC (gRPC)'],
  [/common\/dist\/state\/|ioredis|redis-parser/, 'state store (Redis, durable copy)'],
  [/parquet-wasm|executor\/dist\/sink\//, 'Parquet'],
  [/common\/dist\/delta\/|driver\/dist\/commit\//, 'Delta commit'],
  [/apache-arrow/, 'Arrow'],
  [/common\/dist\/checkpoint\/|driver\/dist\//, 'driver (planning, logs)'],
];

export interface ProfileSummary {
  process: string;
  totalMs: number;
  stages: Record<string, number>;
  topFunctions: { name: string; ms: number }[];
}

function stageOf(url: string, functionName: string): string | null {
  for (const [re, stage] of STAGES) if (re.test(url)) return stage;
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(idle)' || functionName === '(program)') return functionName;
  return null;
}

export function summariseProfile(file: string, processName: string): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const stages: Record<string, number> = {};
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    let stage: string | null = null;
    for (let cur: number | undefined = id; cur !== undefined && stage === null; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      stage = stageOf(f.url, f.functionName);
    }
    const s = stage ?? 'other (Node internals, event loop)';
    if (s === '(idle)') continue;
    total += us;
    stages[s] = (stages[s] ?? 0) + us / 1000;
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    fns.set(name, (fns.get(name) ?? 0) + us / 1000);
  }
  for (const k of Object.keys(stages)) stages[k] = Math.round(stages[k]);
  return {
    process: processName,
    totalMs: Math.round(total / 1000),
    stages,
    topFunctions: [...fns].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, ms]) => ({ name, ms: Math.round(ms) })),
  };
}

/** Summaries of every profile in `dir`, named by the pid → process name map. */
export function summariseProfiles(dir: string, names: Map<number, string>): ProfileSummary[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => {
    const pid = Number(/^CPU\.(\d+)\.cpuprofile$/.exec(f)?.[1]);
    return summariseProfile(path.join(dir, f), names.get(pid) ?? `pid ${pid}`);
  });
}
