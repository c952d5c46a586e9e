// All commands of the extension, wired in one place. Every handler goes through `run` once: errors
// become one sentence with "Show Log", a cancel stays silent, and a command marked `refreshes`
// has the views read the hosts again when it ends, however it ends.
import * as vscode from 'vscode';
import { isCancelled, isCancelledLate } from '../../core/errors';
import { NothingToDo } from '../platform/ui';
import type { CommandContext } from './CommandContext';
import type { HostNode } from '../tree/HostsTreeProvider';
import type { NetworkItem } from '../tree/NetworksTreeProvider';
import { addHost } from './addHost';
import { removeHost } from './removeHost';
import { retryHostKey } from './retryHostKey';
import { forgetSecrets } from './forgetSecrets';
import { MatrixPanel } from '../webview/MatrixPanel';
import * as net from './networks/networkCommands';
import { type SwarmArg, pickNetwork } from './pickers';
import * as swarm from './swarm/swarmCommands';
import type { ServiceItem } from '../tree/serviceItems';
import { scaleServiceCommand } from './services/scaleService';
import { forceUpdateServiceCommand } from './services/forceUpdateService';
import { showServiceLogsCommand } from './services/showServiceLogs';
import { inspectServiceCommand } from './services/inspectService';
import { removeServiceCommand } from './services/removeService';
import { checkServiceConnectivityCommand } from './services/checkServiceConnectivity';
import { refreshDocumentCommand } from './refreshDocument';

interface CommandSpec {
  id: string;
  run: (ctx: CommandContext, arg?: never) => unknown;
  /** The command changes the hosts: refresh the views when it ends. */
  refreshes?: boolean;
}

const spec = <A>(id: string, run: (ctx: CommandContext, arg?: A) => unknown, refreshes = false): CommandSpec => ({
  id,
  run: run,
  refreshes,
});

export const COMMANDS: readonly CommandSpec[] = [
  spec('swarmOverlay.hosts.add', addHost),
  spec<HostNode>('swarmOverlay.hosts.remove', removeHost),
  spec<HostNode>('swarmOverlay.hosts.retryHostKey', retryHostKey, true),
  spec('swarmOverlay.hosts.refresh', (ctx) => ctx.refresher.refreshInView('swarmOverlay.hosts')),
  spec<HostNode>('swarmOverlay.hosts.forgetSecrets', forgetSecrets),
  spec('swarmOverlay.log.show', (ctx) => ctx.log.show()),
  spec<swarm.HostArg>('swarmOverlay.swarm.init', swarm.initSwarmCommand, true),
  spec<swarm.HostArg>('swarmOverlay.swarm.joinWorker', (ctx, arg) => swarm.joinSwarmCommand(ctx, 'worker', arg), true),
  spec<swarm.HostArg>('swarmOverlay.swarm.joinManager', (ctx, arg) => swarm.joinSwarmCommand(ctx, 'manager', arg), true),
  spec<swarm.HostArg>('swarmOverlay.swarm.leave', swarm.leaveSwarmCommand, true),
  spec<swarm.HostArg>('swarmOverlay.swarm.showJoinCommand', swarm.showJoinCommand),
  spec<swarm.HostArg>('swarmOverlay.swarm.rotateToken', swarm.rotateTokenCommand),
  spec('swarmOverlay.swarm.refresh', (ctx) => ctx.refresher.refreshInView('swarmOverlay.swarm')),
  spec<swarm.NodeArg>('swarmOverlay.node.promote', (ctx, arg) => swarm.setRoleCommand(ctx, 'manager', arg), true),
  spec<swarm.NodeArg>('swarmOverlay.node.demote', (ctx, arg) => swarm.setRoleCommand(ctx, 'worker', arg), true),
  spec<swarm.NodeArg>('swarmOverlay.node.drain', (ctx, arg) => swarm.setAvailabilityCommand(ctx, 'drain', arg), true),
  spec<swarm.NodeArg>('swarmOverlay.node.pause', (ctx, arg) => swarm.setAvailabilityCommand(ctx, 'pause', arg), true),
  spec<swarm.NodeArg>('swarmOverlay.node.activate', (ctx, arg) => swarm.setAvailabilityCommand(ctx, 'active', arg), true),
  spec<swarm.NodeArg>('swarmOverlay.node.addLabel', swarm.addLabelCommand, true),
  spec<swarm.NodeArg>('swarmOverlay.node.removeLabel', swarm.removeLabelCommand, true),
  spec<swarm.NodeArg>('swarmOverlay.node.remove', swarm.removeNodeCommand, true),
  spec<SwarmArg>('swarmOverlay.network.create', net.createOverlayNetworkCommand),
  spec<NetworkItem>('swarmOverlay.network.remove', net.removeNetworkCommand, true),
  spec<NetworkItem>('swarmOverlay.network.inspect', net.inspectNetworkCommand),
  spec('swarmOverlay.network.refresh', (ctx) => ctx.refresher.refreshInView('swarmOverlay.networks')),
  spec<SwarmArg>('swarmOverlay.swarm.checkPorts', net.checkPortsCommand),
  spec<ServiceItem>('swarmOverlay.service.scale', scaleServiceCommand, true),
  spec<ServiceItem>('swarmOverlay.service.forceUpdate', forceUpdateServiceCommand, true),
  spec<ServiceItem>('swarmOverlay.service.showLogs', showServiceLogsCommand),
  spec<ServiceItem>('swarmOverlay.service.inspect', inspectServiceCommand),
  spec<ServiceItem>('swarmOverlay.service.remove', removeServiceCommand, true),
  spec<ServiceItem>('swarmOverlay.service.checkConnectivity', checkServiceConnectivityCommand),
  spec<vscode.Uri>('swarmOverlay.document.refresh', refreshDocumentCommand),
  spec<NetworkItem>('swarmOverlay.matrix.run', async (ctx, arg) => {
    // From an overlay, or with one picked in the palette, the run starts at once.
    const target = await pickNetwork(ctx.core, ctx.state, arg, vscode.l10n.t('Run the connectivity matrix on which overlay network?'));
    MatrixPanel.show(ctx, target.swarm ? { via: target.via, network: target.name } : undefined);
  }),
];

/**
 * The commands that, run on a tree item, may ask for a value or a choice, or always ask for a
 * confirmation, before they act: their titles end with "…" (test/unit/manifest.test.ts). Picking the
 * item itself from the palette does not count, nor a warning shown only in some cases (Promote, Demote).
 */
export const ASKS_BEFORE_ACTING: readonly string[] = [
  'swarmOverlay.hosts.add',
  'swarmOverlay.hosts.forgetSecrets',
  'swarmOverlay.swarm.init',
  'swarmOverlay.swarm.joinWorker',
  'swarmOverlay.swarm.joinManager',
  'swarmOverlay.swarm.leave',
  'swarmOverlay.swarm.rotateToken',
  'swarmOverlay.node.drain',
  'swarmOverlay.node.addLabel',
  'swarmOverlay.node.removeLabel',
  'swarmOverlay.node.remove',
  'swarmOverlay.network.create',
  'swarmOverlay.network.remove',
  'swarmOverlay.service.scale',
  'swarmOverlay.service.remove',
];

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return COMMANDS.map((c) => vscode.commands.registerCommand(c.id, (arg?: unknown) => run(ctx, c, arg)));
}

async function run(ctx: CommandContext, command: CommandSpec, arg: unknown): Promise<unknown> {
  const started = Date.now();
  ctx.log.debug(`${command.id} started`);
  try {
    // The command runs to its end on the core it started with, even if a setting changes meanwhile.
    const release = ctx.core.hold();
    try {
      return await command.run(ctx, arg as never);
    } finally {
      ctx.log.debug(`${command.id} ended after ${Date.now() - started} ms`);
      release();
      if (command.refreshes) await ctx.refresher.refresh();
    }
  } catch (err) {
    if (isCancelled(err)) {
      if (err instanceof NothingToDo) ctx.log.debug(`${command.id}: nothing to do (${err.said})`);
      else ctx.log.debug(`${command.id}: cancelled (a prompt was dismissed)`);
      return undefined;
    }
    const message = ctx.core.redact(err instanceof Error ? err.message : String(err));
    if (isCancelledLate(err)) {
      // The user asked for the cancel: what remains is a warning to act on, not a failure.
      ctx.log.warn(`${command.id}: ${message}`);
      void vscode.window.showWarningMessage(message);
      return undefined;
    }
    ctx.log.error(`${command.id} failed: ${err instanceof Error && err.stack ? ctx.core.redact(err.stack) : message}`);
    const showLog = vscode.l10n.t('Show Log');
    const choice = await vscode.window.showErrorMessage(message, showLog);
    if (choice === showLog) ctx.log.show(true);
    return undefined;
  }
}
