// Network commands: Create Overlay Network (a short multi-step input, every option checked before
// Docker is called), Remove Network (modal; refused while in use), Inspect, Check Firewall Ports.
import * as vscode from 'vscode';
import type { OverlayOptions } from '../../../core/networks/createOptions';
import { splitCommaList } from '../../../shared/lists';
import type { CommandContext } from '../CommandContext';
import { type SwarmArg, pickNetwork, pickSwarm } from '../pickers';
import { confirm, input, pickMany, withProgress } from '../../platform/ui';
import type { NetworkItem } from '../../tree/NetworksTreeProvider';
import { ReadOnlyDocuments } from '../../platform/ReadOnlyDocuments';

export async function createOverlayNetworkCommand(ctx: CommandContext, arg?: SwarmArg): Promise<void> {
  const { core } = ctx;
  const { api } = core;
  const via = await pickSwarm(ctx.state, arg, 'Create overlay network on which swarm?');
  const manager = core.host(via);
  const { members, existing, used } = await withProgress(`Reading the networks of the swarm of ${via}…`, async () => {
    const members = await core.swarmHostNames(via);
    const [existing, used] = await Promise.all([api.listNetworks(manager), api.usedRanges(core.docker(), manager, members)]);
    return { members, existing: existing.map((n) => n.name), used };
  });
  const t = (step: number) => `Create Overlay Network (${step}/4)`;
  const name = await input({ title: t(1), prompt: 'Network name', validate: (v) => api.nameProblem(v, existing) });
  const flags = await pickMany(
    [
      { label: 'attachable', picked: true, description: 'standalone containers may join (needed by the connectivity matrix)' },
      { label: 'encrypted', picked: false, description: 'IPsec between nodes: costs CPU and throughput; not supported on Windows hosts' },
      { label: 'internal', picked: false, description: 'no route to the outside world' },
    ],
    { title: t(2), placeHolder: 'Options (space toggles, Enter confirms)', allowNone: true },
  );
  const has = (l: string) => flags.some((f) => f.label === l);
  const optional = (text: string) => text || undefined;
  const subnet = optional(
    await input({
      title: t(3),
      prompt: 'Subnet (CIDR), empty to take one from the swarm pool',
      validate: (v) => (v ? api.subnetProblem(v, used) : undefined),
    }),
  );
  let gateway: string | undefined;
  let ipRange: string | undefined;
  if (subnet) {
    const cidr = api.parseCidr(subnet);
    gateway = optional(
      await input({
        title: t(3),
        prompt: `Gateway inside ${subnet}, empty for the first address`,
        validate: (v) => (v ? api.gatewayProblem(v, cidr) : undefined),
      }),
    );
    ipRange = optional(
      await input({
        title: t(3),
        prompt: `IP range for containers inside ${subnet} (CIDR), empty for all of it`,
        validate: (v) => (v ? api.ipRangeProblem(v, cidr) : undefined),
      }),
    );
  }
  const mtuText = await input({
    title: t(4),
    prompt: 'MTU, empty for the default',
    validate: (v) => (v ? api.mtuProblem(/^\d+$/.test(v) ? Number(v) : NaN) : undefined),
  });
  const labelText = await input({
    title: t(4),
    prompt: 'Labels as k=v, separated by commas; empty for none',
    validate: (v) => {
      try {
        api.parseLabels(splitCommaList(v));
        return undefined;
      } catch (err) {
        return api.userMessage(err);
      }
    },
  });
  const options: OverlayOptions = {
    name,
    attachable: has('attachable'),
    encrypted: has('encrypted'),
    internal: has('internal'),
    subnet,
    gateway,
    ipRange,
    mtu: mtuText ? Number(mtuText) : undefined,
    labels: api.parseLabels(splitCommaList(labelText)),
  };
  const created = await withProgress(
    `Creating overlay network "${name}"…`,
    (steps) => api.createOverlay(core.docker(), manager, members, options, steps),
    {
      cancellable: true,
    },
  );
  await ctx.refresher.refresh();
  const clusterId = ctx.state.statuses.get(via)?.swarm.clusterId ?? '';
  void revealNetwork(ctx, `swarm/${clusterId}/network/${created.id}`);
  void vscode.window.showInformationMessage(
    `Created overlay network "${created.name}" (${created.subnets.map((s) => s.subnet).join(', ') || 'subnet from the pool'}).`,
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
  const target = await pickNetwork(core, ctx.state, arg, 'Remove which network?');
  await confirm(`Remove network "${target.name}"?`, 'It is refused while any container or service still uses the network.', 'Remove');
  await withProgress(`Removing "${target.name}"…`, () =>
    core.api.removeOverlay(core.docker(), core.host(target.via), () => core.swarmHostNames(target.via), target.name),
  );
}

export async function inspectNetworkCommand(ctx: CommandContext, arg?: NetworkItem): Promise<void> {
  const target = await pickNetwork(ctx.core, ctx.state, arg, 'Inspect which network?');
  await ctx.documents.show(ReadOnlyDocuments.uri(target.via, `Network ${target.name}`, 'json'), async () =>
    JSON.stringify(await ctx.core.api.inspectNetwork(ctx.core.host(target.via), target.name), null, 2),
  );
}

export async function checkPortsCommand(ctx: CommandContext, arg?: SwarmArg): Promise<void> {
  const { core } = ctx;
  const { api } = core;
  const via = await pickSwarm(ctx.state, arg, 'Check the firewall of which swarm?');
  let checks: Awaited<ReturnType<typeof api.checkPorts>> = [];
  // Refresh from the document's title bar checks again (without the notification).
  const read = async () => {
    checks = await api.checkPorts(core.docker(), await api.swarmHosts(core.docker(), core.host(via)));
    return [
      `# Firewall prerequisites of the swarm of ${via}`,
      '',
      '| from | to | port | purpose | result |',
      '|---|---|---|---|---|',
      ...checks.map(
        (c) =>
          `| ${c.from} | ${c.to} (${c.address}) | ${c.port}/${c.protocol} | ${c.purpose} | ${c.ok ? 'ok' : `**blocked**: ${c.reason}`} |`,
      ),
      '',
      api.UDP_NOTE,
    ].join('\n');
  };
  await withProgress('Checking 2377/tcp and 7946/tcp between the swarm hosts…', () =>
    ctx.documents.show(ReadOnlyDocuments.uri(via, 'Firewall ports', 'md'), read),
  );
  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    const f = failed[0]!;
    void vscode.window.showWarningMessage(
      `${failed.length} of ${checks.length} port checks failed, e.g. ${f.from} → ${f.to}:${f.port}/tcp.`,
    );
  } else {
    void vscode.window.showInformationMessage(`All ${checks.length} TCP port checks passed. ${api.UDP_NOTE}`);
  }
}
