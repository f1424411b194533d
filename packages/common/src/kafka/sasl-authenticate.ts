/**
 * SASL authentication of a fresh broker connection, as Kafka clients do it (KIP-152):
 *   SaslHandshake v1 (api key 17)     request: mechanism string
 *                                     response: error_code int16, mechanisms [string]
 *   SaslAuthenticate v1 (api key 36)  request: auth_bytes bytes
 *                                     response: error_code int16, error_message nullable string,
 *                                               auth_bytes bytes, session_lifetime_ms int64
 * then the mechanism's exchange in SaslAuthenticate round trips:
 *   PLAIN (RFC 4616)   one message: "" NUL user NUL password; an empty answer means accepted
 *   SCRAM-SHA-256/512  client-first → server-first, client-final → server-final (scram.ts), the
 *                      server's signature verified
 * A refusal (error code 58 SASL_AUTHENTICATION_FAILED, a mechanism the broker does not offer, a
 * server that cannot prove it knows the password) is a non-retriable error with code
 * KAFKA_AUTHENTICATION naming the broker, mechanism and user, never the password. The broker
 * closes the connection after a refusal.
 */
import { TributaryError } from '../errors';
import type { BrokerConnection } from './broker-connection';
import { kafkaErrorName } from './kafka-errors';
import { ScramClient } from './scram';
import type { KafkaSasl } from './security';
import { ResponseReader } from './wire-protocol';

export const SASL_HANDSHAKE_API_KEY = 17;
export const SASL_AUTHENTICATE_API_KEY = 36;

export async function authenticate(conn: BrokerConnection, sasl: KafkaSasl, where: string): Promise<void> {
  const refused = (detail: string, cause?: unknown) =>
    new TributaryError(`${where}: SASL ${sasl.mechanism} authentication of user ${sasl.username} failed: ${detail}`, {
      code: 'KAFKA_AUTHENTICATION',
      cause,
    });

  const handshake = new ResponseReader(await conn.send(SASL_HANDSHAKE_API_KEY, 1, (w) => w.string(sasl.mechanism)));
  const handshakeError = handshake.int16();
  const offered: string[] = [];
  for (let n = handshake.arrayLength(), i = 0; i < n; i++) offered.push(handshake.string() ?? '');
  if (handshakeError !== 0) {
    throw refused(`the broker offers ${offered.join(', ') || 'no mechanism'} (${kafkaErrorName(handshakeError)})`);
  }

  const exchange = async (message: string): Promise<string> => {
    const r = new ResponseReader(await conn.send(SASL_AUTHENTICATE_API_KEY, 1, (w) => w.bytes(Buffer.from(message, 'utf8'))));
    const errorCode = r.int16();
    const errorMessage = r.string();
    const answer = r.bytes();
    if (errorCode !== 0) throw refused(`${errorMessage ?? 'no reason given'} (${kafkaErrorName(errorCode)})`);
    return answer === null ? '' : answer.toString('utf8');
  };

  if (sasl.mechanism === 'PLAIN') {
    await exchange(`\0${sasl.username}\0${sasl.password}`);
    return;
  }
  const scram = new ScramClient(sasl.mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512', sasl.username, sasl.password);
  const serverFirst = await exchange(scram.clientFirst());
  let clientFinal: string;
  try {
    clientFinal = scram.clientFinal(serverFirst);
  } catch (e) {
    throw refused((e as Error).message, e);
  }
  const serverFinal = await exchange(clientFinal);
  try {
    scram.verifyServerFinal(serverFinal);
  } catch (e) {
    throw refused((e as Error).message, e);
  }
}
