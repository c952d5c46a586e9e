// Force Update: every task of the service is replaced (restarted), as `docker service update --force`,
// then waits until the new tasks run (or says why they do not).
import * as vscode from 'vscode';
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { withProgress } from '../../platform/ui';
import type { ServiceItem } from '../../tree/serviceItems';

export async function forceUpdateServiceCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { api } = ctx.core;
  const { service, via } = await pickService(ctx.state, arg, vscode.l10n.t('Restart the tasks of which service?'));
  const host = ctx.core.host(via);
  const replacing = new Set(service.tasks.map((t) => t.id));
  // Cancel stops the wait only: the one request that restarts them is sent at once.
  const problem = await withProgress(
    vscode.l10n.t('Restarting the tasks of "{0}"…', service.name),
    async (steps) => {
      await api.forceUpdateService(host, service.id);
      return api.waitForService(host, service.id, { signal: steps.signal, replacing });
    },
    { cancellable: true },
  );
  if (problem) void vscode.window.showWarningMessage(vscode.l10n.t('The tasks of "{0}" were restarted, but {1}', service.name, problem));
}
