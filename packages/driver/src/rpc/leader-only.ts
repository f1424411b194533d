/**
 * Handlers that only the leading driver serves: on a standby (or a deposed leader) every call is
 * refused with NOT_LEADER — gRPC UNAVAILABLE, the detail naming the leader's address when known —
 * so executors and clients move on to the next driver address they were given.
 */
import { ServiceHandlers, StreamHandlers } from '@tributary/common';
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

/** The same for server-streaming methods: a stream is refused when it starts on a driver that does not lead. */
export function leaderOnlyStreams(service: string, streams: StreamHandlers, leadership: Leadership): StreamHandlers {
  const guarded: StreamHandlers = {};
  for (const [method, handler] of Object.entries(streams)) {
    guarded[method] = async (request, send, closed) => {
      if (!leadership.isLeader()) throw notLeaderError(`${service}.${method} refused`, leadership.leaderAddress());
      return handler(request, send, closed);
    };
  }
  return guarded;
}
