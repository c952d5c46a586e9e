// The Docker Hosts view: one item per configured host with its state, engine and swarm membership.
import * as vscode from 'vscode';
import type { HostStatus } from '../../core/model';
import type { ClusterState } from '../ClusterState';
import { StateTreeProvider } from './StateTreeProvider';
import { escapeMarkdown } from './markdown';
import { contextTokens, swarmStateToken } from './contextTokens';
import type { CoreService } from '../platform/CoreService';

export class HostNode extends vscode.TreeItem {
  constructor(
    readonly hostName: string,
    readonly address: string,
    readonly status: HostStatus | undefined,
  ) {
    super(hostName, vscode.TreeItemCollapsibleState.None);
    this.id = `${hostName}/host`;
    if (!status) {
      this.iconPath = new vscode.ThemeIcon('loading~spin');
      this.description = vscode.l10n.t('connecting…');
      this.contextValue = contextTokens('host', 'connecting');
      this.tooltip = address;
      return;
    }
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMarkdown(hostName)}** · ${escapeMarkdown(address)}\n\n`);
    if (status.reachable) {
      const swarm = status.swarm;
      const role = swarm.state === 'active' ? (swarm.isManager ? 'manager' : 'worker') : '';
      this.iconPath = new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'));
      this.description = role
        ? vscode.l10n.t('Docker {0} · swarm {1} ({2})', status.engineVersion, swarm.state, role)
        : vscode.l10n.t('Docker {0} · swarm {1}', status.engineVersion, swarm.state);
      this.contextValue = contextTokens('host', 'connected', swarmStateToken(swarm.state), role);
      md.appendMarkdown(`$(pass) ${vscode.l10n.t('Connected')}\n\n`);
      md.appendMarkdown(
        vscode.l10n.t('Docker Engine {0} (API {1})', escapeMarkdown(status.engineVersion), escapeMarkdown(status.apiVersion ?? '?')),
      );
      if (status.os) md.appendMarkdown(` ${vscode.l10n.t('on {0}', escapeMarkdown(status.os))}`);
      md.appendMarkdown(`\n\n${role ? vscode.l10n.t('Swarm: {0}, {1}', swarm.state, role) : vscode.l10n.t('Swarm: {0}', swarm.state)}`);
      if (swarm.nodeId) md.appendMarkdown(`, ${vscode.l10n.t('node {0}', `\`${swarm.nodeId.slice(0, 12)}\``)}`);
    } else if (status.errorKind === 'hostKeyUnknown') {
      // Refused once, not asked again on every refresh: the menu offers to be asked again.
      this.iconPath = new vscode.ThemeIcon('workspace-untrusted', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      this.description = vscode.l10n.t('host key not trusted');
      this.contextValue = contextTokens('host', 'unreachable', 'hostKeyRefused');
      md.appendMarkdown(`$(workspace-untrusted) ${vscode.l10n.t('Host key not trusted')}\n\n${escapeMarkdown(status.error ?? '')}`);
      md.appendMarkdown(`\n\n${vscode.l10n.t('Use **Verify Host Key Again** to be asked about it again.')}`);
    } else {
      this.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('errorForeground'));
      this.description = vscode.l10n.t('unreachable');
      this.contextValue = contextTokens('host', 'unreachable');
      md.appendMarkdown(`$(error) ${vscode.l10n.t('Unreachable')}\n\n${escapeMarkdown(status.error ?? '')}`);
    }
    this.tooltip = md;
  }
}

class MessageNode extends vscode.TreeItem {
  constructor(message: string) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.id = `problem/${message}`;
    this.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    this.tooltip = message;
    this.contextValue = 'hostProblem';
  }
}

type Node = HostNode | MessageNode;

export class HostsTreeProvider extends StateTreeProvider<Node> {
  constructor(
    private readonly core: CoreService,
    state: ClusterState,
  ) {
    super(state);
  }

  getChildren(node?: Node): Node[] {
    if (node) return [];
    const hosts = this.core.configuredHosts();
    // Until the first read, hosts show as "connecting…".
    if (hosts.length > 0) void this.state.ready();
    const items: Node[] = hosts.map(
      (h) => new HostNode(h.name, `${h.user ? `${h.user}@` : ''}${h.host}${h.port ? `:${h.port}` : ''}`, this.state.statuses.get(h.name)),
    );
    return [...items, ...this.core.problems.map((p) => new MessageNode(p))];
  }
}
