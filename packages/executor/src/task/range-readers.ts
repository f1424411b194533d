/**
 * The executor's Kafka range readers, one per bootstrap list and isolation level (a prefetched
 * response is only valid for its level), shared by every kind of task that reads Kafka.
 */
import { createRangeReader, RangeReader, type IsolationLevel } from '@tributary/common';

export class RangeReaders {
  private readers = new Map<string, Promise<RangeReader>>();

  get(servers: string[], isolation: IsolationLevel): Promise<RangeReader> {
    const key = `${servers.join(',')} ${isolation}`;
    let r = this.readers.get(key);
    if (!r) {
      // The next batch reads each partition from where this one ended: its first fetch is sent now.
      r = createRangeReader({ brokers: servers, clientId: 'tributary-executor', prefetchNext: true, isolation });
      r.catch(() => this.readers.delete(key));
      this.readers.set(key, r);
    }
    return r;
  }

  async close(): Promise<void> {
    for (const r of this.readers.values()) await (await r).close().catch(() => {});
    this.readers.clear();
  }
}
