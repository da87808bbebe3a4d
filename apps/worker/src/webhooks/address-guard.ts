import { type LookupAddress, type LookupOptions, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may connect (issue 23 item 4, no SSRF): only public addresses, unless an address is
 * on WEBHOOK_ALLOWED_ADDRESSES. The check runs on the address actually connected to (the agent's
 * lookup, below), not only on the URL when it was saved: a name that resolved to a public address then
 * and to 127.0.0.1 now (DNS rebinding) is refused now.
 */
const NOT_PUBLIC: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, and the cloud metadata service 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments (some metadata services: 192.0.0.192)
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'], // NAT64: reaches IPv4 addresses through a translator
  ['fc00::', 7, 'ipv6'], // unique local (fd00:ec2::254 is AWS's metadata service)
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

export class RefusedAddressError extends Error {
  override name = 'RefusedAddressError';
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

export class AddressGuard {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();

  /** `allowedAddresses`: IPs or CIDRs (WEBHOOK_ALLOWED_ADDRESSES). */
  constructor(allowedAddresses: readonly string[], private readonly resolve: typeof dnsLookup = dnsLookup) {
    for (const [network, prefix, family] of NOT_PUBLIC) this.refused.addSubnet(network, prefix, family);
    for (const entry of allowedAddresses) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(prefix), family);
    }
  }

  /** Why this address may not be connected to, or null when it may. */
  refusal(address: string): string | null {
    const plain = unmapped(address);
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(plain) === 0) return `${address} is not an IP address`;
    if (this.allowed.check(plain, family)) return null;
    if (this.refused.check(plain, family)) {
      return `${plain} is a loopback, private, link-local or metadata address (allow it with WEBHOOK_ALLOWED_ADDRESSES)`;
    }
    return null;
  }

  /**
   * A `lookup` for an http(s) agent: resolves as usual, then refuses the connection if any address the
   * name resolves to is refused (a name that answers both a public and a private address is not tried).
   */
  readonly lookup: Lookup = (hostname, options, callback) => {
    this.resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses;
      const refusal = list.map((a) => this.refusal(a.address)).find((r) => r !== null);
      if (refusal) return callback(Object.assign(new RefusedAddressError(`${hostname}: ${refusal}`), { errno: 0 }), []);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is the IPv4 address it maps. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}
