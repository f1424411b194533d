/**
 * How Tributary's Kafka clients (its own protocol client and kafkajs) reach a broker that wants TLS
 * and/or SASL: a KafkaSecurity resolved from the source's `kafka.*` options (plan/kafka-options.ts
 * names and checks them), with the files they name read. The driver resolves it at each start of a
 * query and hands it to the executors in their task messages (ExecutorJob.kafka), so the files are
 * needed on the driver's host only; it holds secrets and is never logged or written to disk.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { InvalidArgumentError } from '../errors';
import { SaslMechanism, kafkaSecuritySettings } from '../plan/kafka-options';

export interface KafkaTls {
  /** PEM of the CA(s) the broker's certificate must chain to; the system's CAs when absent. */
  ca?: string;
  /** PEM client certificate and key, for brokers that ask for one. */
  cert?: string;
  key?: string;
}

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

/** Plain text with no authentication when both are absent. */
export interface KafkaSecurity {
  tls?: KafkaTls;
  sasl?: KafkaSasl;
}

/**
 * The security the (prefix-less) kafka options ask for, with the files read. Throws
 * InvalidArgumentError naming the option and file when one cannot be read, and for options that
 * do not validate (validate-spec refuses those at submit already).
 */
export function kafkaSecurityFromOptions(
  options: Readonly<Record<string, string>> | undefined,
  readFile: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): KafkaSecurity {
  const settings = kafkaSecuritySettings(options ?? {});
  if (typeof settings === 'string') throw new InvalidArgumentError(settings);
  const read = (option: string, file: string): string => {
    try {
      return readFile(file);
    } catch (err) {
      throw new InvalidArgumentError(`kafka.${option} ${file} cannot be read: ${(err as Error).message}`);
    }
  };
  const security: KafkaSecurity = {};
  if (settings.tls) {
    const tls: KafkaTls = {};
    if (settings.tls.caFile !== undefined) tls.ca = read('ssl.ca.location', settings.tls.caFile);
    if (settings.tls.certFile !== undefined) tls.cert = read('ssl.certificate.location', settings.tls.certFile);
    if (settings.tls.keyFile !== undefined) tls.key = read('ssl.key.location', settings.tls.keyFile);
    security.tls = tls;
  }
  if (settings.sasl) {
    const password = read('sasl.password.file', settings.sasl.passwordFile).replace(/\r?\n$/, '');
    if (password === '') throw new InvalidArgumentError(`kafka.sasl.password.file ${settings.sasl.passwordFile} is empty`);
    security.sasl = { mechanism: settings.sasl.mechanism, username: settings.sasl.username, password };
  }
  return security;
}

/** node:tls options for a connection to `host` (the broker's certificate is checked against the host name or IP). */
export function tlsConnectOptions(tls: KafkaTls, host: string): TlsOptions {
  return {
    ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}),
  };
}

/** kafkajs's `ssl` and `sasl` client options for the same security. */
export function kafkaJsSecurity(security: KafkaSecurity | undefined): { ssl?: TlsOptions | boolean; sasl?: SASLOptions } {
  const out: { ssl?: TlsOptions | boolean; sasl?: SASLOptions } = {};
  if (security?.tls) {
    const { ca, cert, key } = security.tls;
    out.ssl = ca === undefined && cert === undefined ? true : { ...(ca !== undefined ? { ca: [ca] } : {}), ...(cert !== undefined ? { cert, key } : {}) };
  }
  if (security?.sasl) {
    const { mechanism, username, password } = security.sasl;
    const m = mechanism === 'PLAIN' ? 'plain' : mechanism === 'SCRAM-SHA-256' ? 'scram-sha-256' : 'scram-sha-512';
    out.sasl = { mechanism: m, username, password } as SASLOptions;
  }
  return out;
}

/** A stable key for a security setting (for client caches): a digest, so no secret shows in it. */
export function securityKey(security: KafkaSecurity | undefined): string {
  if (!security?.tls && !security?.sasl) return 'plaintext';
  return createHash('sha256').update(JSON.stringify([security.tls ?? null, security.sasl ?? null])).digest('hex').slice(0, 16);
}
