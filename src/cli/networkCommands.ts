// CLI: `network ls|create|rm|inspect|members`, `ports`.
import type { Core } from '../core/core';
import { parseLabels } from '../core/labels';
import { createOverlay, inspectNetwork, listNetworks, networkMembers, removeOverlay } from '../core/networks/overlayNetworks';
import { UDP_NOTE, checkPorts, swarmHosts } from '../core/swarm/swarmHosts';
import type { CliIo } from './main';
import { type SwarmArgs, UsageError, need, out } from './swarmCommands';
import { formatTable } from './table';

export interface NetworkArgs extends SwarmArgs {
  attachable: boolean;
  encrypted: boolean;
  internal: boolean;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  mtu?: string;
  label: string[];
}

export async function networkCommand(core: Core, io: CliIo, a: NetworkArgs): Promise<number> {
  const [verb, name, ...extra] = a.rest;
  if (extra.length) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  const via = core.hosts.get(need(a.via, '--via HOST'));
  switch (verb) {
    case 'ls': {
      const list = await listNetworks(via);
      out(io, a.json, list, formatTable(
        ['NAME', 'DRIVER', 'SCOPE', 'ATTACHABLE', 'ENCRYPTED', 'INTERNAL', 'SUBNET', 'GATEWAY', 'MTU'],
        list.map((n) => [
          n.name + (n.builtIn ? ' (built-in)' : ''),
          n.driver,
          n.scope,
          n.attachable ? 'yes' : 'no',
          n.encrypted ? 'yes' : 'no',
          n.internal ? 'yes' : 'no',
          n.subnets.map((s) => s.subnet).join(',') || '-',
          n.subnets.map((s) => s.gateway ?? '').join(',') || '-',
          n.mtu ? String(n.mtu) : '-',
        ]),
      ));
      return 0;
    }
    case 'create': {
      const network = need(name, 'The network name');
      let mtu: number | undefined;
      if (a.mtu !== undefined) {
        mtu = /^\d+$/.test(a.mtu) ? Number(a.mtu) : NaN;
      }
      const members = await swarmHosts(core.hosts, via);
      const created = await createOverlay(core.hosts, via, members.map((m) => m.name), {
        name: network,
        attachable: a.attachable,
        encrypted: a.encrypted,
        internal: a.internal,
        subnet: a.subnet,
        gateway: a.gateway,
        ipRange: a.ipRange,
        mtu,
        labels: parseLabels(a.label),
      }, { signal: io.signal });
      out(io, a.json, created, `Created overlay network "${created.name}" (${created.id.slice(0, 12)}, ${created.subnets.map((s) => s.subnet).join(', ') || 'subnet from the pool'}).`);
      return 0;
    }
    case 'rm': {
      const network = need(name, 'The network name');
      const members = await swarmHosts(core.hosts, via);
      await removeOverlay(core.hosts, via, members.map((m) => m.name), network);
      out(io, a.json, { removed: network }, `Removed network "${network}".`);
      return 0;
    }
    case 'inspect': {
      const doc = await inspectNetwork(via, need(name, 'The network name'));
      io.stdout(JSON.stringify(doc, null, 2) + '\n');
      return 0;
    }
    case 'members': {
      const network = need(name, 'The network name');
      const members = await swarmHosts(core.hosts, via);
      const list = await networkMembers(core.hosts, members.map((m) => m.name), network);
      out(io, a.json, list, formatTable(['HOST', 'CONTAINER', 'ADDRESS', 'TASK'], list.map((m) => [m.host, m.container, m.address, m.task ?? ''])));
      return 0;
    }
    default:
      throw new UsageError(`Unknown network command "${verb ?? ''}": use ls, create, rm, inspect or members.`);
  }
}

export async function portsCommand(core: Core, io: CliIo, a: SwarmArgs): Promise<number> {
  if (a.rest.length) throw new UsageError('"ports" takes --via HOST only.');
  const via = core.hosts.get(need(a.via, '--via HOST'));
  const members = await swarmHosts(core.hosts, via);
  const checks = await checkPorts(core.hosts, members);
  const ok = checks.every((c) => c.ok);
  out(io, a.json, { ok, checks, note: UDP_NOTE }, formatTable(
    ['FROM', 'TO', 'PORT', 'PURPOSE', 'RESULT'],
    checks.map((c) => [c.from, `${c.to} (${c.address})`, `${c.port}/${c.protocol}`, c.purpose, c.ok ? 'ok' : `FAIL: ${c.reason}`]),
  ) + `\n${UDP_NOTE}`);
  return ok ? 0 : 1;
}
