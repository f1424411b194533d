/** The security options shared by `tributary driver | executor | submit | list | status | stop` (docs/security.md). */
import { readTlsIdentity, readTokenFile, checkedToken, RpcClientSecurity, TlsIdentity } from '@tributary/common';
import { clientSecurity, tlsFilesOf } from '../rpc/client-security';
import type { ParsedArgs } from './main';

export const TLS_OPTIONS = {
  'tls-ca': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
} as const;
export const CLIENT_SECURITY_OPTIONS = { ...TLS_OPTIONS, 'token-file': { type: 'string' } } as const;

const str = (args: ParsedArgs, name: string) => args.values[name] as string | undefined;

/** A server process's TLS identity from --tls-ca/--tls-cert/--tls-key (all three or none). */
export function serverTls(args: ParsedArgs): TlsIdentity | undefined {
  const files = tlsFilesOf({ tlsCa: str(args, 'tls-ca'), tlsCert: str(args, 'tls-cert'), tlsKey: str(args, 'tls-key') });
  return files ? readTlsIdentity(files) : undefined;
}

/** The driver's client token from --token-file, else TRIBUTARY_TOKEN. */
export function serverToken(args: ParsedArgs): string | undefined {
  const file = str(args, 'token-file');
  if (file !== undefined) return readTokenFile(file);
  return process.env.TRIBUTARY_TOKEN ? checkedToken(process.env.TRIBUTARY_TOKEN, 'TRIBUTARY_TOKEN') : undefined;
}

/** A client command's TLS identity and token: options first, then the TRIBUTARY_TLS_* / TRIBUTARY_TOKEN environment. */
export function clientSecurityOf(args: ParsedArgs): RpcClientSecurity {
  return clientSecurity({ tlsCa: str(args, 'tls-ca'), tlsCert: str(args, 'tls-cert'), tlsKey: str(args, 'tls-key'), tokenFile: str(args, 'token-file') });
}
