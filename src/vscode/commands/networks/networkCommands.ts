// Network commands: Create Overlay Network (a short multi-step input, every option checked before
// Docker is called), Remove Network (modal; refused while in use), Inspect, Check Firewall Ports.
import * as vscode from 'vscode';
import type { OverlayOptions } from '../../../core/networks/createOptions';
import { splitCommaList } from '../../../shared/lists';
import type { CommandContext } from '../CommandContext';
import { type SwarmArg, pickNetwork, pickSwarm } from '../pickers';
import { type WizardStep, confirm, withProgress, wizard } from '../../platform/ui';
import type { NetworkItem } from '../../tree/NetworksTreeProvider';
import { ReadOnlyDocuments } from '../../platform/ReadOnlyDocuments';

export async function createOverlayNetworkCommand(ctx: CommandContext, arg?: SwarmArg): Promise<void> {
  const { core } = ctx;
  const { api } = core;
  const via = await pickSwarm(ctx.state, arg, vscode.l10n.t('Create overlay network on which swarm?'));
  const manager = core.host(via);
  const { members, existing, used } = await withProgress(vscode.l10n.t('Reading the networks of the swarm of {0}…', via), async () => {
    const members = await core.swarmHostNames(via);
    const [existing, used] = await Promise.all([api.listNetworks(manager), api.usedRanges(core.docker(), manager, members)]);
    return { members, existing: existing.map((n) => n.name), used };
  });
  // The answers, kept when the user goes Back; gateway and IP range only exist with a subnet.
  const kept: { name?: string; flags?: string[]; subnet?: string; gateway?: string; ipRange?: string; mtu?: string; labels?: string } = {};
  const name: WizardStep = async (flow) => {
    kept.name = await flow.input({
      prompt: vscode.l10n.t('Network name'),
      value: kept.name,
      validate: (v) => api.nameProblem(v, existing),
    });
    return flags;
  };
  const flags: WizardStep = async (flow) => {
    // The option names are Docker's (`docker network create --attachable`): the labels show them as they are.
    const choices = [
      { flag: 'attachable', description: vscode.l10n.t('standalone containers may join (needed by the connectivity matrix)') },
      { flag: 'encrypted', description: vscode.l10n.t('IPsec between nodes: costs CPU and throughput; not supported on Windows hosts') },
      { flag: 'internal', description: vscode.l10n.t('no route to the outside world') },
    ];
    const picked = await flow.pickMany(
      choices.map((o) => ({ ...o, label: o.flag })),
      { placeHolder: vscode.l10n.t('Options (space toggles, Enter confirms)'), selected: kept.flags ?? ['attachable'] },
    );
    kept.flags = picked.map((f) => f.label);
    return subnet;
  };
  const subnet: WizardStep = async (flow) => {
    kept.subnet = await flow.input({
      prompt: vscode.l10n.t('Subnet (CIDR), empty to take one from the swarm pool'),
      value: kept.subnet,
      validate: (v) => (v ? api.subnetProblem(v, used) : undefined),
    });
    return kept.subnet ? gateway : mtu;
  };
  const gateway: WizardStep = async (flow) => {
    const cidr = api.parseCidr(kept.subnet!);
    kept.gateway = await flow.input({
      prompt: vscode.l10n.t('Gateway inside {0}, empty for the first address', kept.subnet!),
      value: kept.gateway,
      validate: (v) => (v ? api.gatewayProblem(v, cidr) : undefined),
    });
    return ipRange;
  };
  const ipRange: WizardStep = async (flow) => {
    const cidr = api.parseCidr(kept.subnet!);
    kept.ipRange = await flow.input({
      prompt: vscode.l10n.t('IP range for containers inside {0} (CIDR), empty for all of it', kept.subnet!),
      value: kept.ipRange,
      validate: (v) => (v ? api.ipRangeProblem(v, cidr) : undefined),
    });
    return mtu;
  };
  const mtu: WizardStep = async (flow) => {
    kept.mtu = await flow.input({
      prompt: vscode.l10n.t('MTU, empty for the default'),
      value: kept.mtu,
      validate: (v) => (v ? api.mtuProblem(/^\d+$/.test(v) ? Number(v) : NaN) : undefined),
    });
    return labels;
  };
  const labels: WizardStep = async (flow) => {
    kept.labels = await flow.input({
      prompt: vscode.l10n.t('Labels as k=v, separated by commas; empty for none'),
      value: kept.labels,
      validate: (v) => {
        try {
          api.parseLabels(splitCommaList(v));
          return undefined;
        } catch (err) {
          return api.userMessage(err);
        }
      },
    });
    return undefined;
  };
  // Five steps without a subnet, seven with one (gateway and IP range).
  await wizard(vscode.l10n.t('Create Overlay Network'), () => (kept.subnet ? 7 : 5), name);
  const optional = (text: string | undefined) => text || undefined;
  const has = (l: string) => kept.flags!.includes(l);
  const options: OverlayOptions = {
    name: kept.name!,
    attachable: has('attachable'),
    encrypted: has('encrypted'),
    internal: has('internal'),
    subnet: optional(kept.subnet),
    gateway: kept.subnet ? optional(kept.gateway) : undefined,
    ipRange: kept.subnet ? optional(kept.ipRange) : undefined,
    mtu: kept.mtu ? Number(kept.mtu) : undefined,
    labels: api.parseLabels(splitCommaList(kept.labels ?? '')),
  };
  const created = await withProgress(
    vscode.l10n.t('Creating overlay network "{0}"…', options.name),
    (steps) => api.createOverlay(core.docker(), manager, members, options, steps),
    {
      cancellable: true,
    },
  );
  await ctx.refresher.refresh();
  const clusterId = ctx.state.statuses.get(via)?.swarm.clusterId ?? '';
  void revealNetwork(ctx, `swarm/${clusterId}/network/${created.id}`);
  const subnets = created.subnets.map((s) => s.subnet).join(', ');
  void vscode.window.showInformationMessage(
    subnets
      ? vscode.l10n.t('Created overlay network "{0}" ({1}).', created.name, subnets)
      : vscode.l10n.t('Created overlay network "{0}" (subnet from the pool).', created.name),
  );
}

async function revealNetwork({ networks }: CommandContext, id: string): Promise<void> {
  // Walk the tree once so the provider knows the item and its parents, then reveal it.
  for (const root of await networks.tree.getChildren()) {
    const hit = (await networks.tree.getChildren(root)).find((k) => k.id === id);
    if (hit) {
      await networks.view.reveal(hit, { select: true, focus: false, expand: false });
      return;
    }
  }
}

export async function removeNetworkCommand(ctx: CommandContext, arg?: NetworkItem): Promise<void> {
  const { core } = ctx;
  const target = await pickNetwork(core, ctx.state, arg, vscode.l10n.t('Remove which network?'));
  await confirm(
    vscode.l10n.t('Remove network "{0}"?', target.name),
    vscode.l10n.t('It is refused while any container or service still uses the network.'),
    vscode.l10n.t('Remove'),
  );
  await withProgress(vscode.l10n.t('Removing "{0}"…', target.name), () =>
    core.api.removeOverlay(core.docker(), core.host(target.via), () => core.swarmHostNames(target.via), target.name),
  );
}

export async function inspectNetworkCommand(ctx: CommandContext, arg?: NetworkItem): Promise<void> {
  const target = await pickNetwork(ctx.core, ctx.state, arg, vscode.l10n.t('Inspect which network?'));
  await ctx.documents.show(ReadOnlyDocuments.uri(target.via, vscode.l10n.t('Network {0}', target.name), 'json'), async () =>
    JSON.stringify(await ctx.core.api.inspectNetwork(ctx.core.host(target.via), target.name), null, 2),
  );
}

export async function checkPortsCommand(ctx: CommandContext, arg?: SwarmArg): Promise<void> {
  const { core } = ctx;
  const { api } = core;
  const via = await pickSwarm(ctx.state, arg, vscode.l10n.t('Check the firewall of which swarm?'));
  let checks: Awaited<ReturnType<typeof api.checkPorts>> = [];
  // Refresh from the document's title bar checks again (without the notification).
  const read = async () => {
    checks = await api.checkPorts(core.docker(), await api.swarmHosts(core.docker(), core.host(via)));
    return [
      `# ${vscode.l10n.t('Firewall prerequisites of the swarm of {0}', via)}`,
      '',
      `| ${[vscode.l10n.t('from'), vscode.l10n.t('to'), vscode.l10n.t('port'), vscode.l10n.t('purpose'), vscode.l10n.t('result')].join(' | ')} |`,
      '|---|---|---|---|---|',
      ...checks.map(
        (c) =>
          `| ${c.from} | ${c.to} (${c.address}) | ${c.port}/${c.protocol} | ${c.purpose} | ${c.ok ? vscode.l10n.t('ok') : `**${vscode.l10n.t('blocked')}**: ${c.reason}`} |`,
      ),
      '',
      api.UDP_NOTE,
    ].join('\n');
  };
  await withProgress(vscode.l10n.t('Checking 2377/tcp and 7946/tcp between the swarm hosts…'), () =>
    ctx.documents.show(ReadOnlyDocuments.uri(via, vscode.l10n.t('Firewall ports'), 'md'), read),
  );
  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    const f = failed[0]!;
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0} of {1} port checks failed, e.g. {2} → {3}:{4}/tcp.', failed.length, checks.length, f.from, f.to, f.port),
    );
  } else {
    void vscode.window.showInformationMessage(`${vscode.l10n.t('All {0} TCP port checks passed.', checks.length)} ${api.UDP_NOTE}`);
  }
}
