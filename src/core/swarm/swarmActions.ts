// Swarm membership: init, join (with a reachability check first), leave, join tokens.
// Every check runs before anything is changed; join tokens are read from the manager and never shown
// or logged unless asked for.
import type { DockerHost } from '../docker/DockerHost';
import { Refused } from '../errors';
import type { Redactor } from '../log';
import { hostStatus } from '../hosts/hostStatus';
import type { HostStatus } from '../model';
import { ipToNumber, isIPv4, parseCidr } from '../networks/cidr';
import { hostAddresses, routeSource, tcpReachable } from './hostNetwork';
import { listNodes, managerUp } from './nodes';
import { quorum } from './quorum';
import { type StepOptions, afterChange, checkpoint } from '../steps';

export interface InitOptions {
  advertiseAddr: string;
  dataPathPort?: number;
  defaultAddrPool?: string[];
}

export const DATA_PATH_PORT_MIN = 1024;
export const DATA_PATH_PORT_MAX = 49151;

/** The data-path (VXLAN) port rule; undefined when `port` is fine or not given. */
export function dataPathPortProblem(port: number | undefined): string | undefined {
  if (port === undefined || (Number.isInteger(port) && port >= DATA_PATH_PORT_MIN && port <= DATA_PATH_PORT_MAX)) return undefined;
  return `The data-path port must be a whole number from ${DATA_PATH_PORT_MIN} to ${DATA_PATH_PORT_MAX} (the default is 4789).`;
}

/** The default-address-pool rule for one pool; undefined when it is a CIDR. */
export function addressPoolProblem(pool: string): string | undefined {
  return parseCidr(pool) ? undefined : `The default address pool "${pool}" is not a CIDR such as 10.20.0.0/16.`;
}

async function requireStatus(host: DockerHost): Promise<HostStatus> {
  const s = await hostStatus(host);
  if (!s.reachable) throw new Refused(`${host.name} cannot be used: ${s.error}`);
  return s;
}

function describeMembership(name: string, s: HostStatus): string {
  const role = s.swarm.isManager ? 'manager' : 'worker';
  return `${name} is already in a swarm (${s.swarm.state}, as ${role}, node ${s.swarm.nodeId.slice(0, 12)}${s.swarm.clusterId ? `, cluster ${s.swarm.clusterId.slice(0, 12)}` : ''}); it must leave that swarm first.`;
}

export async function initSwarm(host: DockerHost, options: InitOptions, steps?: StepOptions): Promise<string> {
  const signal = steps?.signal;
  checkpoint(steps, 'status');
  const s = await requireStatus(host);
  if (s.swarm.state !== 'inactive') throw new Refused(describeMembership(host.name, s));
  if (!isIPv4(options.advertiseAddr)) throw new Refused(`"${options.advertiseAddr}" is not an IPv4 address.`);
  checkpoint(steps, 'addresses');
  const addresses = await hostAddresses(host.ssh, signal);
  if (!addresses.some((a) => a.address === options.advertiseAddr)) {
    throw new Refused(
      `${options.advertiseAddr} is not an address of ${host.name} (it has ${addresses.map((a) => `${a.address} on ${a.interface}`).join(', ') || 'no IPv4 address'}).`,
    );
  }
  const optionProblem = dataPathPortProblem(options.dataPathPort) ?? (options.defaultAddrPool ?? []).map(addressPoolProblem).find(Boolean);
  if (optionProblem) throw new Refused(optionProblem);
  const body: Record<string, unknown> = { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: options.advertiseAddr };
  if (options.dataPathPort) body.DataPathPort = options.dataPathPort;
  if (options.defaultAddrPool?.length) {
    body.DefaultAddrPool = options.defaultAddrPool;
    // Docker's own default size for the subnets it carves from the pools.
    body.SubnetSize = 24;
  }
  checkpoint(steps, 'init');
  const nodeId = await host.call('initialize a swarm', (d) => d.swarmInit(body) as Promise<string>);
  // A new one-manager swarm with nothing in it: leaving it (forced) is the exact undo.
  await afterChange(steps, 'initialized', `${host.name} had already become the manager of a new swarm.`, () =>
    host.call('leave the new swarm', (d) => d.swarmLeave({ force: true })),
  );
  return typeof nodeId === 'string' ? nodeId.replace(/"/g, '').trim() : '';
}

export interface JoinTokens {
  worker: string;
  manager: string;
}

/** Join tokens from a manager; registered with the redactor so no log line can carry them. */
export async function joinTokens(manager: DockerHost, redactor: Redactor): Promise<JoinTokens> {
  const swarm = await manager.call(
    'read the join tokens (is it a manager?)',
    (d) => d.swarmInspect() as Promise<{ JoinTokens?: { Worker?: string; Manager?: string } }>,
  );
  const worker = swarm.JoinTokens?.Worker ?? '';
  const mgr = swarm.JoinTokens?.Manager ?? '';
  redactor.add(worker);
  redactor.add(mgr);
  return { worker, manager: mgr };
}

/** The manager's swarm address as a join command names it (`addr:2377`). */
export async function swarmJoinAddress(manager: DockerHost): Promise<string> {
  return `${(await swarmNodeAddr(manager)) ?? manager.ssh.endpoint.hostName}:2377`;
}

async function swarmNodeAddr(manager: DockerHost): Promise<string | undefined> {
  const info = (await manager.call('read its swarm address', (d) => d.info())) as { Swarm?: { NodeAddr?: string } };
  return info.Swarm?.NodeAddr || undefined;
}

export function maskToken(token: string): string {
  // SWMTKN-1-<cluster CA digest>-<secret>: the secret part is what must not be shown.
  const m = /^(SWMTKN-1-[0-9a-z]{4})[0-9a-z]*-[0-9a-z]+$/i.exec(token);
  return m ? `${m[1]}…(hidden)` : '…(hidden)';
}

export async function rotateToken(manager: DockerHost, which: 'worker' | 'manager'): Promise<void> {
  await manager.call(`rotate the ${which} join token`, async (d) => {
    const swarm = (await d.swarmInspect()) as { Version?: { Index?: number }; Spec?: unknown };
    await d.swarmUpdate({
      _query: {
        version: swarm.Version?.Index ?? 0,
        rotateWorkerToken: which === 'worker',
        rotateManagerToken: which === 'manager',
      },
      _body: swarm.Spec,
    });
  });
}

export interface JoinPlan {
  managerAddr: string;
  advertiseAddr: string;
}

/** Joins `host` to the swarm `manager` manages, after checking everything that can be checked. */
export async function joinSwarm(
  host: DockerHost,
  manager: DockerHost,
  role: 'worker' | 'manager',
  redactor: Redactor,
  steps?: StepOptions,
): Promise<JoinPlan> {
  const signal = steps?.signal;
  if (host.name === manager.name) throw new Refused(`${host.name} cannot join through itself: pick a manager of another host.`);
  checkpoint(steps, 'status');
  const [s, m] = await Promise.all([requireStatus(host), requireStatus(manager)]);
  if (s.swarm.state !== 'inactive') throw new Refused(describeMembership(host.name, s));
  if (m.swarm.state !== 'active' || !m.swarm.isManager) {
    throw new Refused(
      `${manager.name} is not a manager of a swarm (swarm ${m.swarm.state}${m.swarm.state === 'active' ? ', worker' : ''}).`,
    );
  }
  const managerAddr = await swarmNodeAddr(manager);
  if (!managerAddr) throw new Refused(`${manager.name} does not report its swarm address.`);
  if (role === 'manager') {
    checkpoint(steps, 'quorum');
    const nodes = await listNodes(manager);
    const q = quorum(nodes.filter((n) => n.role === 'manager').length, nodes.filter(managerUp).length);
    if (!q.hasQuorum) throw new Refused(q.warnings[0]!);
  }
  checkpoint(steps, 'reach');
  const reach = await tcpReachable(host.ssh, managerAddr, 2377, 5000, signal);
  if (!reach.ok) {
    throw new Refused(
      `${host.name} cannot reach the manager ${manager.name} at ${managerAddr}:2377/tcp (${reach.reason}); nothing was changed. ` +
        'Open 2377/tcp to managers, and 7946/tcp+udp and 4789/udp between all swarm hosts.',
    );
  }
  // The address the host itself uses towards the manager; if `ip route get` gives none, its
  // address on the manager's subnet.
  checkpoint(steps, 'route');
  let advertiseAddr = await routeSource(host.ssh, managerAddr, signal);
  if (!advertiseAddr) {
    const mgr = ipToNumber(managerAddr);
    const same = (await hostAddresses(host.ssh, signal)).find((a) => {
      const c = parseCidr(`${a.address}/${a.prefix}`);
      return c !== undefined && mgr !== undefined && mgr >= c.start && mgr <= c.end;
    });
    advertiseAddr = same?.address;
  }
  if (!advertiseAddr) throw new Refused(`${host.name} has no route to ${managerAddr}.`);
  checkpoint(steps, 'tokens');
  const tokens = await joinTokens(manager, redactor);
  checkpoint(steps, 'join');
  await host.call(`join the swarm of ${manager.name}`, (d) =>
    d.swarmJoin({
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: advertiseAddr,
      RemoteAddrs: [`${managerAddr}:2377`],
      JoinToken: role === 'manager' ? tokens.manager : tokens.worker,
    }),
  );
  // Not undone: leaving would leave a down node behind on the managers (and a manager must be
  // demoted first), which is not the state before either; so the user is told.
  await afterChange(
    steps,
    'joined',
    `${host.name} had already joined the swarm of ${manager.name} as a ${role}; Leave Swarm on ${host.name}${role === 'manager' ? ' (after demoting it)' : ''} and Remove Down Node on ${manager.name} undo that.`,
  );
  return { managerAddr, advertiseAddr };
}

/** Sentences on what leaving does; `blocked` when it must not go ahead without force. */
export async function leaveImpact(host: DockerHost): Promise<{ blocked: boolean; warnings: string[] }> {
  const s = await requireStatus(host);
  if (s.swarm.state === 'inactive') throw new Refused(`${host.name} is not in a swarm.`);
  if (!s.swarm.isManager) return { blocked: false, warnings: [] };
  const nodes = await listNodes(host).catch(() => []);
  const managers = nodes.filter((n) => n.role === 'manager').length || 1;
  const warnings = [`${host.name} is a manager: leaving removes it from the Raft quorum without demoting it first.`];
  if (managers === 1) warnings.push('It is the last manager: the swarm and all its state (services, networks, secrets) are lost.');
  else {
    const after = quorum(managers, managers - 1);
    warnings.push(
      after.hasQuorum
        ? `Until the node is removed, the swarm counts it as an unreachable manager: ${after.warnings[0] ?? ''}`.trim()
        : `The swarm would lose quorum (${managers - 1} of ${managers} managers left, ${after.majority} needed).`,
      'Demoting it first and then leaving keeps the swarm healthy.',
    );
  }
  return { blocked: true, warnings };
}

export async function leaveSwarm(host: DockerHost, force: boolean, steps?: StepOptions): Promise<void> {
  checkpoint(steps, 'impact');
  const impact = await leaveImpact(host);
  if (impact.blocked && !force) throw new Refused(`${impact.warnings.join(' ')} Use force to leave anyway.`);
  checkpoint(steps, 'leave');
  await host.call('leave the swarm', (d) => d.swarmLeave({ force }));
  await afterChange(steps, 'left', `${host.name} had already left the swarm; joining it again undoes that.`);
}
