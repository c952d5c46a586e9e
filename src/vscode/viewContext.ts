// What the views' welcomes and the walkthrough's steps key on, from the cluster state as last read.
// Pure (no `vscode`), so plain Node tests it; ClusterState publishes it with setContext.

/** loading: the first read has not answered yet; noHosts: none configured; noSwarm: read, no swarm; ready: a swarm. */
export type ViewState = 'loading' | 'noHosts' | 'noSwarm' | 'ready';

export interface ViewFacts {
  /** Hosts in the settings. */
  configured: number;
  /** Whether a first full read has finished. */
  loaded: boolean;
  /** Reachable configured hosts in no swarm. */
  standalone: number;
  /** Per swarm among the hosts: its node count and its custom overlay networks. */
  swarms: ReadonlyArray<{ nodes: number; overlays: number }>;
}

export const CONTEXT_KEYS = {
  state: 'swarmOverlay.state',
  hasHosts: 'swarmOverlay.hasHosts',
  hasSwarm: 'swarmOverlay.hasSwarm',
  allJoined: 'swarmOverlay.allJoined',
  hasOverlay: 'swarmOverlay.hasOverlay',
  matrixRan: 'swarmOverlay.matrixRan',
} as const;

export function viewState(f: ViewFacts): ViewState {
  if (f.configured === 0) return 'noHosts';
  // A swarm seen is shown at once, even while slower hosts are still being read.
  if (f.swarms.length > 0) return 'ready';
  return f.loaded ? 'noSwarm' : 'loading';
}

/** The context keys and their values (the matrix key is set by the panel, on a finished run). */
export function viewContext(f: ViewFacts): Record<string, string | boolean> {
  const hasSwarm = f.swarms.length > 0;
  return {
    [CONTEXT_KEYS.state]: viewState(f),
    [CONTEXT_KEYS.hasHosts]: f.configured > 0,
    [CONTEXT_KEYS.hasSwarm]: hasSwarm,
    // "Join the others": a swarm of two or more, and no reachable host left outside every swarm.
    [CONTEXT_KEYS.allJoined]: f.loaded && f.swarms.some((s) => s.nodes >= 2) && f.standalone === 0,
    [CONTEXT_KEYS.hasOverlay]: f.swarms.some((s) => s.overlays > 0),
  };
}
