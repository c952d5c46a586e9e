// "Forget Saved Passphrases and Passwords…": clears what SecretStorage keeps for all hosts or one host;
// the next connect that needs a secret asks for it again.
import type { CommandContext } from './CommandContext';
import { pick } from '../platform/ui';
import type { HostNode } from '../tree/HostsTreeProvider';
import * as vscode from 'vscode';

export async function forgetSecrets({ core }: CommandContext, node?: HostNode): Promise<void> {
  let name = node?.hostName;
  if (!name) {
    const all = {
      label: vscode.l10n.t('All hosts'),
      description: vscode.l10n.t('{0} kept', core.keptSecrets.ids().length),
      host: undefined,
    };
    const picked = await pick([all, ...core.configuredHosts().map((h) => ({ label: h.name, description: h.host, host: h.name }))], {
      title: vscode.l10n.t('Forget Saved Passphrases and Passwords'),
      placeHolder: vscode.l10n.t('Whose passwords and key passphrases to forget (they are asked again when needed)'),
      ignoreFocusOut: false,
    });
    name = picked.host;
  }
  const forgotten = await core.keptSecrets.forget(name === undefined ? undefined : core.docker().secretIds(name));
  void vscode.window.showInformationMessage(
    name === undefined
      ? forgotten === 1
        ? vscode.l10n.t('Forgot 1 saved passphrase or password.')
        : vscode.l10n.t('Forgot {0} saved passphrases and passwords.', forgotten)
      : forgotten === 1
        ? vscode.l10n.t('Forgot 1 saved passphrase or password for {0}.', name)
        : vscode.l10n.t('Forgot {0} saved passphrases and passwords for {1}.', forgotten, name),
  );
}
