import { InvalidArgumentError } from '../errors';

/**
 * Bounds of a query spec document, checked before anything recursive (JSON.parse, validation,
 * canonical JSON, JSON.stringify) touches it: a spec of a few levels can never need more, and a
 * deeply nested one would otherwise overflow the stack of whatever walks it first.
 *
 * The seed job's spec is 3 levels deep (spec → source → startingOffsets' topic → partition is the
 * deepest, 4) and about 1 KB; the bounds leave room for many times that.
 */
export const MAX_SPEC_DEPTH = 16;
export const MAX_SPEC_BYTES = 256 * 1024;
/** Values (objects, arrays, scalars) in a spec given as an object. */
export const MAX_SPEC_VALUES = 20_000;

/**
 * The depth of a JSON text's deepest nesting ({ and [ outside strings), found in one pass without
 * recursion; stops counting once `limit` is exceeded (returns limit + 1).
 */
export function jsonTextDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) max = depth;
      if (max > limit) return limit + 1;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return max;
}

/**
 * Parses a spec document received as text (SubmitQuery's spec_json, a saved spec of the driver's
 * state directory): refuses it with InvalidArgumentError when it exceeds MAX_SPEC_BYTES or
 * MAX_SPEC_DEPTH, or is not JSON. `what` names the document in the message.
 */
export function parseSpecDocument(text: string, what = 'spec_json'): unknown {
  if (typeof text !== 'string') throw new InvalidArgumentError(`${what} is missing`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) throw new InvalidArgumentError(`${what} is ${bytes} bytes; a query spec may be at most ${MAX_SPEC_BYTES} bytes`);
  if (jsonTextDepth(text, MAX_SPEC_DEPTH) > MAX_SPEC_DEPTH) {
    throw new InvalidArgumentError(`${what} is nested more than ${MAX_SPEC_DEPTH} levels deep; a query spec needs far fewer`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The bound a spec given as a value breaks (nesting deeper than MAX_SPEC_DEPTH, more than
 * MAX_SPEC_VALUES values; a cycle counts as too deep), as a sentence; undefined when within bounds.
 * Iterative: safe on any input.
 */
export function specBoundsProblem(spec: unknown): string | undefined {
  const stack: [unknown, number][] = [[spec, 0]];
  let values = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++values > MAX_SPEC_VALUES) return `the query spec holds more than ${MAX_SPEC_VALUES} values; a query spec needs far fewer`;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_SPEC_DEPTH) return `the query spec is nested more than ${MAX_SPEC_DEPTH} levels deep; a query spec needs far fewer`;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return undefined;
}
