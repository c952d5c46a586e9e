// "Remove Host": from the tree's context menu, or from the palette with a picker.
import * as vscode from 'vscode';
import type { HostConfig } from '../../core/model';
import type { CommandContext } from './CommandContext';
import { readSettings, writeHosts } from '../platform/settings';
import { nothingToDo, pick } from '../platform/ui';
import type { HostNode } from '../tree/HostsTreeProvider';

export async function removeHost({ core }: CommandContext, node?: HostNode): Promise<void> {
  const settings = readSettings();
  let name = node?.hostName;
  if (!name) {
    const hosts = core.configuredHosts(settings);
    if (hosts.length === 0) nothingToDo(vscode.l10n.t('There is no host to remove.'));
    const picked = await pick(
      hosts.map((h) => ({ label: h.name, description: h.host })),
      {
        title: vscode.l10n.t('Remove Docker Host'),
        placeHolder: vscode.l10n.t('Host to remove from the list (nothing changes on the host)'),
        ignoreFocusOut: false,
      },
    );
    name = picked.label;
  }
  const raw = Array.isArray(settings.hosts) ? (settings.hosts as HostConfig[]) : [];
  await writeHosts(raw.filter((h) => h?.name !== name));
}
