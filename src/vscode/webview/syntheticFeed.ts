// A generated matrix run without a lab, for the end-to-end test of the panel at scale: the command
// `swarmOverlay.e2e.syntheticMatrix` (registered only when SWARM_OVERLAY_E2E=1) opens the panel on a
// made-up network of `size` hosts, and its Run streams every pair through the real session and
// protocol (`matrix/cells` messages), a row per tick as a real run's pings finish.
import type { MatrixCell, MatrixReport, PingResult } from '../../shared/matrix';
import type { NetworkChoice } from '../../shared/protocol';
import type { RunRequest } from './MatrixSession';

export const SYNTHETIC_NETWORK = 'e2e-synthetic';

export function syntheticChoice(size: number): NetworkChoice {
  const hosts = Array.from({ length: size }, (_, i) => `n${String(i + 1).padStart(2, '0')}`);
  return { via: hosts[0]!, name: SYNTHETIC_NETWORK, hosts, attachable: true };
}

function ping(to: string, ok: boolean, avgMs: number, size = 56): PingResult {
  const raw = ok
    ? `PING ${to} (10.0.9.9): ${size} data bytes\n${[0, 1, 2].map((s) => `${size + 8} bytes from 10.0.9.9: seq=${s} ttl=64 time=${avgMs.toFixed(3)} ms`).join('\n')}\n\n--- ${to} ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = ${avgMs.toFixed(3)}/${avgMs.toFixed(3)}/${avgMs.toFixed(3)} ms`
    : `PING ${to} (10.0.9.9): ${size} data bytes\n\n--- ${to} ping statistics ---\n3 packets transmitted, 0 packets received, 100% packet loss`;
  return ok
    ? { ok, sent: 3, received: 3, lossPercent: 0, minMs: avgMs, avgMs, maxMs: avgMs, raw }
    : { ok, sent: 3, received: 0, lossPercent: 100, error: 'no reply', raw };
}

/** The pair's made-up result: RTTs spread over every colour bucket, a few pairs unreachable or failing by name. */
export function syntheticCell(from: string, to: string, r: number, c: number): MatrixCell {
  const ms = ((r * 37 + c * 11) % 120) / 10;
  const reachable = r === c || (r + c) % 29 !== 0;
  const byName = reachable && (r * c) % 31 !== 5;
  return {
    from,
    to,
    byName: ping(to, byName, ms),
    byIp: ping(to, reachable, ms),
    large: ping(to, reachable, ms, 1372),
    ok: reachable && byName,
    ...(reachable ? {} : { diagnosis: 'No reply by IP (synthetic).' }),
  };
}

export async function runSynthetic(request: RunRequest): Promise<MatrixReport> {
  const { hosts, signal } = request;
  const cells: MatrixCell[] = [];
  request.onProgress(`Synthetic feed: ${hosts.length * hosts.length} pairs of ${hosts.length} hosts, no lab.`);
  for (const [r, from] of hosts.entries()) {
    signal.throwIfAborted();
    for (const [c, to] of hosts.entries()) {
      const cell = syntheticCell(from, to, r, c);
      cells.push(cell);
      request.onCell(cell);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const failing = cells.filter((c) => !c.ok).length;
  return {
    network: request.network,
    mode: 'containers',
    hosts,
    ok: failing === 0,
    cells,
    diagnoses: failing ? [`${failing} of ${cells.length} pairs fail (synthetic).`] : [],
    problems: [],
    largeSize: 1372,
  };
}
