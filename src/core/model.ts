// Plain, JSON-safe data shared by the core, the extension and the CLI.

/** One Docker host as the user configures it (setting `swarmOverlay.hosts` or the CLI's --hosts file). */
export interface HostConfig {
  /** Display name, unique among hosts. */
  name: string;
  /** Address, DNS name or ~/.ssh/config alias. */
  host: string;
  port?: number;
  user?: string;
  identityFile?: string;
  /** Path of the Docker socket on the host; default /var/run/docker.sock. */
  dockerSocket?: string;
}

export type SwarmState = 'inactive' | 'pending' | 'active' | 'error' | 'locked' | 'unknown';

export interface SwarmMembership {
  state: SwarmState;
  nodeId: string;
  isManager: boolean;
  clusterId?: string;
  /** On a manager: the node ids of every manager it knows (Raft members), reachable or not. */
  managerIds?: string[];
}

export interface HostStatus {
  name: string;
  reachable: boolean;
  /** One sentence for users when the host cannot be used. */
  error?: string;
  /** Why, as the error kind (e.g. `hostKeyUnknown`: the user did not trust the host key). */
  errorKind?: string;
  engineVersion: string;
  apiVersion?: string;
  os?: string;
  swarm: SwarmMembership;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export type NodeRole = 'manager' | 'worker';
export type NodeAvailability = 'active' | 'pause' | 'drain';

export interface SwarmNode {
  id: string;
  hostname: string;
  role: NodeRole;
  availability: NodeAvailability;
  /** ready, down, unknown, disconnected */
  status: string;
  statusMessage?: string;
  /** Only for managers. */
  managerStatus?: 'leader' | 'reachable' | 'unreachable' | 'unknown';
  engineVersion: string;
  address: string;
  labels: Record<string, string>;
  /** Index the Engine API needs for an update. */
  version: number;
}
