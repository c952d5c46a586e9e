// Unknown host keys: ask with the SHA256 fingerprint, as ssh does, and remember the answer per session.
import * as vscode from 'vscode';
import type { HostKeyPrompter } from '../../core/ssh/auth';
import type { SshEndpoint } from '../../core/ssh/sshConfig';

export class ModalHostKeyPrompter implements HostKeyPrompter {
  // One question per key at a time, even when several refreshes connect at once.
  private readonly asking = new Map<string, Promise<boolean>>();

  confirmUnknownKey(endpoint: SshEndpoint, keyType: string, fingerprint: string): Promise<boolean> {
    const id = `${endpoint.hostName}:${endpoint.port}:${fingerprint}`;
    let answer = this.asking.get(id);
    if (!answer) {
      const trust = vscode.l10n.t('Trust and Connect');
      const asked = Promise.resolve(
        vscode.window.showWarningMessage(
          vscode.l10n.t(
            "The authenticity of host {0} can't be established.",
            `${endpoint.hostName}${endpoint.port === 22 ? '' : `:${endpoint.port}`}`,
          ),
          {
            modal: true,
            detail: vscode.l10n.t(
              "{0} key fingerprint is {1}.\nCompare it with the host's own (ssh-keygen -lf {2}) before trusting it. If you trust it, it is added to your known_hosts file.",
              keyType,
              fingerprint,
              `/etc/ssh/ssh_host_${keyType.replace(/^ssh-|-.*$/g, '')}_key.pub`,
            ),
          },
          trust,
        ),
      ).then((choice) => choice === trust);
      this.asking.set(id, asked);
      void asked.finally(() => this.asking.delete(id));
      answer = asked;
    }
    return answer;
  }
}
