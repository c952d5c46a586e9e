// The matrix's probes: one short-lived container per host on the network under test. Placed (image
// pulled if missing, created, started, its address read), used to run the pings, and always removed;
// probes an earlier run left behind are swept by label.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { HostProblem } from '../../shared/matrix';
import type { DockerHost } from '../docker/DockerHost';
import { Cancelled, Refused, userMessage } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import type { Logger } from '../log';
import { type StepOptions, checkpoint } from '../steps';

export const PROBE_LABEL = 'swarm-overlay.probe';

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
  onProgress?: (message: string) => void;
}

/** Removes probes of earlier runs (by label) from every host given; returns how many were removed. */
export async function sweepProbes(hosts: DockerHosts, names: string[], logger: Logger): Promise<number> {
  const counts = await Promise.all(
    names.map(async (name) => {
      try {
        const h = hosts.get(name);
        const leftovers = (await h.call('list probe containers', (d) =>
          d.listContainers({ all: true, filters: { label: [PROBE_LABEL] } }),
        )) as Array<{ Id: string }>;
        await Promise.all(
          leftovers.map((c) => h.call('remove a probe', (d) => d.getContainer(c.Id).remove({ force: true })).catch(() => undefined)),
        );
        if (leftovers.length) logger.info(`matrix: removed ${leftovers.length} leftover probe(s) on ${name}`);
        return leftovers.length;
      } catch {
        return 0;
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function ensureImage(h: DockerHost, image: string, onProgress?: (m: string) => void, signal?: AbortSignal): Promise<void> {
  try {
    await h.call('inspect the probe image', (d) => d.getImage(image).inspect());
    return;
  } catch {
    // Missing: try to pull it.
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
        const container = await h.call('create a probe', (d) =>
          d.createContainer({
            Image: o.image,
            name: containerName,
            // A probe outlives no run by much even if nothing removes it.
            Cmd: ['sleep', '900'],
            Labels: { [PROBE_LABEL]: o.runId },
            HostConfig: { NetworkMode: network, AutoRemove: false },
          }),
        );
        const probe: Probe = { host: name, container, name: containerName, ip: '' };
        probes.push(probe);
        checkpoint(o, `start:${name}`);
        await h.call('start a probe', () => container.start());
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

/** Removes this run's probes; one that cannot be removed now is left to the next run's sweep. */
export async function removeProbes(hosts: DockerHosts, probes: Probe[], logger: Logger): Promise<void> {
  await Promise.all(
    probes.map((p) =>
      hosts
        .get(p.host)
        .call('remove a probe', () => p.container.remove({ force: true }))
        .catch((err: unknown) => {
          logger.warn(`matrix: could not remove ${p.name} on ${p.host} (${userMessage(err)}); the next run sweeps it`);
        }),
    ),
  );
}
