/**
 * JSONTestSuite (nst/JSONTestSuite, `test_parsing`) against the struct decoder (seed schema; and
 * with the unknown field declared as a string, which then holds the document's compact text), the two ways the corpus README describes. The corpus is read in place from `$TRIBUTARY_SHARED/json-test-suite`
 * (TRIBUTARY_SHARED defaults to `../shared` relative to the repository root, found from this file's
 * location, never from the working directory). A missing corpus fails the run. Not a `.test.ts`:
 * it runs under `npm run test:conformance` (or `mocha --no-config 'packages/common/dist/decode/*.conformance.js'`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BadReason } from './bad-reason';
import { chunkOf } from './record-chunk-fixture';
import { decimalType, INT, sqlField, STRING, structType, TIMESTAMP, type SqlField } from '../schema/sql-type';
import { createStructDecoder } from './struct-decoder';

const SYNTAX_REASONS: ReadonlySet<BadReason> = new Set(['MALFORMED_JSON', 'NOT_UTF8', 'TOO_DEEP']);
const NOT_ABOUT_CONTENT: ReadonlySet<BadReason> = new Set(['EMPTY_VALUE', 'TOMBSTONE', 'VALUE_TOO_LARGE']);

/** The repository root: the nearest folder above this file whose package.json declares workspaces. */
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).workspaces) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root (package.json with workspaces) above ${__dirname}`);
  }
}

interface Doc {
  name: string;
  bytes: Buffer;
}

let cached: Doc[] | undefined;

function corpus(): Doc[] {
  if (cached) return cached;
  const root = repositoryRoot();
  const shared = path.resolve(root, process.env.TRIBUTARY_SHARED ?? '../shared');
  const dir = path.join(shared, 'json-test-suite');
  if (!fs.existsSync(dir)) {
    throw new Error(
      `JSON test suite not found at ${dir}: set TRIBUTARY_SHARED to the shared folder ` +
        `(default ../shared relative to the repository root ${root})`,
    );
  }
  cached = fs
    .readdirSync(dir)
    .filter((f) => /^[yni]_.*\.json$/.test(f))
    .sort()
    .map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, name)) }));
  assert.ok(cached.length >= 300, `expected the whole corpus (318 files) in ${dir}, found ${cached.length}`);
  return cached;
}

function docs(prefix: 'y_' | 'n_' | 'i_'): Doc[] {
  return corpus().filter((d) => d.name.startsWith(prefix));
}

type Outcome = BadReason | 'ROW';

/** Large enough for the 100,000-byte nesting documents: they must reach the depth limit, not the size limit. */
const MAX_VALUE_BYTES = 1 << 20;

/** The seed schema with its required fields non-nullable. */
const SEED: SqlField[] = [
  sqlField('customer_id', INT, false),
  sqlField('event_type', STRING),
  sqlField('amount', decimalType(10, 2), false),
  sqlField('timestamp', TIMESTAMP, false),
];

/** Outcome of one value with a struct decoder of the given JSON schema; a row's `extra` text is checked by `checkExtra`. */
function structOutcome(fields: SqlField[], checkExtra?: (extra: string | null) => void): (value: Buffer) => Outcome {
  const decoder = createStructDecoder(
    { kafkaColumns: [], json: { schema: fields, timeZone: 'UTC' }, schema: [sqlField('e', structType(fields), false)], maxValueBytes: MAX_VALUE_BYTES },
  );
  const extraField = fields.findIndex((f) => f.name === 'extra');
  return (value) => {
    let outcome: Outcome = 'ROW';
    const batch = decoder.decode(chunkOf([value]), (_c, _i, reason, detail) => {
      assert.equal(typeof detail(), 'string');
      outcome = reason;
    });
    assert.equal(batch.count, outcome === 'ROW' ? 1 : 0);
    if (outcome === 'ROW' && checkExtra && extraField >= 0) {
      const v = (batch.columns[0] as { children: { validity: Uint8Array | null; offsets: Int32Array; data: Uint8Array }[] }).children[extraField];
      checkExtra(v.validity !== null && v.validity[0] === 0 ? null : Buffer.from(v.data.subarray(v.offsets[0], v.offsets[1])).toString('utf8'));
    }
    return outcome;
  };
}

/** The compact text of a valid document: JSON.parse accepts it and gives what the document gives. */
function checkCompact(doc: Buffer): (extra: string | null) => void {
  return (extra) => {
    const text = doc.toString('utf8').trim();
    if (text === 'null') return assert.equal(extra, null);
    assert.ok(extra !== null);
    if (text.startsWith('"')) return assert.equal(extra, JSON.parse(text));
    assert.ok(!/^\s|\s$/.test(extra), 'no whitespace around');
    assert.deepEqual(JSON.parse(extra), JSON.parse(text));
  };
}

const DECODERS: { name: string; outcomeOf: (value: Buffer, doc?: Buffer) => Outcome }[] = [
  { name: 'the struct decoder (seed schema)', outcomeOf: (v) => structOutcome(SEED)(v) },
  {
    name: 'the struct decoder (seed schema, extra: string)',
    outcomeOf: (v, doc) => structOutcome([...SEED, sqlField('extra', STRING)], doc && checkCompact(doc))(v),
  },
];

const HEAD = Buffer.from('{"customer_id":1,"event_type":"view","amount":1.00,"timestamp":"2024-01-01T00:00:00Z","extra":');
const TAIL = Buffer.from('}');
const FIRST_HEAD = Buffer.from('{"extra":');
const FIRST_TAIL = Buffer.from(',"customer_id":1,"event_type":"view","amount":1.00,"timestamp":"2024-01-01T00:00:00Z"}');

/** The document as the value of an unknown field, last or first in an otherwise valid event. */
function embedded(doc: Buffer): Buffer[] {
  return [Buffer.concat([HEAD, doc, TAIL]), Buffer.concat([FIRST_HEAD, doc, FIRST_TAIL])];
}

function expectAll(files: Doc[], check: (d: Doc) => string | null): void {
  const failures = files.map(check).filter((f): f is string => f !== null);
  assert.deepEqual(failures, [], `${failures.length} of ${files.length} documents failed`);
}

for (const { name, outcomeOf } of DECODERS) describe(`JSON test suite against ${name}`, function () {
  this.timeout(120_000);

  describe('each document as a whole record value', () => {
    it('quarantines every y_ document for a schema reason, never as malformed', () => {
      expectAll(docs('y_'), (d) => {
        const r = outcomeOf(d.bytes);
        return r === 'ROW' || SYNTAX_REASONS.has(r) || NOT_ABOUT_CONTENT.has(r) ? `${d.name}: ${r}` : null;
      });
    });

    it('quarantines every n_ document as malformed (empty documents as EMPTY_VALUE)', () => {
      expectAll(docs('n_'), (d) => {
        const r = outcomeOf(d.bytes);
        const expected = d.bytes.length === 0 ? r === 'EMPTY_VALUE' : SYNTAX_REASONS.has(r as BadReason);
        return expected ? null : `${d.name}: ${r}`;
      });
    });

    it('gives every i_ document an outcome without throwing or hanging (under 250 ms each)', () => {
      expectAll(docs('i_'), (d) => {
        const t0 = performance.now();
        const r = outcomeOf(d.bytes);
        const ms = performance.now() - t0;
        if (ms > 250) return `${d.name}: took ${ms.toFixed(0)} ms`;
        return r === 'ROW' || NOT_ABOUT_CONTENT.has(r) ? `${d.name}: ${r}` : null;
      });
    });
  });

  describe('each document as the value of an unknown field of a valid event', () => {
    it('keeps the event as a row for every y_ document', () => {
      expectAll(docs('y_'), (d) => {
        const rs = embedded(d.bytes).map((v) => outcomeOf(v, d.bytes));
        return rs.every((r) => r === 'ROW') ? null : `${d.name}: ${rs.join(', ')}`;
      });
    });

    it('quarantines the event as malformed for every n_ document', () => {
      expectAll(docs('n_'), (d) => {
        const rs = embedded(d.bytes).map((v) => outcomeOf(v, d.bytes));
        return rs.every((r) => r !== 'ROW' && SYNTAX_REASONS.has(r)) ? null : `${d.name}: ${rs.join(', ')}`;
      });
    });

    it('gives every event with an i_ document an outcome without throwing', () => {
      expectAll(docs('i_'), (d) => {
        const rs = embedded(d.bytes).map((v) => outcomeOf(v, d.bytes));
        return rs.every((r) => r === 'ROW' || SYNTAX_REASONS.has(r)) ? null : `${d.name}: ${rs.join(', ')}`;
      });
    });
  });
});
