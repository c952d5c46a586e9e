// CLI: `swarm init|join|leave|tokens|rotate-token`, `nodes`, `node promote|demote|drain|pause|activate|label|rm`.
import type { Core } from '../core/core';
import type { SwarmNode } from '../core/model';
import { isIPv4 } from '../core/networks/cidr';
import { type NodeChange, changeNode, removeNode, roleChangeWarnings } from '../core/swarm/nodeActions';
import { DEFAULT_FAILURE_DOMAIN_LABEL, swarmQuorum } from '../core/swarm/failureDomains';
import { findNode, listNodes } from '../core/swarm/nodes';
import { quorumLine } from '../core/swarm/quorum';
import {
  addressPoolProblem,
  dataPathPortProblem,
  initSwarm,
  joinSwarm,
  joinTokens,
  leaveImpact,
  leaveSwarm,
  maskToken,
  rotateToken,
  swarmJoinAddress,
} from '../core/swarm/swarmActions';
import { type Command, type CommandArgs, throughManager } from './commandLine';
import { UsageError, out } from './io';
import { formatTable } from './table';

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
      Object.entries(n.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]),
  );
}

async function nodesDoc(core: Core, via: string, domainLabel: string | undefined) {
  const nodes = await listNodes(core.hosts.get(via));
  const q = swarmQuorum(nodes, domainLabel);
  return {
    nodes: nodes.map(({ version: _v, ...n }) => n),
    quorum: {
      managers: q.managers,
      reachableManagers: q.reachableManagers,
      majority: q.majority,
      faultTolerance: q.faultTolerance,
      hasQuorum: q.hasQuorum,
      domainAtRisk: q.domainAtRisk ?? null,
      warnings: q.warnings,
    },
    line: quorumLine(q),
    raw: nodes,
  };
}

const swarmInit: Command = {
  name: 'swarm',
  verbs: ['init'],
  usage: '  swarm init <host> [--advertise-addr IP] [--data-path-port N] [--default-addr-pool CIDR]...',
  options: {
    'advertise-addr': { type: 'string' },
    'data-path-port': { type: 'string' },
    'default-addr-pool': { type: 'string', multiple: true },
  },
  args: ['The host to initialize'],
  prepare(a) {
    const [target] = a.args as [string];
    const chosenAddr = a.string('advertise-addr');
    if (chosenAddr && !isIPv4(chosenAddr)) throw new UsageError(`--advertise-addr "${chosenAddr}" is not an IPv4 address.`);
    const dataPathPort = a.wholeNumber('data-path-port');
    const defaultAddrPool = a.list('default-addr-pool');
    const problem = dataPathPortProblem(dataPathPort) ?? defaultAddrPool.map(addressPoolProblem).find(Boolean);
    if (problem) throw new UsageError(problem);
    return async ({ core, io, json }) => {
      const host = core.hosts.get(target);
      // Without a choice, the address the CLI reached the host at is the natural one.
      const advertiseAddr = chosenAddr || host.ssh.endpoint.hostName;
      const nodeId = await initSwarm(host, { advertiseAddr, dataPathPort, defaultAddrPool }, { signal: io.signal });
      const text = `${host.name} is now the first manager of a new swarm (node ${nodeId.slice(0, 12)}, advertising ${advertiseAddr}).`;
      out(io, json, { host: host.name, nodeId, advertiseAddr }, text);
      return 0;
    };
  },
};

const swarmJoin: Command = {
  name: 'swarm',
  verbs: ['join'],
  usage: '  swarm join <host> --manager <host> [--as worker|manager]',
  options: { manager: { type: 'string' }, as: { type: 'string' } },
  args: ['The host to join'],
  prepare(a) {
    const [target] = a.args as [string];
    const role = a.string('as') ?? 'worker';
    if (role !== 'worker' && role !== 'manager') throw new UsageError('--as must be worker or manager.');
    const managerName = a.required('manager', '--manager HOST');
    return async ({ core, io, json }) => {
      const host = core.hosts.get(target);
      const manager = core.hosts.get(managerName);
      const plan = await joinSwarm(host, manager, role, core.redactor, { signal: io.signal });
      const text =
        `${host.name} joined the swarm of ${manager.name} as ${role} ` +
        `(manager at ${plan.managerAddr}:2377, advertising ${plan.advertiseAddr}).`;
      out(io, json, { host: host.name, role, manager: manager.name, ...plan }, text);
      return 0;
    };
  },
};

const swarmLeave: Command = {
  name: 'swarm',
  verbs: ['leave'],
  usage: '  swarm leave <host> [--force]',
  options: { force: { type: 'boolean' } },
  args: ['The host to leave'],
  prepare(a) {
    const [target] = a.args as [string];
    const force = a.flag('force');
    return async ({ core, io, json }) => {
      const host = core.hosts.get(target);
      const impact = await leaveImpact(host);
      await leaveSwarm(host, force, { signal: io.signal });
      const text = [`${host.name} left the swarm.`, ...impact.warnings].join('\n');
      out(io, json, { host: host.name, left: true, warnings: impact.warnings }, text);
      return 0;
    };
  },
};

const swarmTokens = throughManager({
  name: 'swarm',
  verbs: ['tokens'],
  usage: '  swarm tokens --via <host> [--reveal]    Join commands (tokens hidden unless --reveal)',
  options: { reveal: { type: 'boolean' } },
  prepare(a, viaName) {
    const reveal = a.flag('reveal');
    return async ({ core, io, json }) => {
      const via = core.hosts.get(viaName);
      const t = await joinTokens(via, core.redactor);
      const shown = reveal ? t : { worker: maskToken(t.worker), manager: maskToken(t.manager) };
      const addr = await swarmJoinAddress(via);
      out(
        io,
        json,
        { ...shown, address: addr, revealed: reveal },
        [
          `worker:  docker swarm join --token ${shown.worker} ${addr}`,
          `manager: docker swarm join --token ${shown.manager} ${addr}`,
          ...(reveal ? [] : ['(tokens hidden: add --reveal to show them)']),
        ].join('\n'),
      );
      return 0;
    };
  },
});

const swarmRotateToken = throughManager({
  name: 'swarm',
  verbs: ['rotate-token'],
  usage: '  swarm rotate-token worker|manager --via <host>',
  args: ['worker or manager'],
  prepare(a, viaName) {
    const [which] = a.args;
    if (which !== 'worker' && which !== 'manager') throw new UsageError('Rotate the worker or the manager token.');
    return async ({ core, io, json }) => {
      await rotateToken(core.hosts.get(viaName), which);
      out(io, json, { rotated: which }, `The ${which} join token was rotated; the old one no longer works.`);
      return 0;
    };
  },
});

const nodes = throughManager({
  name: 'nodes',
  usage: `  nodes --via <host> [--domain-label KEY]  Nodes and quorum, read through a manager; KEY: the node label naming failure domains (${DEFAULT_FAILURE_DOMAIN_LABEL})`,
  options: { 'domain-label': { type: 'string' } },
  prepare(a, viaName) {
    const domainLabel = a.string('domain-label');
    return async ({ core, io, json }) => {
      const doc = await nodesDoc(core, viaName, domainLabel);
      const text = nodesTable(doc.raw) + `\n${doc.line}\n${doc.quorum.warnings.map((w) => `warning: ${w}`).join('\n')}`;
      out(io, json, { nodes: doc.nodes, quorum: doc.quorum }, text);
      return doc.quorum.hasQuorum && doc.nodes.every((n) => n.status === 'ready') ? 0 : 1;
    };
  },
});

/** The common shape of `node <verb> <node> --via <host>` that changes the node and shows it. */
function nodeChange(verbs: string[], usage: string, options: Command['options'], change: (a: CommandArgs) => NodeChange): Command {
  return throughManager({
    name: 'node',
    verbs,
    usage,
    options,
    args: ['The node (hostname or id)'],
    prepare(a, viaName) {
      const [nodeRef] = a.args as [string];
      const wanted = change(a);
      return async ({ core, io, json }) => {
        const via = core.hosts.get(viaName);
        let warnings: string[] = [];
        if (wanted.kind === 'role') {
          const all = await listNodes(via);
          warnings = roleChangeWarnings(all, findNode(all, nodeRef), wanted.role);
        }
        const node = await changeNode(via, nodeRef, wanted);
        const { version: _v, ...shown } = node;
        const text = [nodesTable([node]).trimEnd(), ...warnings.map((w) => `warning: ${w}`)].join('\n');
        out(io, json, { node: shown, warnings }, text);
        return 0;
      };
    },
  });
}

const nodeRoleOrAvailability = nodeChange(
  ['promote', 'demote', 'drain', 'pause', 'activate'],
  '  node promote|demote|drain|pause|activate <node> --via <host>',
  {},
  ({ verb }) =>
    verb === 'promote' || verb === 'demote'
      ? { kind: 'role', role: verb === 'promote' ? 'manager' : 'worker' }
      : { kind: 'availability', availability: verb === 'activate' ? 'active' : (verb as 'drain' | 'pause') },
);

const nodeLabel = nodeChange(
  ['label'],
  '  node label <node> --via <host> --add k=v | --rm k',
  { add: { type: 'string', multiple: true }, rm: { type: 'string', multiple: true } },
  (a) => {
    if (!a.list('add').length && !a.list('rm').length) throw new UsageError('Give --add k=v or --rm k.');
    return { kind: 'labels', add: a.labels('add'), remove: a.list('rm') };
  },
);

const nodeRm = throughManager({
  name: 'node',
  verbs: ['rm'],
  usage: '  node rm <node> --via <host> [--force]   Remove a down node from the swarm',
  options: { force: { type: 'boolean' } },
  args: ['The node (hostname or id)'],
  prepare(a, viaName) {
    const [nodeRef] = a.args as [string];
    const force = a.flag('force');
    return async ({ core, io, json }) => {
      const node = await removeNode(core.hosts.get(viaName), nodeRef, force);
      const text = `Removed node ${node.hostname} (${node.id.slice(0, 12)}).`;
      out(io, json, { removed: node.id, hostname: node.hostname }, text);
      return 0;
    };
  },
});

export const swarmCommands: Command[] = [swarmInit, swarmJoin, swarmLeave, swarmTokens, swarmRotateToken];
export const nodeCommands: Command[] = [nodes, nodeRoleOrAvailability, nodeLabel, nodeRm];
