import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors';
import type { BadReason } from './bad-reason';
import { createEventColumns } from './event-columns';
import { EventDecoder } from './event-decoder';
import { chunkOf, decodeAll } from './record-chunk-fixture';

const TS = '2024-03-15T12:34:56.789Z';
const TS_US = Date.UTC(2024, 2, 15, 12, 34, 56, 789) * 1000;

function event(fields: Record<string, string>): string {
  const all: Record<string, string> = { customer_id: '7', event_type: '"view"', amount: '12.34', timestamp: `"${TS}"`, ...fields };
  return '{' + Object.entries(all).filter(([, v]) => v !== undefined && v !== 'ABSENT').map(([k, v]) => `"${k}":${v}`).join(',') + '}';
}

function one(value: string | Uint8Array | null, decoder = new EventDecoder()) {
  const { cols, bad } = decodeAll(decoder, [value]);
  return { cols, bad: bad[0], decoder };
}

function good(value: string | Uint8Array, decoder = new EventDecoder()) {
  const { cols, bad } = one(value, decoder);
  assert.equal(bad, undefined, bad && `${bad.reason}: ${bad.detail}`);
  assert.equal(cols.count, 1);
  const code = cols.eventType[0];
  return {
    customerId: cols.customerId[0],
    cents: cols.amountCents[0],
    micros: cols.eventTimeMicros[0],
    eventType: code < 0 ? null : decoder.dictionary()[code],
  };
}

function reasonOf(value: string | Uint8Array | null, decoder = new EventDecoder()): { reason: BadReason; detail: string } {
  const { cols, bad } = one(value, decoder);
  assert.equal(cols.count, 0, 'expected no row');
  assert.ok(bad, 'expected a bad record');
  return bad;
}

describe('EventDecoder', () => {
  describe('good events', () => {
    it('decodes every column of a plain event, reading only the located value bytes', () => {
      const decoder = new EventDecoder();
      const cols = createEventColumns(2);
      const bad: unknown[] = [];
      decoder.decode(chunkOf([event({}), event({ customer_id: '8', amount: '"0.05"' })], 3), cols, (...a) => bad.push(a));
      assert.deepEqual(bad, []);
      assert.equal(cols.count, 2);
      assert.equal(cols.partition, 3);
      assert.deepEqual([...cols.customerId.subarray(0, 2)], [7, 8]);
      assert.deepEqual([...cols.amountCents.subarray(0, 2)], [1234, 5]);
      assert.deepEqual([...cols.eventTimeMicros.subarray(0, 2)], [TS_US, TS_US]);
      assert.deepEqual([...cols.eventType.subarray(0, 2)], [0, 0]);
      assert.deepEqual(decoder.dictionary(), ['view']);
      assert.deepEqual([...cols.kafkaOffset.subarray(0, 2)], [1000, 1001]);
      assert.deepEqual([...cols.kafkaTimestampMs.subarray(0, 2)], [5000, 5001]);
    });

    it('accepts whitespace around and inside the value, and fields in any order', () => {
      const v = ` \t\r\n{ "timestamp" : "${TS}" ,\n"amount":\t1 , "customer_id" : -3 }\n `;
      assert.deepEqual(good(v), { customerId: -3, cents: 100, micros: TS_US, eventType: null });
    });

    it('reads customer_id at both ends of int32 and -0 as 0', () => {
      assert.equal(good(event({ customer_id: '2147483647' })).customerId, 2147483647);
      assert.equal(good(event({ customer_id: '-2147483648' })).customerId, -2147483648);
      assert.ok(Object.is(good(event({ customer_id: '-0' })).customerId, 0));
    });

    it('reads amount as a number, a numeric string, or an exact exponent form', () => {
      assert.equal(good(event({ amount: '12.34' })).cents, 1234);
      assert.equal(good(event({ amount: '"12.34"' })).cents, 1234);
      assert.equal(good(event({ amount: '"-7"' })).cents, -700);
      assert.equal(good(event({ amount: '1e2' })).cents, 10000);
      assert.equal(good(event({ amount: '"1.5e1"' })).cents, 1500);
      assert.equal(good(event({ amount: '99999999.99' })).cents, 9999999999);
      assert.equal(good(event({ amount: '"\\u0031.50"' })).cents, 150);
    });

    it('reads every timestamp form and applies the query time zone only without an offset', () => {
      const base = Date.UTC(2024, 2, 15, 12, 34, 56) * 1000;
      assert.equal(good(event({ timestamp: '"2024-03-15 12:34:56"' })).micros, base);
      assert.equal(good(event({ timestamp: '"2024-03-15T14:34:56+02:00"' })).micros, base);
      assert.equal(good(event({ timestamp: '"2024-03-15T12:34:56.1234567Z"' })).micros, base + 123456);
      assert.equal(good(event({ timestamp: '"2024-03-15T12:34:56\\u005a"' })).micros, base);
      const paris = new EventDecoder({ timeZone: '+01:00' });
      assert.equal(good(event({ timestamp: '"2024-03-15T13:34:56"' }), paris).micros, base);
      assert.equal(good(event({ timestamp: '"2024-03-15T12:34:56Z"' }), paris).micros, base);
    });

    it('gives event_type dictionary codes, resolving escapes, with null and absent as -1', () => {
      const decoder = new EventDecoder();
      const values = [
        event({ event_type: '"view"' }),
        event({ event_type: '"click"' }),
        event({ event_type: '"vi\\u0065w"' }),
        event({ event_type: 'null' }),
        event({ event_type: 'ABSENT' }),
        event({ event_type: '"café ☕ \\ud83d\\ude00"' }),
        event({ event_type: '""' }),
      ];
      const { cols, bad } = decodeAll(decoder, values);
      assert.deepEqual(bad, []);
      assert.deepEqual([...cols.eventType.subarray(0, cols.count)], [0, 1, 0, -1, -1, 2, 3]);
      assert.deepEqual(decoder.dictionary(), ['view', 'click', 'café ☕ 😀', '']);
      decoder.clearDictionary();
      assert.deepEqual(decoder.dictionary(), []);
      assert.equal(good(event({ event_type: '"click"' }), decoder).eventType, 'click');
    });

    it('keeps dictionary codes exact over many distinct values', () => {
      const decoder = new EventDecoder();
      const values = Array.from({ length: 3000 }, (_, i) => event({ event_type: `"t${i % 1500}"` }));
      const { cols } = decodeAll(decoder, values);
      assert.equal(cols.count, 3000);
      for (let i = 0; i < 3000; i++) assert.equal(decoder.dictionary()[cols.eventType[i]], `t${i % 1500}`);
      assert.equal(decoder.dictionary().length, 1500);
    });

    it('matches field names written with escapes', () => {
      const v = `{"customer\\u005fid":5,"\\u0061mount":1,"times\\u0074amp":"${TS}","event\\u005Ftype":"x"}`;
      assert.deepEqual(good(v), { customerId: 5, cents: 100, micros: TS_US, eventType: 'x' });
    });

    it('tells field names from names that only begin like them, and cut-off names from whole ones', () => {
      const v = `{"customer_idx":9,"amountx":"1","timestamps":1,"event_typ":2,"event_id":3,"customer_id":5,"amount":1,"timestamp":"${TS}","event_type":"x"}`;
      assert.deepEqual(good(v), { customerId: 5, cents: 100, micros: TS_US, eventType: 'x' });
      assert.equal(reasonOf(`{"amount":1,"timestamp":"${TS}","customer_idx":5}`).reason, 'MISSING_FIELD');
      assert.equal(reasonOf('{"customer_id"').reason, 'MALFORMED_JSON');
      assert.equal(reasonOf('{"customer_id":').reason, 'MALFORMED_JSON');
      assert.equal(reasonOf('{"customer_id" 5}').reason, 'MALFORMED_JSON');
    });

    it('lets the last of duplicate keys win, good or bad', () => {
      assert.equal(good(event({ amount: '1' }).replace('}', ',"amount":2}')).cents, 200);
      assert.equal(good(event({ amount: '"oops"' }).replace('}', ',"amount":3}')).cents, 300);
      assert.equal(reasonOf(event({ amount: '1' }).replace('}', ',"amount":null}')).reason, 'NULL_FIELD');
      assert.equal(good(event({ event_type: '"a"' }).replace('}', ',"event_type":null}')).eventType, null);
    });

    it('ignores unknown fields of any JSON type, however nested', () => {
      const extra = '{"a":[1,-2.5e-3,{"b":[null,true,false,"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"]}],"c":{}, "d":[]}';
      assert.equal(good(event({ extra })).cents, 1234);
      const deep = '['.repeat(998) + ']'.repeat(998); // the event object plus 998 levels: 999 <= 1000
      assert.equal(good(event({ deep })).customerId, 7);
    });

    it('grows the columns past their capacity', () => {
      const decoder = new EventDecoder();
      const cols = createEventColumns(1);
      const values = Array.from({ length: 10 }, (_, i) => event({ customer_id: String(i) }));
      decoder.decode(chunkOf(values), cols, () => assert.fail('no bad records expected'));
      decoder.decode(chunkOf(values), cols, () => assert.fail('no bad records expected'));
      assert.equal(cols.count, 20);
      assert.deepEqual([...cols.customerId.subarray(0, 20)], [...Array(10).keys(), ...Array(10).keys()]);
    });
  });

  describe('bad records', () => {
    it('reports TOMBSTONE, EMPTY_VALUE and VALUE_TOO_LARGE before looking at the bytes', () => {
      assert.equal(reasonOf(null).reason, 'TOMBSTONE');
      assert.equal(reasonOf('').reason, 'EMPTY_VALUE');
      const v = event({});
      const exact = new EventDecoder({ maxValueBytes: Buffer.byteLength(v) });
      assert.equal(good(v, exact).customerId, 7);
      const small = new EventDecoder({ maxValueBytes: Buffer.byteLength(v) - 1 });
      const r = reasonOf(v, small);
      assert.equal(r.reason, 'VALUE_TOO_LARGE');
      assert.match(r.detail, new RegExp(`${Buffer.byteLength(v)} bytes, over the limit of ${Buffer.byteLength(v) - 1}`));
      assert.equal(reasonOf('{' + ' '.repeat(64 * 1024) + '}').reason, 'VALUE_TOO_LARGE');
    });

    it('reports MALFORMED_JSON with the byte position of the problem', () => {
      const r = reasonOf('{"customer_id":1,}');
      assert.equal(r.reason, 'MALFORMED_JSON');
      assert.match(r.detail, /at byte 17/);
      const cases = [
        ' ',
        '{',
        '{"customer_id":1',
        '{"customer_id" 1}',
        '{"customer_id":01}',
        '{"customer_id":1}}',
        '{"customer_id":1} x',
        "{'customer_id':1}",
        '{"a":tru}',
        '{"a":[1,]}',
        '{"a":"\\x"}',
        '{"a":"\t"}',
        '{"a":"\\u12"}',
        '{"a":"\\ud800"}',
        '{"a":"\\udc00\\ud800"}',
        '{"a":NaN}',
        '{"a":-}',
        '{"a":1.}',
        '\ufeff{}',
        '{"a":1,"a"}',
        '{,}',
        '[1 2]',
      ];
      for (const v of cases) assert.equal(reasonOf(v).reason, 'MALFORMED_JSON', v);
    });

    it('reports MALFORMED_JSON before any field problem', () => {
      assert.equal(reasonOf('{"customer_id":"x","amount":1.001,}').reason, 'MALFORMED_JSON');
    });

    it('reports NOT_UTF8 for broken UTF-8 in strings and elsewhere', () => {
      const bytes = (prefix: string, raw: number[], suffix: string) =>
        Buffer.concat([Buffer.from(prefix), Buffer.from(raw), Buffer.from(suffix)]);
      const cases = [
        bytes('{"event_type":"', [0xff], '"}'),
        bytes('{"x":"', [0xc0, 0xaf], '"}'), // overlong '/'
        bytes('{"x":"', [0xed, 0xa0, 0x80], '"}'), // encoded surrogate
        bytes('{"x":"', [0xf4, 0x90, 0x80, 0x80], '"}'), // above U+10FFFF
        bytes('{"x":"', [0xe2, 0x82], '"}'), // truncated
        bytes('{"x":', [0x80], '}'),
      ];
      for (const v of cases) {
        const r = reasonOf(v);
        assert.equal(r.reason, 'NOT_UTF8', v.toString('hex'));
        assert.match(r.detail, /invalid UTF-8 at byte \d+/);
      }
    });

    it('reports TOO_DEEP beyond maxDepth, counting the event object, without recursion', () => {
      const d3 = new EventDecoder({ maxDepth: 3 });
      assert.equal(good(event({ x: '[[1]]' }), d3).customerId, 7);
      assert.equal(reasonOf(event({ x: '[[[1]]]' }), d3).reason, 'TOO_DEEP');
      assert.equal(reasonOf(event({ x: '{"a":{"b":{}}}' }), d3).reason, 'TOO_DEEP');
      const r = reasonOf('['.repeat(60000));
      assert.equal(r.reason, 'TOO_DEEP');
      assert.match(r.detail, /deeper than 1000 at byte 1000/);
      assert.equal(reasonOf(event({ x: '['.repeat(1000) + ']'.repeat(1000) })).reason, 'TOO_DEEP');
    });

    it('reports NOT_AN_OBJECT for any other valid JSON value', () => {
      for (const v of ['[]', '[{"customer_id":1}]', '1', '-0.5e3', '"x"', 'null', 'true', ' false ']) {
        assert.equal(reasonOf(v).reason, 'NOT_AN_OBJECT', v);
      }
      assert.match(reasonOf('[1,2]').detail, /JSON array, not an object/);
    });

    it('reports MISSING_FIELD naming the first missing required field', () => {
      assert.equal(reasonOf('{}').reason, 'MISSING_FIELD');
      assert.match(reasonOf('{}').detail, /customer_id is missing/);
      assert.match(reasonOf(event({ customer_id: 'ABSENT' })).detail, /field customer_id is missing/);
      assert.match(reasonOf(event({ amount: 'ABSENT' })).detail, /field amount is missing/);
      assert.match(reasonOf(event({ timestamp: 'ABSENT' })).detail, /field timestamp is missing/);
      assert.equal(reasonOf(event({ timestamp: 'ABSENT' })).reason, 'MISSING_FIELD');
      // A nested customer_id does not count.
      assert.equal(reasonOf(event({ customer_id: 'ABSENT', nested: '{"customer_id":1}' })).reason, 'MISSING_FIELD');
    });

    it('reports NULL_FIELD for a null required field', () => {
      for (const f of ['customer_id', 'amount', 'timestamp']) {
        const r = reasonOf(event({ [f]: 'null' }));
        assert.equal(r.reason, 'NULL_FIELD');
        assert.equal(r.detail, `field ${f} is null`);
      }
    });

    it('reports WRONG_TYPE for each field given a type it does not take', () => {
      const cases: Array<[string, string]> = [
        ['customer_id', '"12"'],
        ['customer_id', '12.0'],
        ['customer_id', '1e3'],
        ['customer_id', 'true'],
        ['customer_id', '[1]'],
        ['amount', '"12.3x"'],
        ['amount', '" 1.00"'],
        ['amount', '"+1"'],
        ['amount', '""'],
        ['amount', 'false'],
        ['amount', '{"v":1}'],
        ['timestamp', '1710506096'],
        ['timestamp', '1710506096.5'],
        ['timestamp', '{}'],
        ['event_type', '1'],
        ['event_type', '["view"]'],
      ];
      for (const [f, v] of cases) {
        const r = reasonOf(event({ [f]: v }));
        assert.equal(r.reason, 'WRONG_TYPE', `${f}: ${v}`);
        assert.ok(r.detail.startsWith(`field ${f} must be`), r.detail);
        assert.ok(r.detail.includes(JSON.stringify(v)), r.detail);
      }
    });

    it('reports CUSTOMER_ID_RANGE outside int32', () => {
      for (const v of ['2147483648', '-2147483649', '99999999999999999999', '10000000000']) {
        const r = reasonOf(event({ customer_id: v }));
        assert.equal(r.reason, 'CUSTOMER_ID_RANGE', v);
        assert.equal(r.detail, `customer_id "${v}" is outside int32`);
      }
    });

    it('reports AMOUNT_PRECISION and AMOUNT_SCALE for numbers and numeric strings', () => {
      assert.equal(reasonOf(event({ amount: '100000000' })).reason, 'AMOUNT_PRECISION');
      assert.equal(reasonOf(event({ amount: '"123456789.5"' })).reason, 'AMOUNT_PRECISION');
      assert.equal(reasonOf(event({ amount: '1e300' })).reason, 'AMOUNT_PRECISION');
      assert.equal(reasonOf(event({ amount: '1.005' })).reason, 'AMOUNT_SCALE');
      assert.equal(reasonOf(event({ amount: '"0.001"' })).reason, 'AMOUNT_SCALE');
      assert.match(reasonOf(event({ amount: '1.005' })).detail, /amount "1.005" is not a whole number of cents/);
    });

    it('reports BAD_TIMESTAMP for strings outside the accepted forms', () => {
      for (const v of ['"2024-03-15"', '"2024-02-30T00:00:00Z"', '"yesterday"', '""', '"2024-03-15T12:34:56+25:00"']) {
        assert.equal(reasonOf(event({ timestamp: v })).reason, 'BAD_TIMESTAMP', v);
      }
    });

    it('judges a timestamp string by the whole string, also where a valid timestamp ends early', () => {
      const base = Date.UTC(2024, 3, 1) * 1000;
      // A valid timestamp followed by more string content, escapes or bytes that break the JSON.
      assert.equal(good(event({ timestamp: '"2024-04-01T00:00:00\\u002B00:00"' })).micros, base);
      assert.equal(good(event({ timestamp: '"2024-04-01T00:00:00+0130"' })).micros, base - 5_400_000_000);
      assert.equal(good(event({ timestamp: '"2024-04-01T00:00:00-01"' })).micros, base + 3_600_000_000);
      assert.equal(good(event({ timestamp: '"2024-04-01T00:00:00.\\u0031"' })).micros, base + 100_000);
      for (const v of ['"2024-04-01T00:00:00Zx"', '"2024-04-01T00:00:00 "', '"2024-04-01T00:00:00+01:3"', '"2024-04-01T00:00:00\\n"']) {
        assert.equal(reasonOf(event({ timestamp: v })).reason, 'BAD_TIMESTAMP', v);
      }
      assert.equal(reasonOf(event({ timestamp: '"2024-04-01T00:00:00Z\n"' })).reason, 'MALFORMED_JSON');
      assert.equal(reasonOf(event({ timestamp: '"2024-04-01T00:00:00Z\\x"' })).reason, 'MALFORMED_JSON');
      const [head, tail] = event({ timestamp: '"2024-04-01T00:00:00Z@"' }).split('@');
      assert.equal(reasonOf(Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)])).reason, 'NOT_UTF8');
      assert.equal(reasonOf('{"customer_id":1,"amount":1,"timestamp":"2024-04-01T00:00:00Z').reason, 'MALFORMED_JSON');
    });

    it('reports fields in the order customer_id, amount, timestamp, event_type', () => {
      assert.equal(reasonOf(event({ customer_id: 'null', amount: '1.001', timestamp: '1' })).reason, 'NULL_FIELD');
      assert.equal(reasonOf(event({ amount: '1.001', timestamp: '1', event_type: '1' })).reason, 'AMOUNT_SCALE');
      assert.equal(reasonOf(event({ timestamp: '"x"', event_type: '1' })).reason, 'BAD_TIMESTAMP');
    });

    it('reports every bad record of a chunk once, in order, between good rows', () => {
      const decoder = new EventDecoder();
      const { cols, bad } = decodeAll(decoder, [event({}), null, '{', event({ customer_id: '2' }), '[]']);
      assert.deepEqual([...cols.customerId.subarray(0, cols.count)], [7, 2]);
      assert.deepEqual([...cols.kafkaOffset.subarray(0, cols.count)], [1000, 1003]);
      assert.deepEqual(
        bad.map((b) => [b.index, b.reason]),
        [
          [1, 'TOMBSTONE'],
          [2, 'MALFORMED_JSON'],
          [4, 'NOT_AN_OBJECT'],
        ],
      );
    });

    it('builds details from copied bytes, so they stay right after the buffer is reused', () => {
      const decoder = new EventDecoder();
      const chunk = chunkOf([event({ amount: '1.005' })]);
      let detail: (() => string) | undefined;
      decoder.decode(chunk, createEventColumns(1), (_c, _i, _r, d) => (detail = d));
      chunk.buf.fill(0x20);
      assert.match(detail!(), /amount "1.005"/);
    });
  });

  describe('configuration and misuse', () => {
    it('refuses unsupported time zones and limits', () => {
      assert.throws(() => new EventDecoder({ timeZone: 'Europe/Paris' }), InvalidArgumentError);
      assert.throws(() => new EventDecoder({ maxDepth: 0 }), InvalidArgumentError);
      assert.throws(() => new EventDecoder({ maxValueBytes: -1 }), InvalidArgumentError);
    });

    it('refuses to mix partitions in one set of columns', () => {
      const decoder = new EventDecoder();
      const cols = createEventColumns(4);
      decoder.decode(chunkOf([event({})], 1), cols, () => undefined);
      assert.throws(() => decoder.decode(chunkOf([event({})], 2), cols, () => undefined), InvalidArgumentError);
    });
  });
});
