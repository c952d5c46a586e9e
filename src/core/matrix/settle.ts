// Docker 20.10's overlay gossip (NetworkDB) mishandles a node that leaves a network and rejoins it
// within a few seconds: its peers may not learn of the new containers for up to a minute, and a
// healthy overlay then looks broken. Measured in the lab: 4 of 20 back-to-back matrix runs hit it,
// 0 of 14 with a 5 s gap. So a run (1) waits out that gap when a probe host left the network moments
// ago, and (2) before measuring, waits until every host has learned of every probe.
import type { DockerHosts } from '../hosts/DockerHosts';
import { throwIfAborted } from '../errors';
import { abortableDelay } from '../steps';

/** Seconds a node should stay off a network before it rejoins. */
export const REJOIN_GAP_S = 5;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Docker's "seconds.nanoseconds" timestamp for a time in ms. */
function dockerTime(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(Math.floor(ms % 1000)).padStart(3, '0')}000000`;
}

/** When (daemon clock, ms) a container last left `networkId` on this host within the gap, and the daemon's now. */
async function lastLeave(hosts: DockerHosts, host: string, networkId: string): Promise<{ now: number; left?: number }> {
  const h = hosts.get(host);
  const info = (await h.call('read the daemon clock', (d) => d.info())) as { SystemTime?: string };
  const now = Date.parse(info.SystemTime ?? '') || Date.now();
  const text = await h.call('read recent network events', async (d) => {
    const stream = await d.getEvents({
      since: dockerTime(now - REJOIN_GAP_S * 1000),
      until: dockerTime(now),
      filters: JSON.stringify({ type: ['network'], event: ['disconnect'], network: [networkId] }),
    } as object);
    return readAll(stream);
  });
  let left: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const ev = JSON.parse(line) as { time?: number; timeNano?: number };
      const at = typeof ev.timeNano === 'number' ? ev.timeNano / 1e6 : typeof ev.time === 'number' ? ev.time * 1000 : undefined;
      if (at !== undefined && (left === undefined || at > left)) left = at;
    } catch {
      // Not an event: ignore.
    }
  }
  return { now, left };
}

/**
 * Waits until REJOIN_GAP_S have passed since a container last left the network on any of the hosts
 * (an earlier run's probes, typically). Returns the ms waited. Hosts that cannot say are not waited for.
 */
export async function waitOutRecentLeaves(
  hosts: DockerHosts,
  names: string[],
  networkId: string,
  onProgress?: (m: string) => void,
  signal?: AbortSignal,
): Promise<number> {
  const found = await Promise.all(
    names.map((n) =>
      lastLeave(hosts, n, networkId)
        .then((r) => ({ n, ...r }))
        .catch(() => ({ n, now: 0, left: undefined })),
    ),
  );
  let waitMs = 0;
  let who = '';
  for (const f of found) {
    if (f.left === undefined) continue;
    const rest = f.left + REJOIN_GAP_S * 1000 - f.now;
    if (rest > waitMs) [waitMs, who] = [Math.ceil(rest), f.n];
  }
  if (waitMs <= 0) return 0;
  onProgress?.(
    `A container left this network on ${who} moments ago; waiting ${Math.ceil(waitMs / 1000)} s so the overlay settles before the probes join…`,
  );
  await abortableDelay(waitMs, signal);
  return waitMs;
}

/**
 * Waits until each probe's host lists every other probe among the network endpoints it learned
 * through gossip (verbose network inspect). Returns, per host, the hosts whose probes it still did
 * not know when time ran out.
 */
export async function waitUntilKnown(
  hosts: DockerHosts,
  network: string,
  probes: Array<{ host: string; name: string }>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Map<string, string[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfAborted(signal);
    const unseen = new Map<string, string[]>();
    await Promise.all(
      probes.map(async (p) => {
        let known = new Set<string>();
        try {
          const info = (await hosts
            .get(p.host)
            .call('inspect the network (verbose)', (d) =>
              (d.getNetwork(network).inspect as (o: object) => Promise<unknown>)({ verbose: true }),
            )) as {
            Services?: Record<string, { Tasks?: Array<{ Name?: string }> | null }> | null;
          };
          known = new Set(Object.values(info.Services ?? {}).flatMap((svc) => (svc.Tasks ?? []).map((task) => task.Name ?? '')));
        } catch {
          // Counted as knowing nothing yet; the measurement will tell what works.
        }
        const missing = probes.filter((q) => q.host !== p.host && !known.has(q.name)).map((q) => q.host);
        if (missing.length) unseen.set(p.host, missing);
      }),
    );
    if (unseen.size === 0 || Date.now() >= deadline) return unseen;
    await abortableDelay(250, signal);
  }
}
