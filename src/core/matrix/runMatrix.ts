// The connectivity matrix: one short-lived probe container per host on the network, every ordered
// pair pinged by name, by IP and with a large packet (one exec per source, all targets at once),
// results streamed per cell, a diagnosis, and the probes always removed.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { DockerHost } from '../docker/DockerHost';
import { Cancelled, Refused, userMessage } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import type { Logger } from '../log';
import { type HostProblem, type MatrixCell, type Unseen, finishCell, overallDiagnoses, unseenDiagnoses, withUnseen } from './diagnosis';
import { type PingResult, parsePing } from './pingOutput';
import { type PingPlan, type PingTarget, pingScript, splitPingOutput } from './pingScript';
import { abortableDelay, waitOutRecentLeaves, waitUntilKnown } from './settle';
import { type StepOptions, checkpoint } from '../steps';

export const PROBE_LABEL = 'swarm-overlay.probe';
export const DEFAULT_PROBE_IMAGE = 'alpine:3.20';

export interface MatrixOptions extends StepOptions {
  network: string;
  /** The host the network is read through (a manager for an overlay). */
  via: string;
  hosts: string[];
  image: string;
  plan?: PingPlan;
  /** Run id, to name and label the probes; random by default. */
  runId?: string;
  logger: Logger;
  onProgress?: (message: string) => void;
  onCell?: (cell: MatrixCell) => void;
  /** When the overlay is not attachable, check a temporary attachable copy of it (removed afterwards). */
  temporaryCopy?: boolean;
  /** How long to wait for every host to learn of every probe through gossip (default 20 s). */
  convergeTimeoutMs?: number;
}

export interface MatrixResult {
  network: string;
  hosts: string[];
  ok: boolean;
  cells: MatrixCell[];
  diagnoses: string[];
  problems: HostProblem[];
  largeSize: number;
  /** The temporary attachable copy the pings ran on, when the network itself is not attachable. */
  testedOn?: string;
  timings: { sweepMs: number; settleMs: number; placeMs: number; convergeMs: number; measureMs: number; cleanupMs: number };
}

/**
 * Pause before failed targets are tried again. Gossip is waited for before measuring; what is left is
 * a lone lost reply when a source runs many pings at once on a busy machine (seen in the 6-host lab:
 * 1 of 3 replies lost even to itself), which a second try a moment later does not repeat.
 */
const RETRY_DELAY_MS = 200;

export const DEFAULT_PLAN: PingPlan = { count: 3, timeoutS: 2, intervalS: 0.2 };

interface Probe {
  host: string;
  container: Docker.Container;
  name: string;
  ip: string;
}

/** Removes probes of earlier runs (by label) from every host given; returns how many were removed. */
export async function sweepProbes(hosts: DockerHosts, names: string[], logger: Logger): Promise<number> {
  const counts = await Promise.all(
    names.map(async (name) => {
      try {
        const h = hosts.get(name);
        const leftovers = (await h.call('list probe containers', (d) => d.listContainers({ all: true, filters: { label: [PROBE_LABEL] } }))) as Array<{ Id: string }>;
        await Promise.all(leftovers.map((c) => h.call('remove a probe', (d) => d.getContainer(c.Id).remove({ force: true })).catch(() => undefined)));
        if (leftovers.length) logger.info(`matrix: removed ${leftovers.length} leftover probe(s) on ${name}`);
        return leftovers.length;
      } catch {
        return 0;
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

const CONVERGE_TIMEOUT_MS = 20_000;

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
        await new Promise<void>((resolve, reject) => d.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    });
  } catch (err) {
    if (signal?.aborted) throw new Cancelled();
    throw new Refused(`The probe image ${image} is not on ${h.name} and cannot be pulled (${userMessage(err).replace(/\.$/, '')}); set swarmOverlay.probeImage to an image the hosts have.`);
  }
}

async function execScript(container: Docker.Container, script: string, signal?: AbortSignal): Promise<{ output: string; exitCode?: number }> {
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

interface NetworkAnswer {
  Id: string;
  Name: string;
  Driver?: string;
  Attachable?: boolean;
  Internal?: boolean;
  Options?: Record<string, string> | null;
}

/** Label of the temporary attachable copies a run makes of a non-attachable overlay. */
export const TEMPORARY_LABEL = 'swarm-overlay.temporary';

/** Removes temporary networks of earlier runs through a manager; returns how many went. */
export async function sweepTemporaryNetworks(via: DockerHost, logger: Logger): Promise<number> {
  try {
    const nets = (await via.call('list temporary networks', (d) => d.listNetworks({ filters: { label: [TEMPORARY_LABEL] } }))) as Array<{ Id: string; Name: string }>;
    let removed = 0;
    for (const n of nets) {
      if (await removeWhenFree(via, n.Id)) removed++;
      else logger.warn(`matrix: the temporary network ${n.Name} is still in use; the next run removes it`);
    }
    return removed;
  } catch {
    return 0;
  }
}

/** A network just left by its last container can take a moment to be free on every node. */
async function removeWhenFree(via: DockerHost, id: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    try {
      await via.call('remove the temporary network', (d) => d.getNetwork(id).remove());
      return true;
    } catch (err) {
      if (/not found|no such network/i.test(userMessage(err))) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

/**
 * The network as its manager describes it. A swarm network created a moment ago has no driver yet
 * (the allocator fills it in shortly after): read it again until it has one, up to 5 s.
 */
async function inspectAllocated(via: DockerHost, name: string, signal?: AbortSignal): Promise<NetworkAnswer> {
  for (let i = 0; ; i++) {
    const net = (await via.call(`inspect the network "${name}"`, (d) => d.getNetwork(name).inspect())) as NetworkAnswer;
    if (net.Driver || i >= 20) return net;
    await abortableDelay(250, signal);
  }
}

export async function runMatrix(hosts: DockerHosts, o: MatrixOptions): Promise<MatrixResult> {
  const runId = o.runId ?? Math.random().toString(36).slice(2, 8);
  const via = hosts.get(o.via);
  checkpoint(o, 'inspect');
  const net = await inspectAllocated(via, o.network, o.signal);
  if (net.Driver === 'overlay' && !net.Attachable) {
    if (!o.temporaryCopy) {
      throw new Refused(
        `The overlay "${net.Name}" is not attachable, so test containers cannot join it: check a temporary attachable copy with the same options instead (CLI --temporary; in VS Code, confirm the offer), or create an attachable overlay.`,
      );
    }
    await sweepTemporaryNetworks(via, o.logger);
    const copy = `so-check-${runId}`;
    o.onProgress?.(`"${net.Name}" is not attachable: creating the temporary attachable overlay ${copy} with the same options…`);
    const opts = net.Options ?? {};
    checkpoint(o, 'temporary');
    await via.call('create a temporary attachable overlay', (d) =>
      d.createNetwork({
        Name: copy,
        Driver: 'overlay',
        Attachable: true,
        Internal: net.Internal === true,
        CheckDuplicate: true,
        Options: Object.fromEntries(Object.entries(opts).filter(([k]) => k === 'encrypted' || k === 'com.docker.network.driver.mtu')),
        Labels: { [TEMPORARY_LABEL]: runId },
      }),
    );
    try {
      checkpoint(o, 'temporary-created');
      const r = await measureOn(hosts, { ...o, network: copy, runId });
      const note = `"${net.Name}" is not attachable: this check ran on ${copy}, a temporary attachable overlay with the same options across the same hosts, removed afterwards.`;
      return { ...r, network: net.Name, testedOn: copy, diagnoses: [note, ...r.diagnoses] };
    } finally {
      if (!(await removeWhenFree(via, copy))) o.logger.warn(`matrix: could not remove ${copy} yet; the next run removes it`);
    }
  }
  return measureOn(hosts, { ...o, runId }, net);
}

async function measureOn(hosts: DockerHosts, o: MatrixOptions & { runId: string }, known?: NetworkAnswer): Promise<MatrixResult> {
  const runId = o.runId;
  const plan = o.plan ?? DEFAULT_PLAN;
  const log = o.logger;
  const via = hosts.get(o.via);
  const net = known ?? (await inspectAllocated(via, o.network, o.signal));
  if (net.Driver !== 'overlay' && !(net.Driver === 'bridge' && o.hosts.length === 1)) {
    throw new Refused(`"${net.Name}" is a ${net.Driver} network: the matrix needs an attachable overlay (or a bridge, for a single host).`);
  }
  const mtu = Number(net.Options?.['com.docker.network.driver.mtu']) || 1450;
  const largeSize = mtu - 28;
  const problems: HostProblem[] = [];
  const probes: Probe[] = [];
  const timings = { sweepMs: 0, settleMs: 0, placeMs: 0, convergeMs: 0, measureMs: 0, cleanupMs: 0 };
  let t = Date.now();
  try {
    checkpoint(o, 'sweep');
    o.onProgress?.('Removing probes left by earlier runs…');
    await sweepProbes(hosts, hosts.list().map((h) => h.name), log);
    timings.sweepMs = Date.now() - t;
    checkpoint(o, 'settle');
    t = Date.now();
    if (net.Driver === 'overlay') timings.settleMs = await waitOutRecentLeaves(hosts, o.hosts, net.Id, o.onProgress, o.signal);
    t = Date.now();
    checkpoint(o, 'place');
    o.onProgress?.(`Starting ${o.hosts.length} probe(s)…`);
    // allSettled, not all: a cancel on one host must not leave before another host's probe, still
    // being created, is in the list the cleanup removes.
    const placed = await Promise.allSettled(
      o.hosts.map(async (name) => {
        const h = hosts.get(name);
        try {
          checkpoint(o, `image:${name}`);
          await ensureImage(h, o.image, o.onProgress, o.signal);
          checkpoint(o, `create:${name}`);
          const containerName = `so-probe-${name}-${runId}`;
          const container = await h.call('create a probe', (d) =>
            d.createContainer({
              Image: o.image,
              name: containerName,
              // A probe outlives no run by much even if nothing removes it.
              Cmd: ['sleep', '900'],
              Labels: { [PROBE_LABEL]: runId },
              HostConfig: { NetworkMode: net.Name, AutoRemove: false },
            }),
          );
          probes.push({ host: name, container, name: containerName, ip: '' });
          checkpoint(o, `start:${name}`);
          await h.call('start a probe', () => container.start());
          const info = (await h.call('inspect a probe', () => container.inspect())) as { NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> } };
          const ip = info.NetworkSettings?.Networks?.[net.Name]?.IPAddress;
          if (!ip) throw new Refused(`the probe on ${name} got no address on ${net.Name}`);
          probes.find((p) => p.name === containerName)!.ip = ip;
          o.onProgress?.(`Probe on ${name} is up at ${ip}.`);
        } catch (err) {
          if (err instanceof Cancelled) throw err;
          problems.push({ host: name, reason: userMessage(err) });
        }
      }),
    );
    for (const p of placed) if (p.status === 'rejected') throw p.reason;
    timings.placeMs = Date.now() - t;
    checkpoint(o, 'converge');
    t = Date.now();
    const live = probes.filter((p) => p.ip);
    let unseen: Unseen = new Map();
    if (net.Driver === 'overlay' && live.length > 1) {
      o.onProgress?.('Waiting until every host knows every probe…');
      unseen = await waitUntilKnown(hosts, net.Name, live, o.convergeTimeoutMs ?? CONVERGE_TIMEOUT_MS, o.signal);
      timings.convergeMs = Date.now() - t;
      for (const [host, missing] of unseen) log.warn(`matrix: after ${timings.convergeMs} ms ${host} still did not know the probe(s) of ${missing.join(', ')}`);
      t = Date.now();
    }
    const cells: MatrixCell[] = [];
    checkpoint(o, 'measure');
    o.onProgress?.(`Measuring ${live.length * live.length} pair(s)…`);
    const measure = async (src: Probe, targets: PingTarget[]): Promise<Map<string, PingResult>> => {
      let results: Array<{ raw: string; exitCode?: number }>;
      try {
        const { output } = await hosts.get(src.host).call('run pings in a probe', () => execScript(src.container, pingScript(targets, plan), o.signal));
        results = splitPingOutput(output, targets.length);
      } catch (err) {
        if (err instanceof Cancelled) throw err;
        const reason = userMessage(err);
        results = targets.map(() => ({ raw: reason }));
      }
      return new Map(targets.map((tg, i) => [tg.key, parsePing(results[i]!.raw, results[i]!.exitCode)]));
    };
    await Promise.all(
      live.map(async (src) => {
        const targets: PingTarget[] = live.flatMap((dst) => [
          { key: `${dst.host}/name`, address: dst.name },
          { key: `${dst.host}/ip`, address: dst.ip },
          { key: `${dst.host}/large`, address: dst.ip, size: largeSize },
        ]);
        const byKey = await measure(src, targets);
        // Failed targets get one more try before they count as failed (see RETRY_DELAY_MS).
        const failed = targets.filter((tg) => !byKey.get(tg.key)!.ok);
        if (failed.length > 0) {
          log.debug(`matrix: from ${src.host}, ${failed.length} target(s) failed the first try (${failed.map((f) => `${f.key}: ${byKey.get(f.key)!.error} [${byKey.get(f.key)!.raw.replace(/\s+/g, ' ').slice(0, 400)}]`).join('; ')}); trying them again`);
          checkpoint(o, `retry:${src.host}`);
          await abortableDelay(RETRY_DELAY_MS, o.signal);
          for (const [k, v] of await measure(src, failed)) byKey.set(k, v);
        }
        for (const dst of live) {
          const measured = finishCell({ from: src.host, to: dst.host, byName: byKey.get(`${dst.host}/name`)!, byIp: byKey.get(`${dst.host}/ip`)!, large: byKey.get(`${dst.host}/large`) }, largeSize);
          const cell = withUnseen(measured, unseen, Math.round(timings.convergeMs / 1000));
          cells.push(cell);
          o.onCell?.(cell);
        }
      }),
    );
    timings.measureMs = Date.now() - t;
    const order = (c: MatrixCell) => o.hosts.indexOf(c.from) * 1000 + o.hosts.indexOf(c.to);
    cells.sort((a, b) => order(a) - order(b));
    const failing = cells.some((c) => !c.ok);
    const diagnoses = [...(failing ? unseenDiagnoses(unseen, Math.round(timings.convergeMs / 1000)) : []), ...overallDiagnoses(o.hosts, cells, problems)];
    return { network: net.Name, hosts: o.hosts, ok: problems.length === 0 && cells.every((c) => c.ok), cells, diagnoses, problems, largeSize, timings };
  } finally {
    t = Date.now();
    await Promise.all(
      probes.map((p) =>
        hosts
          .get(p.host)
          .call('remove a probe', () => p.container.remove({ force: true }))
          .catch((err: unknown) => log.warn(`matrix: could not remove ${p.name} on ${p.host} (${userMessage(err)}); the next run sweeps it`)),
      ),
    );
    timings.cleanupMs = Date.now() - t;
  }
}
