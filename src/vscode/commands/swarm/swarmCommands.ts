// Swarm commands: init, join as worker/manager, leave, node role/availability/labels/removal,
// join command (masked, copyable) and token rotation. Each: pick what is missing, confirm what is
// destructive, show progress, refresh the views.
import * as vscode from 'vscode';
import { Cancelled } from '../../../core/errors';
import type { NodeAvailability } from '../../../core/model';
import type { ClusterState } from '../../ClusterState';
import type { CoreService } from '../../platform/CoreService';
import type { HostNode } from '../../tree/HostsTreeProvider';
import type { NodeItem, StandaloneItem } from '../../tree/SwarmTreeProvider';
import { pickHost, pickNode } from '../pickers';
import { withCancellableProgress } from '../../platform/progress';

export type HostArg = HostNode | StandaloneItem | NodeItem | undefined;
export type NodeArg = NodeItem | undefined;

export interface SwarmCommandDeps {
  core: CoreService;
  state: ClusterState;
}

function progress<T>(title: string, task: () => Promise<T>): Promise<T> {
  return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, task));
}

async function confirm(message: string, detail: string, action: string): Promise<void> {
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
  if (choice !== action) throw new Cancelled();
}

function hostOf(arg: HostArg): string | undefined {
  return arg?.hostName;
}

export async function initSwarmCommand({ core, state }: SwarmCommandDeps, arg?: HostArg): Promise<void> {
  const name = hostOf(arg) ?? (await pickHost(state, 'Initialize swarm on…', (s) => s.swarm.state === 'inactive', 'Every reachable host is in a swarm already.'));
  const api = core.module();
  const host = core.get().hosts.get(name);
  const addresses = await progress(`Reading the interfaces of ${name}…`, () => api.hostAddresses(host.ssh));
  const bridge = /^(docker0|docker_gwbridge|br-|veth|virbr)/;
  const addr = await vscode.window.showQuickPick(
    [...addresses]
      .sort((a, b) => Number(bridge.test(a.interface)) - Number(bridge.test(b.interface)))
      .map((a) => ({ label: a.address, description: `${a.interface} /${a.prefix}`, detail: bridge.test(a.interface) ? 'a container bridge: other hosts cannot reach it' : undefined })),
    { title: `Initialize swarm on ${name} (1/2): advertise address`, placeHolder: 'The address other hosts reach this manager at', ignoreFocusOut: true },
  );
  if (!addr) throw new Cancelled();
  const how = await vscode.window.showQuickPick(
    [
      { label: 'Initialize', description: 'data-path port 4789, default address pool 10.0.0.0/8' },
      { label: 'Set options…', description: 'data-path port, default address pool' },
    ],
    { title: `Initialize swarm on ${name} (2/2)`, ignoreFocusOut: true },
  );
  if (!how) throw new Cancelled();
  let dataPathPort: number | undefined;
  let defaultAddrPool: string[] | undefined;
  if (how.label !== 'Initialize') {
    const port = await vscode.window.showInputBox({
      title: 'Data-path port (VXLAN)',
      prompt: 'Leave empty for 4789',
      ignoreFocusOut: true,
      validateInput: (v) => (v === '' || (/^\d+$/.test(v) && +v >= 1024 && +v <= 49151) ? undefined : 'A port from 1024 to 49151.'),
    });
    if (port === undefined) throw new Cancelled();
    dataPathPort = port ? Number(port) : undefined;
    const pool = await vscode.window.showInputBox({
      title: 'Default address pool',
      prompt: 'CIDRs for overlay subnets, separated by commas; empty for 10.0.0.0/8',
      ignoreFocusOut: true,
    });
    if (pool === undefined) throw new Cancelled();
    defaultAddrPool = pool.split(',').map((p) => p.trim()).filter(Boolean);
  }
  try {
    await withCancellableProgress(`Initializing a swarm on ${name}…`, (steps) => api.initSwarm(host, { advertiseAddr: addr.label, dataPathPort, defaultAddrPool }, steps));
  } finally {
    await state.refresh();
  }
  void vscode.window.showInformationMessage(`${name} is now the manager of a new swarm, advertising ${addr.label}.`);
}

export async function joinSwarmCommand({ core, state }: SwarmCommandDeps, role: 'worker' | 'manager', arg?: HostArg): Promise<void> {
  const name = hostOf(arg) ?? (await pickHost(state, `Join a swarm as ${role}: which host?`, (s) => s.swarm.state === 'inactive', 'Every reachable host is in a swarm already.'));
  const status = state.statuses.get(name);
  if (status?.swarm.state === 'active') throw new Error(`${name} is already in a swarm; it must leave it first.`);
  const managers = [...state.statuses.values()].filter((s) => s.reachable && s.swarm.isManager && s.name !== name);
  if (managers.length === 0) {
    void vscode.window.showInformationMessage('No configured host is a swarm manager: initialize a swarm first.');
    throw new Cancelled();
  }
  const api = core.module();
  let manager = managers[0]!.name;
  if (managers.length > 1) {
    const pick = await vscode.window.showQuickPick(
      managers.map((m) => ({ label: m.name, description: `swarm ${m.swarm.clusterId?.slice(0, 12) ?? ''}` })),
      { title: `Join ${name} as ${role}: through which manager?`, ignoreFocusOut: true },
    );
    if (!pick) throw new Cancelled();
    manager = pick.label;
  }
  const hosts = core.get().hosts;
  let plan;
  try {
    plan = await withCancellableProgress(`Joining ${name} to the swarm of ${manager} as ${role}…`, (steps) =>
      api.joinSwarm(hosts.get(name), hosts.get(manager), role, core.get().redactor, steps),
    );
  } finally {
    await state.refresh();
  }
  void vscode.window.showInformationMessage(`${name} joined the swarm of ${manager} as ${role}, advertising ${plan.advertiseAddr}.`);
}

export async function leaveSwarmCommand({ core, state }: SwarmCommandDeps, arg?: HostArg): Promise<void> {
  const name = hostOf(arg) ?? (await pickHost(state, 'Leave the swarm: which host?', (s) => s.swarm.state !== 'inactive', 'No reachable host is in a swarm.'));
  const api = core.module();
  const host = core.get().hosts.get(name);
  const impact = await api.leaveImpact(host);
  if (impact.blocked) {
    await confirm(`Force ${name} to leave the swarm?`, impact.warnings.join('\n\n'), 'Force Leave');
  } else {
    await confirm(`Make ${name} leave the swarm?`, 'Its tasks move to other nodes. The node stays listed as down until it is removed.', 'Leave');
  }
  try {
    await withCancellableProgress(`${name} is leaving the swarm…`, (steps) => api.leaveSwarm(host, impact.blocked, steps));
  } finally {
    await state.refresh();
  }
}

async function nodeTarget(deps: SwarmCommandDeps, arg: NodeItem | undefined, title: string, filter: Parameters<typeof pickNode>[2]) {
  if (arg?.node) return { node: arg.node, via: arg.via };
  return pickNode(deps.state, title, filter);
}

export async function setRoleCommand(deps: SwarmCommandDeps, role: 'manager' | 'worker', arg?: NodeItem): Promise<void> {
  const verb = role === 'manager' ? 'Promote' : 'Demote';
  const { node, via } = await nodeTarget(deps, arg, `${verb} which node?`, (n) => n.role !== role);
  const api = deps.core.module();
  const hosts = deps.core.get().hosts;
  const nodes = await api.listNodes(hosts.get(via));
  const warnings = api.roleChangeWarnings(nodes, api.findNode(nodes, node.id), role);
  if (warnings.length) await confirm(`${verb} ${node.hostname}?`, warnings.join('\n\n'), verb);
  await progress(`${verb === 'Promote' ? 'Promoting' : 'Demoting'} ${node.hostname}…`, () => api.changeNode(hosts.get(via), node.id, { kind: 'role', role }));
  await deps.state.refresh();
}

export async function setAvailabilityCommand(deps: SwarmCommandDeps, availability: NodeAvailability, arg?: NodeItem): Promise<void> {
  const { node, via } = await nodeTarget(deps, arg, `Set ${availability}: which node?`, (n) => n.availability !== availability);
  if (availability === 'drain') {
    await confirm(`Drain ${node.hostname}?`, 'Its service tasks stop here and are rescheduled on other nodes; no new tasks are placed on it.', 'Drain');
  }
  const api = deps.core.module();
  await progress(`Setting ${node.hostname} to ${availability}…`, () => api.changeNode(deps.core.get().hosts.get(via), node.id, { kind: 'availability', availability }));
  await deps.state.refresh();
}

export async function addLabelCommand(deps: SwarmCommandDeps, arg?: NodeItem): Promise<void> {
  const { node, via } = await nodeTarget(deps, arg, 'Add a label to which node?', () => true);
  const api = deps.core.module();
  const text = await vscode.window.showInputBox({
    title: `Add label to ${node.hostname}`,
    prompt: 'key=value',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        api.parseLabels([v]);
        return v.includes('=') ? undefined : 'Write key=value.';
      } catch (err) {
        return api.userMessage(err);
      }
    },
  });
  if (!text) throw new Cancelled();
  await progress(`Labelling ${node.hostname}…`, () => api.changeNode(deps.core.get().hosts.get(via), node.id, { kind: 'labels', add: api.parseLabels([text]) }));
  await deps.state.refresh();
}

export async function removeLabelCommand(deps: SwarmCommandDeps, arg?: NodeItem): Promise<void> {
  const { node, via } = await nodeTarget(deps, arg, 'Remove a label from which node?', (n) => Object.keys(n.labels).length > 0);
  const keys = Object.entries(node.labels);
  if (keys.length === 0) {
    void vscode.window.showInformationMessage(`${node.hostname} has no labels.`);
    return;
  }
  const pick = await vscode.window.showQuickPick(keys.map(([k, v]) => ({ label: k, description: v })), {
    title: `Remove label from ${node.hostname}`,
    canPickMany: true,
  });
  if (!pick?.length) throw new Cancelled();
  const api = deps.core.module();
  await progress(`Removing labels from ${node.hostname}…`, () =>
    api.changeNode(deps.core.get().hosts.get(via), node.id, { kind: 'labels', remove: pick.map((p) => p.label) }),
  );
  await deps.state.refresh();
}

export async function removeNodeCommand(deps: SwarmCommandDeps, arg?: NodeItem): Promise<void> {
  const { node, via } = await nodeTarget(deps, arg, 'Remove which down node?', (n) => n.status === 'down');
  await confirm(`Remove ${node.hostname} from the swarm?`, `The node is ${node.status}. It is taken off the swarm's node list; if it comes back it must join again.`, 'Remove Node');
  const api = deps.core.module();
  await progress(`Removing ${node.hostname}…`, () => api.removeNode(deps.core.get().hosts.get(via), node.id));
  await deps.state.refresh();
}

async function managerFor(deps: SwarmCommandDeps, arg: HostArg | NodeItem | undefined): Promise<string> {
  if (arg && 'via' in arg && arg.via) return arg.via;
  const name = arg?.hostName;
  if (name && deps.state.statuses.get(name)?.swarm.isManager) return name;
  return pickHost(deps.state, 'Which swarm manager?', (s) => s.swarm.isManager, 'No configured host is a swarm manager.');
}

export async function showJoinCommand(deps: SwarmCommandDeps, arg?: HostArg): Promise<void> {
  const via = await managerFor(deps, arg);
  const api = deps.core.module();
  const core = deps.core.get();
  const host = core.hosts.get(via);
  const tokens = await progress(`Reading join tokens from ${via}…`, () => api.joinTokens(host, core.redactor));
  const info = (await host.call('read its swarm address', (d) => d.info())) as { Swarm?: { NodeAddr?: string } };
  const addr = `${info.Swarm?.NodeAddr ?? host.ssh.endpoint.hostName}:2377`;
  const revealed = new Set<string>();
  const reveal = { iconPath: new vscode.ThemeIcon('eye'), tooltip: 'Reveal token' };
  const copy = { iconPath: new vscode.ThemeIcon('copy'), tooltip: 'Copy join command' };
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { role: 'worker' | 'manager' }>();
  const render = () => {
    qp.items = (['worker', 'manager'] as const).map((role) => {
      const token = tokens[role];
      return {
        role,
        label: `$(person) Join as ${role}`,
        description: `docker swarm join --token ${revealed.has(role) ? token : api.maskToken(token)} ${addr}`,
        buttons: [reveal, copy],
      };
    });
  };
  render();
  qp.title = `Join commands of the swarm managed by ${via}`;
  qp.placeholder = 'The token is hidden until revealed; the copy button copies the full command';
  qp.onDidTriggerItemButton(async (e) => {
    if (e.button === reveal) {
      revealed.add(e.item.role);
      render();
    } else {
      await vscode.env.clipboard.writeText(`docker swarm join --token ${tokens[e.item.role]} ${addr}`);
      void vscode.window.showInformationMessage(`The ${e.item.role} join command is on the clipboard.`);
    }
  });
  qp.onDidAccept(async () => {
    const item = qp.selectedItems[0];
    if (item) await vscode.env.clipboard.writeText(`docker swarm join --token ${tokens[item.role]} ${addr}`);
    qp.hide();
  });
  qp.onDidHide(() => qp.dispose());
  qp.show();
}

export async function rotateTokenCommand(deps: SwarmCommandDeps, arg?: HostArg): Promise<void> {
  const via = await managerFor(deps, arg);
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'worker', description: 'Nodes joining as workers need the new token' },
      { label: 'manager', description: 'Nodes joining as managers need the new token' },
    ],
    { title: 'Rotate which join token?' },
  );
  if (!pick) throw new Cancelled();
  await confirm(`Rotate the ${pick.label} join token?`, 'The current token stops working at once; nodes already in the swarm are not affected.', 'Rotate');
  const api = deps.core.module();
  await progress(`Rotating the ${pick.label} token…`, () => api.rotateToken(deps.core.get().hosts.get(via), pick.label as 'worker' | 'manager'));
  void vscode.window.showInformationMessage(`The ${pick.label} join token was rotated.`);
}
