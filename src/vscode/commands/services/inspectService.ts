// Inspect Service: the manager's answer as a read-only JSON document (Refresh reads it again).
import * as vscode from 'vscode';
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { ReadOnlyDocuments } from '../../platform/ReadOnlyDocuments';
import type { ServiceItem } from '../../tree/serviceItems';

export async function inspectServiceCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { service, via } = await pickService(ctx.state, arg, vscode.l10n.t('Inspect which service?'));
  await ctx.documents.show(ReadOnlyDocuments.uri(via, vscode.l10n.t('Service {0}', service.name), 'json'), async () =>
    JSON.stringify(await ctx.core.api.inspectService(ctx.core.host(via), service.id), null, 2),
  );
}
