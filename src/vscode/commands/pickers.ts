// Pickers used when a command runs from the palette, without a tree item to act on.
import * as vscode from 'vscode';
import { Cancelled } from '../../core/errors';
import type { HostStatus, SwarmNode } from '../../core/model';
import type { ClusterState } from '../ClusterState';

export async function pickHost(
  state: ClusterState,
  title: string,
  filter: (s: HostStatus) => boolean,
  none: string,
): Promise<string> {
  if (!state.loaded) await state.refresh();
  const hosts = [...state.statuses.values()].filter((s) => s.reachable && filter(s));
  if (hosts.length === 0) return nothingToPick(none);
  const pick = await vscode.window.showQuickPick(
    hosts.map((s) => ({
      label: s.name,
      description: s.swarm.state === 'active' ? `swarm ${s.swarm.isManager ? 'manager' : 'worker'}` : `swarm ${s.swarm.state}`,
    })),
    { title, ignoreFocusOut: true },
  );
  if (!pick) throw new Cancelled();
  return pick.label;
}

/** A node of some swarm, with the manager host to act through. */
export async function pickNode(
  state: ClusterState,
  title: string,
  filter: (n: SwarmNode) => boolean,
): Promise<{ node: SwarmNode; via: string }> {
  if (!state.loaded) await state.refresh();
  const items = state.swarms.swarms.flatMap((s) =>
    s.via
      ? s.nodes.filter(filter).map((n) => ({
          label: n.hostname,
          description: `${n.role} · ${n.availability} · ${n.status}`,
          detail: `swarm ${s.clusterId.slice(0, 12)}`,
          node: n,
          via: s.via!,
        }))
      : [],
  );
  if (items.length === 0) return nothingToPick('No swarm node fits this action.');
  const pick = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (!pick) throw new Cancelled();
  return { node: pick.node, via: pick.via };
}

/** Nothing to pick from: said as information, not as an error, and the command stops. */
function nothingToPick(message: string): never {
  void vscode.window.showInformationMessage(message);
  throw new Cancelled();
}
