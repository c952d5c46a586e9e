// CLI: `check-service <service> --via <manager> [--port N] [--image IMG] [--lease S] [--json]`. Exit 0 when the
// names resolve and every target answers, 1 when something fails, 2 on setup errors (no such service…).
import { DEFAULT_LEASE_S, leaseProblem } from '../core/matrix/lease';
import { DEFAULT_PROBE_IMAGE } from '../core/matrix/runMatrix';
import { type ServiceCheckResult, checkService, portProblem } from '../core/services/checkService';
import { type Command, throughManager } from './commandLine';
import { UsageError, out } from './io';
import { noProbeStarted } from './matrixCommand';
import { formatTable } from './table';

const checkServiceCommand = throughManager({
  name: 'check-service',
  usage: `  check-service <service> --via <host> [--port N] [--image IMG] [--lease S]
                                          from a probe on every node (one swarm service through the
                                          --via manager): the service's name and tasks.<service> in
                                          DNS, ping and TCP (--port, else its target ports) to its VIP
                                          and every task, each published port on every node; probes
                                          always removed (lease S, default ${DEFAULT_LEASE_S}); exit 1 if anything fails.`,
  options: { port: { type: 'string' }, image: { type: 'string' }, lease: { type: 'string' } },
  args: ['The service'],
  prepare(a, via) {
    const [service] = a.args as [string];
    const port = a.wholeNumber('port');
    const leaseS = a.wholeNumber('lease');
    const problem = portProblem(port, '--port') ?? leaseProblem(leaseS, '--lease');
    if (problem) throw new UsageError(problem);
    const image = a.string('image') ?? DEFAULT_PROBE_IMAGE;
    return async ({ core, io, json }) => {
      const r = await checkService(core.hosts.get(via), {
        service,
        image,
        port,
        leaseS,
        logger: core.logger,
        signal: io.signal,
        onProgress: (m) => core.logger.info(`check-service: ${m}`),
      });
      noProbeStarted(r.hosts, r.problems);
      out(io, json, checkDocument(r), checkText(r, via));
      return r.ok ? 0 : 1;
    };
  },
});

/** The --json document: the report without raw ping output. */
export function checkDocument(r: ServiceCheckResult) {
  return {
    ...r,
    cells: r.cells.map((c) => ({
      ...c,
      ping: c.ping ? { ok: c.ping.ok, lossPercent: c.ping.lossPercent, avgMs: c.ping.avgMs, error: c.ping.error } : undefined,
    })),
  };
}

export function checkText(r: ServiceCheckResult, via: string): string {
  const cell = (from: string, target: string) => {
    const c = r.cells.find((x) => x.from === from && x.target === target);
    if (!c) return r.problems.find((p) => p.host === from)?.state ?? 'n/a';
    if (c.ok) return c.ping?.avgMs !== undefined ? `ok ${c.ping.avgMs.toFixed(2)}ms` : 'ok';
    const tcp = c.tcp.filter((t) => !t.ok).map((t) => t.port);
    return ['FAIL', c.ping && !c.ping.ok ? 'ping' : '', tcp.length ? `tcp ${tcp.join(',')}` : ''].filter(Boolean).join(' ');
  };
  const dnsText = (d: { answered: string[]; ok: boolean }) => `${d.ok ? 'ok' : 'WRONG'} ${d.answered.join(',') || '(none)'}`;
  const targets = r.targets.map((t) => t.label);
  return [
    `Traffic of the service "${r.service}" (endpoint mode ${r.endpointMode}; on ${r.networks.join(', ')}; ` +
      `rows: the probe on each node; mode: service, one swarm service through ${via}):`,
    '',
    formatTable(
      ['FROM \\ TO', ...targets],
      r.hosts.map((h) => [h, ...targets.map((t) => cell(h, t))]),
    ).trimEnd(),
    '',
    formatTable(
      ['NODE', `DNS ${r.service}`, `DNS tasks.${r.service}`, 'IPVS'],
      r.dns.map((d) => [d.from, dnsText(d.name), dnsText(d.tasks), r.ipvs[d.from] ? 'yes' : 'no']),
    ).trimEnd(),
    '',
    ...r.notChecked.map((x) => `Not checked: ${x}`),
    r.ok ? 'Every check passes.' : ['Diagnosis:', ...r.diagnoses.map((d) => `- ${d}`)].join('\n'),
  ].join('\n');
}

export const checkServiceCommands: Command[] = [checkServiceCommand];
