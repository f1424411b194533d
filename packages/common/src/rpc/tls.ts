/**
 * Mutual TLS material of one Tributary process, read from PEM files: the cluster CA certificate
 * (the only root trusted, for servers and clients alike), the process's own certificate and its
 * private key. Checked when read, so a wrong file is named at startup rather than as a failed
 * handshake later: the certificate must be issued by the CA and match the key.
 *
 * Roles. A certificate says which part of the cluster it belongs to by a URI subject alternative
 * name `tributary:driver`, `tributary:executor` or `tributary:client` (as `tributary certs` writes
 * them); servers authorize calls by it (rpc/server.ts).
 *
 * Server identity. Every chain is verified against the cluster CA. A driver is dialled at an
 * address its certificate names (DNS or IP SAN) and must carry the 'driver' role. Executors are
 * dialled at the address they registered with (e.g. a pod IP that no certificate could name in
 * advance), so an executor is checked by its role instead: any certificate of the cluster CA with
 * the 'executor' role.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { checkServerIdentity, PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

export type PeerRole = 'driver' | 'executor' | 'client';
export const PEER_ROLES: readonly PeerRole[] = ['driver', 'executor', 'client'];

/** Where the PEM files are. */
export interface TlsFiles { ca: string; cert: string; key: string }

/** The PEM bytes, checked. */
export interface TlsIdentity {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** The roles this process's own certificate carries. */
  roles: PeerRole[];
}

/** The files of `name` (driver, executor-0, client, …) in a directory written by `tributary certs`. */
export function certDirFiles(dir: string, name: string): TlsFiles {
  return { ca: `${dir}/ca.crt`, cert: `${dir}/${name}.crt`, key: `${dir}/${name}.key` };
}

export function readTlsIdentity(files: TlsFiles): TlsIdentity {
  const read = (what: string, file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const ca = read('CA certificate', files.ca);
  const cert = read('certificate', files.cert);
  const key = read('private key', files.key);
  let caCert: crypto.X509Certificate;
  let own: crypto.X509Certificate;
  let privateKey: crypto.KeyObject;
  try { caCert = new crypto.X509Certificate(ca); } catch (err) { throw new Error(`${files.ca} is not a PEM certificate: ${(err as Error).message}`); }
  try { own = new crypto.X509Certificate(cert); } catch (err) { throw new Error(`${files.cert} is not a PEM certificate: ${(err as Error).message}`); }
  try { privateKey = crypto.createPrivateKey(key); } catch (err) { throw new Error(`${files.key} is not a PEM private key: ${(err as Error).message}`); }
  if (!own.checkIssued(caCert) || !own.verify(caCert.publicKey)) throw new Error(`${files.cert} is not issued by the CA in ${files.ca}`);
  if (!own.checkPrivateKey(privateKey)) throw new Error(`${files.key} is not the private key of ${files.cert}`);
  return { ca, cert, key, roles: rolesInAltNames(own.subjectAltName) };
}

/** The roles named by `URI:tributary:<role>` entries of a subjectAltName text ("DNS:a, IP Address:b, URI:c"). */
export function rolesInAltNames(subjectAltName: string | undefined): PeerRole[] {
  if (!subjectAltName) return [];
  const roles = new Set<PeerRole>();
  for (const entry of subjectAltName.split(/,\s*/)) {
    const m = /^URI:tributary:(\w+)$/.exec(entry.trim());
    if (m && (PEER_ROLES as readonly string[]).includes(m[1])) roles.add(m[1] as PeerRole);
  }
  return [...roles];
}

/** The roles of a TLS peer that the handshake verified against the cluster CA. */
export function peerRoles(cert: PeerCertificate | undefined): PeerRole[] {
  return rolesInAltNames(cert?.subjectaltname);
}

/** Server credentials: plaintext without TLS; else TLS that requires a client certificate issued by the CA. */
export function serverCredentials(tls: TlsIdentity | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

/**
 * Channel credentials: plaintext without TLS; else TLS trusting only the cluster CA, presenting our
 * certificate, and checking the server as a `server` (see "Server identity" above).
 */
export function channelCredentials(tls: TlsIdentity | undefined, server: 'driver' | 'executor'): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert, {
    checkServerIdentity: (host, cert) => {
      if (server === 'driver') {
        const wrongHost = checkServerIdentity(host, cert);
        if (wrongHost) return wrongHost;
      }
      if (!peerRoles(cert).includes(server)) {
        return new Error(`the server at ${host} presented a certificate (subject CN=${cert.subject?.CN ?? '?'}) without the '${server}' role`);
      }
      return undefined;
    },
  });
}
