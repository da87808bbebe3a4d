import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'slipway_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** The session id from the Cookie header, if any (parsed here so the API needs no cookie middleware). */
export function readSessionCookie(request: Request): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * HttpOnly: page scripts never see it. SameSite=Strict: browsers do not send it on requests started by
 * other sites. Secure only over HTTPS, so the loopback HTTP setup still works.
 */
export function setSessionCookie(request: Request, response: Response, sessionId: string): void {
  response.append('Set-Cookie', serialize(request, sessionId, Math.floor(SESSION_TTL_MS / 1000)));
}

export function clearSessionCookie(request: Request, response: Response): void {
  response.append('Set-Cookie', serialize(request, '', 0));
}

function serialize(request: Request, value: string, maxAgeSeconds: number): string {
  const secure = request.secure ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}
