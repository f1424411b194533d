import { InvalidArgumentError } from '../errors';

/**
 * Field checks for checkpoint documents. Each takes the value and its dotted location and throws
 * InvalidArgumentError naming the location; readers wrap that into a corrupt-file error, writers
 * let it through (writing a malformed document is a programming error).
 */
function bad(at: string, expected: string, value: unknown): never {
  const shown = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60) ?? String(value);
  throw new InvalidArgumentError(`${at} must be ${expected}, found ${shown}`);
}

export function objectAt(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(at, 'an object', value);
  return value as Record<string, unknown>;
}

export function arrayAt(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) bad(at, 'an array', value);
  return value;
}

/** An integer exactly representable in a double (|n| < 2^53), at least `min`. */
export function integerAt(value: unknown, at: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    bad(at, min === 0 ? 'a non-negative integer below 2^53' : `an integer ≥ ${min} below 2^53 in magnitude`, value);
  }
  return value;
}

export function integerOrNullAt(value: unknown, at: string, min?: number): number | null {
  return value === null ? null : integerAt(value, at, min);
}

export function stringAt(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '') bad(at, 'a non-empty string', value);
  return value;
}

export function booleanAt(value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') bad(at, 'true or false', value);
  return value;
}

/** A Kafka offset: a decimal string without sign or leading zeros (offsets exceed 2^53 in theory). */
export function offsetAt(value: unknown, at: string): string {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,18})$/.test(value)) bad(at, 'a decimal offset string', value);
  return value;
}
