// Probes cannot join an overlay that is not attachable: the matrix then checks a temporary attachable
// copy of it (same encryption, MTU and internal flag, across the same hosts), removed afterwards and,
// if that fails, by a later run once its lease is over (lease.ts).
import type { DockerHost } from '../docker/DockerHost';
import { userMessage } from '../errors';
import type { Logger } from '../log';
import type { NetworkAnswer } from '../networks/overlayNetworks';
import { abortableDelay } from '../steps';
import { LEASE_LABEL, type ListedNetwork, TEMPORARY_LABEL, networkIsOver } from './lease';
import { daemonNow } from './probes';

export { TEMPORARY_LABEL };

/** The driver options that change what traffic sees; the copy's subnet is the swarm's choice. */
const COPIED_OPTIONS = new Set(['encrypted', 'com.docker.network.driver.mtu']);

/**
 * Creates `name`, an attachable overlay with the options of `net` that matter (without its encryption
 * when `unencrypted`), labelled with the run and its lease. Returns the new network's id.
 */
export async function createTemporaryCopy(
  via: DockerHost,
  net: NetworkAnswer,
  name: string,
  runId: string,
  leaseS: number,
  unencrypted = false,
): Promise<string> {
  const opts = Object.fromEntries(Object.entries(net.Options ?? {}).filter(([k]) => !(unencrypted && k === 'encrypted')));
  const created = await via.call(`create a temporary ${unencrypted ? 'unencrypted' : 'attachable'} overlay`, (d) =>
    d.createNetwork({
      Name: name,
      Driver: 'overlay',
      Attachable: true,
      Internal: net.Internal === true,
      CheckDuplicate: true,
      Options: Object.fromEntries(Object.entries(opts).filter(([k]) => COPIED_OPTIONS.has(k))),
      Labels: { [TEMPORARY_LABEL]: runId, [LEASE_LABEL]: String(leaseS) },
    }),
  );
  return (created as { id: string }).id;
}

/**
 * Removes a temporary network. One just left by its last container can take a moment to be free on
 * every node: tried for up to 10 s. A cancel of `signal` stops the waiting; cleanup after a cancel
 * passes no signal, so it still waits.
 */
export async function removeWhenFree(via: DockerHost, id: string, signal?: AbortSignal): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    try {
      await via.call('remove the temporary network', (d) => d.getNetwork(id).remove());
      return true;
    } catch (err) {
      if (/not found|no such network/i.test(userMessage(err))) return true;
      await abortableDelay(500, signal);
    }
  }
  return false;
}

/**
 * Removes, through a manager, the temporary networks of runs that are over: older than their lease
 * with no probe of their run in `liveRuns` (lease.ts). Returns how many went.
 */
export async function sweepTemporaryNetworks(
  via: DockerHost,
  logger: Logger,
  liveRuns: ReadonlySet<string>,
  ownRunId: string,
  signal?: AbortSignal,
): Promise<number> {
  try {
    const nets = (await via.call('list temporary networks', (d) => d.listNetworks({ filters: { label: [TEMPORARY_LABEL] } }))) as Array<
      ListedNetwork & { Id: string; Name: string }
    >;
    if (nets.length === 0) return 0;
    const now = await daemonNow(via);
    let removed = 0;
    for (const n of nets.filter((x) => networkIsOver(x, now, liveRuns, ownRunId))) {
      if (await removeWhenFree(via, n.Id, signal)) removed++;
      else logger.warn(`matrix: the temporary network ${n.Name} is still in use; a later run removes it`);
    }
    return removed;
  } catch {
    return 0;
  }
}
