// All commands of the extension, wired in one place.
import * as vscode from 'vscode';
import type { ClusterState } from '../ClusterState';
import type { CoreService } from '../platform/CoreService';
import type { HostNode } from '../tree/HostsTreeProvider';
import { addHost } from './addHost';
import { registerCommand } from './registerCommand';
import { removeHost } from './removeHost';
import { MatrixPanel } from '../webview/MatrixPanel';
import * as net from './networks/networkCommands';
import * as swarm from './swarm/swarmCommands';
import type { NetworkItem, NetworksTreeProvider } from '../tree/NetworksTreeProvider';

export function registerCommands(
  log: vscode.LogOutputChannel,
  core: CoreService,
  state: ClusterState,
  networks: { tree: NetworksTreeProvider; view: vscode.TreeView<unknown>; extensionUri: vscode.Uri },
): vscode.Disposable[] {
  const refresh = () => void state.refresh();
  const deps = { core, state };
  const netDeps = { core, state, ...networks };
  const cmd = (id: string, handler: (...args: never[]) => unknown) => registerCommand(log, id, handler);
  return [
    cmd('swarmOverlay.hosts.add', () => addHost(core, refresh)),
    cmd('swarmOverlay.hosts.remove', (node?: HostNode) => removeHost(core, refresh, node)),
    cmd('swarmOverlay.hosts.refresh', () =>
      vscode.window.withProgress({ location: { viewId: 'swarmOverlay.hosts' } }, () => state.refresh()),
    ),
    cmd('swarmOverlay.log.show', () => log.show()),
    cmd('swarmOverlay.swarm.init', (arg?: swarm.HostArg) => swarm.initSwarmCommand(deps, arg)),
    cmd('swarmOverlay.swarm.joinWorker', (arg?: swarm.HostArg) => swarm.joinSwarmCommand(deps, 'worker', arg)),
    cmd('swarmOverlay.swarm.joinManager', (arg?: swarm.HostArg) => swarm.joinSwarmCommand(deps, 'manager', arg)),
    cmd('swarmOverlay.swarm.leave', (arg?: swarm.HostArg) => swarm.leaveSwarmCommand(deps, arg)),
    cmd('swarmOverlay.swarm.showJoinCommand', (arg?: swarm.HostArg) => swarm.showJoinCommand(deps, arg)),
    cmd('swarmOverlay.swarm.rotateToken', (arg?: swarm.HostArg) => swarm.rotateTokenCommand(deps, arg)),
    cmd('swarmOverlay.swarm.refresh', () =>
      vscode.window.withProgress({ location: { viewId: 'swarmOverlay.swarm' } }, () => state.refresh()),
    ),
    cmd('swarmOverlay.node.promote', (arg?: swarm.NodeArg) => swarm.setRoleCommand(deps, 'manager', arg)),
    cmd('swarmOverlay.node.demote', (arg?: swarm.NodeArg) => swarm.setRoleCommand(deps, 'worker', arg)),
    cmd('swarmOverlay.node.drain', (arg?: swarm.NodeArg) => swarm.setAvailabilityCommand(deps, 'drain', arg)),
    cmd('swarmOverlay.node.pause', (arg?: swarm.NodeArg) => swarm.setAvailabilityCommand(deps, 'pause', arg)),
    cmd('swarmOverlay.node.activate', (arg?: swarm.NodeArg) => swarm.setAvailabilityCommand(deps, 'active', arg)),
    cmd('swarmOverlay.node.addLabel', (arg?: swarm.NodeArg) => swarm.addLabelCommand(deps, arg)),
    cmd('swarmOverlay.node.removeLabel', (arg?: swarm.NodeArg) => swarm.removeLabelCommand(deps, arg)),
    cmd('swarmOverlay.node.remove', (arg?: swarm.NodeArg) => swarm.removeNodeCommand(deps, arg)),
    cmd('swarmOverlay.network.create', (arg?: net.SwarmArg) => net.createOverlayNetworkCommand(netDeps, arg)),
    cmd('swarmOverlay.network.remove', (arg?: NetworkItem) => net.removeNetworkCommand(netDeps, arg)),
    cmd('swarmOverlay.network.inspect', (arg?: NetworkItem) => net.inspectNetworkCommand(netDeps, arg)),
    cmd('swarmOverlay.network.refresh', () => networks.tree.refresh()),
    cmd('swarmOverlay.swarm.checkPorts', (arg?: net.SwarmArg) => net.checkPortsCommand(netDeps, arg)),
    cmd('swarmOverlay.matrix.run', (arg?: NetworkItem) => {
      const preset = arg && arg.scope.kind === 'swarm' ? { via: arg.scope.via, network: arg.network.name } : undefined;
      MatrixPanel.show(networks.extensionUri, core, state, log, preset);
    }),
  ];
}
