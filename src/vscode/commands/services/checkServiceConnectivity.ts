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
  const { service, via } = await pickService(ctx.state, arg, vscode.l10n.t('Check the connectivity of which service?'));
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
    vscode.l10n.t('Checking the traffic of "{0}" from every node…', service.name),
    ({ signal }) =>
      ctx.documents.show(ReadOnlyDocuments.uri(via, vscode.l10n.t('Service {0} connectivity', service.name), 'md'), () => read(signal)),
    { cancellable: true },
  );
  if (result && !result.ok)
    void vscode.window.showWarningMessage(result.diagnoses[0] ?? vscode.l10n.t('Some checks of "{0}" failed.', service.name));
}

export function checkMarkdown(r: ServiceCheckResult): string {
  const cell = (from: string, target: string) => {
    const c = r.cells.find((x) => x.from === from && x.target === target);
    if (!c) return r.problems.find((p) => p.host === from)?.state ?? 'n/a';
    if (c.ok) return c.ping?.avgMs !== undefined ? vscode.l10n.t('ok {0} ms', c.ping.avgMs.toFixed(2)) : vscode.l10n.t('ok');
    const tcp = c.tcp.filter((t) => !t.ok).map((t) => t.port);
    return `**${vscode.l10n.t('FAIL')}** ${[c.ping && !c.ping.ok ? `ping (${c.ping.error})` : '', tcp.length ? `tcp ${tcp.join(', ')}` : ''].filter(Boolean).join(', ')}`;
  };
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const targets = r.targets.map((t) => t.label);
  const dns = (d: { answered: string[]; ok: boolean }) =>
    `${d.ok ? vscode.l10n.t('ok') : `**${vscode.l10n.t('wrong')}**`}: ${d.answered.join(', ') || vscode.l10n.t('(none)')}`;
  return [
    `# ${vscode.l10n.t('Connectivity of the service {0}', r.service)}`,
    '',
    vscode.l10n.t(
      'Endpoint mode {0}, on {1}. Rows: the probe on each node; columns: what it tried.',
      r.endpointMode,
      r.networks.join(', '),
    ),
    '',
    `| ${vscode.l10n.t('from \\ to')} | ${targets.map(esc).join(' | ')} |`,
    `|---|${targets.map(() => '---').join('|')}|`,
    ...r.hosts.map((h) => `| ${h} | ${targets.map((t) => cell(h, t)).join(' | ')} |`),
    '',
    `| ${[vscode.l10n.t('node'), vscode.l10n.t('DNS {0}', r.service), vscode.l10n.t('DNS {0}', `tasks.${r.service}`), 'IPVS'].join(' | ')} |`,
    '|---|---|---|---|',
    ...r.dns.map(
      (d) => `| ${d.from} | ${dns(d.name)} | ${dns(d.tasks)} | ${r.ipvs[d.from] ? vscode.l10n.t('yes') : vscode.l10n.t('no')} |`,
    ),
    '',
    ...r.notChecked.map((x) => `- ${vscode.l10n.t('Not checked:')} ${x}`),
    ...(r.notChecked.length ? [''] : []),
    r.ok ? vscode.l10n.t('Every check passes.') : [`## ${vscode.l10n.t('Diagnosis')}`, '', ...r.diagnoses.map((d) => `- ${d}`)].join('\n'),
    '',
  ].join('\n');
}
