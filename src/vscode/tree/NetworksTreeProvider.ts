// The Networks view: for each swarm its networks (custom overlays first, Docker's own collapsed in a
// group), for each host its local networks, both from the cluster state; under an overlay its options
// and its members across every reachable host of the swarm, read when shown and again after each
// refresh (only those groups redraw then, so the rows above them keep their items).
import * as vscode from 'vscode';
import type { NetworkMember, NetworkSummary } from '../../core/networks/overlayNetworks';
import { allServices } from '../../core/services/services';
import { type ClusterState, networkScopeKey } from '../ClusterState';
import { StateTreeProvider } from './StateTreeProvider';
import { escapeMarkdown } from './markdown';
import { contextTokens } from './contextTokens';
import { swarmName } from '../../core/swarm/swarmName';
import type { CoreService } from '../platform/CoreService';

export type Scope = { kind: 'swarm'; id: string; via: string; label: string } | { kind: 'host'; host: string };

export class ScopeItem extends vscode.TreeItem {
  constructor(readonly scope: Scope) {
    super(scope.kind === 'swarm' ? scope.label : scope.host, vscode.TreeItemCollapsibleState.Expanded);
    this.id = scope.kind === 'swarm' ? `swarm/${scope.id}/networks` : `${scope.host}/networks`;
    this.iconPath = new vscode.ThemeIcon(scope.kind === 'swarm' ? 'organization' : 'vm');
    this.description = scope.kind === 'swarm' ? vscode.l10n.t('via {0}', scope.via) : vscode.l10n.t('local networks');
    if (scope.kind === 'swarm') this.tooltip = vscode.l10n.t('{0}, cluster ID {1}', scope.label, scope.id);
    this.contextValue = contextTokens('networkScope', scope.kind === 'swarm' ? 'swarmScope' : 'hostScope');
  }
}

export class NetworkItem extends vscode.TreeItem {
  constructor(
    readonly network: NetworkSummary,
    readonly scope: Scope,
  ) {
    const custom = network.driver === 'overlay' && !network.builtIn;
    super(network.name, custom ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const owner = scope.kind === 'swarm' ? `swarm/${scope.id}` : scope.host;
    this.id = `${owner}/network/${network.id}`;
    const flags = [network.attachable && 'attachable', network.encrypted && 'encrypted', network.internal && 'internal'].filter(Boolean);
    this.description = [`${network.driver} · ${network.scope}`, network.subnets.map((s) => s.subnet).join(', '), ...flags]
      .filter(Boolean)
      .join(' · ');
    this.iconPath = new vscode.ThemeIcon(network.builtIn ? 'lock-small' : custom ? 'type-hierarchy' : 'symbol-interface');
    this.contextValue = contextTokens(
      'network',
      network.driver === 'overlay' && 'overlay',
      network.builtIn ? 'builtin' : 'custom',
      network.attachable && 'attachable',
    );
    this.tooltip = new vscode.MarkdownString(
      `**${escapeMarkdown(network.name)}** ${network.id.slice(0, 12)}\n\n` +
        (network.builtIn
          ? vscode.l10n.t("{0}, {1} scope, Docker's own network", escapeMarkdown(network.driver), escapeMarkdown(network.scope))
          : vscode.l10n.t('{0}, {1} scope', escapeMarkdown(network.driver), escapeMarkdown(network.scope))),
    );
  }
}

class InfoItem extends vscode.TreeItem {
  constructor(id: string, label: string, description: string, icon: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.description = description;
    this.iconPath = new vscode.ThemeIcon(icon);
    this.tooltip = tooltip;
    this.contextValue = 'networkInfo';
  }
}

/** A folder under a scope or a network whose children are read when it is expanded. */
class LazyGroupItem extends vscode.TreeItem {
  constructor(
    id: string,
    label: string,
    readonly load: () => Promise<vscode.TreeItem[]>,
    collapsed: boolean,
    icon: string,
  ) {
    super(label, collapsed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    this.id = id;
    this.iconPath = new vscode.ThemeIcon(icon);
    this.contextValue = 'networkGroup';
  }
}

type Item = ScopeItem | NetworkItem | InfoItem | LazyGroupItem;

export function optionItems(n: NetworkSummary, idPrefix: string): InfoItem[] {
  const yes = (b: boolean) => (b ? vscode.l10n.t('yes') : vscode.l10n.t('no'));
  const items = [
    new InfoItem(
      `${idPrefix}/attachable`,
      'attachable',
      yes(n.attachable),
      'plug',
      vscode.l10n.t('Standalone containers can join it (the connectivity matrix needs this).'),
    ),
    new InfoItem(
      `${idPrefix}/encrypted`,
      'encrypted',
      yes(n.encrypted),
      n.encrypted ? 'lock' : 'unlock',
      vscode.l10n.t('IPsec (ESP) between nodes; not supported on Windows hosts.'),
    ),
    new InfoItem(`${idPrefix}/internal`, 'internal', yes(n.internal), 'shield', vscode.l10n.t('No route to the outside world.')),
  ];
  n.subnets.forEach((s, i) =>
    items.push(
      new InfoItem(
        `${idPrefix}/subnet${i}`,
        'subnet',
        [s.subnet, s.gateway && vscode.l10n.t('gateway {0}', s.gateway), s.ipRange && vscode.l10n.t('range {0}', s.ipRange)]
          .filter(Boolean)
          .join(' · '),
        'symbol-numeric',
      ),
    ),
  );
  items.push(new InfoItem(`${idPrefix}/mtu`, 'MTU', n.mtu ? String(n.mtu) : vscode.l10n.t('default'), 'arrow-both'));
  return items;
}

export class NetworksTreeProvider extends StateTreeProvider<Item> {
  private readonly parents = new Map<string, Item>();
  /** The members groups shown since the last redraw: after each refresh they read their members again. */
  private readonly membersShown = new Set<LazyGroupItem>();

  constructor(
    private readonly core: CoreService,
    state: ClusterState,
  ) {
    super(state);
    this.track(
      state.onDidChange(() => this.membersShown.clear()),
      state.onDidRefresh(() => {
        for (const group of this.membersShown) this.redraw(group);
      }),
    );
  }

  getParent(item: Item): Item | undefined {
    return item.id ? this.parents.get(item.id) : undefined;
  }

  private remember(parent: Item | undefined, children: Item[]): Item[] {
    for (const c of children) if (c.id && parent) this.parents.set(c.id, parent);
    return children;
  }

  async getChildren(item?: Item): Promise<Item[]> {
    return this.remember(item, await this.children(item));
  }

  private async children(item?: Item): Promise<Item[]> {
    if (!item) {
      await this.state.ready();
      const swarms: Item[] = this.state.swarms.swarms
        .filter((s) => s.via)
        .map((s) => new ScopeItem({ kind: 'swarm', id: s.clusterId, via: s.via!, label: swarmName(s) }));
      const hosts = [...this.state.statuses.values()].filter((s) => s.reachable).map((s) => new ScopeItem({ kind: 'host', host: s.name }));
      return [...swarms, ...hosts];
    }
    if (item instanceof ScopeItem) {
      const scope = item.scope;
      const read = this.state.networks.get(networkScopeKey(scope));
      // Not read yet (the scope appeared in a partial update): the end of the refresh redraws the view.
      if (!read) return [];
      if (read.error) return [new InfoItem(`${item.id}/error`, read.error, '', 'warning', read.error)];
      const mine = read.networks ?? [];
      const custom = mine.filter((n) => !n.builtIn).map((n) => new NetworkItem(n, scope));
      const builtIn = mine.filter((n) => n.builtIn);
      if (builtIn.length === 0) return custom;
      const group = new LazyGroupItem(
        `${item.id}/builtin`,
        vscode.l10n.t("Docker's own networks"),
        async () => builtIn.map((n) => new NetworkItem(n, scope)),
        true,
        'lock-small',
      );
      return [...custom, group];
    }
    if (item instanceof LazyGroupItem) return this.remember(item, await item.load());
    if (item instanceof NetworkItem) {
      const members: LazyGroupItem = new LazyGroupItem(
        `${item.id}/members`,
        vscode.l10n.t('Members'),
        () => {
          this.membersShown.add(members);
          return this.members(item);
        },
        false,
        'server-environment',
      );
      return [...optionItems(item.network, item.id!), members];
    }
    return [];
  }

  private configured(host: string): boolean {
    return this.core
      .docker()
      .list()
      .some((h) => h.name === host);
  }

  private async members(item: NetworkItem): Promise<vscode.TreeItem[]> {
    const scope = item.scope;
    if (!this.configured(scope.kind === 'swarm' ? scope.via : scope.host)) return [];
    const names = scope.kind === 'swarm' ? await this.core.swarmHostNames(scope.via) : [scope.host];
    const list: NetworkMember[] = await this.core.api.networkMembers(this.core.docker(), names, item.network.name);
    const services = this.services(item);
    if (list.length === 0 && services.length === 0) {
      return [new InfoItem(`${item.id}/members/none`, vscode.l10n.t('no containers attached'), '', 'circle-slash')];
    }
    return [
      ...services,
      ...list.map(
        (m) =>
          new InfoItem(
            `${item.id}/members/${m.host}/${m.container}`,
            m.container,
            m.task ? vscode.l10n.t('{0} · {1} · task of {2}', m.host, m.address, m.task) : `${m.host} · ${m.address}`,
            'package',
          ),
      ),
    ];
  }

  /** The services on a swarm network with their VIP there, from the last refresh (no request of its own). */
  private services(item: NetworkItem): InfoItem[] {
    const scope = item.scope;
    if (scope.kind !== 'swarm') return [];
    const view = this.state.services.get(scope.id)?.services;
    const services = view ? allServices(view) : [];
    return services.flatMap((s) => {
      const on = s.networks.find((n) => n.id === item.network.id);
      if (!on) return [];
      return [
        new InfoItem(
          `${item.id}/members/service/${s.id}`,
          s.name,
          on.vip
            ? vscode.l10n.t('service · VIP {0} · {1}/{2} running', on.vip, s.running, s.desired)
            : vscode.l10n.t('service · no VIP (dnsrr) · {0}/{1} running', s.running, s.desired),
          s.problem ? 'warning' : 'server-process',
          s.problem ? `${s.name}: ${s.problem}` : vscode.l10n.t('Service {0}: its tasks are listed below as task containers.', s.name),
        ),
      ];
    });
  }
}
