// Refresh of a read-only document (its title bar button): reads what it shows again.
import * as vscode from 'vscode';
import type { CommandContext } from './CommandContext';
import { DOCUMENT_SCHEME } from '../platform/ReadOnlyDocuments';
import { nothingToDo } from '../platform/ui';

export async function refreshDocumentCommand(ctx: CommandContext, uri?: vscode.Uri): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (target?.scheme !== DOCUMENT_SCHEME)
    nothingToDo(vscode.l10n.t('Only a Swarm Overlay document (inspect output, logs, port checks) can be refreshed.'));
  await ctx.documents.refresh(target);
}
