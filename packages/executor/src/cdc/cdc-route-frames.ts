/**
 * A CDC query of several source tables (routes, cdc-spec.ts) sends each shuffle partition one
 * message holding every route's change rows, in the `cdc-routes/v1` framing:
 *
 *   u32 R                          the number of routes (little-endian, as every field here)
 *   R × (u32 rows, u32 byteLength) route r's row count and the length of its body
 *   R bodies, concatenated         route r's rows in cdc-changes/v1 (cdc-codec.ts) over its own
 *                                  columns; empty (length 0) when it has no rows
 *
 * A query of one table sends cdc-changes/v1 alone, unframed.
 */

export interface RouteFrame {
  rows: number;
  bytes: Uint8Array;
}

export function encodeRouteFrames(frames: readonly RouteFrame[]): Uint8Array {
  const head = 4 + 8 * frames.length;
  const out = new Uint8Array(head + frames.reduce((a, f) => a + f.bytes.byteLength, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, frames.length, true);
  let at = head;
  frames.forEach((f, r) => {
    view.setUint32(4 + 8 * r, f.rows, true);
    view.setUint32(8 + 8 * r, f.bytes.byteLength, true);
    out.set(f.bytes, at);
    at += f.bytes.byteLength;
  });
  return out;
}

/** The frames of a message of `routes` routes; throws when the message is not one. */
export function decodeRouteFrames(bytes: Uint8Array, routes: number): RouteFrame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4 || view.getUint32(0, true) !== routes) throw new RangeError(`a cdc-routes/v1 message must hold ${routes} routes`);
  const head = 4 + 8 * routes;
  if (bytes.byteLength < head) throw new RangeError('a cdc-routes/v1 message ends inside its header');
  const out: RouteFrame[] = [];
  let at = head;
  for (let r = 0; r < routes; r++) {
    const rows = view.getUint32(4 + 8 * r, true);
    const length = view.getUint32(8 + 8 * r, true);
    if (at + length > bytes.byteLength) throw new RangeError(`a cdc-routes/v1 message ends inside route ${r}'s body`);
    out.push({ rows, bytes: bytes.subarray(at, at + length) });
    at += length;
  }
  if (at !== bytes.byteLength) throw new RangeError('a cdc-routes/v1 message has bytes after its last body');
  return out;
}
