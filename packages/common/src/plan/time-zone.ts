/** Offset of a query time zone, 'UTC' or a fixed offset '+hh:mm', in µs. */
export function zoneOffsetMicros(timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(timeZone);
  if (!m) throw new Error(`time zone '${timeZone}' is not 'UTC' or '+hh:mm'`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000_000;
}
