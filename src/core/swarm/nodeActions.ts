// Changes to one node, made through a manager: role, availability, labels, removal.
import type { DockerHost } from '../docker/DockerHost';
import { Refused } from '../errors';
import type { NodeAvailability, NodeRole, SwarmNode } from '../model';
import { findNode, listNodes, type NodeAnswer } from './nodes';
import { managerChangeWarnings } from './quorum';
import { parseLabels } from '../labels';
import { abortableDelay } from '../steps';

export { parseLabels };

export type NodeChange =
  | { kind: 'role'; role: NodeRole }
  | { kind: 'availability'; availability: NodeAvailability }
  | { kind: 'labels'; add?: Record<string, string>; remove?: string[] };

/** Sentences on what a role change does to the managers; throws when it must not happen. */
export function roleChangeWarnings(nodes: SwarmNode[], node: SwarmNode, role: NodeRole): string[] {
  if (node.role === role) throw new Refused(`${node.hostname} is already a ${role}.`);
  const managers = nodes.filter((n) => n.role === 'manager').length;
  if (role === 'worker' && managers <= 1) {
    throw new Refused(`${node.hostname} is the last manager: demoting it would leave the swarm without one.`);
  }
  if (role === 'manager' && node.status !== 'ready') {
    throw new Refused(`${node.hostname} is ${node.status}: only a ready node can be promoted.`);
  }
  return managerChangeWarnings(managers, role === 'manager' ? managers + 1 : managers - 1);
}

export async function changeNode(via: DockerHost, ref: string, change: NodeChange): Promise<SwarmNode> {
  const nodes = await listNodes(via);
  const node = findNode(nodes, ref);
  if (change.kind === 'role') roleChangeWarnings(nodes, node, change.role);
  if (change.kind === 'labels') {
    for (const key of Object.keys(change.add ?? {})) parseLabels([key]);
    for (const key of change.remove ?? []) {
      if (!(key in node.labels)) throw new Refused(`${node.hostname} has no label "${key}".`);
    }
  }
  await via.call(`update node ${node.hostname}`, async (d) => {
    // The update names the version it read; a node whose version moved on meanwhile ("update out of
    // sequence") is read and updated once more.
    for (let attempt = 1; ; attempt++) {
      const current = (await d.getNode(node.id).inspect()) as NodeAnswer;
      const spec = { ...(current.Spec ?? {}) } as Record<string, unknown>;
      if (change.kind === 'role') spec.Role = change.role;
      if (change.kind === 'availability') spec.Availability = change.availability;
      if (change.kind === 'labels') {
        const labels: Record<string, string> = { ...((current.Spec?.Labels as Record<string, string> | null) ?? {}) };
        for (const key of change.remove ?? []) delete labels[key];
        Object.assign(labels, change.add ?? {});
        spec.Labels = labels;
      }
      try {
        await d.getNode(node.id).update({ _query: { version: current.Version?.Index ?? 0 }, _body: spec });
        return;
      } catch (err) {
        if (attempt >= 2 || !/out of sequence/i.test(err instanceof Error ? err.message : String(err))) throw err;
      }
    }
  });
  if (change.kind !== 'role') return findNode(await listNodes(via), node.id);
  // A role change takes effect when Raft has the manager in (or out of) its member list: wait for it,
  // so the next action does not fail with "can't find manager in raft memberlist".
  const deadline = Date.now() + 20_000;
  for (;;) {
    let now: SwarmNode;
    try {
      now = findNode(await listNodes(via), node.id);
    } catch {
      // Demoting the node we read through leaves it unable to answer: report the change as made.
      return { ...node, role: change.role, managerStatus: undefined };
    }
    const settled =
      change.role === 'manager'
        ? now.managerStatus === 'reachable' || now.managerStatus === 'leader'
        : now.role === 'worker' && !now.managerStatus;
    if (settled || Date.now() > deadline) return now;
    // changeNode takes no AbortSignal, so nothing cuts this pause short.
    await abortableDelay(250);
  }
}

/** Removes a node from the swarm's list; only a down node unless forced (a live one should leave itself). */
export async function removeNode(via: DockerHost, ref: string, force = false): Promise<SwarmNode> {
  const nodes = await listNodes(via);
  const node = findNode(nodes, ref);
  if (node.status !== 'down' && !force) {
    throw new Refused(`${node.hostname} is ${node.status}: only a down node can be removed; make it leave the swarm instead.`);
  }
  if (node.role === 'manager') {
    throw new Refused(`${node.hostname} is a manager: demote it before removing it.`);
  }
  await via.call(`remove node ${node.hostname}`, (d) => d.getNode(node.id).remove({ force }));
  return node;
}
