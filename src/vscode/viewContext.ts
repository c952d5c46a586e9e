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
  /** Whether a matrix run has finished in this window. */
  matrixRan?: boolean;
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

/**
 * A key that is true only for a moment, after an editor tab opens: each walkthrough step also completes
 * on "its key && this one". VS Code creates its walkthrough service lazily, when a walkthrough is first
 * shown, and a step whose key was already true then never completes in that session (the service
 * counts the key as seen, not as done); the expression with the pulse is false at that moment, and
 * turns true with the pulse that follows the walkthrough's tab opening, so the step ticks.
 */
export const WALKTHROUGH_PULSE = 'swarmOverlay.walkthroughPulse';

/** The keys the walkthrough's steps complete on, in step order. */
export const WALKTHROUGH_KEYS: readonly string[] = [
  CONTEXT_KEYS.hasHosts,
  CONTEXT_KEYS.hasSwarm,
  CONTEXT_KEYS.allJoined,
  CONTEXT_KEYS.hasOverlay,
  CONTEXT_KEYS.matrixRan,
];

/** A walkthrough step's completion events: its key, and its key with the pulse. */
export function completionEvents(key: string): string[] {
  return [`onContext:${key}`, `onContext:${key} && ${WALKTHROUGH_PULSE}`];
}

/** The context keys and their values. */
export function viewContext(f: ViewFacts): Record<string, string | boolean> {
  const hasSwarm = f.swarms.length > 0;
  return {
    [CONTEXT_KEYS.state]: viewState(f),
    [CONTEXT_KEYS.hasHosts]: f.configured > 0,
    [CONTEXT_KEYS.hasSwarm]: hasSwarm,
    // "Join the others": a swarm of two or more, and no reachable host left outside every swarm.
    [CONTEXT_KEYS.allJoined]: f.loaded && f.swarms.some((s) => s.nodes >= 2) && f.standalone === 0,
    [CONTEXT_KEYS.hasOverlay]: f.swarms.some((s) => s.overlays > 0),
    [CONTEXT_KEYS.matrixRan]: f.matrixRan === true,
  };
}
