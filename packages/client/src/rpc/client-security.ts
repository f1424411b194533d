/**
 * How a client of the driver proves who it is, from options or the environment:
 *   TRIBUTARY_TLS_CA, TRIBUTARY_TLS_CERT, TRIBUTARY_TLS_KEY   PEM files (all three, or none: plaintext)
 *   TRIBUTARY_TOKEN, or TRIBUTARY_TOKEN_FILE                  the driver's bearer token
 * Options given explicitly win over the environment.
 */
import { RpcClientSecurity, TlsFiles, checkedToken, readTlsIdentity, readTokenFile } from '@tributary/common';

export interface ClientSecurityOptions {
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  token?: string;
  tokenFile?: string;
}

/** The TLS files named, all three or none; throws naming the missing ones when only some are. */
export function tlsFilesOf(o: { tlsCa?: string; tlsCert?: string; tlsKey?: string }, prefix = '--tls-'): TlsFiles | undefined {
  const given = { ca: o.tlsCa, cert: o.tlsCert, key: o.tlsKey };
  const missing = Object.entries(given).filter(([, v]) => !v).map(([k]) => `${prefix}${k}`);
  if (missing.length === 3) return undefined;
  if (missing.length > 0) throw new Error(`TLS needs a CA certificate, a certificate and a key; missing ${missing.join(', ')}`);
  return given as TlsFiles;
}

export function clientSecurity(o: ClientSecurityOptions = {}, env: NodeJS.ProcessEnv = process.env): RpcClientSecurity {
  const fromOptions = tlsFilesOf(o);
  const files = fromOptions ?? tlsFilesOf({ tlsCa: env.TRIBUTARY_TLS_CA, tlsCert: env.TRIBUTARY_TLS_CERT, tlsKey: env.TRIBUTARY_TLS_KEY }, 'TRIBUTARY_TLS_');
  let token: string | undefined;
  if (o.token !== undefined) token = checkedToken(o.token);
  else if (o.tokenFile !== undefined) token = readTokenFile(o.tokenFile);
  else if (env.TRIBUTARY_TOKEN) token = checkedToken(env.TRIBUTARY_TOKEN, 'TRIBUTARY_TOKEN');
  else if (env.TRIBUTARY_TOKEN_FILE) token = readTokenFile(env.TRIBUTARY_TOKEN_FILE);
  return { tls: files ? readTlsIdentity(files) : undefined, token };
}
