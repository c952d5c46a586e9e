// Show Logs: every node's task output of a service, read through its manager into a read-only
// document that keeps following while a tab shows it.
import * as vscode from 'vscode';
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { ReadOnlyDocuments } from '../../platform/ReadOnlyDocuments';
import type { ServiceItem } from '../../tree/serviceItems';

export async function showServiceLogsCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { core } = ctx;
  const { service, via } = await pickService(ctx.state, arg, vscode.l10n.t('Show the logs of which service?'));
  // Task and node ids read as "web.2@h3", as `docker service logs` writes them.
  const names = new Map<string, string>();
  for (const t of service.tasks) {
    names.set(t.id, t.slot !== undefined ? `${service.name}.${t.slot}` : service.name);
    if (t.nodeId && t.node) names.set(t.nodeId, t.node);
  }
  await ctx.documents.follow(ReadOnlyDocuments.uri(via, vscode.l10n.t('Service {0} logs', service.name), 'log'), async (append, ended) => {
    // The stream lives on the core it started on, even if a settings change builds a new one meanwhile.
    const release = core.hold();
    try {
      const follow = await core.api.followServiceLogs(core.host(via), service.id, (line) => append([line]), { names });
      void follow.ended.then(() => {
        release();
        ended(vscode.l10n.t('the log stream ended'));
      });
      return () => follow.stop();
    } catch (err) {
      release();
      throw err;
    }
  });
}
