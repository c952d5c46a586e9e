// SSH secrets: asked once, kept in VS Code SecretStorage (the OS keychain), never in settings or logs.
import * as vscode from 'vscode';
import { type SecretPrompter, secretId } from '../../core/ssh/auth';
import type { SshEndpoint } from '../../core/ssh/sshConfig';

const PREFIX = 'swarmOverlay.ssh.';

export class SecretStoragePrompter implements SecretPrompter {
  constructor(private readonly storage: vscode.SecretStorage) {}

  async passphrase(keyFile: string, endpoint: SshEndpoint, retry: boolean): Promise<string | undefined> {
    const id = secretId('passphrase', endpoint, keyFile);
    if (!retry) {
      const kept = await this.storage.get(PREFIX + id);
      if (kept) return kept;
    } else {
      await this.storage.delete(PREFIX + id);
    }
    return vscode.window.showInputBox({
      title: `Passphrase for ${keyFile}`,
      prompt: `${retry ? 'Wrong passphrase. ' : ''}The key is used for ${endpoint.user}@${endpoint.hostName}; the passphrase is kept in the OS keychain.`,
      password: true,
      ignoreFocusOut: true,
    });
  }

  async password(endpoint: SshEndpoint, retry: boolean): Promise<string | undefined> {
    const id = secretId('password', endpoint);
    if (!retry) {
      const kept = await this.storage.get(PREFIX + id);
      if (kept) return kept;
    } else {
      await this.storage.delete(PREFIX + id);
    }
    return vscode.window.showInputBox({
      title: `SSH password for ${endpoint.user}@${endpoint.hostName}`,
      prompt: `${retry ? 'The password was refused. ' : ''}It is kept in the OS keychain, never in settings.`,
      password: true,
      ignoreFocusOut: true,
    });
  }

  async accepted(_kind: 'passphrase' | 'password', id: string, value: string): Promise<void> {
    await this.storage.store(PREFIX + id, value);
  }
}
