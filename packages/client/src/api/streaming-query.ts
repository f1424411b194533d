import { TributaryError, type QueryProgress } from '@tributary/common';
import type { QueryFailure, QueryHandleInfo, QuerySubmitter, StreamingQueryStatus } from './submitter';

/** The handle of a started query, as Spark's StreamingQuery; every call asks the driver. */
export class StreamingQuery {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;

  constructor(info: QueryHandleInfo, private readonly submitter: QuerySubmitter) {
    this.id = info.id;
    this.runId = info.runId;
    this.name = info.name;
  }

  async status(): Promise<StreamingQueryStatus> {
    return (await this.submitter.status(this.id)).status;
  }

  async isActive(): Promise<boolean> {
    return (await this.submitter.status(this.id)).isActive;
  }

  async lastProgress(): Promise<QueryProgress | null> {
    const recent = (await this.submitter.status(this.id)).recentProgress;
    return recent.length === 0 ? null : recent[recent.length - 1];
  }

  async recentProgress(): Promise<QueryProgress[]> {
    return (await this.submitter.status(this.id)).recentProgress;
  }

  /** The error the query failed with, or null. */
  async exception(): Promise<TributaryError | null> {
    const failure = (await this.submitter.status(this.id)).exception;
    return failure === null ? null : this.failure(failure);
  }

  async stop(): Promise<void> {
    await this.submitter.stop(this.id);
  }

  /**
   * Resolves true when the query has stopped (false when `timeoutMs` passed first); rejects with the
   * query's error when it failed, as Spark throws StreamingQueryException.
   */
  async awaitTermination(timeoutMs?: number): Promise<boolean> {
    const end = await this.submitter.awaitTermination(this.id, timeoutMs);
    if (end.exception !== null) throw this.failure(end.exception);
    return end.terminated;
  }

  private failure(f: QueryFailure): TributaryError {
    return new TributaryError(`Query ${this.name ?? ''}[id = ${this.id}, runId = ${this.runId}] terminated with exception: ${f.message}`, { code: f.code });
  }
}
