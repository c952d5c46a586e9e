// Remove Service: asks first (modal), then removes it; its tasks stop on every node.
import * as vscode from 'vscode';
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { confirm, withProgress } from '../../platform/ui';
import type { ServiceItem } from '../../tree/serviceItems';

export async function removeServiceCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { service, via } = await pickService(ctx.state, arg, vscode.l10n.t('Remove which service?'));
  const tasks = service.tasks.length;
  await confirm(
    vscode.l10n.t('Remove service "{0}"?', service.name),
    service.stack
      ? tasks === 1
        ? vscode.l10n.t('Its 1 task stops on every node; it leaves the stack "{0}". This cannot be undone.', service.stack)
        : vscode.l10n.t('Its {0} tasks stop on every node; it leaves the stack "{1}". This cannot be undone.', tasks, service.stack)
      : tasks === 1
        ? vscode.l10n.t('Its 1 task stops on every node. This cannot be undone.')
        : vscode.l10n.t('Its {0} tasks stop on every node. This cannot be undone.', tasks),
    vscode.l10n.t('Remove'),
  );
  await withProgress(vscode.l10n.t('Removing "{0}"…', service.name), () => ctx.core.api.removeService(ctx.core.host(via), service.id));
}
