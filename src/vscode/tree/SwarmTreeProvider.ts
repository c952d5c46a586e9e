// The Swarm view: each swarm among the configured hosts (by cluster id, never mixed), its quorum
// line and warnings, its nodes and its services (stacks → services → tasks); then the reachable
// hosts that are in no swarm.
import * as vscode from 'vscode';
import type { SwarmNode } from '../../core/model';
import type { SwarmOverview } from '../../core/swarm/swarmOverview';
import { swarmName } from '../../core/swarm/swarmName';
import type { ClusterState } from '../ClusterState';
import { StateTreeProvider } from './StateTreeProvider';
import { escapeMarkdown } from './markdown';
import { contextTokens } from './contextTokens';
import type { CoreService } from '../platform/CoreService';
import { ServiceItem, ServicesGroupItem, StackItem, TaskItem } from './serviceItems';

export class SwarmItem extends vscode.TreeItem {
  constructor(
    readonly swarm: SwarmOverview,
    name: string,
    quorumText: string | undefined,
  ) {
    super(name, vscode.TreeItemCollapsibleState.Expanded);
    // Without a cluster id (no leader, or managers not configured here) the hosts tell the groups apart.
    this.id = `swarm/${swarm.clusterId || `unknown/${Object.values(swarm.hostOfNode).sort().join(',')}`}`;
    const warnings = [...(swarm.quorum?.warnings ?? []), ...(swarm.error ? [swarm.error] : [])];
    const serious =
      swarm.error !== undefined ||
      swarm.quorum?.hasQuorum === false ||
      swarm.quorum?.domainAtRisk !== undefined ||
      (swarm.quorum?.managers ?? 0) % 2 === 0 ||
      (swarm.quorum?.reachableManagers ?? 0) < (swarm.quorum?.managers ?? 0);
    this.description = quorumText ?? swarm.error ?? '';
    this.iconPath = serious
      ? new vscode.ThemeIcon(
          'warning',
          new vscode.ThemeColor(swarm.quorum?.hasQuorum === false || swarm.error ? 'errorForeground' : 'problemsWarningIcon.foreground'),
        )
      : new vscode.ThemeIcon('organization');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(
      `**${escapeMarkdown(name)}**\n\n${vscode.l10n.t('Cluster ID {0}', escapeMarkdown(swarm.clusterId || vscode.l10n.t('unknown (no manager answered)')))}\n\n`,
    );
    if (quorumText) md.appendMarkdown(`${quorumText}\n\n`);
    if (swarm.via) md.appendMarkdown(`${vscode.l10n.t('Read through {0}', escapeMarkdown(swarm.via))}\n\n`);
    for (const w of warnings) md.appendMarkdown(`- ${escapeMarkdown(w)}\n`);
    this.tooltip = md;
    this.contextValue = contextTokens('swarm', swarm.via ? 'managed' : 'unmanaged');
  }
}

export class NodeItem extends vscode.TreeItem {
  constructor(
    readonly node: SwarmNode,
    /** The configured host to act through (a manager of this swarm). */
    readonly via: string,
    /** The configured host this node is, if any. */
    readonly hostName: string | undefined,
    clusterId: string,
  ) {
    super(node.hostname || node.id.slice(0, 12), vscode.TreeItemCollapsibleState.None);
    this.id = `${clusterId}/node/${node.id}`;
    const parts = [node.role, node.managerStatus, node.availability, node.status].filter((p) => p && p !== 'active' && p !== 'ready');
    this.description = [node.role, ...parts.slice(1)].join(' · ');
    const bad = node.status !== 'ready' || node.managerStatus === 'unreachable';
    const icon = node.managerStatus === 'leader' ? 'star-full' : node.role === 'manager' ? 'server-process' : 'server';
    this.iconPath = new vscode.ThemeIcon(
      bad ? 'debug-disconnect' : icon,
      new vscode.ThemeColor(
        bad ? 'errorForeground' : node.availability !== 'active' ? 'problemsWarningIcon.foreground' : 'testing.iconPassed',
      ),
    );
    const md = new vscode.MarkdownString();
    md.appendMarkdown(
      `**${escapeMarkdown(node.hostname)}** ${hostName && hostName !== node.hostname ? vscode.l10n.t('(host {0})', escapeMarkdown(hostName)) : ''}\n\n`,
    );
    md.appendMarkdown(`| | |\n|---|---|\n`);
    const rows: Array<[string, string]> = [
      [vscode.l10n.t('Role'), node.role],
      [vscode.l10n.t('Manager status'), node.managerStatus ?? '–'],
      [vscode.l10n.t('Availability'), node.availability],
      [vscode.l10n.t('Status'), `${node.status}${node.statusMessage ? ` (${node.statusMessage})` : ''}`],
      [vscode.l10n.t('Engine'), node.engineVersion],
      [vscode.l10n.t('Address'), node.address],
      [vscode.l10n.t('Node ID'), node.id],
      [
        vscode.l10n.t('Labels'),
        Object.entries(node.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ') || '–',
      ],
    ];
    for (const [k, v] of rows) md.appendMarkdown(`| ${k} | ${escapeMarkdown(v)} |\n`);
    this.tooltip = md;
    this.contextValue = contextTokens(
      'node',
      node.role,
      node.managerStatus,
      node.availability,
      node.status,
      Object.keys(node.labels).length > 0 && 'labelled',
      hostName !== undefined && 'configuredHost',
    );
  }
}

export class StandaloneItem extends vscode.TreeItem {
  constructor(
    readonly hostName: string,
    orphan = false,
  ) {
    super(hostName, vscode.TreeItemCollapsibleState.None);
    this.id = `${orphan ? 'orphan' : 'standalone'}/${hostName}`;
    this.description = orphan ? vscode.l10n.t('managers not configured') : vscode.l10n.t('not in a swarm');
    this.iconPath = new vscode.ThemeIcon('vm-outline');
    this.tooltip = orphan
      ? vscode.l10n.t('{0} is in a swarm none of whose managers is configured here: add a manager as a host to see its nodes.', hostName)
      : vscode.l10n.t('{0} is in no swarm: right-click to initialize one or join one.', hostName);
    this.contextValue = contextTokens('swarmHost', orphan ? 'orphan' : 'inactive');
  }
}

/** "Not in a swarm": the reachable hosts in no swarm. */
class StandaloneGroupItem extends vscode.TreeItem {
  constructor(
    label: string,
    readonly children: StandaloneItem[],
  ) {
    super(label, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `group/${label}`;
    this.iconPath = new vscode.ThemeIcon('vm-outline');
    this.contextValue = 'standaloneGroup';
  }
}

type Item = SwarmItem | NodeItem | StandaloneItem | StandaloneGroupItem | ServicesGroupItem | StackItem | ServiceItem | TaskItem;

export class SwarmTreeProvider extends StateTreeProvider<Item> {
  constructor(
    private readonly core: CoreService,
    state: ClusterState,
  ) {
    super(state);
  }

  async getChildren(item?: Item): Promise<Item[]> {
    if (item instanceof SwarmItem) {
      const s = item.swarm;
      if (!s.via) {
        return Object.values(s.hostOfNode).map((name) => new StandaloneItem(name, true));
      }
      return [
        ...s.nodes.map((n) => new NodeItem(n, s.via!, s.hostOfNode[n.id], s.clusterId)),
        new ServicesGroupItem(
          this.state.services.get(s.clusterId)?.services,
          s.via,
          s.clusterId,
          this.state.services.get(s.clusterId)?.error,
        ),
      ];
    }
    if (item instanceof StandaloneGroupItem) return item.children;
    if (item instanceof ServicesGroupItem || item instanceof StackItem || item instanceof ServiceItem) return item.children();
    if (item) return [];
    await this.state.ready();
    const { api } = this.core;
    const out: Item[] = this.state.swarms.swarms.map(
      (s) => new SwarmItem(s, swarmName(s), s.quorum ? api.quorumLine(s.quorum) : undefined),
    );
    if (this.state.swarms.standalone.length) {
      out.push(
        new StandaloneGroupItem(
          vscode.l10n.t('Not in a swarm'),
          this.state.swarms.standalone.map((n) => new StandaloneItem(n)),
        ),
      );
    }
    return out;
  }
}
