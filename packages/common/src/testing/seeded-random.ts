/**
 * Test kit: a deterministic PRNG (mulberry32) so that a seeded test, generator or model replays
 * the same sequence and a failure reproduces. Values in [0, 1). Not for anything the engine runs.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
