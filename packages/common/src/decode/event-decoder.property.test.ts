import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BAD_REASONS, type BadReason } from './bad-reason';
import { createEventColumns } from './event-columns';
import { EventDecoder } from './event-decoder';
import { chunkOf } from './record-chunk-fixture';

const SYNTAX_REASONS: ReadonlySet<BadReason> = new Set(['MALFORMED_JSON', 'NOT_UTF8', 'TOO_DEEP']);

/** Decodes and checks the invariants that hold for any input; returns each record's outcome. */
function decodeChecked(decoder: EventDecoder, values: Uint8Array[]): Array<BadReason | 'ROW'> {
  const cols = createEventColumns(1);
  const outcome: Array<BadReason | 'ROW' | undefined> = new Array(values.length).fill(undefined);
  decoder.decode(chunkOf(values), cols, (_chunk, index, reason, detail) => {
    assert.equal(outcome[index], undefined, 'one outcome per record');
    assert.ok(BAD_REASONS.includes(reason));
    assert.equal(typeof detail(), 'string');
    outcome[index] = reason;
  });
  let row = 0;
  for (let i = 0; i < values.length; i++) {
    if (outcome[i] !== undefined) continue;
    outcome[i] = 'ROW';
    assert.equal(cols.kafkaOffset[row], 1000 + i, 'rows keep record order');
    assert.ok(Number.isInteger(cols.amountCents[row]) && Math.abs(cols.amountCents[row]) < 1e10);
    assert.ok(Number.isSafeInteger(cols.eventTimeMicros[row]));
    assert.ok(cols.eventType[row] >= -1 && cols.eventType[row] < decoder.dictionary().length);
    row++;
  }
  assert.equal(row, cols.count, 'every record is a row or a bad record');
  return outcome as Array<BadReason | 'ROW'>;
}

const GOOD = '{"customer_id":42,"event_type":"view","amount":"19.99","timestamp":"2024-03-15T12:34:56.5+01:00","x":[1,{"y":null}]}';

/** Small pieces of JSON and near-JSON, so that random sequences are often almost valid. */
const TOKENS = [
  '{', '}', '[', ']', ':', ',', ' ', '\n', '"', '"a"', '"customer_id"', '"amount"', '"timestamp"', '"event_type"',
  '1', '0', '-', '.', 'e', '+', '12.5', 'true', 'false', 'null', 'nul', '"\\u00e9"', '"\\n"', '\\', 'x', 'é',
  '"2024-03-15T12:34:56Z"', '\u0001', '"\\ud83d\\ude00"',
];

describe('EventDecoder on arbitrary input', () => {
  it('gives every record of any bytes exactly one outcome and never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 8 }), (values) => {
        decodeChecked(new EventDecoder(), values);
      }),
      { numRuns: 300 },
    );
  });

  it('survives any mutation of a valid event, classifying it like JSON.parse does', () => {
    const base = Buffer.from(GOOD);
    const edit = fc.record({ at: fc.nat(base.length), del: fc.nat(3), ins: fc.uint8Array({ maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let v: Buffer = base;
        for (const e of edits) {
          const at = Math.min(e.at, v.length);
          v = Buffer.concat([v.subarray(0, at), Buffer.from(e.ins), v.subarray(Math.min(at + e.del, v.length))]);
        }
        const [outcome] = decodeChecked(new EventDecoder(), [v]);
        const text = v.toString('utf8');
        const utf8Ok = Buffer.from(text, 'utf8').equals(v);
        if (!utf8Ok || v.length === 0) return;
        assert.equal(SYNTAX_REASONS.has(outcome as BadReason), !parses(text), `${text} → ${outcome}`);
      }),
      { numRuns: 400 },
    );
  });

  it('accepts exactly the token sequences JSON.parse accepts (no lone surrogates involved)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 14 }), (tokens) => {
        const text = tokens.join('');
        const [outcome] = decodeChecked(new EventDecoder(), [Buffer.from(text)]);
        assert.equal(SYNTAX_REASONS.has(outcome as BadReason), !parses(text), `${text} → ${outcome}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('classifies token-level edits of generated JSON like JSON.parse does', () => {
    const edit = fc.record({ at: fc.nat(), del: fc.nat(2), ins: fc.constantFrom('', ...TOKENS) });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.array(edit, { maxLength: 2 }), (value, edits) => {
        let text = JSON.stringify(value);
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.ins + text.slice(at + e.del);
        }
        if (text.length === 0 || /[\ud800-\udfff]/.test(text)) return; // no empty value, no raw surrogates
        const [outcome] = decodeChecked(new EventDecoder(), [Buffer.from(text)]);
        // An edit can split an escaped pair (\ud83d\ude00): lone surrogates are refused (json-scanner.ts).
        assert.equal(SYNTAX_REASONS.has(outcome as BadReason), !parsesWithoutLoneSurrogates(text), `${text} → ${outcome}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('classifies JSON structures with random (often invalid) lexemes like JSON.parse does', () => {
    const numberLexeme = fc.string({ unit: fc.constantFrom(...'-0123456789.eE+'), minLength: 1, maxLength: 7 });
    const stringLexeme = fc
      .array(fc.constantFrom('a', 'é', '\\', '\\n', '\\u00e9', '\\u00', '\\x', 'u', '"', '\t', '/', '\\/'), { maxLength: 4 })
      .map((parts) => `"${parts.join('')}"`);
    const literal = fc.constantFrom('true', 'false', 'null', 'nul', 'True', 'nulll', 'f');
    const { value } = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        numberLexeme,
        stringLexeme,
        literal,
        fc.array(tie('value'), { maxLength: 3 }).map((vs) => `[${vs.join(',')}]`),
        fc.array(fc.tuple(stringLexeme, tie('value')), { maxLength: 3 }).map((ms) => `{${ms.map(([k, v]) => `${k}:${v}`).join(',')}}`),
      ),
    }));
    fc.assert(
      fc.property(value, fc.boolean(), (v, embed) => {
        const text = embed ? `{"customer_id":1,"amount":1,"timestamp":"2024-01-01T00:00:00Z","x":${v}}` : v;
        const [outcome] = decodeChecked(new EventDecoder(), [Buffer.from(text)]);
        assert.equal(SYNTAX_REASONS.has(outcome as BadReason), !parses(text), `${text} → ${outcome}`);
        if (embed && parses(text)) assert.equal(outcome, 'ROW');
      }),
      { numRuns: 3000 },
    );
  });
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** JSON.parse accepts it and no key or string it holds has a lone UTF-16 surrogate. */
function parsesWithoutLoneSurrogates(text: string): boolean {
  let lone = false;
  try {
    JSON.parse(text, (key, value) => {
      if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) lone = true;
      return value;
    });
  } catch {
    return false;
  }
  return !lone;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Generated valid events against an independent calculation.

interface Generated {
  text: string;
  customerId: number;
  cents: bigint;
  micros: number;
  eventType: string | null;
}

const MAX_CENTS = 9_999_999_999n;

/** An amount as JSON: number or string, plain or with an exponent and redundant zeros. */
const amountArb = fc
  .record({ cents: fc.bigInt(-MAX_CENTS, MAX_CENTS), form: fc.constantFrom('plain', 'exp', 'trailing'), zeros: fc.nat(4), quoted: fc.boolean() })
  .map(({ cents, form, zeros, quoted }) => {
    const neg = cents < 0n;
    const a = neg ? -cents : cents;
    let t: string;
    if (form === 'plain') t = `${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
    else if (form === 'trailing') t = `${a / 100n}.${(a % 100n).toString().padStart(2, '0')}${'0'.repeat(zeros)}`;
    else t = a === 0n ? '0e5' : `${a}${'0'.repeat(zeros)}E-${2 + zeros}`;
    t = (neg ? '-' : '') + t;
    return { cents: neg && a === 0n ? 0n : cents, json: quoted ? `"${t}"` : t };
  });

const timestampArb = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1700, 0, 1), max: Date.UTC(2250, 0, 1) }),
    fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 9 }),
    offsetMinutes: fc.option(fc.integer({ min: -18 * 60, max: 18 * 60 }), { nil: undefined }),
    sep: fc.constantFrom('T', ' '),
  })
  .map(({ ms, fraction, offsetMinutes, sep }) => {
    // Wall-clock fields of the local time at the offset, from the whole second of `ms`.
    const second = Math.floor(ms / 1000) * 1000;
    const local = new Date(second + (offsetMinutes ?? 0) * 60_000).toISOString().slice(0, 19).replace('T', sep);
    let zone = offsetMinutes === undefined ? '' : 'Z';
    if (offsetMinutes !== undefined && offsetMinutes !== 0) {
      const a = Math.abs(offsetMinutes);
      zone = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
    }
    const digits = (fraction + '000000').slice(0, 6);
    const micros = second * 1000 + Number(digits);
    return { micros, json: `"${local}${fraction ? '.' + fraction : ''}${zone}"` };
  });

const eventArb: fc.Arbitrary<Generated> = fc
  .record({
    customerId: fc.integer({ min: -2147483648, max: 2147483647 }),
    amount: amountArb,
    ts: timestampArb,
    eventType: fc.option(fc.string({ unit: 'grapheme', maxLength: 12 }), { nil: undefined }),
    nullType: fc.boolean(),
    extras: fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 4 })), { maxLength: 3 }),
    escapeKeys: fc.boolean(),
    spaces: fc.constantFrom('', ' ', '\n\t '),
    order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  })
  .map((g) => {
    const key = (k: string) => (g.escapeKeys ? '"' + [...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('') + '"' : `"${k}"`);
    const members: string[] = [
      `${key('customer_id')}:${g.customerId}`,
      `${key('amount')}:${g.amount.json}`,
      `${key('timestamp')}:${g.ts.json}`,
    ];
    if (g.eventType !== undefined) members.push(`${key('event_type')}:${JSON.stringify(g.eventType)}`);
    else if (g.nullType) members.push(`${key('event_type')}:null`);
    for (const [k, v] of g.extras) {
      if (['customer_id', 'amount', 'timestamp', 'event_type'].includes(k)) continue;
      members.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    const ordered = members.map((m, i) => [g.order[i] ?? i, m] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
    const s = g.spaces;
    return {
      text: `${s}{${s}${ordered.join(`${s},${s}`)}${s}}${s}`,
      customerId: g.customerId,
      cents: g.amount.cents,
      micros: g.ts.micros,
      eventType: g.eventType ?? null,
    };
  });

describe('EventDecoder on generated valid events', () => {
  it('decodes each to the values an independent calculation gives', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 5 }), (events) => {
        const decoder = new EventDecoder();
        const cols = createEventColumns(2);
        decoder.decode(chunkOf(events.map((e) => e.text)), cols, (_c, i, reason, detail) =>
          assert.fail(`${events[i].text}: ${reason} ${detail()}`),
        );
        assert.equal(cols.count, events.length);
        events.forEach((e, i) => {
          assert.equal(cols.customerId[i], e.customerId);
          assert.equal(BigInt(cols.amountCents[i]), e.cents);
          assert.equal(cols.eventTimeMicros[i], e.micros, e.text);
          const code = cols.eventType[i];
          assert.equal(code < 0 ? null : decoder.dictionary()[code], e.eventType);
        });
      }),
      { numRuns: 300 },
    );
  });
});
