import { InvalidArgumentError } from '../errors';

/**
 * Durations as Spark writes them ('10 minutes', '1 hour', '500 milliseconds', 'interval 10 minutes',
 * '1 hour 30 minutes', '1.5 seconds') and the short forms '10s', '500ms', '5min', '2h', parsed to an
 * exact integer number of microseconds. Months and years are refused: they have no fixed length.
 */
const MICROS_PER_UNIT: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ...aliases(1n, ['us', 'usec', 'usecs', 'microsecond', 'microseconds']),
  ...aliases(1_000n, ['ms', 'msec', 'msecs', 'millisecond', 'milliseconds']),
  ...aliases(1_000_000n, ['s', 'sec', 'secs', 'second', 'seconds']),
  ...aliases(60_000_000n, ['min', 'mins', 'minute', 'minutes']),
  ...aliases(3_600_000_000n, ['h', 'hr', 'hrs', 'hour', 'hours']),
  ...aliases(86_400_000_000n, ['d', 'day', 'days']),
  ...aliases(604_800_000_000n, ['w', 'week', 'weeks']),
]);
const CALENDAR_UNITS = new Set(['month', 'months', 'mon', 'mons', 'year', 'years', 'yr', 'yrs']);
const TERM = /^(\d+)(?:\.(\d+))?\s*([a-z]+)\s*/;

function aliases(micros: bigint, names: string[]): [string, bigint][] {
  return names.map((n) => [n, micros]);
}

/** Microseconds of a duration such as '10 minutes'; throws InvalidArgumentError naming the input. */
export function parseDuration(text: string): number {
  const fail = (reason: string): never => {
    throw new InvalidArgumentError(`cannot parse duration ${JSON.stringify(text)}: ${reason}`);
  };
  if (typeof text !== 'string') fail('not a string');
  let rest = text.trim().toLowerCase();
  if (rest.startsWith('interval ')) rest = rest.slice('interval '.length).trimStart();
  if (rest === '') fail("expected a number followed by a unit, e.g. '10 minutes'");
  let total = 0n;
  while (rest !== '') {
    const m = TERM.exec(rest);
    if (m === null) {
      fail(rest.startsWith('-') ? 'durations must not be negative' : "expected a number followed by a unit, e.g. '10 minutes'");
      return 0;
    }
    const [all, whole, fraction = '', unit] = m;
    if (CALENDAR_UNITS.has(unit)) fail(`'${unit}' has no fixed length; use days or weeks`);
    const perUnit = MICROS_PER_UNIT.get(unit);
    if (perUnit === undefined) {
      fail(`unknown unit '${unit}' (use microseconds, milliseconds, seconds, minutes, hours, days or weeks)`);
      return 0;
    }
    const scale = 10n ** BigInt(fraction.length);
    const scaled = (BigInt(whole) * scale + BigInt(fraction || '0')) * perUnit;
    if (scaled % scale !== 0n) fail('not a whole number of microseconds');
    total += scaled / scale;
    rest = rest.slice(all.length);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) fail('too long');
  return Number(total);
}

const FORMAT_UNITS: [bigint, string][] = [
  [604_800_000_000n, 'week'], [86_400_000_000n, 'day'], [3_600_000_000n, 'hour'], [60_000_000n, 'minute'],
  [1_000_000n, 'second'], [1_000n, 'millisecond'], [1n, 'microsecond'],
];

/** A duration in the largest unit that divides it exactly: 300000000 → '5 minutes', 1500000 → '1500 milliseconds'. */
export function formatMicros(micros: number): string {
  const n = BigInt(micros);
  for (const [size, unit] of FORMAT_UNITS) {
    if (n % size === 0n && n !== 0n) {
      const count = n / size;
      return `${count} ${unit}${count === 1n ? '' : 's'}`;
    }
  }
  return `${micros} microseconds`;
}
