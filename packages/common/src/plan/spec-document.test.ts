import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors';
import { referenceJobSpec } from '../testing';
import { jsonTextDepth, MAX_SPEC_BYTES, MAX_SPEC_DEPTH, parseSpecDocument, specBoundsProblem } from './spec-document';

const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

describe('spec document bounds', () => {
  it('measures the nesting of JSON text, ignoring brackets inside strings', () => {
    assert.equal(jsonTextDepth('1', 99), 0);
    assert.equal(jsonTextDepth('{"a":[1,{"b":2}],"c":{}}', 99), 3);
    assert.equal(jsonTextDepth('{"a":"[[[{{{\\"[[["}', 99), 1);
    assert.equal(jsonTextDepth(nested(1_000_000), 16), 17, 'stops counting past the limit');
  });

  it('parses the seed spec, which is well within the bounds', () => {
    const text = JSON.stringify(referenceJobSpec());
    assert.deepEqual(parseSpecDocument(text), referenceJobSpec());
    assert.ok(jsonTextDepth(text, 99) <= MAX_SPEC_DEPTH / 2);
  });

  it('refuses 5,000 levels of nesting before parsing, with InvalidArgumentError', () => {
    const text = `{"version":1,"options":{"maxEventTimeAhead":${nested(5000)}}}`;
    assert.throws(() => parseSpecDocument(text), (e: unknown) => e instanceof InvalidArgumentError
      && e.message === `spec_json is nested more than ${MAX_SPEC_DEPTH} levels deep; a query spec needs far fewer`);
    assert.doesNotThrow(() => parseSpecDocument(nested(MAX_SPEC_DEPTH)));
    assert.throws(() => parseSpecDocument(nested(MAX_SPEC_DEPTH + 1)), InvalidArgumentError);
  });

  it('refuses a document larger than the size bound, naming both sizes', () => {
    const text = JSON.stringify({ name: 'x'.repeat(MAX_SPEC_BYTES) });
    assert.throws(() => parseSpecDocument(text, 'the saved spec'), (e: unknown) => e instanceof InvalidArgumentError
      && e.message === `the saved spec is ${MAX_SPEC_BYTES + 11} bytes; a query spec may be at most ${MAX_SPEC_BYTES} bytes`);
  });

  it('refuses text that is not JSON with InvalidArgumentError', () => {
    assert.throws(() => parseSpecDocument('{"version": 1,'), (e: unknown) => e instanceof InvalidArgumentError && /^spec_json is not valid JSON: /.test(e.message));
  });

  it('bounds a spec given as a value: depth, number of values and cycles', () => {
    assert.equal(specBoundsProblem(referenceJobSpec()), undefined);
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = { d: deep };
    assert.match(specBoundsProblem(deep)!, /nested more than 16 levels/);
    assert.match(specBoundsProblem({ list: new Array(30_000).fill(0) })!, /more than 20000 values/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.match(specBoundsProblem(cyclic)!, /nested more than 16 levels/);
  });
});
