// Options of "Create overlay network", validated before Docker is called: every problem is one
// sentence, and nothing is created unless all checks pass.
import { NAME_PATTERN } from '../../shared/names';
import { containsCidr, containsIp, ipToNumber, isIPv4, isNetworkAddress, overlaps, parseCidr, type Cidr } from './cidr';

export interface OverlayOptions {
  name: string;
  attachable: boolean;
  encrypted: boolean;
  internal: boolean;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  mtu?: number;
  labels: Record<string, string>;
}

/** A range already used near the swarm: another network, a host address or a host route. */
export interface UsedRange {
  cidr: string;
  /** Who uses it, e.g. `network "web" on the swarm` or `h2's eth0`. */
  owner: string;
}

export const MTU_MIN = 576;
export const MTU_MAX = 9216;

export function nameProblem(name: string, existing: string[]): string | undefined {
  if (!NAME_PATTERN.test(name)) return 'A network name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit.';
  if (existing.includes(name)) return `A network named "${name}" exists already on this swarm.`;
  return undefined;
}

export function subnetProblem(subnet: string, used: UsedRange[]): string | undefined {
  const c = parseCidr(subnet);
  if (!c) return `"${subnet}" is not an IPv4 CIDR such as 10.20.0.0/24.`;
  if (!isNetworkAddress(subnet)) return `"${subnet}" has host bits set: write it as ${numberToIp(c.start)}/${c.prefix}.`;
  if (c.prefix > 29) return 'The subnet must be /29 or larger to hold containers.';
  if (c.prefix < 8) return 'The subnet must be /8 or smaller.';
  const clash = used.find((u) => {
    const other = parseCidr(u.cidr);
    return other !== undefined && overlaps(c, other);
  });
  if (clash) return `${subnet} overlaps ${clash.cidr} (${clash.owner}).`;
  return undefined;
}

export function gatewayProblem(gateway: string, subnet: Cidr | undefined): string | undefined {
  if (!isIPv4(gateway)) return `"${gateway}" is not an IPv4 address.`;
  if (!subnet) return 'A gateway needs a subnet.';
  if (!containsIp(subnet, gateway)) return `The gateway ${gateway} is not inside the subnet ${subnet.text}.`;
  const n = ipToNumber(gateway);
  if (n === subnet.start || n === subnet.end) return `The gateway ${gateway} is the network or broadcast address of ${subnet.text}.`;
  return undefined;
}

export function ipRangeProblem(ipRange: string, subnet: Cidr | undefined): string | undefined {
  const r = parseCidr(ipRange);
  if (!r) return `"${ipRange}" is not an IPv4 CIDR such as 10.20.0.128/25.`;
  if (!subnet) return 'An IP range needs a subnet.';
  if (!containsCidr(subnet, r)) return `The IP range ${ipRange} is not inside the subnet ${subnet.text}.`;
  return undefined;
}

export function mtuProblem(mtu: unknown): string | undefined {
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < MTU_MIN || mtu > MTU_MAX) {
    return `The MTU must be a whole number from ${MTU_MIN} to ${MTU_MAX}.`;
  }
  return undefined;
}

/** Every problem of a set of options, in the order the user gave them. */
export function optionProblems(o: OverlayOptions, existingNames: string[], used: UsedRange[]): string[] {
  const out: string[] = [];
  const push = (p: string | undefined) => p && out.push(p);
  push(nameProblem(o.name, existingNames));
  const subnet = o.subnet ? parseCidr(o.subnet) : undefined;
  if (o.subnet) push(subnetProblem(o.subnet, used));
  if (o.gateway) push(gatewayProblem(o.gateway, subnet));
  if (o.ipRange) push(ipRangeProblem(o.ipRange, subnet));
  if (o.mtu !== undefined) push(mtuProblem(o.mtu));
  return out;
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
