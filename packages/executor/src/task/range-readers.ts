/**
 * The executor's Kafka range readers, one per bootstrap list and isolation level (a prefetched
 * response is only valid for its level), shared by every kind of task that reads Kafka.
 */
import { createRangeReader, RangeReader, securityKey, type IsolationLevel, type KafkaSecurity } from '@tributary/common';

export class RangeReaders {
  private readers = new Map<string, Promise<RangeReader>>();

  /** `security`: the job's TLS and SASL (ExecutorJob.kafka); readers differ by it too. */
  get(servers: string[], isolation: IsolationLevel, security?: KafkaSecurity): Promise<RangeReader> {
    const key = `${servers.join(',')} ${isolation} ${securityKey(security)}`;
    let r = this.readers.get(key);
    if (!r) {
      // The next batch reads each partition from where this one ended: its first fetch is sent now.
      r = createRangeReader({ brokers: servers, clientId: 'tributary-executor', prefetchNext: true, isolation, security });
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
