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
      const asked = Promise.resolve(
        vscode.window.showWarningMessage(
          `The authenticity of host ${endpoint.hostName}${endpoint.port === 22 ? '' : `:${endpoint.port}`} can't be established.`,
          {
            modal: true,
            detail: `${keyType} key fingerprint is ${fingerprint}.\nCompare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_${keyType.replace(/^ssh-|-.*$/g, '')}_key.pub) before trusting it. If you trust it, it is added to your known_hosts file.`,
          },
          'Trust and Connect',
        ),
      ).then((choice) => choice === 'Trust and Connect');
      this.asking.set(id, asked);
      void asked.finally(() => this.asking.delete(id));
      answer = asked;
    }
    return answer;
  }
}
