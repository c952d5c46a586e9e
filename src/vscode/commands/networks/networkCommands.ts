// Network commands: Create Overlay Network (a short multi-step input, every option checked before
// Docker is called), Remove Network (modal; refused while in use), Inspect, Check Firewall Ports.
import * as vscode from 'vscode';
import { withCancellableProgress } from '../../platform/progress';
import { Cancelled } from '../../../core/errors';
import type { OverlayOptions } from '../../../core/networks/createOptions';
import type { ClusterState } from '../../ClusterState';
import type { CoreService } from '../../platform/CoreService';
import type { NetworkItem, NetworksTreeProvider, ScopeItem } from '../../tree/NetworksTreeProvider';
import type { NodeItem, SwarmItem } from '../../tree/SwarmTreeProvider';

export interface NetworkCommandDeps {
  core: CoreService;
  state: ClusterState;
  tree: NetworksTreeProvider;
  view: vscode.TreeView<unknown>;
}

export type SwarmArg = SwarmItem | ScopeItem | NodeItem | undefined;

async function pickManager({ state }: NetworkCommandDeps, arg: SwarmArg, title: string): Promise<string> {
  if (arg && 'swarm' in arg && arg.swarm.via) return arg.swarm.via;
  if (arg && 'scope' in arg && arg.scope.kind === 'swarm') return arg.scope.via;
  if (arg && 'via' in arg && arg.via) return arg.via;
  if (!state.loaded) await state.refresh();
  const swarms = state.swarms.swarms.filter((s) => s.via);
  if (swarms.length === 0) {
    void vscode.window.showInformationMessage('No swarm among the configured hosts: initialize one first.');
    throw new Cancelled();
  }
  if (swarms.length === 1) return swarms[0]!.via!;
  const pick = await vscode.window.showQuickPick(
    swarms.map((s) => ({ label: `Swarm ${s.clusterId.slice(0, 12)}`, description: `via ${s.via}`, via: s.via! })),
    { title, ignoreFocusOut: true },
  );
  if (!pick) throw new Cancelled();
  return pick.via;
}

function ask(title: string, prompt: string, validate: (v: string) => string | undefined, value = ''): Promise<string> {
  return Promise.resolve(
    vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: (v) => validate(v.trim()) }),
  ).then((v) => {
    if (v === undefined) throw new Cancelled();
    return v.trim();
  });
}

export async function createOverlayNetworkCommand(deps: NetworkCommandDeps, arg?: SwarmArg): Promise<void> {
  const via = await pickManager(deps, arg, 'Create overlay network on which swarm?');
  const api = deps.core.module();
  const core = deps.core.get();
  const manager = core.hosts.get(via);
  const { members, existing, used } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Reading the networks of the swarm of ${via}…` },
    async () => {
      const members = await api.swarmHosts(core.hosts, manager);
      const names = members.map((m) => m.name);
      const [existing, used] = await Promise.all([api.listNetworks(manager), api.usedRanges(core.hosts, manager, names)]);
      return { members: names, existing: existing.map((n) => n.name), used };
    },
  );
  const t = (step: number) => `Create Overlay Network (${step}/4)`;
  const name = await ask(t(1), 'Network name', (v) => api.nameProblem(v, existing));
  const flags = await vscode.window.showQuickPick(
    [
      { label: 'attachable', picked: true, description: 'standalone containers may join (needed by the connectivity matrix)' },
      { label: 'encrypted', picked: false, description: 'IPsec between nodes: costs CPU and throughput; not supported on Windows hosts' },
      { label: 'internal', picked: false, description: 'no route to the outside world' },
    ],
    { title: t(2), placeHolder: 'Options (space toggles, Enter confirms)', canPickMany: true, ignoreFocusOut: true },
  );
  if (!flags) throw new Cancelled();
  const has = (l: string) => flags.some((f) => f.label === l);
  const subnetText = await ask(t(3), 'Subnet (CIDR), empty to take one from the swarm pool', (v) => (v ? api.subnetProblem(v, used) : undefined));
  const subnet = subnetText || undefined;
  let gateway: string | undefined;
  let ipRange: string | undefined;
  if (subnet) {
    const cidr = api.parseCidr(subnet);
    gateway = (await ask(t(3), `Gateway inside ${subnet}, empty for the first address`, (v) => (v ? api.gatewayProblem(v, cidr) : undefined))) || undefined;
    ipRange = (await ask(t(3), `IP range for containers inside ${subnet} (CIDR), empty for all of it`, (v) => (v ? api.ipRangeProblem(v, cidr) : undefined))) || undefined;
  }
  const mtuText = await ask(t(4), 'MTU, empty for the default', (v) => (v ? api.mtuProblem(/^\d+$/.test(v) ? Number(v) : NaN) : undefined));
  const labelText = await ask(t(4), 'Labels as k=v, separated by commas; empty for none', (v) => {
    try {
      api.parseLabels(splitLabels(v));
      return undefined;
    } catch (err) {
      return api.userMessage(err);
    }
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
    labels: api.parseLabels(splitLabels(labelText)),
  };
  const created = await withCancellableProgress(`Creating overlay network "${name}"…`, (steps) => api.createOverlay(core.hosts, manager, members, options, steps));
  deps.tree.refresh();
  const clusterId = deps.state.statuses.get(via)?.swarm.clusterId ?? '';
  void revealNetwork(deps, `swarm/${clusterId}/network/${created.id}`);
  void vscode.window.showInformationMessage(`Created overlay network "${created.name}" (${created.subnets.map((s) => s.subnet).join(', ') || 'subnet from the pool'}).`);
}

function splitLabels(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

async function revealNetwork(deps: NetworkCommandDeps, id: string): Promise<void> {
  // Walk the tree once so the provider knows the item and its parents, then reveal it.
  const roots = await deps.tree.getChildren();
  for (const root of roots) {
    const kids = await deps.tree.getChildren(root);
    const hit = kids.find((k) => k.id === id);
    if (hit) {
      await deps.view.reveal(hit, { select: true, focus: false, expand: false });
      return;
    }
  }
}

function networkScope(arg: NetworkItem | undefined): { via: string; name: string; swarm: boolean } | undefined {
  if (!arg) return undefined;
  const s = arg.scope;
  return { via: s.kind === 'swarm' ? s.via : s.host, name: arg.network.name, swarm: s.kind === 'swarm' };
}

async function pickNetwork(deps: NetworkCommandDeps, arg: NetworkItem | undefined, title: string) {
  const given = networkScope(arg);
  if (given) return given;
  const via = await pickManager(deps, undefined, title);
  const list = (await deps.core.module().listNetworks(deps.core.get().hosts.get(via))).filter((n) => n.scope === 'swarm' && !n.builtIn);
  const pick = await vscode.window.showQuickPick(list.map((n) => ({ label: n.name, description: n.subnets.map((s) => s.subnet).join(', ') })), { title });
  if (!pick) throw new Cancelled();
  return { via, name: pick.label, swarm: true };
}

export async function removeNetworkCommand(deps: NetworkCommandDeps, arg?: NetworkItem): Promise<void> {
  const target = await pickNetwork(deps, arg, 'Remove which network?');
  const choice = await vscode.window.showWarningMessage(
    `Remove network "${target.name}"?`,
    { modal: true, detail: 'It is refused while any container or service still uses the network.' },
    'Remove',
  );
  if (choice !== 'Remove') throw new Cancelled();
  const api = deps.core.module();
  const core = deps.core.get();
  const manager = core.hosts.get(target.via);
  const names = target.swarm ? (await api.swarmHosts(core.hosts, manager)).map((m) => m.name) : [target.via];
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Removing "${target.name}"…` }, () =>
    api.removeOverlay(core.hosts, manager, names, target.name),
  );
  deps.tree.refresh();
}

export async function inspectNetworkCommand(deps: NetworkCommandDeps, arg?: NetworkItem): Promise<void> {
  const target = await pickNetwork(deps, arg, 'Inspect which network?');
  const doc = await deps.core.module().inspectNetwork(deps.core.get().hosts.get(target.via), target.name);
  const text = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(doc, null, 2) });
  await vscode.window.showTextDocument(text, { preview: true });
}

export async function checkPortsCommand(deps: NetworkCommandDeps, arg?: SwarmArg): Promise<void> {
  const via = await pickManager(deps, arg, 'Check the firewall of which swarm?');
  const api = deps.core.module();
  const core = deps.core.get();
  const checks = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Checking 2377/tcp and 7946/tcp between the swarm hosts…' },
    async () => api.checkPorts(core.hosts, await api.swarmHosts(core.hosts, core.hosts.get(via))),
  );
  const failed = checks.filter((c) => !c.ok);
  const lines = [
    `# Firewall prerequisites of the swarm of ${via}`,
    '',
    '| from | to | port | purpose | result |',
    '|---|---|---|---|---|',
    ...checks.map((c) => `| ${c.from} | ${c.to} (${c.address}) | ${c.port}/${c.protocol} | ${c.purpose} | ${c.ok ? 'ok' : `**blocked**: ${c.reason}`} |`),
    '',
    api.UDP_NOTE,
  ];
  const text = await vscode.workspace.openTextDocument({ language: 'markdown', content: lines.join('\n') });
  await vscode.window.showTextDocument(text, { preview: true });
  if (failed.length) {
    void vscode.window.showWarningMessage(`${failed.length} of ${checks.length} port checks failed, e.g. ${failed[0]!.from} → ${failed[0]!.to}:${failed[0]!.port}/tcp.`);
  } else {
    void vscode.window.showInformationMessage(`All ${checks.length} TCP port checks passed. ${api.UDP_NOTE}`);
  }
}
