// CLI: `network ls|create|rm|inspect|members`, `ports`.
import type { Core } from '../core/core';
import { type OverlayOptions, optionProblems } from '../core/networks/createOptions';
import { createOverlay, inspectNetwork, listNetworks, networkMembers, removeOverlay } from '../core/networks/overlayNetworks';
import { UDP_NOTE, checkPorts, swarmHosts } from '../core/swarm/swarmHosts';
import { type Command, throughManager } from './commandLine';
import { UsageError, out } from './io';
import { formatTable } from './table';

async function swarmMemberNames(core: Core, viaName: string): Promise<string[]> {
  return (await swarmHosts(core.hosts, core.hosts.get(viaName))).map((m) => m.name);
}

const networkLs = throughManager({
  name: 'network',
  verbs: ['ls'],
  usage: '  network ls --via <host>',
  prepare:
    (_a, viaName) =>
    async ({ core, io, json }) => {
      const list = await listNetworks(core.hosts.get(viaName));
      out(
        io,
        json,
        list,
        formatTable(
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
        ),
      );
      return 0;
    },
});

const networkCreate = throughManager({
  name: 'network',
  verbs: ['create'],
  usage: `  network create <name> --via <host> [--attachable] [--encrypted] [--internal] [--subnet CIDR]
                 [--gateway IP] [--ip-range CIDR] [--mtu N] [--label k=v]...`,
  options: {
    attachable: { type: 'boolean' },
    encrypted: { type: 'boolean' },
    internal: { type: 'boolean' },
    subnet: { type: 'string' },
    gateway: { type: 'string' },
    'ip-range': { type: 'string' },
    mtu: { type: 'string' },
    label: { type: 'string', multiple: true },
  },
  args: ['The network name'],
  prepare(a, viaName) {
    const options: OverlayOptions = {
      name: a.args[0]!,
      attachable: a.flag('attachable'),
      encrypted: a.flag('encrypted'),
      internal: a.flag('internal'),
      subnet: a.string('subnet'),
      gateway: a.string('gateway'),
      ipRange: a.string('ip-range'),
      mtu: a.wholeNumber('mtu'),
      labels: a.labels('label'),
    };
    // The core's rules without the swarm's names and ranges; those are checked again, with them, on create.
    const problems = optionProblems(options, [], []);
    if (problems.length) throw new UsageError(problems.join(' '));
    return async ({ core, io, json }) => {
      const via = core.hosts.get(viaName);
      const members = await swarmMemberNames(core, viaName);
      const created = await createOverlay(core.hosts, via, members, options, { signal: io.signal });
      const subnets = created.subnets.map((s) => s.subnet).join(', ') || 'subnet from the pool';
      out(io, json, created, `Created overlay network "${created.name}" (${created.id.slice(0, 12)}, ${subnets}).`);
      return 0;
    };
  },
});

const networkByName = throughManager({
  name: 'network',
  verbs: ['rm', 'inspect', 'members'],
  usage: '  network rm|inspect|members <name> --via <host>',
  args: ['The network name'],
  prepare:
    ({ verb, args: [network] }, viaName) =>
    async ({ core, io, json }) => {
      const via = core.hosts.get(viaName);
      if (verb === 'inspect') {
        io.stdout(JSON.stringify(await inspectNetwork(via, network!), null, 2) + '\n');
      } else if (verb === 'rm') {
        await removeOverlay(core.hosts, via, () => swarmMemberNames(core, viaName), network!);
        out(io, json, { removed: network }, `Removed network "${network}".`);
      } else {
        const list = await networkMembers(core.hosts, await swarmMemberNames(core, viaName), network!);
        const rows = list.map((m) => [m.host, m.container, m.address, m.task ?? '']);
        out(io, json, list, formatTable(['HOST', 'CONTAINER', 'ADDRESS', 'TASK'], rows));
      }
      return 0;
    },
});

const ports = throughManager({
  name: 'ports',
  usage: "  ports --via <host>                      2377/tcp and 7946/tcp between the swarm's hosts",
  prepare:
    (_a, viaName) =>
    async ({ core, io, json }) => {
      const members = await swarmHosts(core.hosts, core.hosts.get(viaName));
      const checks = await checkPorts(core.hosts, members);
      const ok = checks.every((c) => c.ok);
      out(
        io,
        json,
        { ok, checks, note: UDP_NOTE },
        formatTable(
          ['FROM', 'TO', 'PORT', 'PURPOSE', 'RESULT'],
          checks.map((c) => [c.from, `${c.to} (${c.address})`, `${c.port}/${c.protocol}`, c.purpose, c.ok ? 'ok' : `FAIL: ${c.reason}`]),
        ) + `\n${UDP_NOTE}`,
      );
      return ok ? 0 : 1;
    },
});

export const networkCommands: Command[] = [networkLs, networkCreate, networkByName, ports];
