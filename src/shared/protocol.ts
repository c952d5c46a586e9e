// Messages between the extension and the matrix webview, typed once for both sides.
// No `vscode`, no DOM: plain data only.
import type { LatencyThresholds } from './heatmap';
import type { MatrixCell, MatrixReport, MatrixRound } from './matrix';
import type { MatrixHistory } from './matrixHistory';
import { isDockerName } from './names';

export interface NetworkChoice {
  /** Manager host the network is read through. */
  via: string;
  name: string;
  /** Hosts of that swarm that can take part. */
  hosts: string[];
  /** False for an overlay the probes cannot join: the run then uses a temporary attachable copy. */
  attachable: boolean;
  /** An encrypted overlay: failing pairs may be compared with a temporary unencrypted copy (with consent). */
  encrypted?: boolean;
}

export interface MatrixViewState {
  choices: NetworkChoice[];
  selected?: { via: string; network: string; hosts: string[] };
  running: boolean;
  progress?: string;
  cells: MatrixCell[];
  report?: MatrixReport;
  error?: string;
  /** A watch is going (running stays true from Watch until it has stopped). */
  watching?: boolean;
  /** The watch's last round, when one was measured. */
  round?: { round: number; endedAt: string; measureMs: number };
  /** The watch's recent rounds per pair. */
  history?: MatrixHistory;
  /** The heatmap's colour buckets (setting swarmOverlay.matrix.latencyThresholdsMs); the default when absent. */
  latencyThresholdsMs?: LatencyThresholds;
}

export type HostToWebview =
  | { type: 'matrix/state'; state: MatrixViewState }
  | { type: 'matrix/progress'; message: string }
  /** Cells of the run going, in the order they were measured (a few per message while they stream in). */
  | { type: 'matrix/cells'; cells: MatrixCell[] }
  | { type: 'matrix/done'; report: MatrixReport }
  | { type: 'matrix/round'; round: MatrixRound; history: MatrixHistory }
  | { type: 'matrix/error'; message: string };

export type ExportFormat = 'json' | 'csv' | 'markdown';

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'run'; via: string; network: string; hosts: string[]; watch?: boolean }
  | { type: 'cancel' }
  | { type: 'stop' }
  | { type: 'export'; format: ExportFormat };

/** Checks a message from the webview before the host acts on it; undefined when it is not valid. */
export function parseWebviewMessage(m: unknown): WebviewToHost | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const msg = m as Record<string, unknown>;
  switch (msg.type) {
    case 'ready':
    case 'cancel':
    case 'stop':
      return { type: msg.type };
    case 'export':
      return msg.format === 'json' || msg.format === 'csv' || msg.format === 'markdown'
        ? { type: 'export', format: msg.format }
        : undefined;
    case 'run': {
      const { via, network, hosts } = msg;
      if (!isDockerName(via) || !isDockerName(network)) return undefined;
      // Array.from turns holes into undefined, which every() would otherwise skip.
      if (!Array.isArray(hosts) || hosts.length === 0 || hosts.length > 64 || !Array.from(hosts).every(isDockerName)) return undefined;
      if (msg.watch !== undefined && typeof msg.watch !== 'boolean') return undefined;
      return { type: 'run', via, network, hosts: [...new Set(hosts as string[])], ...(msg.watch ? { watch: true } : {}) };
    }
    default:
      return undefined;
  }
}
