// "Verify Host Key Again": a host key the user refused is not asked about on every refresh; this
// forgets the refusal so the next connect (the refresh this command ends with) asks once more.
import * as vscode from 'vscode';
import type { CommandContext } from './CommandContext';
import { nothingToDo, pick } from '../platform/ui';
import type { HostNode } from '../tree/HostsTreeProvider';

export async function retryHostKey({ core, state }: CommandContext, node?: HostNode): Promise<void> {
  let name = node?.hostName;
  if (!name) {
    const refused = core.configuredHosts().filter((h) => state.statuses.get(h.name)?.errorKind === 'hostKeyUnknown');
    if (refused.length === 0) nothingToDo(vscode.l10n.t('No host has a host key that was not trusted.'));
    const picked = await pick(
      refused.map((h) => ({ label: h.name, description: h.host })),
      {
        title: vscode.l10n.t('Verify Host Key Again'),
        placeHolder: vscode.l10n.t('Host whose key you want to be asked about again'),
        ignoreFocusOut: false,
      },
    );
    name = picked.label;
  }
  core.docker().retryHostKey(name);
}
