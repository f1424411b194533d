/**
 * The bearer token clients present to the driver's QueryService: gRPC metadata
 * `authorization: Bearer <token>`. The driver compares it in constant time (both sides hashed with
 * SHA-256 first, so neither the length nor a common prefix shows in the timing).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { UnauthenticatedError } from '../errors';

export const AUTHORIZATION_KEY = 'authorization';
/** Shorter tokens are refused at startup: they could be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** A token from a file (its text without surrounding whitespace), checked for length. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return checkedToken(text.trim(), `the token in ${file}`);
}

export function checkedToken(token: string, what = 'the token'): string {
  if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${what} has ${token.length} characters; a token needs at least ${MIN_TOKEN_LENGTH}`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error(`${what} must be printable ASCII without spaces`);
  return token;
}

export function tokenMetadata(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(AUTHORIZATION_KEY, `Bearer ${token}`);
  return md;
}

/** Throws UnauthenticatedError unless `metadata` carries `expected` as its bearer token. */
export function checkBearerToken(metadata: grpc.Metadata, expected: string, service: string): void {
  const values = metadata.get(AUTHORIZATION_KEY);
  if (values.length === 0) throw new UnauthenticatedError(`${service} requires a bearer token (metadata 'authorization: Bearer <token>'); none was sent`);
  const m = /^Bearer (.+)$/.exec(String(values[0]));
  if (values.length !== 1 || !m) throw new UnauthenticatedError(`${service} requires one 'authorization: Bearer <token>' metadata entry`);
  const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();
  if (!crypto.timingSafeEqual(digest(m[1]), digest(expected))) throw new UnauthenticatedError(`${service}: the bearer token is not valid for this driver`);
}
