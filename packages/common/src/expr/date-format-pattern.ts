/**
 * date_format patterns (Spark 3.5's datetime patterns, a subset of Java's DateTimeFormatter), parsed
 * once per expression into tokens the executor prints per row.
 *
 *   yyyy year (yy: last two digits)   MM month 01–12 (M: 1–12, MMM: Jan, MMMM: January)
 *   dd day (d)      HH hour 0–23 (H)  hh hour 1–12 (h)   mm minute (m)   ss second (s)
 *   S… fraction of a second, as many digits as letters (at most 6 here: µs)
 *   a AM/PM         EEE Mon (E, EE too) EEEE Monday     D day of the year
 *   '…' quoted text ('' is a quote)   other characters that are not letters: themselves
 * Any other letter is refused (Spark fails such a query too).
 */
import { InvalidArgumentError } from '../errors';

export type DateFormatToken =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number };

const LETTERS = new Set(['y', 'M', 'd', 'H', 'h', 'm', 's', 'S', 'a', 'E', 'D']);

export function parseDateFormat(pattern: string): DateFormatToken[] {
  const tokens: DateFormatToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) { tokens.push({ kind: 'text', text: "'" }); i += 2; continue; }
      if (end < 0) throw refuse(pattern, 'an unclosed quote');
      tokens.push({ kind: 'text', text: pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!LETTERS.has(c)) throw refuse(pattern, `the letter '${c}'`);
      let j = i;
      while (j < pattern.length && pattern[j] === c) j++;
      const count = j - i;
      if (c === 'S' && count > 6) throw refuse(pattern, 'more than 6 fraction digits');
      tokens.push({ kind: 'field', letter: c, count });
      i = j;
    } else {
      tokens.push({ kind: 'text', text: c });
      i++;
    }
  }
  return tokens;
}

function refuse(pattern: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError(`date_format pattern ${JSON.stringify(pattern)}: ${what} is not supported`, { code: 'UNSUPPORTED_DATE_FORMAT' });
}
