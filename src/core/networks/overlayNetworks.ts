// Overlay networks of a swarm: list, create (validated first), remove (refused while in use),
// inspect, and who is attached across every reachable host.
import type { DockerHost } from '../docker/DockerHost';
import { Refused } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import { hostAddresses } from '../swarm/hostNetwork';
import { type OverlayOptions, type UsedRange, optionProblems } from './createOptions';
import { type StepOptions, abortableDelay, afterChange, checkpoint } from '../steps';

export interface NetworkAnswer {
  Id?: string;
  Name?: string;
  Driver?: string;
  Scope?: string;
  Attachable?: boolean;
  Internal?: boolean;
  Ingress?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> | null };
  Containers?: Record<string, { Name?: string; IPv4Address?: string }> | null;
}

export interface NetworkSummary {
  id: string;
  name: string;
  driver: string;
  scope: string;
  attachable: boolean;
  internal: boolean;
  encrypted: boolean;
  ingress: boolean;
  /** bridge, host, none, ingress, docker_gwbridge */
  builtIn: boolean;
  subnets: Array<{ subnet: string; gateway?: string; ipRange?: string }>;
  mtu?: number;
  labels: Record<string, string>;
}

const BUILT_IN = new Set(['bridge', 'host', 'none', 'ingress', 'docker_gwbridge']);

export function summarize(n: NetworkAnswer): NetworkSummary {
  const mtu = Number(n.Options?.['com.docker.network.driver.mtu']);
  return {
    id: n.Id ?? '',
    name: n.Name ?? '',
    driver: n.Driver ?? '',
    scope: n.Scope ?? '',
    attachable: n.Attachable === true,
    internal: n.Internal === true,
    encrypted: n.Options?.encrypted !== undefined,
    ingress: n.Ingress === true,
    builtIn: BUILT_IN.has(n.Name ?? ''),
    subnets: (Array.isArray(n.IPAM?.Config) ? n.IPAM.Config : [])
      .filter((c): c is NonNullable<typeof c> => !!c && typeof c === 'object' && typeof c.Subnet === 'string' && c.Subnet !== '')
      .map((c) => ({
        subnet: c.Subnet!,
        gateway: typeof c.Gateway === 'string' && c.Gateway ? c.Gateway : undefined,
        ipRange: typeof c.IPRange === 'string' && c.IPRange ? c.IPRange : undefined,
      })),
    mtu: Number.isFinite(mtu) && mtu > 0 ? mtu : undefined,
    labels: { ...(n.Labels ?? {}) },
  };
}

/** Custom overlays first, then other custom networks, then the built-in ones; by name within each. */
export function sortNetworks(list: NetworkSummary[]): NetworkSummary[] {
  const rank = (n: NetworkSummary) => (n.builtIn ? 2 : n.driver === 'overlay' ? 0 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export async function listNetworks(host: DockerHost): Promise<NetworkSummary[]> {
  const answer = await host.call('list its networks', (d) => d.listNetworks() as Promise<NetworkAnswer[]>);
  return sortNetworks((Array.isArray(answer) ? answer : []).map(summarize));
}

/** Every range the new subnet must not overlap: networks on the swarm and on each host, host addresses. */
export async function usedRanges(hosts: DockerHosts, via: DockerHost, hostNames: string[]): Promise<UsedRange[]> {
  const used: UsedRange[] = [];
  const seen = new Set<string>();
  const add = (cidr: string, owner: string) => {
    if (!seen.has(`${cidr}|${owner}`)) {
      seen.add(`${cidr}|${owner}`);
      used.push({ cidr, owner });
    }
  };
  for (const n of await listNetworks(via))
    for (const s of n.subnets) add(s.subnet, `network "${n.name}"${n.scope === 'swarm' ? '' : ` on ${via.name}`}`);
  await Promise.all(
    hostNames.map(async (name) => {
      const h = hosts.get(name);
      try {
        for (const n of await listNetworks(h))
          if (n.scope !== 'swarm') for (const s of n.subnets) add(s.subnet, `network "${n.name}" on ${name}`);
        for (const a of await hostAddresses(h.ssh)) add(`${a.address}/${a.prefix}`, `${name}'s ${a.interface}`);
      } catch {
        // An unreachable host cannot be checked; the others still are.
      }
    }),
  );
  return used;
}

export async function createOverlay(
  hosts: DockerHosts,
  via: DockerHost,
  hostNames: string[],
  o: OverlayOptions,
  steps?: StepOptions,
): Promise<NetworkSummary> {
  checkpoint(steps, 'networks');
  const existing = (await listNetworks(via)).map((n) => n.name);
  checkpoint(steps, 'ranges');
  const used = o.subnet ? await usedRanges(hosts, via, hostNames) : [];
  checkpoint(steps, 'validate');
  const problems = optionProblems(o, existing, used);
  if (problems.length) throw new Refused(problems.join(' '));
  const options: Record<string, string> = {};
  if (o.encrypted) options.encrypted = '';
  if (o.mtu !== undefined) options['com.docker.network.driver.mtu'] = String(o.mtu);
  const ipam = o.subnet
    ? {
        Driver: 'default',
        Config: [{ Subnet: o.subnet, ...(o.gateway ? { Gateway: o.gateway } : {}), ...(o.ipRange ? { IPRange: o.ipRange } : {}) }],
      }
    : undefined;
  checkpoint(steps, 'create');
  const created = await via.call(`create the network "${o.name}"`, (d) =>
    d.createNetwork({
      Name: o.name,
      Driver: 'overlay',
      CheckDuplicate: true,
      Attachable: o.attachable,
      Internal: o.internal,
      Options: options,
      Labels: o.labels,
      ...(ipam ? { IPAM: ipam } : {}),
    }),
  );
  // Nothing is attached to a network this new, so removing it restores the state before.
  await afterChange(steps, 'created', `the network "${o.name}" had already been created on ${via.name}.`, () =>
    via.call(`remove the network "${o.name}"`, () => created.remove()),
  );
  return summarize(await inspectAllocated(via, o.name, steps?.signal));
}

/** An inspect answer, which always names the network (a list entry may not). */
export type InspectedNetwork = NetworkAnswer & Required<Pick<NetworkAnswer, 'Id' | 'Name'>>;

/**
 * The network as its manager describes it. A swarm network created a moment ago has no driver and
 * no options yet (the allocator fills them in shortly after, later on a busy new swarm): read it
 * again until it has a driver, up to 5 s.
 */
export async function inspectAllocated(via: DockerHost, name: string, signal?: AbortSignal): Promise<InspectedNetwork> {
  for (let i = 0; ; i++) {
    const net = (await via.call(`inspect the network "${name}"`, (d) => d.getNetwork(name).inspect())) as InspectedNetwork;
    if (net.Driver || i >= 20) return net;
    await abortableDelay(250, signal);
  }
}

export interface NetworkMember {
  host: string;
  container: string;
  address: string;
  /** Service task name, when the container is one. */
  task?: string;
}

/** Who is attached to a network, read from every reachable host (a manager only sees its own node). */
export async function networkMembers(hosts: DockerHosts, hostNames: string[], network: string): Promise<NetworkMember[]> {
  const lists = await Promise.all(
    hostNames.map(async (name) => {
      const h = hosts.get(name);
      try {
        const answer = (await h.call('inspect the network', (d) => d.getNetwork(network).inspect())) as NetworkAnswer;
        return Object.values(answer.Containers ?? {})
          .filter((c) => c.Name && !c.Name.endsWith('-endpoint'))
          .map((c) => ({
            host: name,
            container: c.Name!,
            address: (c.IPv4Address ?? '').replace(/\/\d+$/, ''),
            task: /^[^.]+\.\d+\.[a-z0-9]{25}$/.test(c.Name!) ? c.Name!.replace(/\.[a-z0-9]{25}$/, '') : undefined,
          }));
      } catch {
        // Not on this node (no member there yet) or the host is unreachable.
        return [];
      }
    }),
  );
  return lists.flat().sort((a, b) => a.host.localeCompare(b.host) || a.container.localeCompare(b.container));
}

/**
 * Removes a network, refused while anything uses it. A swarm network is looked up on every host of
 * the swarm (`swarmHostNames`, read only then: a worker cannot list them); a host's own network on
 * that host alone.
 */
export async function removeOverlay(
  hosts: DockerHosts,
  via: DockerHost,
  swarmHostNames: () => Promise<string[]>,
  network: string,
): Promise<void> {
  const list = await listNetworks(via);
  const n = list.find((x) => x.name === network || x.id === network);
  if (!n) throw new Refused(`No network "${network}" on ${via.name}.`);
  if (n.builtIn) throw new Refused(`"${n.name}" is one of Docker's own networks and cannot be removed.`);
  const members = await networkMembers(hosts, n.scope === 'swarm' ? await swarmHostNames() : [via.name], n.name);
  // Only a swarm network can carry services (and only a manager lists them: a worker's own networks go to it).
  const services =
    n.scope === 'swarm'
      ? ((await via.call('list services', (d) => d.listServices())) as Array<{
          Spec?: { Name?: string; TaskTemplate?: { Networks?: Array<{ Target?: string }> } };
        }>)
      : [];
  const users = services
    .filter((s) => (s.Spec?.TaskTemplate?.Networks ?? []).some((t) => t.Target === n.id || t.Target === n.name))
    .map((s) => `service ${s.Spec?.Name}`);
  users.push(...members.map((m) => `${m.container} on ${m.host}`));
  if (users.length) throw new Refused(`"${n.name}" is in use by ${users.join(', ')}: remove or disconnect them first.`);
  await via.call(`remove the network "${n.name}"`, (d) => d.getNetwork(n.id).remove());
}

export async function inspectNetwork(via: DockerHost, network: string): Promise<unknown> {
  return via.call(`inspect the network "${network}"`, (d) => d.getNetwork(network).inspect());
}
