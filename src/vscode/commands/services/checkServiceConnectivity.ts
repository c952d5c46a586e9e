// Check Service Connectivity: the service check (core/services/checkService.ts) from a probe on every
// node, through the service's manager, as a read-only Markdown document (Refresh checks again).
import * as vscode from 'vscode';
import type { ServiceCheckResult } from '../../../core/services/checkService';
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { ReadOnlyDocuments } from '../../platform/ReadOnlyDocuments';
import { readSettings } from '../../platform/settings';
import { withProgress } from '../../platform/ui';
import type { ServiceItem } from '../../tree/serviceItems';

export async function checkServiceConnectivityCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { core } = ctx;
  const { service, via } = await pickService(ctx.state, arg, 'Check the connectivity of which service?');
  let result: ServiceCheckResult | undefined;
  const read = async (signal?: AbortSignal) => {
    result = await core.api.checkService(core.host(via), {
      service: service.id,
      image: readSettings().probeImage ?? core.api.DEFAULT_PROBE_IMAGE,
      logger: core.logger,
      signal,
    });
    return checkMarkdown(result);
  };
  await withProgress(
    `Checking the traffic of "${service.name}" from every node…`,
    ({ signal }) => ctx.documents.show(ReadOnlyDocuments.uri(via, `Service ${service.name} connectivity`, 'md'), () => read(signal)),
    { cancellable: true },
  );
  if (result && !result.ok) void vscode.window.showWarningMessage(result.diagnoses[0] ?? `Some checks of "${service.name}" failed.`);
}

export function checkMarkdown(r: ServiceCheckResult): string {
  const cell = (from: string, target: string) => {
    const c = r.cells.find((x) => x.from === from && x.target === target);
    if (!c) return r.problems.find((p) => p.host === from)?.state ?? 'n/a';
    if (c.ok) return c.ping?.avgMs !== undefined ? `ok ${c.ping.avgMs.toFixed(2)} ms` : 'ok';
    const tcp = c.tcp.filter((t) => !t.ok).map((t) => t.port);
    return `**FAIL** ${[c.ping && !c.ping.ok ? `ping (${c.ping.error})` : '', tcp.length ? `tcp ${tcp.join(', ')}` : ''].filter(Boolean).join(', ')}`;
  };
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const targets = r.targets.map((t) => t.label);
  const dns = (d: { answered: string[]; ok: boolean }) => `${d.ok ? 'ok' : '**wrong**'}: ${d.answered.join(', ') || '(none)'}`;
  return [
    `# Connectivity of the service ${r.service}`,
    '',
    `Endpoint mode ${r.endpointMode}, on ${r.networks.join(', ')}. Rows: the probe on each node; columns: what it tried.`,
    '',
    `| from \\ to | ${targets.map(esc).join(' | ')} |`,
    `|---|${targets.map(() => '---').join('|')}|`,
    ...r.hosts.map((h) => `| ${h} | ${targets.map((t) => cell(h, t)).join(' | ')} |`),
    '',
    `| node | DNS ${r.service} | DNS tasks.${r.service} | IPVS |`,
    '|---|---|---|---|',
    ...r.dns.map((d) => `| ${d.from} | ${dns(d.name)} | ${dns(d.tasks)} | ${r.ipvs[d.from] ? 'yes' : 'no'} |`),
    '',
    r.ok ? 'Every check passes.' : ['## Diagnosis', '', ...r.diagnoses.map((d) => `- ${d}`)].join('\n'),
    '',
  ].join('\n');
}
