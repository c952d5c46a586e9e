// Pickers used when a command runs from the palette, without a tree item to act on.
import * as vscode from 'vscode';
import type { HostStatus, SwarmNode } from '../../core/model';
import type { ClusterState } from '../ClusterState';
import type { NetworkSummary } from '../../core/networks/overlayNetworks';
import type { CoreService } from '../platform/CoreService';
import { nothingToDo, pick } from '../platform/ui';
import type { NetworkItem, ScopeItem } from '../tree/NetworksTreeProvider';
import type { NodeItem, StandaloneItem, SwarmItem } from '../tree/SwarmTreeProvider';
import type { HostNode } from '../tree/HostsTreeProvider';
import { allServices, type SwarmService } from '../../core/services/services';
import { swarmName } from '../../core/swarm/swarmName';
import type { ServiceItem } from '../tree/serviceItems';

export type SwarmArg = SwarmItem | ScopeItem | NodeItem | undefined;

export async function pickHost(state: ClusterState, title: string, filter: (s: HostStatus) => boolean, none: string): Promise<string> {
  await state.ready();
  const all = [...state.statuses.values()];
  if (all.length === 0) nothingToDo(vscode.l10n.t('No Docker host is configured yet: add one with Swarm Overlay: Add Host first.'));
  if (!all.some((s) => s.reachable)) nothingToDo(vscode.l10n.t('No configured host answers: the Docker Hosts view says why on each one.'));
  const hosts = all.filter((s) => s.reachable && filter(s));
  if (hosts.length === 0) nothingToDo(none);
  const picked = await pick(
    hosts.map((s) => ({
      label: s.name,
      description: vscode.l10n.t('swarm {0}', s.swarm.state === 'active' ? (s.swarm.isManager ? 'manager' : 'worker') : s.swarm.state),
    })),
    { title },
  );
  return picked.label;
}

/** A node of some swarm, with the manager host to act through. */
export async function pickNode(
  state: ClusterState,
  title: string,
  filter: (n: SwarmNode) => boolean,
): Promise<{ node: SwarmNode; via: string }> {
  await state.ready();
  const items = state.swarms.swarms.flatMap((s) =>
    s.via
      ? s.nodes.filter(filter).map((n) => ({
          label: n.hostname,
          description: `${n.role} · ${n.availability} · ${n.status}`,
          detail: swarmName(s),
          node: n,
          via: s.via!,
        }))
      : [],
  );
  if (items.length === 0) nothingToDo(vscode.l10n.t('No swarm node fits this action.'));
  const picked = await pick(items, { title });
  return { node: picked.node, via: picked.via };
}

/** The configured manager to act through: the item's own, or one picked among the managers. */
export async function pickManagerHost(state: ClusterState, arg: HostNode | StandaloneItem | NodeItem | undefined): Promise<string> {
  if (arg && 'via' in arg && arg.via) return arg.via;
  const name = arg?.hostName;
  if (name && state.statuses.get(name)?.swarm.isManager) return name;
  return pickHost(
    state,
    vscode.l10n.t('Which swarm manager?'),
    (s) => s.swarm.isManager,
    vscode.l10n.t('No configured host is a swarm manager.'),
  );
}

/** A swarm, named by the manager it is read through: the item's own, the only one, or one picked. */
export async function pickSwarm(state: ClusterState, arg: SwarmArg, title: string): Promise<string> {
  if (arg && 'swarm' in arg && arg.swarm.via) return arg.swarm.via;
  if (arg && 'scope' in arg && arg.scope.kind === 'swarm') return arg.scope.via;
  if (arg && 'via' in arg && arg.via) return arg.via;
  await state.ready();
  const swarms = state.swarms.swarms.filter((s) => s.via);
  if (swarms.length === 0) nothingToDo(vscode.l10n.t('No swarm among the configured hosts: initialize one first.'));
  if (swarms.length === 1) return swarms[0]!.via!;
  const picked = await pick(
    swarms.map((s) => ({
      label: swarmName(s),
      description: vscode.l10n.t('via {0}', s.via!),
      detail: vscode.l10n.t('cluster {0}', s.clusterId),
      via: s.via!,
    })),
    { title },
  );
  return picked.via;
}

export interface NetworkTarget {
  /** The host the network is read through: a manager for a swarm network, else its own host. */
  via: string;
  name: string;
  swarm: boolean;
}

/** The network of the item, or a custom swarm network picked from a swarm. */
export async function pickNetwork(
  core: CoreService,
  state: ClusterState,
  arg: NetworkItem | undefined,
  title: string,
): Promise<NetworkTarget> {
  if (arg) {
    const s = arg.scope;
    return { via: s.kind === 'swarm' ? s.via : s.host, name: arg.network.name, swarm: s.kind === 'swarm' };
  }
  const via = await pickSwarm(state, undefined, title);
  const list = (await core.api.listNetworks(core.host(via))).filter((n: NetworkSummary) => n.scope === 'swarm' && !n.builtIn);
  if (list.length === 0)
    nothingToDo(vscode.l10n.t('This swarm has no overlay network of its own: create one with "Create Overlay Network…".'));
  const picked = await pick(
    list.map((n) => ({ label: n.name, description: n.subnets.map((s) => s.subnet).join(', ') })),
    { title, ignoreFocusOut: false },
  );
  return { via, name: picked.label, swarm: true };
}

/** The service of the item, or one picked among every swarm's services (as of the last refresh). */
export async function pickService(
  state: ClusterState,
  arg: ServiceItem | undefined,
  title: string,
  filter: (s: SwarmService) => boolean = () => true,
): Promise<{ service: SwarmService; via: string }> {
  if (arg) return { service: arg.service, via: arg.via };
  await state.ready();
  const items = state.swarms.swarms.flatMap((w) => {
    const view = state.services.get(w.clusterId)?.services;
    if (!w.via || !view) return [];
    return allServices(view)
      .filter(filter)
      .map((s) => ({
        label: s.name,
        description: s.stack
          ? vscode.l10n.t('{0} {1}/{2} · stack {3}', s.mode, s.running, s.desired, s.stack)
          : `${s.mode} ${s.running}/${s.desired}`,
        detail: vscode.l10n.t('{0} via {1}', swarmName(w), w.via!),
        service: s,
        via: w.via!,
      }));
  });
  if (items.length === 0) nothingToDo(vscode.l10n.t('No swarm service fits this action.'));
  const picked = await pick(items, { title });
  return { service: picked.service, via: picked.via };
}
