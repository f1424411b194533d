import { TributaryError } from '../errors';

/**
 * The format of every checkpoint file (log entries and `metadata`), as in Spark's metadata logs:
 *
 *     v1
 *     {"batchId":7,...}
 *
 * Line 1 is `v<format version>`; line 2 is one JSON document on one line; a final '\n'.
 * A reader accepts versions 1..its own maximum and refuses newer ones by name, so a checkpoint
 * written by a newer Tributary is never misread by an older one.
 */
export function encodeVersioned(version: number, value: unknown): string {
  return `v${version}\n${JSON.stringify(value)}\n`;
}

/** Code of errors for a checkpoint file that is not in a format this build understands. */
export const CHECKPOINT_CORRUPT = 'CHECKPOINT_CORRUPT';
export const CHECKPOINT_FORMAT_UNSUPPORTED = 'CHECKPOINT_FORMAT_UNSUPPORTED';

export function corruptCheckpointFile(file: string, problem: string, cause?: unknown): TributaryError {
  return new TributaryError(`checkpoint file ${file} is corrupt: ${problem}`, { code: CHECKPOINT_CORRUPT, cause });
}

/** Parses `text` read from `file`; returns the format version and the JSON document. */
export function decodeVersioned(text: string, maxVersion: number, file: string): { version: number; value: unknown } {
  const newline = text.indexOf('\n');
  const versionLine = (newline < 0 ? text : text.slice(0, newline)).trim();
  const match = /^v([1-9][0-9]{0,8})$/.exec(versionLine);
  if (match === null) {
    throw corruptCheckpointFile(file, `first line must be a format version like "v1", found ${JSON.stringify(versionLine.slice(0, 40))}`);
  }
  const version = Number(match[1]);
  if (version > maxVersion) {
    throw new TributaryError(
      `checkpoint file ${file} has format v${version}, but this Tributary reads up to v${maxVersion}: ` +
        'it was written by a newer version; upgrade Tributary to use this checkpoint',
      { code: CHECKPOINT_FORMAT_UNSUPPORTED },
    );
  }
  const body = newline < 0 ? '' : text.slice(newline + 1).trim();
  if (body === '') throw corruptCheckpointFile(file, 'the JSON document after the version line is missing');
  try {
    return { version, value: JSON.parse(body) };
  } catch (err) {
    throw corruptCheckpointFile(file, 'the document is not valid JSON', err);
  }
}
