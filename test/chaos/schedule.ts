/**
 * The faults of a chaos run, in order: every kind injected at random moments at least once, and the
 * driver killed through the fault hook at each named step of the batch protocol twice: once in
 * whichever query reaches it first, once in the update-mode query (its merge commit); in the CDC
 * queries at the steps around their commit (CDC_STEPS: key state written but the table not
 * committed; the table committed but the commit log not); the rest
 * drawn by weight (executors fail most often). The order is a seeded shuffle, so a failing run repeats with its seed.
 */
import { Xoshiro128 } from '@tributary/client';
import { PROTOCOL_STEPS } from '@tributary/driver';

export const RANDOM_KINDS = ['executor-kill', 'executor-pause', 'driver-kill', 'redis-restart', 'redis-flushall', 'kafka-restart'] as const;
export type RandomKind = (typeof RANDOM_KINDS)[number];
export type ProtocolStep = (typeof PROTOCOL_STEPS)[number];
/** The queries a protocol-step kill can be aimed at. */
export type AimedQuery = 'update-mode' | 'cdc' | 'cdc-history';
/** `query`: the step is aimed at that query's batches (absent: the first query to reach the step). */
export type Fault = { kind: RandomKind } | { kind: 'driver-kill-at'; step: ProtocolStep; query?: AimedQuery };

/** The steps the driver is killed at in the CDC queries (SCD type 1, type 2). */
export const CDC_STEPS: readonly { step: ProtocolStep; query: 'cdc' | 'cdc-history' }[] = [
  { step: 'afterStateDurable', query: 'cdc' }, { step: 'afterSinkCommit', query: 'cdc' }, { step: 'afterStateDurable', query: 'cdc-history' },
];

/** Extra faults beyond one of each are drawn with these weights (executors fail most often). */
const WEIGHTS: Record<RandomKind, number> = {
  'executor-kill': 3, 'executor-pause': 3, 'driver-kill': 2, 'redis-restart': 1, 'redis-flushall': 1, 'kafka-restart': 1,
};

export const MIN_FAULTS = RANDOM_KINDS.length + 2 * PROTOCOL_STEPS.length + CDC_STEPS.length;

export function planFaults(total: number, rng: Xoshiro128): Fault[] {
  if (!Number.isInteger(total) || total < MIN_FAULTS) throw new Error(`--faults must be at least ${MIN_FAULTS} (each kind once, each protocol step twice, ${CDC_STEPS.length} steps in the CDC queries), got ${total}`);
  const faults: Fault[] = [
    ...RANDOM_KINDS.map((kind) => ({ kind })),
    ...PROTOCOL_STEPS.map((step) => ({ kind: 'driver-kill-at' as const, step })),
    ...PROTOCOL_STEPS.map((step) => ({ kind: 'driver-kill-at' as const, step, query: 'update-mode' as const })),
    ...CDC_STEPS.map(({ step, query }) => ({ kind: 'driver-kill-at' as const, step, query })),
  ];
  // Extras come in rounds holding each kind `weight` times, each round shuffled: counts stay close
  // to the weights whatever the seed (a median per kind needs several of each).
  let round: RandomKind[] = [];
  while (faults.length < total) {
    if (round.length === 0) round = shuffle(RANDOM_KINDS.flatMap((k) => Array<RandomKind>(WEIGHTS[k]).fill(k)), rng);
    faults.push({ kind: round.pop()! });
  }
  return shuffle(faults, rng);
}

function shuffle<T>(items: T[], rng: Xoshiro128): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export function faultName(f: Fault): string {
  if (f.kind !== 'driver-kill-at') return f.kind;
  return f.query ? `driver-kill-at ${f.step} (${f.query} query)` : `driver-kill-at ${f.step}`;
}
