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
 * Whether a probe's start failed because Docker's own wait for the manager to attach the container to
 * the overlay ran out ("attaching to network failed … context deadline exceeded"): a manager too busy
 * to answer in time (seen with twelve lab nodes on two cores), not a broken network.
 */
export function managerAttachTimedOut(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /attaching to network failed/i.test(text) && /deadline exceeded/i.test(text);
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
        const create = () =>
          h.call(
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
        let container = await create();
        probe.container = container;
        checkpoint(o, `start:${name}`);
        // On a worker, joining a new overlay waits for the manager: slow under load, yet the daemon answers.
        await h
          .call('start a probe', () => container.start(), { whileAlive: true })
          .catch(async (err: unknown) => {
            if (!managerAttachTimedOut(err)) throw err;
            // Docker's own wait for a busy manager ran out; the failed start removed the probe (AutoRemove): once more.
            o.onProgress?.(`The manager was slow to attach the probe on ${name} to ${network}; trying once more…`);
            checkpoint(o, `start:${name}`);
            container = await create();
            probe.container = container;
            await h.call('start a probe', () => container.start(), { whileAlive: true });
          });
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

/**
 * A shell kept open in a probe for a watch: every round writes one line to it and reads the round's
 * output up to its end marker, so a round costs no exec of its own (an exec's create, start and
 * inspect were about 0.25 s of a 1.4 s round on 3 lab hosts). The script is fixed when it opens; a
 * shell that fails, times out or is cancelled is closed and not used again.
 */
export class ProbeShell {
  private text = '';
  private rounds = 0;
  private ended: Error | undefined;
  private waiter: { marker: string; resolve: (output: string) => void; reject: (err: Error) => void } | undefined;

  private constructor(
    readonly script: string,
    private readonly stream: NodeJS.ReadWriteStream & { destroy(): void },
  ) {}

  static async open(probe: Probe, script: string): Promise<ProbeShell> {
    // Each line read runs the script once in a subshell (its own background pings and `wait`), then marks the round's end.
    const loop = `while read -r n; do (\n${script}\n) </dev/null 2>&1; echo "__round_end $n"; done`;
    const exec = await probe.container.exec({ Cmd: ['sh', '-c', loop], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & { destroy(): void };
    const shell = new ProbeShell(script, stream);
    const out = new PassThrough();
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => shell.read(chunk));
    probe.container.modem.demuxStream(stream, out, out);
    const gone = () => shell.fail(new Error(`the probe ${probe.name} on ${probe.host} stopped answering`));
    stream.on('end', gone);
    stream.on('close', gone);
    stream.on('error', (err: Error) => shell.fail(err));
    return shell;
  }

  /** One run of the script: its output. A cancel rejects at once (the caller closes the shell). */
  run(signal?: AbortSignal): Promise<string> {
    if (this.ended) return Promise.reject(this.ended);
    if (this.waiter) return Promise.reject(new Error('a round is already running in this probe'));
    if (signal?.aborted) return Promise.reject(new Cancelled());
    const n = ++this.rounds;
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => this.fail(new Cancelled());
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      this.waiter = {
        marker: `__round_end ${n}\n`,
        resolve: (output) => (settle(), resolve(output)),
        reject: (err) => (settle(), reject(err)),
      };
      this.stream.write(`${n}\n`);
      this.read('');
    });
  }

  close(): void {
    this.fail(new Error('the probe shell was closed'));
    this.stream.destroy();
  }

  private read(chunk: string): void {
    this.text += chunk;
    const w = this.waiter;
    if (!w) return;
    const at = this.text.indexOf(w.marker);
    if (at < 0) return;
    const output = this.text.slice(0, at);
    this.text = this.text.slice(at + w.marker.length);
    w.resolve(output);
  }

  private fail(err: Error): void {
    this.ended ??= err;
    this.waiter?.reject(err);
  }
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
