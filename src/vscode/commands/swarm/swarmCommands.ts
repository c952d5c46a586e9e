// Swarm commands: init, join as worker/manager, leave, node role/availability/labels/removal,
// join command (masked, copyable) and token rotation. Each: pick what is missing, confirm what is
// destructive, show progress; the views refresh after it (registered in registerCommands).
import * as vscode from 'vscode';
import type { NodeAvailability } from '../../../core/model';
import type { CommandContext } from '../CommandContext';
import type { HostNode } from '../../tree/HostsTreeProvider';
import type { NodeItem, StandaloneItem } from '../../tree/SwarmTreeProvider';
import { pickHost, pickManagerHost, pickNode } from '../pickers';
import { splitCommaList } from '../../../shared/lists';
import { type WizardStep, confirm, input, nothingToDo, pick, pickMany, withProgress, wizard } from '../../platform/ui';

export type HostArg = HostNode | StandaloneItem | NodeItem | undefined;
export type NodeArg = NodeItem | undefined;

const CONTAINER_BRIDGE = /^(docker0|docker_gwbridge|br-|veth|virbr)/;

export async function initSwarmCommand({ core, state }: CommandContext, arg?: HostArg): Promise<void> {
  const name =
    arg?.hostName ??
    (await pickHost(state, 'Initialize swarm on…', (s) => s.swarm.state === 'inactive', 'Every reachable host is in a swarm already.'));
  const { api } = core;
  const host = core.host(name);
  const addresses = await withProgress(`Reading the interfaces of ${name}…`, () => api.hostAddresses(host.ssh));
  const choices = [...addresses]
    .sort((a, b) => Number(CONTAINER_BRIDGE.test(a.interface)) - Number(CONTAINER_BRIDGE.test(b.interface)))
    .map((a) => ({
      label: a.address,
      description: `${a.interface} /${a.prefix}`,
      detail: CONTAINER_BRIDGE.test(a.interface) ? 'a container bridge: other hosts cannot reach it' : undefined,
    }));
  // The answers, kept when the user goes Back.
  const kept: { addr?: string; how?: string; port?: string; pool?: string } = {};
  const DEFAULTS = 'Initialize';
  const advertise: WizardStep = async (flow) => {
    kept.addr = (
      await flow.pick(choices, { placeHolder: 'Advertise address: the address other hosts reach this manager at', active: kept.addr })
    ).label;
    return how;
  };
  const how: WizardStep = async (flow) => {
    kept.how = (
      await flow.pick(
        [
          { label: DEFAULTS, description: 'data-path port 4789, default address pool 10.0.0.0/8' },
          { label: 'Set options…', description: 'data-path port, default address pool' },
        ],
        { active: kept.how },
      )
    ).label;
    return kept.how === DEFAULTS ? undefined : port;
  };
  const port: WizardStep = async (flow) => {
    kept.port = await flow.input({
      prompt: 'Data-path port (VXLAN); empty for 4789',
      value: kept.port,
      validate: (v) => (v === '' ? undefined : api.dataPathPortProblem(/^\d+$/.test(v) ? Number(v) : NaN)),
    });
    return pool;
  };
  const pool: WizardStep = async (flow) => {
    kept.pool = await flow.input({
      prompt: 'Default address pool: CIDRs for overlay subnets, separated by commas; empty for 10.0.0.0/8',
      value: kept.pool,
      validate: (v) => splitCommaList(v).map(api.addressPoolProblem).find(Boolean),
    });
    return undefined;
  };
  // Two steps with the defaults, four when setting the options.
  await wizard(`Initialize swarm on ${name}`, () => (kept.how && kept.how !== DEFAULTS ? 4 : 2), advertise);
  const withOptions = kept.how !== DEFAULTS;
  const dataPathPort = withOptions && kept.port ? Number(kept.port) : undefined;
  const defaultAddrPool = withOptions ? splitCommaList(kept.pool ?? '') : undefined;
  const advertiseAddr = kept.addr!;
  await withProgress(
    `Initializing a swarm on ${name}…`,
    (steps) => api.initSwarm(host, { advertiseAddr, dataPathPort, defaultAddrPool }, steps),
    { cancellable: true },
  );
  void vscode.window.showInformationMessage(`${name} is now the manager of a new swarm, advertising ${advertiseAddr}.`);
}

export async function joinSwarmCommand({ core, state }: CommandContext, role: 'worker' | 'manager', arg?: HostArg): Promise<void> {
  const name =
    arg?.hostName ??
    (await pickHost(
      state,
      `Join a swarm as ${role}: which host?`,
      (s) => s.swarm.state === 'inactive',
      'Every reachable host is in a swarm already.',
    ));
  const status = state.statuses.get(name);
  if (status?.swarm.state === 'active') throw new Error(`${name} is already in a swarm; it must leave it first.`);
  const managers = [...state.statuses.values()].filter((s) => s.reachable && s.swarm.isManager && s.name !== name);
  if (managers.length === 0) nothingToDo('No configured host is a swarm manager: initialize a swarm first.');
  const manager =
    managers.length === 1
      ? managers[0]!.name
      : (
          await pick(
            managers.map((m) => ({ label: m.name, description: `swarm ${m.swarm.clusterId?.slice(0, 12) ?? ''}` })),
            { title: `Join ${name} as ${role}: through which manager?` },
          )
        ).label;
  const plan = await withProgress(
    `Joining ${name} to the swarm of ${manager} as ${role}…`,
    (steps) => core.api.joinSwarm(core.host(name), core.host(manager), role, core.redactor, steps),
    { cancellable: true },
  );
  void vscode.window.showInformationMessage(`${name} joined the swarm of ${manager} as ${role}, advertising ${plan.advertiseAddr}.`);
}

export async function leaveSwarmCommand({ core, state }: CommandContext, arg?: HostArg): Promise<void> {
  const name =
    arg?.hostName ??
    (await pickHost(state, 'Leave the swarm: which host?', (s) => s.swarm.state !== 'inactive', 'No reachable host is in a swarm.'));
  const host = core.host(name);
  const impact = await core.api.leaveImpact(host);
  if (impact.blocked) {
    await confirm(`Force ${name} to leave the swarm?`, impact.warnings.join('\n\n'), 'Force Leave');
  } else {
    await confirm(
      `Make ${name} leave the swarm?`,
      'Its tasks move to other nodes. The node stays listed as down until it is removed.',
      'Leave',
    );
  }
  await withProgress(`${name} is leaving the swarm…`, (steps) => core.api.leaveSwarm(host, impact.blocked, steps), { cancellable: true });
}

async function nodeTarget(ctx: CommandContext, arg: NodeArg, title: string, filter: Parameters<typeof pickNode>[2]) {
  if (arg?.node) return { node: arg.node, via: arg.via };
  return pickNode(ctx.state, title, filter);
}

export async function setRoleCommand(ctx: CommandContext, role: 'manager' | 'worker', arg?: NodeArg): Promise<void> {
  const verb = role === 'manager' ? 'Promote' : 'Demote';
  const { node, via } = await nodeTarget(ctx, arg, `${verb} which node?`, (n) => n.role !== role);
  const { api } = ctx.core;
  const manager = ctx.core.host(via);
  const nodes = await api.listNodes(manager);
  const warnings = api.roleChangeWarnings(nodes, api.findNode(nodes, node.id), role);
  if (warnings.length) await confirm(`${verb} ${node.hostname}?`, warnings.join('\n\n'), verb);
  await withProgress(`${verb === 'Promote' ? 'Promoting' : 'Demoting'} ${node.hostname}…`, () =>
    api.changeNode(manager, node.id, { kind: 'role', role }),
  );
}

export async function setAvailabilityCommand(ctx: CommandContext, availability: NodeAvailability, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(ctx, arg, `Set ${availability}: which node?`, (n) => n.availability !== availability);
  if (availability === 'drain') {
    await confirm(
      `Drain ${node.hostname}?`,
      'Its service tasks stop here and are rescheduled on other nodes; no new tasks are placed on it.',
      'Drain',
    );
  }
  await withProgress(`Setting ${node.hostname} to ${availability}…`, () =>
    ctx.core.api.changeNode(ctx.core.host(via), node.id, { kind: 'availability', availability }),
  );
}

export async function addLabelCommand(ctx: CommandContext, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(ctx, arg, 'Add a label to which node?', () => true);
  const { api } = ctx.core;
  const text = await input({
    title: `Add label to ${node.hostname}`,
    prompt: 'key=value',
    validate: (v) => {
      try {
        api.parseLabels([v]);
        return v.includes('=') ? undefined : 'Write key=value.';
      } catch (err) {
        return api.userMessage(err);
      }
    },
  });
  await withProgress(`Labelling ${node.hostname}…`, () =>
    api.changeNode(ctx.core.host(via), node.id, { kind: 'labels', add: api.parseLabels([text]) }),
  );
}

export async function removeLabelCommand(ctx: CommandContext, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(ctx, arg, 'Remove a label from which node?', (n) => Object.keys(n.labels).length > 0);
  const labels = Object.entries(node.labels);
  if (labels.length === 0) nothingToDo(`${node.hostname} has no labels.`);
  const picked = await pickMany(
    labels.map(([k, v]) => ({ label: k, description: v })),
    { title: `Remove label from ${node.hostname}` },
  );
  await withProgress(`Removing labels from ${node.hostname}…`, () =>
    ctx.core.api.changeNode(ctx.core.host(via), node.id, { kind: 'labels', remove: picked.map((p) => p.label) }),
  );
}

export async function removeNodeCommand(ctx: CommandContext, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(ctx, arg, 'Remove which down node?', (n) => n.status === 'down');
  await confirm(
    `Remove ${node.hostname} from the swarm?`,
    `The node is ${node.status}. It is taken off the swarm's node list; if it comes back it must join again.`,
    'Remove Node',
  );
  await withProgress(`Removing ${node.hostname}…`, () => ctx.core.api.removeNode(ctx.core.host(via), node.id));
}

export async function showJoinCommand(ctx: CommandContext, arg?: HostArg): Promise<void> {
  const via = await pickManagerHost(ctx.state, arg);
  const { api } = ctx.core;
  const host = ctx.core.host(via);
  const { tokens, addr } = await withProgress(`Reading join tokens from ${via}…`, async () => ({
    tokens: await api.joinTokens(host, ctx.core.redactor),
    addr: await api.swarmJoinAddress(host),
  }));
  const command = (token: string) => `docker swarm join --token ${token} ${addr}`;
  const revealed = new Set<string>();
  const reveal = { iconPath: new vscode.ThemeIcon('eye'), tooltip: 'Reveal token' };
  const copy = { iconPath: new vscode.ThemeIcon('copy'), tooltip: 'Copy join command' };
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { role: 'worker' | 'manager' }>();
  const render = () => {
    qp.items = (['worker', 'manager'] as const).map((role) => ({
      role,
      label: `$(person) Join as ${role}`,
      description: command(revealed.has(role) ? tokens[role] : api.maskToken(tokens[role])),
      buttons: [reveal, copy],
    }));
  };
  render();
  qp.title = `Join commands of the swarm managed by ${via}`;
  qp.placeholder = 'The token is hidden until revealed; the copy button copies the full command';
  qp.onDidTriggerItemButton(async (e) => {
    if (e.button === reveal) {
      revealed.add(e.item.role);
      render();
    } else {
      await vscode.env.clipboard.writeText(command(tokens[e.item.role]));
      void vscode.window.showInformationMessage(`The ${e.item.role} join command is on the clipboard.`);
    }
  });
  qp.onDidAccept(async () => {
    const item = qp.selectedItems[0];
    if (item) await vscode.env.clipboard.writeText(command(tokens[item.role]));
    qp.hide();
  });
  qp.onDidHide(() => qp.dispose());
  qp.show();
}

export async function rotateTokenCommand(ctx: CommandContext, arg?: HostArg): Promise<void> {
  const via = await pickManagerHost(ctx.state, arg);
  const { label: which } = await pick(
    [
      { label: 'worker' as const, description: 'Nodes joining as workers need the new token' },
      { label: 'manager' as const, description: 'Nodes joining as managers need the new token' },
    ],
    { title: 'Rotate which join token?' },
  );
  await confirm(
    `Rotate the ${which} join token?`,
    'The current token stops working at once; nodes already in the swarm are not affected.',
    'Rotate',
  );
  await withProgress(`Rotating the ${which} token…`, () => ctx.core.api.rotateToken(ctx.core.host(via), which));
  void vscode.window.showInformationMessage(`The ${which} join token was rotated.`);
}
