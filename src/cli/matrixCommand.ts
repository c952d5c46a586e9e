// CLI: `matrix <network> --via <host> [--nodes h1,h2,...] [--mode auto|service|containers] [--image IMG] [--temporary] [--lease S]
// [--compare-unencrypted] [--watch [--interval S] [--duration S]] [--json]`. Exit 0 when every pair passes (with --watch: in the last round), 1 when any
// fails, 2 on setup errors (no such network, image missing everywhere…).
import { ConfigError, Refused } from '../core/errors';
import { crossPairsFailing, withUnencryptedComparison } from '../core/matrix/compareUnencrypted';
import { reportDocument } from '../core/matrix/exportMatrix';
import { DEFAULT_LEASE_S, leaseProblem } from '../core/matrix/lease';
import { MATRIX_MODES, type MatrixModeChoice, planMatrix } from '../core/matrix/matrixMode';
import { DEFAULT_PROBE_IMAGE, type MatrixOptions, runMatrix } from '../core/matrix/runMatrix';
import { DEFAULT_WATCH_INTERVAL_S, watchDurationProblem, watchIntervalProblem, watchMatrix } from '../core/matrix/watchMatrix';
import { type HostProblem, type MatrixReport, modeText } from '../shared/matrix';
import { watchStatusText } from '../shared/matrixHistory';
import { type Command, throughManager } from './commandLine';
import { UsageError, out } from './io';
import { formatTable } from './table';

const matrix = throughManager({
  name: 'matrix',
  usage: `  matrix <network> --via <host> [--nodes h1,h2,...] [--mode auto|service|containers] [--image IMG] [--temporary] [--lease S]
                                          ping every pair of nodes over the network (probes always
                                          removed; if this process is killed, they end S seconds
                                          later, default ${DEFAULT_LEASE_S}); exit 1 if any pair fails. --mode:
                                          containers (one per host, SSH to each), service (one swarm
                                          service through the --via manager, every node), auto (the
                                          default: containers when every probed node is a configured
                                          host, else service).
    --compare-unencrypted                 on an encrypted overlay with failing pairs, check the same
                                          hosts on a temporary unencrypted copy (removed afterwards)
                                          and say which failures are IPsec's ("unencrypted" in JSON).
    --watch [--interval S] [--duration S]
                                          keep the probes in place and measure again every S seconds
                                          (default ${DEFAULT_WATCH_INTERVAL_S}; containers mode): a table per round, with --json
                                          one JSON line per round; Ctrl+C stops and removes the probes;
                                          ends by itself after --duration S (default 1800); exit code
                                          of the last round.`,
  options: {
    nodes: { type: 'string' },
    mode: { type: 'string' },
    image: { type: 'string' },
    temporary: { type: 'boolean' },
    'compare-unencrypted': { type: 'boolean' },
    lease: { type: 'string' },
    watch: { type: 'boolean' },
    interval: { type: 'string' },
    duration: { type: 'string' },
  },
  args: ['The network'],
  hostsMeansNodes: true,
  prepare(a, via) {
    const [network] = a.args as [string];
    // An empty --nodes means all the swarm's hosts, as an empty --hosts always did.
    const list = a.string('nodes');
    const chosen = list
      ? list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    if (chosen?.length === 0) throw new UsageError('No host to probe.');
    const mode = (a.string('mode') ?? 'auto') as MatrixModeChoice;
    if (!MATRIX_MODES.includes(mode)) throw new UsageError(`--mode must be ${MATRIX_MODES.join(', ')}.`);
    const image = a.string('image') ?? DEFAULT_PROBE_IMAGE;
    const temporaryCopy = a.flag('temporary');
    const leaseS = a.wholeNumber('lease');
    const problem = leaseProblem(leaseS, '--lease');
    if (problem) throw new UsageError(problem);
    const compare = a.flag('compare-unencrypted');
    const watch = a.flag('watch');
    const intervalS = a.wholeNumber('interval');
    const durationS = a.wholeNumber('duration');
    if (!watch && (intervalS !== undefined || durationS !== undefined)) throw new UsageError('--interval and --duration go with --watch.');
    if (watch && compare) throw new UsageError('--compare-unencrypted goes with a single run, not with --watch.');
    const watchProblem = watchIntervalProblem(intervalS, '--interval') ?? watchDurationProblem(durationS, '--duration');
    if (watchProblem) throw new UsageError(watchProblem);
    return async ({ core, io, json }) => {
      const plan = await planMatrix(core.hosts, via, mode, chosen);
      if (plan.mode === 'containers' && plan.hosts.length === 0) throw new ConfigError('No host to probe.');
      core.logger.info(`matrix: ${plan.mode} mode`);
      const options: MatrixOptions = {
        network,
        via,
        mode: plan.mode,
        hosts: plan.hosts,
        image,
        temporaryCopy,
        leaseS,
        logger: core.logger,
        signal: io.signal,
        onProgress: (m) => core.logger.info(`matrix: ${m}`),
      };
      if (watch) {
        const end = await watchMatrix(core.hosts, {
          ...options,
          intervalS,
          durationS,
          onPlaced: (placed) => noProbeStarted(placed.hosts, placed.problems),
          onRound: (r) => {
            const doc = {
              ...reportDocument(r),
              round: r.round,
              startedAt: r.startedAt,
              endedAt: r.endedAt,
              timings: { measureMs: r.measureMs },
            };
            if (json) io.stdout(JSON.stringify(doc) + '\n');
            else
              io.stdout(
                `Round ${r.round} at ${r.endedAt} (${watchStatusText(r)}, measured in ${r.measureMs} ms):\n${matrixText(r, via)}\n\n`,
              );
          },
        });
        if (!json) io.stderr(`swarm-overlay: the watch ended after ${end.rounds} round(s) (${end.why}); its probes were removed.\n`);
        return end.last.ok ? 0 : 1;
      }
      let result = await runMatrix(core.hosts, options);
      noProbeStarted(result.hosts, result.problems);
      if (compare && crossPairsFailing(result) > 0) {
        try {
          result = await withUnencryptedComparison(core.hosts, options, result);
        } catch (err) {
          // Not an encrypted overlay: the run's own result stands, and the flag's no-op is said.
          if (!(err instanceof Refused)) throw err;
          io.stderr(`swarm-overlay: --compare-unencrypted: ${err.message}\n`);
        }
      }
      const doc = { ...reportDocument(result), timings: result.timings };
      out(io, json, doc, matrixText(result, via));
      return result.ok ? 0 : 1;
    };
  },
});

export function noProbeStarted(hosts: string[], problems: HostProblem[]): void {
  if (problems.length === hosts.length && problems.every((p) => p.state !== 'down' && p.state !== 'drained')) {
    throw new ConfigError(`No probe could start: ${problems.map((p) => `${p.host}: ${p.reason}`).join(' ')}`);
  }
}

/** The table of a run or a round, with its diagnosis. */
function matrixText(result: MatrixReport & { largeSize?: number }, via: string): string {
  const cell = (from: string, to: string) => {
    const c = result.cells.find((x) => x.from === from && x.to === to);
    if (!c) return result.problems.find((p) => p.host === from || p.host === to)?.state ?? 'n/a';
    return c.ok ? `ok ${c.byIp.avgMs?.toFixed(2) ?? '?'}ms` : !c.byIp.ok ? 'FAIL' : !c.byName.ok ? 'FAIL name' : 'FAIL large';
  };
  return [
    `Connectivity of "${result.network}"${result.testedOn ? ` (checked on its temporary attachable copy ${result.testedOn})` : ''} ` +
      `(rows ping columns; by name, by IP and ${result.largeSize}-byte packets; ${modeText(result.mode, via)}):`,
    '',
    formatTable(
      ['FROM \\ TO', ...result.hosts],
      result.hosts.map((f) => [f, ...result.hosts.map((t) => cell(f, t))]),
    ).trimEnd(),
    '',
    result.ok ? 'All pairs pass.' : ['Diagnosis:', ...result.diagnoses.map((d) => `- ${d}`)].join('\n'),
  ].join('\n');
}

export const matrixCommands: Command[] = [matrix];
