// CLI: `matrix <network> --via <host> [--hosts h1,h2,...] [--image IMG] [--temporary] [--json]`. Exit 0 when every
// pair passes, 1 when any fails, 2 on setup errors (no such network, image missing everywhere…).
import type { Core } from '../core/core';
import { ConfigError } from '../core/errors';
import { reportDocument } from '../core/matrix/exportMatrix';
import { DEFAULT_PROBE_IMAGE, runMatrix } from '../core/matrix/runMatrix';
import { swarmHosts } from '../core/swarm/swarmHosts';
import type { CliIo } from './main';
import { UsageError, need, out } from './swarmCommands';
import { formatTable } from './table';

export interface MatrixArgs {
  rest: string[];
  json: boolean;
  via?: string;
  probeHosts?: string;
  image?: string;
  temporary?: boolean;
}

export async function matrixCommand(core: Core, io: CliIo, a: MatrixArgs): Promise<number> {
  const [network, ...extra] = a.rest;
  if (extra.length) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  const via = need(a.via, '--via HOST');
  let names: string[];
  if (a.probeHosts) {
    names = a.probeHosts.split(',').map((s) => s.trim()).filter(Boolean);
    for (const n of names) core.hosts.get(n);
  } else {
    names = (await swarmHosts(core.hosts, core.hosts.get(via))).map((m) => m.name);
  }
  if (names.length === 0) throw new ConfigError('No host to probe.');
  const result = await runMatrix(core.hosts, {
    network: need(network, 'The network'),
    via,
    hosts: names,
    image: a.image ?? DEFAULT_PROBE_IMAGE,
    temporaryCopy: a.temporary === true,
    logger: core.logger,
    signal: io.signal,
    onProgress: (m) => core.logger.info(`matrix: ${m}`),
  });
  if (result.problems.length === result.hosts.length) {
    throw new ConfigError(`No probe could start: ${result.problems.map((p) => `${p.host}: ${p.reason}`).join(' ')}`);
  }
  const doc = { ...reportDocument(result), timings: result.timings };
  const cell = (from: string, to: string) => {
    const c = result.cells.find((x) => x.from === from && x.to === to);
    if (!c) return 'n/a';
    return c.ok ? `ok ${c.byIp.avgMs?.toFixed(2) ?? '?'}ms` : !c.byIp.ok ? 'FAIL' : !c.byName.ok ? 'FAIL name' : 'FAIL large';
  };
  const text = [
    `Connectivity of "${result.network}"${result.testedOn ? ` (checked on its temporary attachable copy ${result.testedOn})` : ''} (rows ping columns; by name, by IP and ${result.largeSize}-byte packets):`,
    '',
    formatTable(['FROM \\ TO', ...result.hosts], result.hosts.map((f) => [f, ...result.hosts.map((t) => cell(f, t))])).trimEnd(),
    '',
    result.ok ? 'All pairs pass.' : ['Diagnosis:', ...result.diagnoses.map((d) => `- ${d}`)].join('\n'),
  ].join('\n');
  out(io, a.json, doc, text);
  return result.ok ? 0 : 1;
}
