// The connectivity matrix as plain data: what the core measures, the webview draws and exports print.
// No `vscode`, no DOM, no Node: both sides import it.
import { type Translate, english } from './webviewStrings';

export interface PingResult {
  ok: boolean;
  sent: number;
  received: number;
  /** 0..100 */
  lossPercent: number;
  minMs?: number;
  avgMs?: number;
  maxMs?: number;
  /** Why it failed, in plain words, when it did. */
  error?: string;
  raw: string;
}

export interface MatrixCell {
  from: string;
  to: string;
  byName: PingResult;
  byIp: PingResult;
  large?: PingResult;
  ok: boolean;
  diagnosis?: string;
}

/** A node's state when it took no part: set in service mode, where the swarm says why. */
export type NodeState = 'down' | 'drained' | 'paused' | 'not-started';

/** A host that could not take part, and why (unreachable, image missing, node down…). */
export interface HostProblem {
  host: string;
  state?: NodeState;
  reason: string;
}

/**
 * How the probes ran: `containers`, one container per host, each placed over its own SSH connection;
 * `service`, one swarm service with a task per node, through a single manager connection.
 */
export type MatrixMode = 'containers' | 'service';

/** How a report's probes ran, in a few words for the CLI and the panel. */
export function modeText(mode: MatrixMode, via?: string, t: Translate = english): string {
  if (mode !== 'service') return t('mode: containers, one per host over SSH');
  return via === undefined
    ? t('mode: service, one swarm service through the manager')
    : t('mode: service, one swarm service through {0}', via);
}

export interface MatrixReport {
  network: string;
  mode: MatrixMode;
  hosts: string[];
  ok: boolean;
  cells: MatrixCell[];
  diagnoses: string[];
  problems: HostProblem[];
  largeSize?: number;
  /** The temporary attachable copy the pings ran on, when the network is not attachable. */
  testedOn?: string;
  /** An encrypted overlay's failing pairs checked again on a temporary unencrypted copy (with consent). */
  unencrypted?: UnencryptedComparison;
}

/** What a temporary unencrypted copy of an encrypted overlay showed for the pairs that failed encrypted. */
export interface UnencryptedComparison {
  /** The copy's name (removed after the run). */
  network: string;
  /** Whether every pair passed on the copy. */
  ok: boolean;
  /** Pairs ("h1>h2") that fail encrypted but pass unencrypted: IPsec's doing. */
  onlyEncrypted: string[];
  /** Pairs that fail unencrypted too: not (only) IPsec. */
  both: string[];
  /** One sentence on what the comparison means. */
  diagnosis: string;
}

/** One round of a watch: the same document as a run, numbered and timed. */
export interface MatrixRound extends MatrixReport {
  /** 1 for the first round on the placed probes. */
  round: number;
  /** ISO 8601 times the round's measuring began and ended. */
  startedAt: string;
  endedAt: string;
  measureMs: number;
}
