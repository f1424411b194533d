/**
 * A catalogue of bad Kafka records for the seed job (its fields nullable, as the job declares them:
 * a missing or null customer_id or amount is a null, not a bad record), one group per reason code
 * of docs/bad-input.md, each value written by hand with the reason the engine must give it. Keys are `bad-<reason>-<n>` so a test can
 * tell them apart from good events when it reads the topic back.
 */

export interface BadRecord {
  key: string;
  value: Buffer | null;
  reason: string;
}

const TS = '2026-01-01T00:10:00Z';
const event = (fields: string): string => `{${fields}}`;
const good = (extra = ''): string => `"customer_id":7,"event_type":"view","amount":"1.00","timestamp":"${TS}"${extra}`;

/** Values by expected reason; the event-time guard's case assumes a reference time before 2099. */
export const BAD_VALUES: Record<string, (Buffer | string | null)[]> = {
  EMPTY_VALUE: [Buffer.alloc(0)],
  TOMBSTONE: [null],
  VALUE_TOO_LARGE: [event(good(`,"pad":"${'x'.repeat(70 * 1024)}"`))],
  NOT_UTF8: [
    Buffer.concat([Buffer.from(event(good(',"note":"')), 'latin1'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from('{"customer_id":7,"event_type":"'), Buffer.from([0xc0, 0xaf]), Buffer.from(`","amount":1,"timestamp":"${TS}"}`)]),
  ],
  MALFORMED_JSON: ['{"customer_id": 1, "amount": 1.00,', 'customer_id=1', `{"customer_id":1,"amount":1,"timestamp":"${TS}",}`, '{"a":NaN}'],
  TOO_DEEP: [event(good(`,"x":${'['.repeat(1001)}${']'.repeat(1001)}`))],
  NOT_AN_OBJECT: ['[1,2,3]', '"an event"', '42', 'null'],
  NULL_EVENT_TIME: ['{"customer_id":3,"amount":2}', '{"customer_id":3,"amount":2,"timestamp":null}'],
  WRONG_TYPE: [
    `{"customer_id":"abc","amount":"1.00","timestamp":"${TS}"}`,
    `{"customer_id":"12","amount":"1.00","timestamp":"${TS}"}`,
    `{"customer_id":12.5,"amount":"1.00","timestamp":"${TS}"}`,
    `{"customer_id":12,"amount":"twelve","timestamp":"${TS}"}`,
    '{"customer_id":12,"amount":1,"timestamp":true}',
  ],
  INT_RANGE: [`{"customer_id":2147483648,"amount":"1.00","timestamp":"${TS}"}`, `{"customer_id":-2147483649,"amount":1,"timestamp":"${TS}"}`],
  DECIMAL_PRECISION: [`{"customer_id":12,"amount":123456789.00,"timestamp":"${TS}"}`, `{"customer_id":12,"amount":"1e9","timestamp":"${TS}"}`],
  DECIMAL_SCALE: [`{"customer_id":12,"amount":1.005,"timestamp":"${TS}"}`, `{"customer_id":12,"amount":"0.001","timestamp":"${TS}"}`],
  BAD_TIMESTAMP: [
    '{"customer_id":12,"amount":1,"timestamp":"2026-02-30T00:00:00Z"}',
    '{"customer_id":12,"amount":1,"timestamp":"yesterday"}',
    '{"customer_id":12,"amount":1,"timestamp":"2026-01-01T24:00:00Z"}',
  ],
  EVENT_TIME_TOO_FAR_AHEAD: [
    '{"customer_id":12,"amount":1,"timestamp":"2099-01-01T00:00:00Z"}',
    '{"customer_id":13,"amount":"5.00","timestamp":"2200-06-01 00:00:00"}',
  ],
};

/** Every bad value, `copies` times each, keyed `bad-<reason>-<n>`. */
export function badRecords(copies = 1): BadRecord[] {
  const out: BadRecord[] = [];
  let n = 0;
  for (let c = 0; c < copies; c++) {
    for (const [reason, values] of Object.entries(BAD_VALUES)) {
      for (const v of values) out.push({ key: `bad-${reason}-${n++}`, value: v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8'), reason });
    }
  }
  return out;
}

/** The reason a `bad-<reason>-<n>` key names, or undefined for other keys. */
export function reasonOfKey(key: string | null): string | undefined {
  const m = key === null ? null : /^bad-([A-Z_0-9]+)-\d+$/.exec(key);
  return m === null ? undefined : m[1];
}
