/**
 * The driver addresses an executor or a client was given (`--driver a,b`), and which of them to
 * call: the current one until a call fails; then the leader the refusal names (a standby answers
 * NOT_LEADER as UNAVAILABLE with "the leader is at host:port") when it is one of the list, else the
 * next address in turn. With one address nothing ever moves.
 */
import { InvalidArgumentError } from '../errors';

export class LeaderAddresses {
  private index = 0;
  readonly all: readonly string[];

  constructor(addresses: string | readonly string[]) {
    const list = typeof addresses === 'string' ? addresses.split(',') : [...addresses];
    this.all = list.map((a) => a.trim()).filter(Boolean);
    if (this.all.length === 0) throw new InvalidArgumentError('no driver address given');
  }

  current(): string {
    return this.all[this.index];
  }

  /** After a failed call to current(): where to call next (returns it). */
  moveOn(error: unknown): string {
    const named = leaderNamedIn(error);
    const at = named === undefined ? -1 : this.all.indexOf(named);
    this.index = at >= 0 && at !== this.index ? at : (this.index + 1) % this.all.length;
    return this.current();
  }
}

/** The leader's address a NOT_LEADER refusal names, if any. */
export function leaderNamedIn(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /the leader is at (\S+?:\d+)/.exec(message)?.[1];
}

/** Whether a failed call may succeed at another driver: the driver is unreachable or not the leader. */
export function isLeaderMiss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UNAVAILABLE' || code === 'DEADLINE_EXCEEDED' || /not the leader/.test(error instanceof Error ? error.message : '');
}
