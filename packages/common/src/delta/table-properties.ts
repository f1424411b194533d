/**
 * Table properties (metaData.configuration) Tributary honours, with Delta's defaults:
 *
 *   delta.checkpointInterval            10            a checkpoint after every N-th version
 *   delta.deletedFileRetentionDuration  interval 1 week   VACUUM's default retention; tombstones younger stay in checkpoints
 *   delta.logRetentionDuration          interval 30 days  commits and checkpoints older are cleaned up
 *   delta.appendOnly                    false         (protocol-support.ts)
 *
 * Durations use Delta's CalendarInterval text: `interval <n> <unit>` with unit week(s), day(s),
 * hour(s), minute(s), second(s), millisecond(s), microsecond(s); months and years are refused, as Delta does.
 */
import { InvalidArgumentError } from '../errors';
import { Metadata } from './actions';

const DAY_MS = 24 * 3600 * 1000;
export const DEFAULT_CHECKPOINT_INTERVAL = 10;
export const DEFAULT_DELETED_FILE_RETENTION_MS = 7 * DAY_MS;
export const DEFAULT_LOG_RETENTION_MS = 30 * DAY_MS;

const UNIT_MS: Record<string, number> = {
  week: 7 * DAY_MS, day: DAY_MS, hour: 3600_000, minute: 60_000, second: 1000, millisecond: 1, microsecond: 0.001,
};

/** Milliseconds of `interval 2 days` (also several parts: `interval 1 day 12 hours`). */
export function parseDeltaInterval(text: string): number {
  const parts = text.trim().toLowerCase().split(/\s+/);
  if (parts[0] === 'interval') parts.shift();
  if (parts.length === 0 || parts.length % 2 !== 0) throw new InvalidArgumentError(`'${text}' is not an interval such as 'interval 7 days'`);
  let ms = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const n = Number(parts[i]);
    const unit = parts[i + 1].replace(/s$/, '');
    if (!Number.isFinite(n) || UNIT_MS[unit] === undefined) throw new InvalidArgumentError(`'${text}' is not an interval such as 'interval 7 days' (unit '${parts[i + 1]}')`);
    ms += n * UNIT_MS[unit];
  }
  return ms;
}

export function checkpointInterval(metadata: Metadata): number {
  const v = metadata.configuration['delta.checkpointInterval'];
  if (v === undefined) return DEFAULT_CHECKPOINT_INTERVAL;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`delta.checkpointInterval must be a positive integer, got '${v}'`);
  return n;
}

export function deletedFileRetentionMs(metadata: Metadata): number {
  const v = metadata.configuration['delta.deletedFileRetentionDuration'];
  return v === undefined ? DEFAULT_DELETED_FILE_RETENTION_MS : parseDeltaInterval(v);
}

export function logRetentionMs(metadata: Metadata): number {
  const v = metadata.configuration['delta.logRetentionDuration'];
  return v === undefined ? DEFAULT_LOG_RETENTION_MS : parseDeltaInterval(v);
}
