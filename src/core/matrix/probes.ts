// The matrix's probes: one short-lived container per host on the network under test. Placed (image
// pulled if missing, created, started, its address read), used to run the pings, and always removed;
// each holds a lease its run renews (lease.ts), and probes of runs that are over are swept by label.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { HostProblem } from '../../shared/matrix';
import type { DockerHost } from '../docker/DockerHost';
import { Cancelled, DockerApiError, Refused, userMessage } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import type { Logger } from '../log';
import { type StepOptions, checkpoint } from '../steps';
import { LEASE_LABEL, type ListedProbe, PROBE_LABEL, probeCommand, probeIsOver } from './lease';

export { PROBE_LABEL };

export interface Probe {
  host: string;
  container: Docker.Container;
  name: string;
  /** The probe's address on the network; empty until it has started. */
  ip: string;
}

export interface PlaceOptions extends StepOptions {
  image: string;
  /** Run id, to name and label the probes. */
  runId: string;
  /** Seconds a probe stays up without its run renewing the lease (see lease.ts). */
  leaseS: number;
  onProgress?: (message: string) => void;
}

export interface SweepResult {
  removed: number;
  /** Run ids of the running probes seen: runs that are alive (or whose lease still runs). */
  liveRuns: Set<string>;
}

/** The daemon's clock in ms (its clock judges its containers' ages), or this machine's if it cannot say. */
export async function daemonNow(h: DockerHost): Promise<number> {
  const info = (await h.call('read the daemon clock', (d) => d.info()).catch(() => ({}))) as { SystemTime?: string };
  return Date.parse(info.SystemTime ?? '') || Date.now();
}

/**
 * Removes, from every host given, the probes of runs that are over (lease.ts says which); never this
 * run's, never a live run's, never a container without the probe label. A host that cannot be read
 * is skipped.
 */
export async function sweepProbes(hosts: DockerHosts, names: string[], logger: Logger, ownRunId?: string): Promise<SweepResult> {
  const liveRuns = new Set<string>();
  const counts = await Promise.all(
    names.map(async (name) => {
      try {
        const h = hosts.get(name);
        const listed = (await h.call('list probe containers', (d) =>
          d.listContainers({ all: true, filters: { label: [PROBE_LABEL] } }),
        )) as Array<ListedProbe & { Id: string }>;
        for (const c of listed) if (c.State === 'running' && c.Labels?.[PROBE_LABEL]) liveRuns.add(c.Labels[PROBE_LABEL]);
        // Only a probe that never started (or is paused) is judged by its age: read the clock for those only.
        const aged = listed.some((c) => c.State !== 'running' && c.State !== 'exited' && c.State !== 'dead');
        const now = aged ? await daemonNow(h) : Date.now();
        const over = listed.filter((c) => probeIsOver(c, now, ownRunId));
        await Promise.all(
          over.map((c) => h.call('remove a probe', (d) => d.getContainer(c.Id).remove({ force: true })).catch(() => undefined)),
        );
        if (over.length) logger.info(`matrix: removed ${over.length} probe(s) of runs that are over on ${name}`);
        return over.length;
      } catch {
        return 0;
      }
    }),
  );
  return { removed: counts.reduce((a, b) => a + b, 0), liveRuns };
}

async function ensureImage(h: DockerHost, image: string, onProgress?: (m: string) => void, signal?: AbortSignal): Promise<void> {
  try {
    await h.call('inspect the probe image', (d) => d.getImage(image).inspect());
    return;
  } catch (err) {
    // Only a missing image is pulled; a daemon that is down or silent is that host's problem, said as such.
    if (!(err instanceof DockerApiError && err.status === 404)) throw err;
  }
  onProgress?.(`Pulling ${image} on ${h.name}…`);
  try {
    await h.call(`pull ${image}`, async (d) => {
      const stream = (await d.pull(image)) as NodeJS.ReadableStream & { destroy(): void };
      // A cancel closes the pull's connection; the daemon then stops pulling for it.
      const onAbort = () => stream.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await new Promise<void>((resolve, reject) =>
          d.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
        );
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    });
  } catch (err) {
    if (signal?.aborted) throw new Cancelled();
    throw new Refused(
      `The probe image ${image} is not on ${h.name} and cannot be pulled (${userMessage(err).replace(/\.$/, '')}); ` +
        'set swarmOverlay.probeImage to an image the hosts have.',
    );
  }
}

/**
 * Starts a probe on each host on `network`. Each probe goes into `probes` as soon as its container
 * exists, so the caller's cleanup removes it even when placing stops half-way; a host that cannot
 * take part goes into `problems`. Only a cancel throws.
 */
export async function placeProbes(
  hosts: DockerHosts,
  names: string[],
  network: string,
  o: PlaceOptions,
  probes: Probe[],
  problems: HostProblem[],
): Promise<void> {
  // allSettled, not all: a cancel on one host must not leave before another host's probe, still
  // being created, is in the list the cleanup removes.
  const placed = await Promise.allSettled(
    names.map(async (name) => {
      const h = hosts.get(name);
      try {
        checkpoint(o, `image:${name}`);
        await ensureImage(h, o.image, o.onProgress, o.signal);
        checkpoint(o, `create:${name}`);
        const containerName = `so-probe-${name}-${o.runId}`;
        // In the list before it is asked for: a create the daemon completes after this run gave up on it
        // (no answer in time) must still be removed by the cleanup.
        const probe: Probe = {
          host: name,
          container: await h.call('name a probe', async (d) => d.getContainer(containerName)),
          name: containerName,
          ip: '',
        };
        probes.push(probe);
        const container = await h.call(
          'create a probe',
          (d) =>
            d.createContainer({
              Image: o.image,
              name: containerName,
              // Ends by itself once its run stops renewing the lease, and is then deleted (AutoRemove).
              Cmd: probeCommand(o.leaseS),
              Labels: { [PROBE_LABEL]: o.runId, [LEASE_LABEL]: String(o.leaseS) },
              HostConfig: { NetworkMode: network, AutoRemove: true },
            }),
          { whileAlive: true },
        );
        probe.container = container;
        checkpoint(o, `start:${name}`);
        // On a worker, joining a new overlay waits for the manager: slow under load, yet the daemon answers.
        await h.call('start a probe', () => container.start(), { whileAlive: true });
        const info = (await h.call('inspect a probe', () => container.inspect())) as {
          NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
        };
        const ip = info.NetworkSettings?.Networks?.[network]?.IPAddress;
        if (!ip) throw new Refused(`the probe on ${name} got no address on ${network}`);
        probe.ip = ip;
        o.onProgress?.(`Probe on ${name} is up at ${ip}.`);
      } catch (err) {
        if (err instanceof Cancelled) throw err;
        problems.push({ host: name, reason: userMessage(err) });
      }
    }),
  );
  for (const p of placed) if (p.status === 'rejected') throw p.reason;
}

/** Runs a shell script in a probe; resolves with its combined output once it ends. */
export async function execInProbe(probe: Probe, script: string, signal?: AbortSignal): Promise<{ output: string; exitCode?: number }> {
  const { container } = probe;
  const exec = await container.exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadWriteStream & { destroy(): void };
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  container.modem.demuxStream(stream, out, out);
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new Cancelled());
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', reject);
    });
  } finally {
    // The hijacked connection is an SSH channel: the daemon only half-closes it when the exec ends,
    // so it stays open (and counted against the connection's channel bound) until closed here.
    stream.destroy();
  }
  const info = (await exec.inspect()) as { ExitCode?: number | null };
  return { output: Buffer.concat(chunks).toString('utf8'), exitCode: info.ExitCode ?? undefined };
}

/** Re-arms the lease of this run's started probes (see lease.ts); a probe that cannot be reached now is tried next time. */
export async function renewLeases(hosts: DockerHosts, probes: Probe[], logger: Logger): Promise<void> {
  await Promise.all(
    probes
      .filter((p) => p.ip)
      .map((p) =>
        hosts
          .get(p.host)
          .call('renew a probe lease', () => p.container.kill({ signal: 'SIGUSR1' }))
          .catch((err: unknown) => logger.debug(`matrix: could not renew the lease of ${p.name} on ${p.host} (${userMessage(err)})`)),
      ),
  );
}

/** Already gone (it ended with its lease, or its AutoRemove is under way): nothing to remove. */
const GONE = /no such container|removal of container .* is already in progress/i;

/** Removes this run's probes; one that cannot be removed now ends with its lease or goes with a later run's sweep. */
export async function removeProbes(hosts: DockerHosts, probes: Probe[], logger: Logger): Promise<void> {
  await Promise.all(
    probes.map((p) =>
      hosts
        .get(p.host)
        .call('remove a probe', () => p.container.remove({ force: true }))
        .catch((err: unknown) => {
          const why = userMessage(err);
          if (!GONE.test(why)) logger.warn(`matrix: could not remove ${p.name} on ${p.host} (${why}); it ends with its lease`);
        }),
    ),
  );
}
