// The Swarm view's services part: under each swarm a "Services" folder with its stacks (then the
// services outside any stack), each service with its tasks. Everything comes from the last refresh:
// expanding reads nothing.
import * as vscode from 'vscode';
// services.ts imports no transport (types only), so the tree may use it before the core bundle loads.
import { type ServicesView, type ServiceTask, type SwarmService, allServices, portText } from '../../core/services/services';
import { contextTokens } from './contextTokens';
import { escapeMarkdown } from './markdown';

/** An image named by its id reads as `docker images` shows ids: 12 hex digits. */
const shortImage = (image: string) => image.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]{52}$/i, '$1');

function table(md: vscode.MarkdownString, rows: Array<[string, string]>): void {
  md.appendMarkdown(`| | |\n|---|---|\n`);
  for (const [k, v] of rows) md.appendMarkdown(`| ${k} | ${escapeMarkdown(v) || '–'} |\n`);
}

function stacksText(stacks: number): string {
  if (stacks === 0) return '';
  return stacks === 1 ? vscode.l10n.t('1 stack') : vscode.l10n.t('{0} stacks', stacks);
}

export class ServicesGroupItem extends vscode.TreeItem {
  constructor(
    readonly view: ServicesView | undefined,
    readonly via: string,
    readonly clusterId: string,
    error: string | undefined,
  ) {
    const services = view ? allServices(view) : [];
    const count = services.length;
    super(vscode.l10n.t('Services'), count ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    // VS Code keeps the collapsed state of an id that was drawn without children: the first service
    // arrives under a new id, so the folder opens on it.
    this.id = count ? `${clusterId}/services` : `${clusterId}/services/none`;
    const flagged = services.filter((s) => s.problem).length;
    this.description = error
      ? error
      : [
          count === 0 ? vscode.l10n.t('no services') : count === 1 ? vscode.l10n.t('1 service') : vscode.l10n.t('{0} services', count),
          stacksText(view?.stacks.length ?? 0),
          flagged ? vscode.l10n.t('{0} not all running', flagged) : '',
        ]
          .filter(Boolean)
          .join(' · ');
    this.iconPath = new vscode.ThemeIcon(
      error || flagged ? 'warning' : 'layers',
      error || flagged ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined,
    );
    this.tooltip = error
      ? vscode.l10n.t('The services could not be read: {0}', error)
      : vscode.l10n.t("The swarm's services, read through {0}.", via);
    this.contextValue = 'servicesGroup';
  }

  children(): Array<StackItem | ServiceItem> {
    if (!this.view) return [];
    return [
      ...this.view.stacks.map((s) => new StackItem(s.name, s.services, this.via, this.clusterId)),
      ...this.view.services.map((s) => new ServiceItem(s, this.via, this.clusterId)),
    ];
  }
}

export class StackItem extends vscode.TreeItem {
  constructor(
    readonly name: string,
    readonly services: SwarmService[],
    readonly via: string,
    readonly clusterId: string,
  ) {
    super(name, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `${clusterId}/stack/${name}`;
    const flagged = services.filter((s) => s.problem);
    this.description = [
      services.length === 1 ? vscode.l10n.t('stack · 1 service') : vscode.l10n.t('stack · {0} services', services.length),
      flagged.length ? vscode.l10n.t('{0} not all running', flagged.length) : '',
    ]
      .filter(Boolean)
      .join(' · ');
    this.iconPath = new vscode.ThemeIcon(
      flagged.length ? 'warning' : 'symbol-namespace',
      flagged.length ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined,
    );
    const md = new vscode.MarkdownString(`**${vscode.l10n.t('Stack')}** ${escapeMarkdown(name)}\n\n`);
    for (const s of services)
      md.appendMarkdown(`- ${escapeMarkdown(`${s.name}: ${s.running}/${s.desired}${s.problem ? ` (${s.problem})` : ''}`)}\n`);
    this.tooltip = md;
    this.contextValue = contextTokens('stack', flagged.length > 0 && 'flagged');
  }

  children(): ServiceItem[] {
    return this.services.map((s) => new ServiceItem(s, this.via, this.clusterId));
  }
}

export class ServiceItem extends vscode.TreeItem {
  constructor(
    readonly service: SwarmService,
    /** The configured manager it was read through, and is acted on through. */
    readonly via: string,
    readonly clusterId: string,
  ) {
    const s = service;
    super(s.name, s.tasks.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `${clusterId}/service/${s.id}`;
    const mode = s.mode === 'replicated' ? 'replicated' : s.mode;
    this.description = [`${mode} ${s.running}/${s.desired}`, shortImage(s.image), ...s.ports.map(portText)].join(' · ');
    const none = s.desired > 0 && s.running === 0;
    this.iconPath = s.problem
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor(none ? 'errorForeground' : 'problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon('server-process', new vscode.ThemeColor('testing.iconPassed'));
    const md = new vscode.MarkdownString(`**${vscode.l10n.t('Service')}** ${escapeMarkdown(s.name)}\n\n`);
    if (s.problem) md.appendMarkdown(`$(warning) ${escapeMarkdown(s.problem)}\n\n`);
    md.supportThemeIcons = true;
    table(md, [
      [vscode.l10n.t('Mode'), mode],
      [vscode.l10n.t('Replicas'), vscode.l10n.t('{0} running of {1}', s.running, s.desired)],
      [vscode.l10n.t('Image'), s.image],
      [vscode.l10n.t('Ports'), s.ports.map((p) => `${portText(p)} (${p.mode})`).join(', ')],
      [vscode.l10n.t('Networks'), s.networks.map((n) => `${n.name}${n.vip ? ` VIP ${n.vip}` : ''}`).join(', ')],
      [vscode.l10n.t('Stack'), s.stack ?? ''],
      [vscode.l10n.t('Service ID'), s.id],
    ]);
    this.tooltip = md;
    this.contextValue = contextTokens(
      'service',
      s.mode === 'replicated' ? 'replicated' : s.mode === 'global' ? 'global' : 'job',
      s.problem !== undefined && 'flagged',
      s.stack !== undefined && 'stacked',
    );
  }

  children(): TaskItem[] {
    return this.service.tasks.map((t) => new TaskItem(t, this.service, this.clusterId));
  }
}

export class TaskItem extends vscode.TreeItem {
  constructor(
    readonly task: ServiceTask,
    service: SwarmService,
    clusterId: string,
  ) {
    const t = task;
    super(t.slot !== undefined ? `${service.name}.${t.slot}` : `${service.name}@${t.node || '?'}`, vscode.TreeItemCollapsibleState.None);
    this.id = `${clusterId}/task/${t.id}`;
    const state = t.state === t.desiredState ? t.state : vscode.l10n.t('{0} (desired {1})', t.state, t.desiredState);
    const addresses = t.networks.filter((n) => n.address).map((n) => `${n.name} ${n.address}`);
    this.description = [t.node || vscode.l10n.t('no node'), state, t.error ?? '', ...addresses].filter(Boolean).join(' · ');
    const bad = t.state === 'failed' || t.state === 'rejected' || (t.error !== undefined && t.state !== 'running');
    this.iconPath =
      t.state === 'running'
        ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
        : bad
          ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
          : new vscode.ThemeIcon('loading~spin');
    const md = new vscode.MarkdownString(`**${vscode.l10n.t('Task')}** ${escapeMarkdown(String(this.label))}\n\n`);
    if (t.error) md.appendMarkdown(`**${vscode.l10n.t('Error:')}** ${escapeMarkdown(t.error)}\n\n`);
    table(md, [
      [vscode.l10n.t('Node'), t.node],
      [vscode.l10n.t('State'), t.state],
      [vscode.l10n.t('Desired state'), t.desiredState],
      [vscode.l10n.t('Since'), t.since ?? ''],
      [vscode.l10n.t('Message'), t.message ?? ''],
      [vscode.l10n.t('Addresses'), t.networks.map((n) => `${n.name} ${n.address}`).join(', ')],
      [vscode.l10n.t('Task ID'), t.id],
      [vscode.l10n.t('Container'), t.containerId?.slice(0, 12) ?? ''],
    ]);
    this.tooltip = md;
    this.contextValue = contextTokens('task', t.state, bad && 'failed');
  }
}
