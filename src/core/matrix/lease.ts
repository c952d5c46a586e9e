// Leases let several matrix runs (a CI job, a user, two VS Code windows) share hosts and overlays:
// a sweep removes only what belongs to runs that are over, never a live run's probes or networks.
//
// Decision. Labels cannot change on a running container, so a probe carries its run id and its lease
// length, and its own command ends once the lease lapses: a shell loop as PID 1 that exits when no
// renewal came for `leaseS` seconds (AutoRemove then deletes the container). A live run renews every
// leaseS / 3 by sending its probes SIGUSR1 (one API call per probe, no exec), which re-arms the loop;
// so a run may last any time, and a run killed with SIGKILL leaves probes that end within its lease.
// A sweep judges from the container list alone, without exec-ing into anything: a running probe is
// live (it ends by itself when its run stops renewing); an ended one is over; one that never started
// is over once older than its lease. A temporary network cannot end by itself and cannot be renewed:
// it is over once older than its lease AND no running probe of its run exists on any host swept.
// Anything without the project's labels is never listed, so never touched.

/** On probe containers: the run id. */
export const PROBE_LABEL = 'swarm-overlay.probe';
/** On the temporary attachable copies a run makes of a non-attachable overlay: the run id. */
export const TEMPORARY_LABEL = 'swarm-overlay.temporary';
/** Lease length in seconds, on probes and temporary networks. */
export const LEASE_LABEL = 'swarm-overlay.lease-seconds';

/** Default lease: a run renews three times per lease, so a killed run's probes go within a minute. */
export const DEFAULT_LEASE_S = 60;
/** Shortest lease accepted: renewals (one API call each) must comfortably fit in a third of it. */
export const MIN_LEASE_S = 5;
export const MAX_LEASE_S = 3600;
/** Probes of versions before leases ran `sleep 900`. */
const UNLABELLED_LEASE_S = 900;
/** Slack for a container created just before its start, or a daemon clock a little off. */
const GRACE_S = 10;

/** The probe's command: stay up while renewed (SIGUSR1) at least every `leaseS` seconds, then end. */
export function probeCommand(leaseS: number): string[] {
  const arm = `d=$(($(date +%s)+${leaseS}))`;
  return ['sh', '-c', `${arm}; trap '${arm}' USR1; while [ "$(date +%s)" -lt "$d" ]; do sleep 1; done`];
}

export function leaseProblem(leaseS: number | undefined, what = 'The probe lease'): string | undefined {
  if (leaseS === undefined) return undefined;
  if (!Number.isInteger(leaseS) || leaseS < MIN_LEASE_S || leaseS > MAX_LEASE_S) {
    return `${what} must be a whole number of seconds from ${MIN_LEASE_S} to ${MAX_LEASE_S}.`;
  }
  return undefined;
}

function leaseOf(labels: Record<string, string> | undefined): number {
  const s = Number(labels?.[LEASE_LABEL]);
  return Number.isInteger(s) && s > 0 ? s : UNLABELLED_LEASE_S;
}

/** A labelled probe container as the container list shows it. */
export interface ListedProbe {
  Labels?: Record<string, string>;
  /** created, running, paused, restarting, removing, exited or dead. */
  State?: string;
  /** Unix seconds, daemon clock. */
  Created?: number;
}

/** Whether a sweep removes this probe (`nowMs`: the daemon's clock); a run never sweeps its own. */
export function probeIsOver(p: ListedProbe, nowMs: number, ownRunId?: string): boolean {
  if (ownRunId !== undefined && p.Labels?.[PROBE_LABEL] === ownRunId) return false;
  switch (p.State) {
    case 'exited':
    case 'dead':
      return true;
    case 'running':
    case 'removing':
      // Running: it ends by itself once its run stops renewing. Removing: already going.
      return false;
    default: {
      // Created but never started, paused, restarting: cannot end by itself, so judged by age.
      const created = (p.Created ?? 0) * 1000;
      return created > 0 && nowMs - created > (leaseOf(p.Labels) + GRACE_S) * 1000;
    }
  }
}

/** A labelled temporary network as the network list shows it. */
export interface ListedNetwork {
  Labels?: Record<string, string>;
  /** RFC 3339, daemon clock. */
  Created?: string;
}

/**
 * Whether a sweep removes this temporary network: older than its lease and no probe of its run alive
 * (`liveRuns`: run ids of the running probes seen on every host swept).
 */
export function networkIsOver(n: ListedNetwork, nowMs: number, liveRuns: ReadonlySet<string>, ownRunId?: string): boolean {
  const run = n.Labels?.[TEMPORARY_LABEL];
  if (run === undefined || run === ownRunId || liveRuns.has(run)) return false;
  const created = Date.parse(n.Created ?? '');
  return Number.isFinite(created) && nowMs - created > (leaseOf(n.Labels) + GRACE_S) * 1000;
}

/** A labelled probe service as the service list shows it, with the states of its tasks. */
export interface ListedProbeService {
  Labels?: Record<string, string>;
  /** RFC 3339, manager clock. */
  CreatedAt?: string;
  /** Each task's current state: new, pending, assigned, accepted, preparing, starting, running, complete, failed, rejected, shutdown… */
  taskStates: string[];
}

/**
 * Whether a sweep removes this probe service (service mode). Its tasks end by themselves when their
 * lease ends, counted from their start, and a run never waits past its lease: so a service is over
 * once older than its lease (plus grace) and none of its tasks still runs. Never this run's.
 */
export function probeServiceIsOver(s: ListedProbeService, nowMs: number, ownRunId?: string): boolean {
  const run = s.Labels?.[PROBE_LABEL];
  if (run === undefined || run === ownRunId) return false;
  if (s.taskStates.includes('running')) return false;
  const created = Date.parse(s.CreatedAt ?? '');
  return Number.isFinite(created) && nowMs - created > (leaseOf(s.Labels) + GRACE_S) * 1000;
}
