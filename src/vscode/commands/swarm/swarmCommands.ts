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
    (await pickHost(
      state,
      vscode.l10n.t('Initialize swarm on…'),
      (s) => s.swarm.state === 'inactive',
      vscode.l10n.t('Every reachable host is in a swarm already.'),
    ));
  const { api } = core;
  const host = core.host(name);
  const addresses = await withProgress(vscode.l10n.t('Reading the interfaces of {0}…', name), () => api.hostAddresses(host.ssh));
  const choices = [...addresses]
    .sort((a, b) => Number(CONTAINER_BRIDGE.test(a.interface)) - Number(CONTAINER_BRIDGE.test(b.interface)))
    .map((a) => ({
      label: a.address,
      description: `${a.interface} /${a.prefix}`,
      detail: CONTAINER_BRIDGE.test(a.interface) ? vscode.l10n.t('a container bridge: other hosts cannot reach it') : undefined,
    }));
  // The answers, kept when the user goes Back.
  const kept: { addr?: string; how?: string; port?: string; pool?: string } = {};
  const DEFAULTS = vscode.l10n.t('Initialize');
  const advertise: WizardStep = async (flow) => {
    kept.addr = (
      await flow.pick(choices, {
        placeHolder: vscode.l10n.t('Advertise address: the address other hosts reach this manager at'),
        active: kept.addr,
      })
    ).label;
    return how;
  };
  const how: WizardStep = async (flow) => {
    kept.how = (
      await flow.pick(
        [
          { label: DEFAULTS, description: vscode.l10n.t('data-path port 4789, default address pool 10.0.0.0/8') },
          { label: vscode.l10n.t('Set options…'), description: vscode.l10n.t('data-path port, default address pool') },
        ],
        { active: kept.how },
      )
    ).label;
    return kept.how === DEFAULTS ? undefined : port;
  };
  const port: WizardStep = async (flow) => {
    kept.port = await flow.input({
      prompt: vscode.l10n.t('Data-path port (VXLAN); empty for 4789'),
      value: kept.port,
      validate: (v) => (v === '' ? undefined : api.dataPathPortProblem(/^\d+$/.test(v) ? Number(v) : NaN)),
    });
    return pool;
  };
  const pool: WizardStep = async (flow) => {
    kept.pool = await flow.input({
      prompt: vscode.l10n.t('Default address pool: CIDRs for overlay subnets, separated by commas; empty for 10.0.0.0/8'),
      value: kept.pool,
      validate: (v) => splitCommaList(v).map(api.addressPoolProblem).find(Boolean),
    });
    return undefined;
  };
  // Two steps with the defaults, four when setting the options.
  await wizard(vscode.l10n.t('Initialize swarm on {0}', name), () => (kept.how && kept.how !== DEFAULTS ? 4 : 2), advertise);
  const withOptions = kept.how !== DEFAULTS;
  const dataPathPort = withOptions && kept.port ? Number(kept.port) : undefined;
  const defaultAddrPool = withOptions ? splitCommaList(kept.pool ?? '') : undefined;
  const advertiseAddr = kept.addr!;
  await withProgress(
    vscode.l10n.t('Initializing a swarm on {0}…', name),
    (steps) => api.initSwarm(host, { advertiseAddr, dataPathPort, defaultAddrPool }, steps),
    { cancellable: true },
  );
  void vscode.window.showInformationMessage(vscode.l10n.t('{0} is now the manager of a new swarm, advertising {1}.', name, advertiseAddr));
}

export async function joinSwarmCommand({ core, state }: CommandContext, role: 'worker' | 'manager', arg?: HostArg): Promise<void> {
  const name =
    arg?.hostName ??
    (await pickHost(
      state,
      vscode.l10n.t('Join a swarm as {0}: which host?', role),
      (s) => s.swarm.state === 'inactive',
      vscode.l10n.t('Every reachable host is in a swarm already.'),
    ));
  const status = state.statuses.get(name);
  if (status?.swarm.state === 'active') throw new Error(vscode.l10n.t('{0} is already in a swarm; it must leave it first.', name));
  const managers = [...state.statuses.values()].filter((s) => s.reachable && s.swarm.isManager && s.name !== name);
  if (managers.length === 0) nothingToDo(vscode.l10n.t('No configured host is a swarm manager: initialize a swarm first.'));
  const manager =
    managers.length === 1
      ? managers[0]!.name
      : (
          await pick(
            managers.map((m) => ({ label: m.name, description: vscode.l10n.t('swarm {0}', m.swarm.clusterId?.slice(0, 12) ?? '') })),
            { title: vscode.l10n.t('Join {0} as {1}: through which manager?', name, role) },
          )
        ).label;
  const plan = await withProgress(
    vscode.l10n.t('Joining {0} to the swarm of {1} as {2}…', name, manager, role),
    (steps) => core.api.joinSwarm(core.host(name), core.host(manager), role, core.redactor, steps),
    { cancellable: true },
  );
  void vscode.window.showInformationMessage(
    vscode.l10n.t('{0} joined the swarm of {1} as {2}, advertising {3}.', name, manager, role, plan.advertiseAddr),
  );
}

export async function leaveSwarmCommand({ core, state }: CommandContext, arg?: HostArg): Promise<void> {
  const name =
    arg?.hostName ??
    (await pickHost(
      state,
      vscode.l10n.t('Leave the swarm: which host?'),
      (s) => s.swarm.state !== 'inactive',
      vscode.l10n.t('No reachable host is in a swarm.'),
    ));
  const host = core.host(name);
  const impact = await core.api.leaveImpact(host);
  if (impact.blocked) {
    await confirm(vscode.l10n.t('Force {0} to leave the swarm?', name), impact.warnings.join('\n\n'), vscode.l10n.t('Force Leave'));
  } else {
    await confirm(
      vscode.l10n.t('Make {0} leave the swarm?', name),
      vscode.l10n.t('Its tasks move to other nodes. The node stays listed as down until it is removed.'),
      vscode.l10n.t('Leave'),
    );
  }
  await withProgress(vscode.l10n.t('{0} is leaving the swarm…', name), (steps) => core.api.leaveSwarm(host, impact.blocked, steps), {
    cancellable: true,
  });
}

async function nodeTarget(ctx: CommandContext, arg: NodeArg, title: string, filter: Parameters<typeof pickNode>[2]) {
  if (arg?.node) return { node: arg.node, via: arg.via };
  return pickNode(ctx.state, title, filter);
}

export async function setRoleCommand(ctx: CommandContext, role: 'manager' | 'worker', arg?: NodeArg): Promise<void> {
  const promote = role === 'manager';
  const { node, via } = await nodeTarget(
    ctx,
    arg,
    promote ? vscode.l10n.t('Promote which node?') : vscode.l10n.t('Demote which node?'),
    (n) => n.role !== role,
  );
  const { api } = ctx.core;
  const manager = ctx.core.host(via);
  const nodes = await api.listNodes(manager);
  const warnings = api.roleChangeWarnings(nodes, api.findNode(nodes, node.id), role);
  if (warnings.length) {
    await confirm(
      promote ? vscode.l10n.t('Promote {0}?', node.hostname) : vscode.l10n.t('Demote {0}?', node.hostname),
      warnings.join('\n\n'),
      promote ? vscode.l10n.t('Promote') : vscode.l10n.t('Demote'),
    );
  }
  await withProgress(promote ? vscode.l10n.t('Promoting {0}…', node.hostname) : vscode.l10n.t('Demoting {0}…', node.hostname), () =>
    api.changeNode(manager, node.id, { kind: 'role', role }),
  );
}

export async function setAvailabilityCommand(ctx: CommandContext, availability: NodeAvailability, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(
    ctx,
    arg,
    vscode.l10n.t('Set {0}: which node?', availability),
    (n) => n.availability !== availability,
  );
  if (availability === 'drain') {
    await confirm(
      vscode.l10n.t('Drain {0}?', node.hostname),
      vscode.l10n.t('Its service tasks stop here and are rescheduled on other nodes; no new tasks are placed on it.'),
      vscode.l10n.t('Drain'),
    );
  }
  await withProgress(vscode.l10n.t('Setting {0} to {1}…', node.hostname, availability), () =>
    ctx.core.api.changeNode(ctx.core.host(via), node.id, { kind: 'availability', availability }),
  );
}

export async function addLabelCommand(ctx: CommandContext, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(ctx, arg, vscode.l10n.t('Add a label to which node?'), () => true);
  const { api } = ctx.core;
  const text = await input({
    title: vscode.l10n.t('Add label to {0}', node.hostname),
    prompt: vscode.l10n.t('key=value'),
    validate: (v) => {
      try {
        api.parseLabels([v]);
        return v.includes('=') ? undefined : vscode.l10n.t('Write key=value.');
      } catch (err) {
        return api.userMessage(err);
      }
    },
  });
  await withProgress(vscode.l10n.t('Labelling {0}…', node.hostname), () =>
    api.changeNode(ctx.core.host(via), node.id, { kind: 'labels', add: api.parseLabels([text]) }),
  );
}

export async function removeLabelCommand(ctx: CommandContext, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(
    ctx,
    arg,
    vscode.l10n.t('Remove a label from which node?'),
    (n) => Object.keys(n.labels).length > 0,
  );
  const labels = Object.entries(node.labels);
  if (labels.length === 0) nothingToDo(vscode.l10n.t('{0} has no labels.', node.hostname));
  const picked = await pickMany(
    labels.map(([k, v]) => ({ label: k, description: v })),
    { title: vscode.l10n.t('Remove label from {0}', node.hostname) },
  );
  await withProgress(vscode.l10n.t('Removing labels from {0}…', node.hostname), () =>
    ctx.core.api.changeNode(ctx.core.host(via), node.id, { kind: 'labels', remove: picked.map((p) => p.label) }),
  );
}

export async function removeNodeCommand(ctx: CommandContext, arg?: NodeArg): Promise<void> {
  const { node, via } = await nodeTarget(ctx, arg, vscode.l10n.t('Remove which down node?'), (n) => n.status === 'down');
  await confirm(
    vscode.l10n.t('Remove {0} from the swarm?', node.hostname),
    vscode.l10n.t("The node is {0}. It is taken off the swarm's node list; if it comes back it must join again.", node.status),
    vscode.l10n.t('Remove Node'),
  );
  await withProgress(vscode.l10n.t('Removing {0}…', node.hostname), () => ctx.core.api.removeNode(ctx.core.host(via), node.id));
}

export async function showJoinCommand(ctx: CommandContext, arg?: HostArg): Promise<void> {
  const via = await pickManagerHost(ctx.state, arg);
  const { api } = ctx.core;
  const host = ctx.core.host(via);
  const { tokens, addr } = await withProgress(vscode.l10n.t('Reading join tokens from {0}…', via), async () => ({
    tokens: await api.joinTokens(host, ctx.core.redactor),
    addr: await api.swarmJoinAddress(host),
  }));
  // l10n-exempt: a shell command.
  const command = (token: string) => `docker swarm join --token ${token} ${addr}`;
  const revealed = new Set<string>();
  const reveal = { iconPath: new vscode.ThemeIcon('eye'), tooltip: vscode.l10n.t('Reveal token') };
  const copy = { iconPath: new vscode.ThemeIcon('copy'), tooltip: vscode.l10n.t('Copy join command') };
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { role: 'worker' | 'manager' }>();
  const render = () => {
    qp.items = (['worker', 'manager'] as const).map((role) => ({
      role,
      label: `$(person) ${vscode.l10n.t('Join as {0}', role)}`,
      description: command(revealed.has(role) ? tokens[role] : api.maskToken(tokens[role])),
      buttons: [reveal, copy],
    }));
  };
  render();
  qp.title = vscode.l10n.t('Join commands of the swarm managed by {0}', via);
  qp.placeholder = vscode.l10n.t('The token is hidden until revealed; the copy button copies the full command');
  qp.onDidTriggerItemButton(async (e) => {
    if (e.button === reveal) {
      revealed.add(e.item.role);
      render();
    } else {
      await vscode.env.clipboard.writeText(command(tokens[e.item.role]));
      void vscode.window.showInformationMessage(vscode.l10n.t('The {0} join command is on the clipboard.', e.item.role));
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
  // The role names are Docker's words: the labels show them as they are.
  const roles = [
    { role: 'worker' as const, description: vscode.l10n.t('Nodes joining as workers need the new token') },
    { role: 'manager' as const, description: vscode.l10n.t('Nodes joining as managers need the new token') },
  ];
  const { role: which } = await pick(
    roles.map((r) => ({ ...r, label: r.role })),
    { title: vscode.l10n.t('Rotate which join token?') },
  );
  await confirm(
    vscode.l10n.t('Rotate the {0} join token?', which),
    vscode.l10n.t('The current token stops working at once; nodes already in the swarm are not affected.'),
    vscode.l10n.t('Rotate'),
  );
  await withProgress(vscode.l10n.t('Rotating the {0} token…', which), () => ctx.core.api.rotateToken(ctx.core.host(via), which));
  void vscode.window.showInformationMessage(vscode.l10n.t('The {0} join token was rotated.', which));
}
