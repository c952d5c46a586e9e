// SSH secrets: asked once, kept in VS Code SecretStorage (the OS keychain), never in settings or logs.
import * as vscode from 'vscode';
import { type SecretPrompter, secretId } from '../../core/ssh/auth';
import type { SshEndpoint } from '../../core/ssh/sshConfig';
import type { SecretIndex } from './secretIndex';

export class SecretStoragePrompter implements SecretPrompter {
  constructor(private readonly kept: SecretIndex) {}

  passphrase(keyFile: string, endpoint: SshEndpoint, retry: boolean): Promise<string | undefined> {
    return this.keptOrAsked(secretId('passphrase', endpoint, keyFile), retry, {
      title: vscode.l10n.t('Passphrase for {0}', keyFile),
      prompt: retry
        ? vscode.l10n.t(
            'Wrong passphrase. The key is used for {0}; the passphrase is kept in the OS keychain.',
            `${endpoint.user}@${endpoint.hostName}`,
          )
        : vscode.l10n.t('The key is used for {0}; the passphrase is kept in the OS keychain.', `${endpoint.user}@${endpoint.hostName}`),
    });
  }

  password(endpoint: SshEndpoint, retry: boolean): Promise<string | undefined> {
    return this.keptOrAsked(secretId('password', endpoint), retry, {
      title: vscode.l10n.t('SSH password for {0}', `${endpoint.user}@${endpoint.hostName}`),
      prompt: retry
        ? vscode.l10n.t('The password was refused. It is kept in the OS keychain, never in settings.')
        : vscode.l10n.t('It is kept in the OS keychain, never in settings.'),
    });
  }

  // A kept secret is offered first; after a refusal it is forgotten and the user is asked.
  private async keptOrAsked(id: string, retry: boolean, box: { title: string; prompt: string }): Promise<string | undefined> {
    if (retry) {
      await this.kept.forget([id]);
    } else {
      const kept = await this.kept.get(id);
      if (kept) return kept;
    }
    return vscode.window.showInputBox({ ...box, password: true, ignoreFocusOut: true });
  }

  async accepted(_kind: 'passphrase' | 'password', id: string, value: string): Promise<void> {
    await this.kept.store(id, value);
  }
}
