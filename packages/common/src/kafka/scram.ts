/**
 * The client side of SCRAM (RFC 5802, with SHA-256 per RFC 7677 and SHA-512 as Kafka's
 * SCRAM-SHA-512), over node:crypto. No channel binding (gs2 header "n,,"), no authorization id.
 *
 *   client-first   n,,n=<user>,r=<client nonce>                 (user: '=' → "=3D", ',' → "=2C")
 *   server-first   r=<client nonce + server nonce>,s=<salt, base64>,i=<iterations>[,extensions]
 *   client-final   c=biws,r=<nonce>,p=<base64 ClientProof>      ("biws" = base64 of "n,,")
 *   server-final   v=<base64 ServerSignature> | e=<error>
 *
 *   SaltedPassword  = PBKDF2(HMAC-H, password, salt, iterations)
 *   ClientKey       = HMAC(SaltedPassword, "Client Key");  StoredKey = H(ClientKey)
 *   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
 *   ClientProof     = ClientKey XOR HMAC(StoredKey, AuthMessage)
 *   ServerSignature = HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage)
 * The server proves it knows the password too: its signature must match, or authentication fails.
 * The password is used as given (SASLprep is the identity for the ASCII passwords Kafka's tools store).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramHash = 'sha256' | 'sha512';

/** Minimum iteration count accepted from a server (Kafka's own minimum is 4096). */
const MIN_ITERATIONS = 4096;

export class ScramClient {
  private readonly clientFirstBare: string;
  private readonly nonce: string;
  private expectedServerSignature: Buffer | null = null;

  constructor(
    private readonly hash: ScramHash,
    username: string,
    private readonly password: string,
    nonce: string = randomBytes(24).toString('base64'),
  ) {
    this.nonce = nonce;
    this.clientFirstBare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
  }

  clientFirst(): string {
    return `n,,${this.clientFirstBare}`;
  }

  /** The client-final message for the server-first one; throws (naming what) on a malformed or suspicious challenge. */
  clientFinal(serverFirst: string): string {
    const attrs = attributes(serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (attrs.has('e')) throw new Error(`server refused: ${attrs.get('e')}`);
    if (nonce === undefined || salt === undefined || !Number.isInteger(iterations)) throw new Error('malformed server-first message');
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) throw new Error('server nonce does not extend the client nonce');
    if (iterations < MIN_ITERATIONS) throw new Error(`server asks for ${iterations} iterations, fewer than ${MIN_ITERATIONS}`);
    const length = this.hash === 'sha256' ? 32 : 64;
    const salted = pbkdf2Sync(this.password, Buffer.from(salt, 'base64'), iterations, length, this.hash);
    const clientKey = this.hmac(salted, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(length);
    for (let i = 0; i < length; i++) proof[i] = clientKey[i] ^ signature[i];
    this.expectedServerSignature = this.hmac(this.hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final message: the server's signature must be the one only the password's holder computes. */
  verifyServerFinal(serverFinal: string): void {
    const attrs = attributes(serverFinal);
    if (attrs.has('e')) throw new Error(`server refused: ${attrs.get('e')}`);
    const v = attrs.get('v');
    if (v === undefined || this.expectedServerSignature === null) throw new Error('malformed server-final message');
    const got = Buffer.from(v, 'base64');
    if (got.length !== this.expectedServerSignature.length || !timingSafeEqual(got, this.expectedServerSignature)) {
      throw new Error('the server signature does not match: the server does not know the password');
    }
  }

  private hmac(key: Buffer, text: string): Buffer {
    return createHmac(this.hash, key).update(text).digest();
  }
}

/** "a=1,b=2" → {a: "1", b: "2"}; values may contain '=' (base64). */
function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0], part.slice(2));
  }
  return out;
}
