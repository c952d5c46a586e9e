// CLI: `swarm init|join|leave|tokens|rotate-token`, `nodes`, `node promote|demote|drain|pause|activate|label|rm`.
import type { Core } from '../core/core';
import { ConfigError, Refused } from '../core/errors';
import type { SwarmNode } from '../core/model';
import { changeNode, parseLabels, removeNode, roleChangeWarnings } from '../core/swarm/nodeActions';
import { findNode, listNodes, managerUp } from '../core/swarm/nodes';
import { quorum, quorumLine } from '../core/swarm/quorum';
import { initSwarm, joinSwarm, joinTokens, leaveImpact, leaveSwarm, maskToken, rotateToken } from '../core/swarm/swarmActions';
import type { CliIo } from './main';
import { formatTable } from './table';

export interface SwarmArgs {
  rest: string[];
  json: boolean;
  via?: string;
  manager?: string;
  as?: string;
  force: boolean;
  reveal: boolean;
  advertiseAddr?: string;
  dataPathPort?: string;
  defaultAddrPool: string[];
  add: string[];
  rm: string[];
}

export class UsageError extends ConfigError {}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new UsageError(`${what} is required.`);
  return value;
}

export function out(io: CliIo, json: boolean, doc: unknown, text: string): void {
  io.stdout(json ? JSON.stringify(doc, null, 2) + '\n' : text.endsWith('\n') ? text : text + '\n');
}

export function nodesTable(nodes: SwarmNode[]): string {
  return formatTable(
    ['ID', 'HOSTNAME', 'ROLE', 'AVAILABILITY', 'STATUS', 'MANAGER STATUS', 'ENGINE', 'ADDRESS', 'LABELS'],
    nodes.map((n) => [
      n.id.slice(0, 12),
      n.hostname,
      n.role,
      n.availability,
      n.status,
      n.managerStatus ?? '',
      n.engineVersion,
      n.address,
      Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(','),
    ]),
  );
}

async function nodesDoc(core: Core, via: string) {
  const nodes = await listNodes(core.hosts.get(via));
  const managers = nodes.filter((n) => n.role === 'manager');
  const q = quorum(managers.length, managers.filter(managerUp).length);
  return {
    nodes: nodes.map(({ version: _v, ...n }) => n),
    quorum: { managers: q.managers, reachableManagers: q.reachableManagers, majority: q.majority, faultTolerance: q.faultTolerance, hasQuorum: q.hasQuorum, warnings: q.warnings },
    line: quorumLine(q),
    raw: nodes,
  };
}

export async function swarmCommand(core: Core, io: CliIo, a: SwarmArgs): Promise<number> {
  const [sub, target, ...extra] = a.rest;
  const noExtra = () => {
    if (extra.length) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  };
  switch (sub) {
    case 'init': {
      noExtra();
      const host = core.hosts.get(need(target, 'The host to initialize'));
      let advertiseAddr = a.advertiseAddr;
      if (!advertiseAddr) {
        // Without a choice, the address the CLI reached the host at is the natural one.
        advertiseAddr = host.ssh.endpoint.hostName;
      }
      const dataPathPort = a.dataPathPort === undefined ? undefined : Number(a.dataPathPort);
      const nodeId = await initSwarm(host, { advertiseAddr, dataPathPort, defaultAddrPool: a.defaultAddrPool }, { signal: io.signal });
      out(io, a.json, { host: host.name, nodeId, advertiseAddr }, `${host.name} is now the first manager of a new swarm (node ${nodeId.slice(0, 12)}, advertising ${advertiseAddr}).`);
      return 0;
    }
    case 'join': {
      noExtra();
      const role = (a.as ?? 'worker') as 'worker' | 'manager';
      if (role !== 'worker' && role !== 'manager') throw new UsageError('--as must be worker or manager.');
      const host = core.hosts.get(need(target, 'The host to join'));
      const manager = core.hosts.get(need(a.manager, '--manager HOST'));
      const plan = await joinSwarm(host, manager, role, core.redactor, { signal: io.signal });
      out(io, a.json, { host: host.name, role, manager: manager.name, ...plan }, `${host.name} joined the swarm of ${manager.name} as ${role} (manager at ${plan.managerAddr}:2377, advertising ${plan.advertiseAddr}).`);
      return 0;
    }
    case 'leave': {
      noExtra();
      const host = core.hosts.get(need(target, 'The host to leave'));
      const impact = await leaveImpact(host);
      await leaveSwarm(host, a.force, { signal: io.signal });
      out(io, a.json, { host: host.name, left: true, warnings: impact.warnings }, [`${host.name} left the swarm.`, ...impact.warnings].join('\n'));
      return 0;
    }
    case 'tokens': {
      if (target) throw new UsageError(`"swarm tokens" takes --via HOST, not "${target}".`);
      const via = core.hosts.get(need(a.via, '--via HOST'));
      const t = await joinTokens(via, core.redactor);
      const shown = a.reveal ? t : { worker: maskToken(t.worker), manager: maskToken(t.manager) };
      const info = (await via.call('read its swarm address', (d) => d.info())) as { Swarm?: { NodeAddr?: string } };
      const addr = `${info.Swarm?.NodeAddr ?? via.ssh.endpoint.hostName}:2377`;
      out(io, a.json, { ...shown, address: addr, revealed: a.reveal }, [
        `worker:  docker swarm join --token ${shown.worker} ${addr}`,
        `manager: docker swarm join --token ${shown.manager} ${addr}`,
        ...(a.reveal ? [] : ['(tokens hidden: add --reveal to show them)']),
      ].join('\n'));
      return 0;
    }
    case 'rotate-token': {
      noExtra();
      const which = need(target, 'worker or manager');
      if (which !== 'worker' && which !== 'manager') throw new UsageError('Rotate the worker or the manager token.');
      const via = core.hosts.get(need(a.via, '--via HOST'));
      await rotateToken(via, which);
      out(io, a.json, { rotated: which }, `The ${which} join token was rotated; the old one no longer works.`);
      return 0;
    }
    default:
      throw new UsageError(`Unknown swarm command "${sub ?? ''}": use init, join, leave, tokens or rotate-token.`);
  }
}

export async function nodesCommand(core: Core, io: CliIo, a: SwarmArgs): Promise<number> {
  if (a.rest.length) throw new UsageError(`"nodes" takes --via HOST only.`);
  const doc = await nodesDoc(core, need(a.via, '--via HOST'));
  out(io, a.json, { nodes: doc.nodes, quorum: doc.quorum }, nodesTable(doc.raw) + `\n${doc.line}\n${doc.quorum.warnings.map((w) => `warning: ${w}`).join('\n')}`);
  return doc.quorum.hasQuorum && doc.nodes.every((n) => n.status === 'ready') ? 0 : 1;
}

export async function nodeCommand(core: Core, io: CliIo, a: SwarmArgs): Promise<number> {
  const [verb, ref, ...extra] = a.rest;
  if (extra.length) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  const via = core.hosts.get(need(a.via, '--via HOST'));
  const nodeRef = need(ref, 'The node (hostname or id)');
  let node: SwarmNode;
  let warnings: string[] = [];
  switch (verb) {
    case 'promote':
    case 'demote': {
      const role = verb === 'promote' ? 'manager' : 'worker';
      const nodes = await listNodes(via);
      warnings = roleChangeWarnings(nodes, findNode(nodes, nodeRef), role);
      node = await changeNode(via, nodeRef, { kind: 'role', role });
      break;
    }
    case 'drain':
    case 'pause':
    case 'activate':
      node = await changeNode(via, nodeRef, { kind: 'availability', availability: verb === 'activate' ? 'active' : verb });
      break;
    case 'label': {
      if (!a.add.length && !a.rm.length) throw new UsageError('Give --add k=v or --rm k.');
      node = await changeNode(via, nodeRef, { kind: 'labels', add: parseLabels(a.add), remove: a.rm });
      break;
    }
    case 'rm':
      node = await removeNode(via, nodeRef, a.force);
      out(io, a.json, { removed: node.id, hostname: node.hostname }, `Removed node ${node.hostname} (${node.id.slice(0, 12)}).`);
      return 0;
    default:
      throw new Refused(`Unknown node command "${verb ?? ''}": use promote, demote, drain, pause, activate, label or rm.`);
  }
  const { version: _v, ...shown } = node;
  out(io, a.json, { node: shown, warnings }, [nodesTable([node]).trimEnd(), ...warnings.map((w) => `warning: ${w}`)].join('\n'));
  return 0;
}
