/** The driver lease of a cluster: one leader at a time, each acquisition with a greater fencing token. */
export { RedisLease } from './redis-lease';
export type { LeaseHolder, RedisLeaseOptions } from './redis-lease';
export { LeaderAddresses, leaderNamedIn, isLeaderMiss } from './leader-addresses';
