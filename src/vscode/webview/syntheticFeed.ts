// A generated matrix run without a lab, for the end-to-end test of the panel at scale: the command
// `swarmOverlay.e2e.syntheticMatrix` (registered only when SWARM_OVERLAY_E2E=1) opens the panel on a
// made-up network of `size` hosts, and its Run streams every pair through the real session and
// protocol (`matrix/cells` messages), a row per tick as a real run's pings finish.
import * as vscode from 'vscode';
import type { MatrixCell, MatrixReport, PingResult } from '../../shared/matrix';
import type { NetworkChoice } from '../../shared/protocol';
import type { RunRequest } from './MatrixSession';

export const SYNTHETIC_NETWORK = 'e2e-synthetic';
// l10n-exempt: the core's English for a ping with no reply (src/core/matrix), as a real run reads.
const FAILED_PING = 'no reply';

export function syntheticChoice(size: number): NetworkChoice {
  const hosts = Array.from({ length: size }, (_, i) => `n${String(i + 1).padStart(2, '0')}`);
  return { via: hosts[0]!, name: SYNTHETIC_NETWORK, hosts, attachable: true };
}

// Busybox ping's own output (English, as a real probe's), shown in the panel as it is.
function pingOutput(to: string, ok: boolean, avgMs: number, size: number): string {
  const ms = avgMs.toFixed(3);
  // l10n-exempt: ping's output.
  const head = `PING ${to} (10.0.9.9): ${size} data bytes`;
  // l10n-exempt: ping's output.
  const replies = [0, 1, 2].map((s) => `${size + 8} bytes from 10.0.9.9: seq=${s} ttl=64 time=${ms} ms`);
  // l10n-exempt: ping's output.
  const stats = `--- ${to} ping statistics ---`;
  // l10n-exempt: ping's output.
  if (!ok) return `${head}\n\n${stats}\n3 packets transmitted, 0 packets received, 100% packet loss`;
  // l10n-exempt: ping's output.
  return `${head}\n${replies.join('\n')}\n\n${stats}\n3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = ${ms}/${ms}/${ms} ms`;
}

function ping(to: string, ok: boolean, avgMs: number, size = 56): PingResult {
  const raw = pingOutput(to, ok, avgMs, size);
  return ok
    ? { ok, sent: 3, received: 3, lossPercent: 0, minMs: avgMs, avgMs, maxMs: avgMs, raw }
    : { ok, sent: 3, received: 0, lossPercent: 100, error: FAILED_PING, raw };
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
    // l10n-exempt: stands for the core's English diagnosis, as a real run's reads.
    ...(reachable ? {} : { diagnosis: 'No reply by IP (synthetic).' }),
  };
}

export async function runSynthetic(request: RunRequest): Promise<MatrixReport> {
  const { hosts, signal } = request;
  const cells: MatrixCell[] = [];
  request.onProgress(vscode.l10n.t('Synthetic feed: {0} pairs of {1} hosts, no lab.', hosts.length * hosts.length, hosts.length));
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
    // l10n-exempt: stands for the core's English diagnosis, as a real run's reads.
    diagnoses: failing ? [`${failing} of ${cells.length} pairs fail (synthetic).`] : [],
    problems: [],
    largeSize: 1372,
  };
}
