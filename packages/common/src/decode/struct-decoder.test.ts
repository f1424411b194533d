import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors';
import type { KafkaColumn, ScanSpec } from '../plan/resolved-query';
import {
  arrayType, BINARY, BOOLEAN, DATE, decimalType, DOUBLE, INT, LONG, sqlField, STRING, structType, TIMESTAMP,
  type SqlField, type SqlType,
} from '../schema/sql-type';
import type { BadReason } from './bad-reason';
import { rowsOf, type Plain } from './column-rows-fixture';
import { chunkOf, chunkOfRecords, type FixtureRecord } from './record-chunk-fixture';
import { createStructDecoder, type StructDecoder } from './struct-decoder';

const KAFKA_TYPES: Record<KafkaColumn, SqlType> = {
  key: BINARY,
  value: BINARY,
  topic: STRING,
  partition: INT,
  offset: LONG,
  timestamp: TIMESTAMP,
  timestampType: INT,
  headers: arrayType(structType([sqlField('key', STRING), sqlField('value', BINARY)])),
};

function scanOf(fields: SqlField[] | null, kafkaColumns: KafkaColumn[] = [], timeZone = 'UTC', maxValueBytes = 65536): ScanSpec {
  const schema = kafkaColumns.map((c) => sqlField(c, KAFKA_TYPES[c]));
  if (fields !== null) schema.push(sqlField('v', structType(fields), false));
  return { kafkaColumns, json: fields === null ? null : { schema: fields, timeZone }, schema, maxValueBytes };
}

interface Bad {
  index: number;
  reason: BadReason;
  detail: string;
}

function decodeWith(decoder: StructDecoder, values: ReadonlyArray<string | null>) {
  const bad: Bad[] = [];
  const batch = decoder.decode(chunkOf(values), (_c, index, reason, detail) => bad.push({ index, reason, detail: detail() }));
  return { rows: rowsOf(batch), bad, recordIndex: Array.from(batch.recordIndex!.subarray(0, batch.count)) };
}

/** The parsed struct of one good record. */
function one(fields: SqlField[], value: string, timeZone = 'UTC'): { [k: string]: Plain } {
  const { rows, bad } = decodeWith(createStructDecoder(scanOf(fields, [], timeZone)), [value]);
  assert.deepEqual(bad, []);
  assert.equal(rows.length, 1);
  return rows[0].v as { [k: string]: Plain };
}

/** The bad-record outcome of one record. */
function badOf(fields: SqlField[], value: string | null): Bad {
  const { rows, bad } = decodeWith(createStructDecoder(scanOf(fields)), [value]);
  assert.equal(rows.length, 0, `expected no row, got ${JSON.stringify(rows, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`);
  assert.equal(bad.length, 1);
  return bad[0];
}

function field(name: string, type: SqlType, nullable = true): SqlField {
  return sqlField(name, type, nullable);
}

const DAY_MS = 86_400_000;

describe('StructDecoder', () => {
  it('publishes a column without nulls in the chunk with validity null, and one with a null with its validity', () => {
    const decoder = createStructDecoder(scanOf([field('a', INT), field('s', STRING), field('t', structType([field('x', LONG)]))]));
    const children = () => (decoder.decode(chunkOf(values), () => {}).columns[0] as unknown as { children: { validity: Uint8Array | null }[] }).children;
    let values = ['{"a":1,"s":"x","t":{"x":1}}', '{"a":2,"s":"y","t":{"x":2}}'];
    assert.deepEqual(children().map((c) => c.validity), [null, null, null]);
    values = ['{"a":1,"t":{}}', '{"a":null,"s":"y","t":null}', '{"a":3,"s":"z","t":{"x":3}}'];
    const [a, s, t] = children();
    assert.deepEqual([Array.from(a.validity!.subarray(0, 3)), Array.from(s.validity!.subarray(0, 3)), Array.from(t.validity!.subarray(0, 3))],
      [[1, 0, 1], [0, 1, 1], [1, 0, 1]]);
    const x = (t as unknown as { children: { validity: Uint8Array | null }[] }).children[0];
    assert.deepEqual(Array.from(x.validity!.subarray(0, 3)), [0, 0, 1], 'a missing field and a null struct leave the child null');
    values = ['{"a":4,"s":"w","t":{"x":4}}'];
    assert.deepEqual(children().map((c) => c.validity), [null, null, null], 'the next chunk without nulls is all valid again');
  });

  describe('scalar types', () => {
    it('reads booleans, ints, longs and doubles as Spark from_json does', () => {
      const fields = [field('b', BOOLEAN), field('f', BOOLEAN), field('i', INT), field('n', INT), field('l', LONG), field('d', DOUBLE)];
      assert.deepEqual(one(fields, '{"b":true,"f":false,"i":2147483647,"n":-2147483648,"l":-9223372036854775808,"d":1.5}'), {
        b: true, f: false, i: 2147483647, n: -2147483648, l: -9223372036854775808n, d: 1.5,
      });
    });

    it('keeps longs of 2^53 and beyond exactly (wide)', () => {
      const fields = [field('a', LONG), field('b', LONG), field('c', LONG), field('d', LONG)];
      assert.deepEqual(one(fields, '{"a":9007199254740993,"b":9223372036854775807,"c":9007199254740991,"d":-0}'), {
        a: 9007199254740993n, b: 9223372036854775807n, c: 9007199254740991n, d: 0n,
      });
    });

    it('reads doubles from any JSON number and from the special strings', () => {
      const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((n) => field(n, DOUBLE));
      const v = one(fields, '{"a":1e400,"b":"NaN","c":"-Infinity","d":"+INF","e":-0.0,"f":-0,"g":0.1,"h":123456789012345678,"i":2.5e-3}');
      assert.equal(v.a, Infinity);
      assert.ok(Number.isNaN(v.b));
      assert.equal(v.c, -Infinity);
      assert.equal(v.d, Infinity);
      assert.ok(Object.is(v.e, -0), 'the float -0.0 is -0');
      assert.ok(Object.is(v.f, 0), 'the integer -0 is 0 (Jackson reads it as int 0)');
      assert.equal(v.g, 0.1);
      assert.equal(v.h, 123456789012345680);
      assert.equal(v.i, 0.0025);
    });

    it('copies strings as UTF-8 with escapes resolved', () => {
      const fields = [field('s', STRING), field('t', STRING), field('u', STRING), field('long', STRING)];
      const long = 'x'.repeat(100) + 'é';
      assert.deepEqual(one(fields, `{"s":"a\\"b\\\\\\u00e9\\n\\/","t":"\\ud83d\\ude00 ok","u":"","long":"${long}"}`), {
        s: 'a"b\\é\n/', t: '😀 ok', u: '', long,
      });
    });

    it('gives a string field the JSON text of a non-string value, without whitespace between tokens', () => {
      const fields = [field('n', STRING), field('o', STRING), field('b', STRING), field('a', STRING)];
      assert.deepEqual(one(fields, '{"n":1.50,"o":{ "k" : [1, "a b", {}] },"b":true,"a":[ ]}'), {
        n: '1.50', o: '{"k":[1,"a b",{}]}', b: 'true', a: '[]',
      });
    });
  });

  describe('decimals', () => {
    it('holds decimal(38,0) and decimal(38,10) values exactly', () => {
      const fields = [field('a', decimalType(38, 0)), field('b', decimalType(38, 0)), field('c', decimalType(38, 10)), field('d', decimalType(38, 38))];
      assert.deepEqual(
        one(fields, '{"a":12345678901234567890123456789012345678,"b":"-99999999999999999999999999999999999999","c":1234567890123456789012345678.0123456789,"d":0.12345678901234567890123456789012345678}'),
        {
          a: 12345678901234567890123456789012345678n,
          b: -99999999999999999999999999999999999999n,
          c: 12345678901234567890123456780123456789n,
          d: 12345678901234567890123456789012345678n,
        },
      );
    });

    it('accepts any exact form of the value (value-based scale), from numbers and numeric strings', () => {
      const t = decimalType(10, 2);
      const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => field(n, t));
      assert.deepEqual(one(fields, '{"a":1.500,"b":"1e2","c":12345e-2,"d":"-0.15e1","e":-0.00,"f":99999999.99,"g":"7"}'), {
        a: 150n, b: 10000n, c: 12345n, d: -150n, e: 0n, f: 9999999999n, g: 700n,
      });
    });

    it('puts unscaled values of 2^53 and beyond in wide, below in values', () => {
      const fields = [field('a', decimalType(20, 2)), field('b', decimalType(20, 2))];
      assert.deepEqual(one(fields, '{"a":90071992547409.93,"b":90071992547409.91}'), { a: 9007199254740993n, b: 9007199254740991n });
    });

    it('refuses values needing more integer digits (DECIMAL_PRECISION) or more decimal places (DECIMAL_SCALE), never rounding', () => {
      const cases: [SqlType, string, BadReason][] = [
        [decimalType(10, 2), '1.005', 'DECIMAL_SCALE'],
        [decimalType(10, 2), '"0.001"', 'DECIMAL_SCALE'],
        [decimalType(10, 2), '123456789', 'DECIMAL_PRECISION'],
        [decimalType(10, 2), '123456789.001', 'DECIMAL_PRECISION'],
        [decimalType(38, 0), '123456789012345678901234567890123456789', 'DECIMAL_PRECISION'],
        [decimalType(38, 0), '0.5', 'DECIMAL_SCALE'],
        [decimalType(5, 5), '1', 'DECIMAL_PRECISION'],
        [decimalType(10, 2), '"1.5 "', 'WRONG_TYPE'],
        [decimalType(10, 2), '"+1.5"', 'WRONG_TYPE'],
        [decimalType(10, 2), 'true', 'WRONG_TYPE'],
      ];
      for (const [type, json, reason] of cases) {
        const bad = badOf([field('price', type)], `{"price":${json}}`);
        assert.equal(bad.reason, reason, json);
        assert.match(bad.detail, /field price /);
      }
    });
  });

  describe('timestamps and dates', () => {
    it('reads ISO-8601 strings to µs, in the scan time zone when they carry no offset', () => {
      const fields = [field('a', TIMESTAMP), field('b', TIMESTAMP), field('c', TIMESTAMP), field('d', TIMESTAMP)];
      const base = Date.UTC(2024, 0, 2, 3, 4, 5) * 1000;
      assert.deepEqual(one(fields, '{"a":"2024-01-02T03:04:05.123456Z","b":"2024-01-02 03:04:05","c":"2024-01-02T03:04:05.1234569+01:00","d":"2024-01-02T03:04:05\\u005a"}', '+02:00'), {
        a: BigInt(base + 123456), b: BigInt(base - 2 * 3600e6), c: BigInt(base - 3600e6 + 123456), d: BigInt(base),
      });
    });

    it('reads a JSON integer as epoch seconds (Spark: VALUE_NUMBER_INT × 10^6); fractions are WRONG_TYPE', () => {
      assert.deepEqual(one([field('t', TIMESTAMP)], '{"t":1700000000}'), { t: 1700000000000000n });
      assert.deepEqual(one([field('t', TIMESTAMP)], '{"t":-1}'), { t: -1000000n });
      assert.equal(badOf([field('t', TIMESTAMP)], '{"t":1.5}').reason, 'WRONG_TYPE');
      assert.equal(badOf([field('t', TIMESTAMP)], '{"t":1e3}').reason, 'WRONG_TYPE');
      assert.equal(badOf([field('t', TIMESTAMP)], '{"t":99999999999}').reason, 'BAD_TIMESTAMP');
    });

    it('refuses impossible timestamps as BAD_TIMESTAMP', () => {
      for (const text of ['2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-01', '', '2024-01-01T24:00:00Z']) {
        assert.equal(badOf([field('t', TIMESTAMP)], `{"t":"${text}"}`).reason, 'BAD_TIMESTAMP', text);
      }
    });

    it('reads dates in the forms of Spark 3.5 CAST (stringToDate)', () => {
      const days = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / DAY_MS;
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const fields = names.map((n) => field(n, DATE));
      assert.deepEqual(one(fields, '{"a":"2024-03-05","b":"2024","c":"2024-3","d":"2024-03-05T10:00:00Z","e":" 2024-3-5 ","f":"+2024-02-29","g":"1969-12-31","h":"2024-03-05 anything"}'), {
        a: days(2024, 3, 5), b: days(2024, 1, 1), c: days(2024, 3, 1), d: days(2024, 3, 5),
        e: days(2024, 3, 5), f: days(2024, 2, 29), g: -1, h: days(2024, 3, 5),
      });
    });

    it('refuses other date strings as BAD_DATE and numbers as WRONG_TYPE', () => {
      for (const text of ['2023-02-29', '24-01-01', '2024-01-01x', '2024T', '2024-1-', '2024-001-01', '19000a', '', '2024/01/01']) {
        assert.equal(badOf([field('d', DATE)], `{"d":"${text}"}`).reason, 'BAD_DATE', text);
      }
      assert.equal(badOf([field('d', DATE)], '{"d":19000}').reason, 'WRONG_TYPE');
    });
  });

  describe('types a value cannot take', () => {
    const cases: [SqlType, string, BadReason][] = [
      [INT, '"12"', 'WRONG_TYPE'],
      [INT, '12.0', 'WRONG_TYPE'],
      [INT, '1e3', 'WRONG_TYPE'],
      [INT, '2147483648', 'INT_RANGE'],
      [INT, '-2147483649', 'INT_RANGE'],
      [LONG, '9223372036854775808', 'INT_RANGE'],
      [LONG, '-9223372036854775809', 'INT_RANGE'],
      [LONG, '1.0', 'WRONG_TYPE'],
      [BOOLEAN, '"true"', 'WRONG_TYPE'],
      [BOOLEAN, '1', 'WRONG_TYPE'],
      [DOUBLE, '"1.5"', 'WRONG_TYPE'],
      [DOUBLE, '"nan"', 'WRONG_TYPE'],
      [DOUBLE, 'true', 'WRONG_TYPE'],
      [structType([field('x', INT)]), '[]', 'WRONG_TYPE'],
      [arrayType(INT), '{}', 'WRONG_TYPE'],
      [arrayType(INT), '1', 'WRONG_TYPE'],
      [TIMESTAMP, 'true', 'WRONG_TYPE'],
    ];
    for (const [type, json, reason] of cases) {
      it(`${json} as ${type.kind} is ${reason}`, () => {
        assert.equal(badOf([field('x', type)], `{"x":${json}}`).reason, reason);
      });
    }
  });

  describe('nulls, nesting and paths', () => {
    const item = structType([field('sku', STRING), field('price', decimalType(10, 2), false)]);
    const order = structType([field('id', INT, false), field('items', arrayType(item)), field('tags', arrayType(STRING, false))]);
    const fields = [field('order', order), field('note', STRING)];

    it('keeps the rows before a bad record whose array holds a wrongly typed element followed by more (property-test counterexample)', () => {
      const nested = [field('b', arrayType(arrayType(STRING)))];
      const { rows, bad } = decodeWith(createStructDecoder(scanOf(nested)), ['{"b":[[""]]}', '{"b":[true,[null]]}', '{"b":[["x"],[null]]}']);
      assert.deepEqual(rows.map((r) => r.v), [{ b: [['']] }, { b: [['x'], [null]] }]);
      assert.deepEqual(bad.map((x) => [x.index, x.reason]), [[1, 'WRONG_TYPE']]);
    });

    it('reads nested structs and arrays of structs; missing and null nullable fields are null', () => {
      const v = one(fields, '{"order":{"id":7,"items":[{"sku":"a","price":1.5},{"price":"2"},null],"tags":["x","y"]}}');
      assert.deepEqual(v, {
        order: { id: 7, items: [{ sku: 'a', price: 150n }, { sku: null, price: 200n }, null], tags: ['x', 'y'] },
        note: null,
      });
      assert.deepEqual(one(fields, '{"order":null,"note":"n"}'), { order: null, note: 'n' });
      assert.deepEqual(one(fields, '{"order":{"id":1,"items":[],"tags":null}}'), { order: { id: 1, items: [], tags: null }, note: null });
    });

    it('names the path of a non-nullable field that is missing or null', () => {
      let bad = badOf(fields, '{"order":{"items":[]}}');
      assert.equal(bad.reason, 'MISSING_FIELD');
      assert.equal(bad.detail, 'field order.id is missing (not nullable)');
      bad = badOf(fields, '{"order":{"id":1,"items":[{"price":1},{"price":2},{"sku":"c","price":null}]}}');
      assert.equal(bad.reason, 'NULL_FIELD');
      assert.equal(bad.detail, 'field order.items[2].price is null (not nullable)');
      bad = badOf(fields, '{"order":{"id":1,"tags":["a",null]}}');
      assert.equal(bad.reason, 'NULL_FIELD');
      assert.equal(bad.detail, 'field order.tags[1] is null (not nullable)');
    });

    it('names the path and shows the value of a value that cannot become its type', () => {
      const bad = badOf(fields, '{"order":{"id":1,"items":[{"price":1},{"price":2},{"price":1.005}]}}');
      assert.equal(bad.reason, 'DECIMAL_SCALE');
      assert.equal(bad.detail, 'field order.items[2].price value "1.005" has more decimal places than decimal(10,2) holds (no rounding)');
    });

    it('reports the first problem in schema order, depth first', () => {
      const f = [field('a', INT), field('b', structType([field('c', INT, false), field('d', INT)])), field('e', INT, false)];
      const bad = badOf(f, '{"e":null,"b":{"d":"x"},"a":1}');
      assert.equal(bad.reason, 'MISSING_FIELD');
      assert.match(bad.detail, /field b\.c /);
      assert.equal(badOf(f, '{"e":null,"b":{"d":"x","c":1},"a":1}').detail, 'field b.d (int) must be a JSON integer (no fraction, exponent or quotes), got "\\"x\\""');
    });

    it('lets the last of duplicate keys win, also over an earlier bad, null or longer value', () => {
      const f = [field('a', INT, false), field('s', STRING), field('arr', arrayType(STRING)), field('o', structType([field('x', INT), field('y', INT)]))];
      assert.deepEqual(
        one(f, '{"a":"bad","a":null,"a":3,"s":"a long first string","s":"b","arr":["1","2","3"],"arr":["4"],"o":{"x":1},"o":{"y":2}}'),
        { a: 3, s: 'b', arr: ['4'], o: { x: null, y: 2 } },
      );
    });

    it('matches keys exactly (case-sensitive) after resolving escapes, and ignores unknown fields after validating them', () => {
      const f = [field('customer_id', INT), field('Name', STRING)];
      assert.deepEqual(one(f, '{"customer\\u005fid":5,"name":"lower","Name":"upper","x":{"y":[1,{"z":null}]}}'), { customer_id: 5, Name: 'upper' });
      assert.equal(badOf(f, '{"customer_id":5,"x":[1,}').reason, 'MALFORMED_JSON');
    });
  });

  describe('records', () => {
    const f = [field('n', INT, false), field('xs', arrayType(STRING))];

    it('keeps good rows in record order with their record index, dropping bad ones without a trace in the columns', () => {
      const decoder = createStructDecoder(scanOf(f));
      const out = decodeWith(decoder, ['{"n":1,"xs":["a","bb"]}', '{"n":2,"xs":["ccc",5,"dddd"]', null, '{"n":3,"xs":["e"],"n":"x"}', '{"n":4,"xs":["f"]}', '']);
      assert.deepEqual(out.rows.map((r) => r.v), [{ n: 1, xs: ['a', 'bb'] }, { n: 4, xs: ['f'] }]);
      assert.deepEqual(out.recordIndex, [0, 4]);
      assert.deepEqual(out.bad.map((b) => [b.index, b.reason]), [[1, 'MALFORMED_JSON'], [2, 'TOMBSTONE'], [3, 'WRONG_TYPE'], [5, 'EMPTY_VALUE']]);
    });

    it('reports size, syntax and shape problems of the whole value first', () => {
      const decoder = createStructDecoder(scanOf(f, [], 'UTC', 20), { maxDepth: 3 });
      const out = decodeWith(decoder, ['{"n":1,"xs":["aaaaaaaaaaaaaa"]}', '[1]', '{"n":1,"q":[[[1]]]}', '{"n":1} x', '{"n":"x",}']);
      assert.deepEqual(out.bad.map((b) => b.reason), ['VALUE_TOO_LARGE', 'NOT_AN_OBJECT', 'TOO_DEEP', 'MALFORMED_JSON', 'MALFORMED_JSON']);
      assert.match(out.bad[1].detail, /not an object/);
    });

    it('reuses its arrays across chunks and grows them for larger chunks, longer strings and more elements', () => {
      const decoder = createStructDecoder(scanOf(f));
      assert.deepEqual(decodeWith(decoder, ['{"n":1,"xs":["a"]}']).rows.map((r) => r.v), [{ n: 1, xs: ['a'] }]);
      const many = Array.from({ length: 300 }, (_, i) => JSON.stringify({ n: i, xs: Array.from({ length: i % 7 }, (_, k) => 'y'.repeat(i + k)) }));
      const rows = decodeWith(decoder, many).rows.map((r) => r.v);
      assert.equal(rows.length, 300);
      for (let i = 0; i < 300; i++) assert.deepEqual(rows[i], { n: i, xs: Array.from({ length: i % 7 }, (_, k) => 'y'.repeat(i + k)) });
      assert.deepEqual(decodeWith(decoder, ['{"n":9}']).rows.map((r) => r.v), [{ n: 9, xs: null }]);
    });

    it('refuses a schema with binary fields or a time zone it cannot apply', () => {
      assert.throws(() => createStructDecoder(scanOf([field('b', BINARY)])), InvalidArgumentError);
      assert.throws(() => createStructDecoder(scanOf([field('s', structType([field('bs', arrayType(BINARY))]))])), /field s\.bs: binary/);
      assert.throws(() => createStructDecoder(scanOf([field('t', TIMESTAMP)], [], 'Europe/Paris')), InvalidArgumentError);
    });
  });

  describe('Kafka columns', () => {
    const all: KafkaColumn[] = ['key', 'value', 'topic', 'partition', 'offset', 'timestamp', 'timestampType', 'headers'];

    it('gives every Kafka column, before the parsed struct', () => {
      const records: FixtureRecord[] = [
        { key: 'k1', value: '{"n":1}', headers: [['h', 'v'], ['n', null]], timestampMs: 1_700_000_000_123 },
        { key: null, value: '{"n":2}', timestampType: 1, timestampMs: 42 },
      ];
      const decoder = createStructDecoder(scanOf([field('n', INT)], all));
      const batch = decoder.decode(chunkOfRecords(records, 3), () => assert.fail('no bad records'));
      assert.deepEqual(rowsOf(batch), [
        {
          key: Buffer.from('k1'), value: Buffer.from('{"n":1}'), topic: 'events', partition: 3, offset: 1000n,
          timestamp: 1_700_000_000_123_000n, timestampType: 0, headers: [{ key: 'h', value: Buffer.from('v') }, { key: 'n', value: null }], v: { n: 1 },
        },
        {
          key: null, value: Buffer.from('{"n":2}'), topic: 'events', partition: 3, offset: 1001n,
          timestamp: 42_000n, timestampType: 1, headers: null, v: { n: 2 },
        },
      ]);
    });

    it('without JSON, makes every record a row, tombstones included (value null)', () => {
      const decoder = createStructDecoder(scanOf(null, ['value', 'offset']));
      const batch = decoder.decode(chunkOf(['x', null, 'not json']), () => assert.fail('no bad records'));
      assert.deepEqual(rowsOf(batch), [
        { value: Buffer.from('x'), offset: 1000n },
        { value: null, offset: 1001n },
        { value: Buffer.from('not json'), offset: 1002n },
      ]);
    });

    it('throws a retriable corruption error when a record\'s headers overrun it', () => {
      const chunk = chunkOfRecords([{ value: '{}', headers: [['key', 'value']] }]);
      chunk.headersLength[0] -= 2;
      const decoder = createStructDecoder(scanOf(null, ['headers']));
      assert.throws(() => decoder.decode(chunk, () => assert.fail('no bad records')), /headers overrun/);
    });

    it('refuses a scan schema whose Kafka column has the wrong type', () => {
      const scan = scanOf(null, ['offset']);
      scan.schema[0] = sqlField('offset', INT);
      assert.throws(() => createStructDecoder(scan), /must be bigint/);
    });
  });
});
