/**
 * Who may see the dashboard: the same bearer token as the driver's gRPC API (docs/security.md),
 * when the driver has one. A browser cannot add a header to a page load or an EventSource, so the
 * token is accepted three ways:
 *
 *   Authorization: Bearer <token>       scripts, curl
 *   Cookie: tributary_token=<token>     the browser, after the login link below
 *   GET <any page>?token=<token>        the login link: a valid token sets the cookie (HttpOnly,
 *                                       SameSite=Strict, Secure over HTTPS) and redirects to the
 *                                       same page without the token in its address
 *
 * Tokens are compared in constant time (both sides hashed first). Without a token, every request
 * is let through: the driver then serves loopback only, or runs with --insecure (bind rules).
 */
import * as crypto from 'node:crypto';
import type * as http from 'node:http';

export const TOKEN_COOKIE = 'tributary_token';

export interface DashboardAccess {
  /** Whether the request carries the token (header or cookie). */
  authorize(req: http.IncomingMessage): boolean;
  /**
   * For a login link (`?token=`): the cookie to set and where to go, when its token is valid;
   * null when the request is no login link; 'refused' when its token is wrong.
   */
  login(req: http.IncomingMessage, secure: boolean): { setCookie: string; location: string } | null | 'refused';
}

const digest = (s: string): Buffer => crypto.createHash('sha256').update(s, 'utf8').digest();

export function tokenAccess(token: string | undefined): DashboardAccess {
  if (token === undefined) return { authorize: () => true, login: () => null };
  const expected = digest(token);
  const matches = (given: string | undefined): boolean => given !== undefined && crypto.timingSafeEqual(digest(given), expected);
  return {
    authorize(req) {
      const header = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
      if (header && matches(header[1])) return true;
      return matches(cookieOf(req, TOKEN_COOKIE));
    },
    login(req, secure) {
      const url = new URL(req.url ?? '/', 'http://dashboard');
      const given = url.searchParams.get('token');
      if (given === null) return null;
      if (!matches(given)) return 'refused';
      url.searchParams.delete('token');
      const setCookie = `${TOKEN_COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
      return { setCookie, location: url.pathname + url.search };
    },
  };
}

function cookieOf(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
