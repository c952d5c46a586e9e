// `swarm-overlay hosts`: reachability, engine version and swarm membership of every host.
import type { Core } from '../core/core';
import type { HostStatus } from '../core/model';
import type { Command } from './commandLine';
import type { CliIo } from './io';
import { formatTable } from './table';

export interface HostsJsonEntry {
  name: string;
  reachable: boolean;
  error?: string;
  engineVersion: string;
  swarm: { state: string; nodeId: string; isManager: boolean };
}

export function toJson(s: HostStatus): HostsJsonEntry {
  const out: HostsJsonEntry = {
    name: s.name,
    reachable: s.reachable,
    engineVersion: s.engineVersion,
    swarm: {
      state: s.swarm.state,
      nodeId: s.swarm.nodeId,
      isManager: s.swarm.isManager,
    },
  };
  if (!s.reachable) out.error = s.error ?? 'unreachable';
  return out;
}

export async function hostsCommand(core: Core, io: CliIo, json: boolean): Promise<number> {
  const statuses = await core.hosts.statusAll();
  if (json) {
    io.stdout(JSON.stringify(statuses.map(toJson), null, 2) + '\n');
  } else {
    io.stdout(
      formatTable(
        ['NAME', 'REACHABLE', 'ENGINE', 'SWARM', 'NODE ID', 'MANAGER', 'ERROR'],
        statuses.map((s) => [
          s.name,
          s.reachable ? 'yes' : 'no',
          s.engineVersion || '-',
          s.reachable ? s.swarm.state : '-',
          s.swarm.nodeId ? s.swarm.nodeId.slice(0, 12) : '-',
          s.swarm.isManager ? 'yes' : 'no',
          s.error ?? '',
        ]),
      ),
    );
  }
  return statuses.every((s) => s.reachable) ? 0 : 1;
}

export const hostsCommands: Command[] = [
  {
    name: 'hosts',
    usage: '  hosts                                   Reachability, engine version and swarm state of every host',
    prepare:
      () =>
      ({ core, io, json }) =>
        hostsCommand(core, io, json),
  },
];
