// What the product shows of a host: reachable or why not, engine version, swarm membership.
import type { DockerHost } from '../docker/DockerHost';
import { SwarmOverlayError, userMessage } from '../errors';
import type { HostStatus, SwarmState } from '../model';

interface InfoAnswer {
  ServerVersion?: string;
  OperatingSystem?: string;
  Swarm?: {
    LocalNodeState?: string;
    NodeID?: string;
    ControlAvailable?: boolean;
    Cluster?: { ID?: string } | null;
    RemoteManagers?: unknown;
  };
}

const SWARM_STATES: SwarmState[] = ['inactive', 'pending', 'active', 'error', 'locked'];

export function statusFromInfo(name: string, answer: InfoAnswer | null | undefined, apiVersion?: string): HostStatus {
  // An odd answer (null, not an object) reads as a daemon that says nothing, not as a crash.
  const info: InfoAnswer = answer && typeof answer === 'object' ? answer : {};
  const raw = info.Swarm?.LocalNodeState ?? '';
  const state = (SWARM_STATES as string[]).includes(raw) ? (raw as SwarmState) : 'unknown';
  return {
    name,
    reachable: true,
    engineVersion: info.ServerVersion ?? '',
    apiVersion,
    os: info.OperatingSystem,
    swarm: {
      state,
      nodeId: info.Swarm?.NodeID ?? '',
      isManager: info.Swarm?.ControlAvailable === true,
      clusterId: info.Swarm?.Cluster?.ID || undefined,
      ...(info.Swarm?.ControlAvailable === true && managerIdsOf(info.Swarm.RemoteManagers)
        ? { managerIds: managerIdsOf(info.Swarm.RemoteManagers) }
        : {}),
    },
  };
}

function managerIdsOf(remote: unknown): string[] | undefined {
  if (!Array.isArray(remote)) return undefined;
  const ids = remote
    .map((m: unknown) => (m && typeof m === 'object' ? (m as { NodeID?: unknown }).NodeID : undefined))
    .filter((id): id is string => typeof id === 'string' && id !== '');
  return [...new Set(ids)].sort();
}

export function unreachableStatus(name: string, err: unknown): HostStatus {
  return {
    name,
    reachable: false,
    error: userMessage(err),
    ...(err instanceof SwarmOverlayError ? { errorKind: err.kind } : {}),
    engineVersion: '',
    swarm: { state: 'unknown', nodeId: '', isManager: false },
  };
}

export async function hostStatus(host: DockerHost, signal?: AbortSignal): Promise<HostStatus> {
  try {
    const info = await host.call('read its info', (d) => d.info() as Promise<InfoAnswer>, { signal });
    return statusFromInfo(host.name, info, host.apiVersion);
  } catch (err) {
    if (signal?.aborted) throw err;
    return unreachableStatus(host.name, err);
  }
}
