// IPv4 CIDR arithmetic for overlay options, on ipaddr.js (kept, small) rather than hand-written.
import ipaddr from 'ipaddr.js';

export interface Cidr {
  text: string;
  /** First address as a 32-bit unsigned number. */
  start: number;
  /** Last address as a 32-bit unsigned number. */
  end: number;
  prefix: number;
}

function toNumber(a: ipaddr.IPv4): number {
  return a.octets.reduce((n, o) => n * 256 + o, 0);
}

export function isIPv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** Parses "a.b.c.d/n"; undefined when it is not one. Host bits may be set (the network is used). */
export function parseCidr(text: string): Cidr | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text)) return undefined;
  const [addr, bits] = text.split('/') as [string, string];
  if (!isIPv4(addr)) return undefined;
  const prefix = Number(bits);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const start = Math.floor(toNumber(ipaddr.IPv4.parse(addr)) / size) * size;
  return { text, start, end: start + size - 1, prefix };
}

/** Whether the CIDR is written with its network address (10.1.0.0/16, not 10.1.2.3/16). */
export function isNetworkAddress(text: string): boolean {
  const c = parseCidr(text);
  return c !== undefined && toNumber(ipaddr.IPv4.parse(text.split('/')[0]!)) === c.start;
}

export function ipToNumber(ip: string): number | undefined {
  return isIPv4(ip) ? toNumber(ipaddr.IPv4.parse(ip)) : undefined;
}

export function containsIp(c: Cidr, ip: string): boolean {
  const n = ipToNumber(ip);
  return n !== undefined && n >= c.start && n <= c.end;
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}
