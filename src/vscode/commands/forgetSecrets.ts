// "Forget Saved Passphrases and Passwords…": clears what SecretStorage keeps for all hosts or one host;
// the next connect that needs a secret asks for it again.
import type { CommandContext } from './CommandContext';
import { pick } from '../platform/ui';
import type { HostNode } from '../tree/HostsTreeProvider';
import * as vscode from 'vscode';

export async function forgetSecrets({ core }: CommandContext, node?: HostNode): Promise<void> {
  let name = node?.hostName;
  if (!name) {
    const all = { label: 'All hosts', description: `${core.keptSecrets.ids().length} kept`, host: undefined };
    const picked = await pick([all, ...core.configuredHosts().map((h) => ({ label: h.name, description: h.host, host: h.name }))], {
      title: 'Forget Saved Passphrases and Passwords',
      placeHolder: 'Whose passwords and key passphrases to forget (they are asked again when needed)',
      ignoreFocusOut: false,
    });
    name = picked.host;
  }
  const forgotten = await core.keptSecrets.forget(name === undefined ? undefined : core.docker().secretIds(name));
  const what = forgotten === 1 ? '1 saved passphrase or password' : `${forgotten} saved passphrases and passwords`;
  void vscode.window.showInformationMessage(`Forgot ${what}${name === undefined ? '' : ` for ${name}`}.`);
}
