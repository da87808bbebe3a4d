import type { Request } from 'express';

/**
 * The address rate limits and lockouts count against: the socket's peer, or the client a trusted proxy
 * names in X-Forwarded-For (Express's request.ip, which follows TRUST_PROXY and ignores the header otherwise).
 */
export function clientAddress(request: Request): string {
  const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
  // An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d; count it as a.b.c.d.
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
