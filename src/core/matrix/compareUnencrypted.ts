// On an encrypted overlay, a pair that fails could fail for IPsec's sake (a kernel without ESP or
// AES-GCM, ESP dropped on the path) or for the overlay's own (4789/udp, 7946): from inside the probes
// the two look alike. With the user's consent, the same hosts are checked on a temporary unencrypted
// copy of the overlay (same MTU and internal flag, attachable, labelled with its run and lease, removed
// afterwards), and the pairs compared.
import { randomBytes } from 'node:crypto';
import type { MatrixCell, MatrixReport, UnencryptedComparison } from '../../shared/matrix';
import { Refused } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import { inspectAllocated } from '../networks/overlayNetworks';
import { DEFAULT_LEASE_S } from './lease';
import { type MatrixOptions, runMatrix } from './runMatrix';
import { createTemporaryCopy, removeWhenFree } from './temporaryCopy';

const failingPairs = (cells: MatrixCell[]) => cells.filter((c) => !c.ok).map((c) => `${c.from}>${c.to}`);

/**
 * The one rule for when an unencrypted comparison can tell anything (the CLI's flag and the panel's offer):
 * pairs between two different hosts fail. A host's probe to itself never leaves the host, so IPsec is not
 * on its path. Returns how many such pairs fail.
 */
export const crossPairsFailing = (report: MatrixReport): number => report.cells.filter((c) => c.from !== c.to && !c.ok).length;

/** The comparison of an encrypted run's failing pairs with the same pairs on an unencrypted copy. */
export function comparePairs(encrypted: MatrixReport, plain: MatrixReport): Omit<UnencryptedComparison, 'network'> {
  const plainFailing = new Set(failingPairs(plain.cells));
  const failing = failingPairs(encrypted.cells);
  const onlyEncrypted = failing.filter((p) => !plainFailing.has(p));
  const both = failing.filter((p) => plainFailing.has(p));
  const list = (pairs: string[]) => pairs.map((p) => p.replace('>', ' → ')).join(', ');
  let diagnosis: string;
  if (failing.length === 0) diagnosis = 'No pair fails encrypted, so there is nothing to compare.';
  else if (both.length === 0)
    diagnosis =
      `Every pair that fails encrypted (${failing.length}) passes on an unencrypted copy across the same hosts: the overlay ` +
      'itself works and IPsec (ESP) is what fails — see what is said above about each host, or use an unencrypted overlay.';
  else if (onlyEncrypted.length === 0)
    diagnosis =
      `The same ${both.length} pair(s) fail on an unencrypted copy too (${list(both)}): not IPsec — ` +
      'look at 4789/udp and 7946/tcp+udp between those hosts.';
  else
    diagnosis =
      `On an unencrypted copy ${onlyEncrypted.length} of the ${failing.length} failing pair(s) pass (${list(onlyEncrypted)}): ` +
      `those fail for IPsec (ESP); the other ${both.length} fail unencrypted too (${list(both)}): look at 4789/udp and 7946 there.`;
  return { ok: plain.ok, onlyEncrypted, both, diagnosis };
}

/** `report` with the comparison joined: `unencrypted` set and its diagnosis last among the diagnoses. */
export async function withUnencryptedComparison<R extends MatrixReport>(hosts: DockerHosts, o: MatrixOptions, report: R): Promise<R> {
  const unencrypted = await compareUnencrypted(hosts, o, report);
  return { ...report, unencrypted, diagnoses: [...report.diagnoses, unencrypted.diagnosis] };
}

/**
 * Runs the matrix again, on the same hosts and in the same mode, on a temporary unencrypted copy of the
 * encrypted overlay `o.network`, then removes the copy (also on a cancel or an error). `report` is the
 * encrypted run's.
 */
async function compareUnencrypted(hosts: DockerHosts, o: MatrixOptions, report: MatrixReport): Promise<UnencryptedComparison> {
  const via = hosts.get(o.via);
  const net = await inspectAllocated(via, o.network, o.signal);
  if (net.Driver !== 'overlay' || net.Options?.encrypted === undefined) {
    throw new Refused(`"${net.Name ?? o.network}" is not an encrypted overlay, so there is no unencrypted run to compare it with.`);
  }
  const runId = randomBytes(4).toString('hex');
  const name = `so-check-${runId}`;
  o.onProgress?.(`Checking the same hosts on ${name}, a temporary unencrypted copy of "${net.Name}"…`);
  const id = await createTemporaryCopy(via, net, name, runId, o.leaseS ?? DEFAULT_LEASE_S, true);
  try {
    const plain = await runMatrix(hosts, {
      ...o,
      network: name,
      runId,
      temporaryCopy: false,
      onCell: undefined,
      onProgress: (m) => o.onProgress?.(`Unencrypted copy: ${m}`),
    });
    return { network: name, ...comparePairs(report, plain) };
  } finally {
    if (!(await removeWhenFree(via, id))) o.logger.warn(`matrix: the temporary network ${name} is still in use; a later run removes it`);
  }
}
