/**
 * Which addresses a process may serve on, and with what protection:
 * - a loopback address (127.0.0.0/8, ::1, localhost) may serve plaintext without a token: only
 *   processes of this machine reach it (local mode, the demo, the tests);
 * - any other address needs mutual TLS, and on the driver also a client token;
 * - `--insecure` lifts that rule for another address, with a warning in the log.
 */
import * as net from 'node:net';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

export interface BindCheck {
  /** Which process binds, as named in the messages. */
  process: 'driver' | 'executor';
  host: string;
  tls: boolean;
  /** Only asked of the driver (its QueryService): whether clients must present a token. */
  token?: boolean;
  insecure: boolean;
}

/**
 * Throws naming what is missing when `host` is not loopback and the protection is not there;
 * returns a warning to log when `--insecure` allowed it; undefined when all is well.
 */
export function checkBind(c: BindCheck): string | undefined {
  if (isLoopback(c.host)) return undefined;
  const missing: string[] = [];
  if (!c.tls) missing.push('TLS (--tls-ca, --tls-cert, --tls-key)');
  if (c.process === 'driver' && !c.token) missing.push('a client token (--token-file or TRIBUTARY_TOKEN)');
  if (missing.length === 0) return undefined;
  if (!c.insecure) {
    throw new Error(`the ${c.process} would serve on ${c.host}, which is not a loopback address, without ${missing.join(' and ')}; `
      + `configure ${missing.length > 1 ? 'them' : 'it'}, bind to 127.0.0.1, or pass --insecure to accept the risk`);
  }
  return `WARNING: --insecure: the ${c.process} serves on ${c.host} without ${missing.join(' and ')}; `
    + `anyone who reaches this port can ${c.process === 'driver' ? 'submit and stop queries and register executors' : 'run tasks and send shuffle data'}`;
}
