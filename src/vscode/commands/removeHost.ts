// "Remove Host": from the tree's context menu, or from the palette with a picker.
import * as vscode from 'vscode';
import type { HostConfig } from '../../core/model';
import type { CoreService } from '../platform/CoreService';
import { readSettings, writeHosts } from '../platform/settings';
import type { HostNode } from '../tree/HostsTreeProvider';

export async function removeHost(core: CoreService, refresh: () => void, node?: HostNode): Promise<void> {
  const settings = readSettings();
  let name = node?.hostName;
  if (!name) {
    const hosts = core.hosts(settings);
    if (hosts.length === 0) {
      void vscode.window.showInformationMessage('There is no host to remove.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      hosts.map((h) => ({ label: h.name, description: h.host })),
      { title: 'Remove Docker Host', placeHolder: 'Host to remove from the list (nothing changes on the host)' },
    );
    name = pick?.label;
  }
  if (!name) return;
  const raw = Array.isArray(settings.hosts) ? (settings.hosts as HostConfig[]) : [];
  await writeHosts(raw.filter((h) => h?.name !== name));
  refresh();
}
