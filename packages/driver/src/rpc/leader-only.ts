/**
 * Handlers that only the leading driver serves: on a standby (or a deposed leader) every call is
 * refused with NOT_LEADER — gRPC UNAVAILABLE, the detail naming the leader's address when known —
 * so executors and clients move on to the next driver address they were given.
 */
import { ServiceHandlers } from '@tributary/common';
import { Leadership, notLeaderError } from '../leadership/leadership';

export function leaderOnly(service: string, handlers: ServiceHandlers, leadership: Leadership): ServiceHandlers {
  const guarded: ServiceHandlers = {};
  for (const [method, handler] of Object.entries(handlers)) {
    guarded[method] = async (request, call) => {
      if (!leadership.isLeader()) throw notLeaderError(`${service}.${method} refused`, leadership.leaderAddress());
      return handler(request, call);
    };
  }
  return guarded;
}
