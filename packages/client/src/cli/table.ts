/** `tributary table show <path>`: the rows of a Delta table written by the seed job. */
import { readSnapshot, readTableRows } from '@tributary/common';
import { aggregateRows, formatCents, formatMicros } from '../table/aggregate-rows';
import { ParsedArgs, intOption } from './main';

export async function runTableCommand(args: ParsedArgs): Promise<number> {
  const [verb, tablePath] = args.positionals;
  if (verb !== 'show' || !tablePath) throw new Error('usage: tributary table show <path> [--limit N]');
  await showTable(tablePath, intOption(args, 'limit', 20));
  return 0;
}

export async function showTable(tablePath: string, limit: number): Promise<void> {
  const snapshot = await readSnapshot(tablePath);
  const rows = aggregateRows(await readTableRows(tablePath));
  rows.sort((a, b) => (a.windowStartMicros < b.windowStartMicros ? -1 : a.windowStartMicros > b.windowStartMicros ? 1 : a.customerId - b.customerId));
  const events = rows.reduce((a, r) => a + r.eventCount, 0n);
  const cents = rows.reduce((a, r) => a + r.totalCents, 0n);
  console.log(`Delta table ${tablePath}: version ${snapshot.version}, ${snapshot.files.size} files, ${rows.length} rows, ${events} events, total ${formatCents(cents)}`);
  console.log('window.start                 window.end                   customer_id  event_count  total_amount');
  for (const r of rows.slice(0, limit)) {
    console.log(`${formatMicros(r.windowStartMicros)}  ${formatMicros(r.windowEndMicros)}  ${String(r.customerId).padStart(11)}  ${String(r.eventCount).padStart(11)}  ${formatCents(r.totalCents).padStart(12)}`);
  }
  if (rows.length > limit) console.log(`... ${rows.length - limit} more rows`);
}
