// Reads the extension's settings. In an untrusted workspace, hosts from workspace settings are
// ignored: a repository must not be able to point the extension at machines of its choosing.
import * as vscode from 'vscode';
import type { HostConfig } from '../../core/model';

export const SECTION = 'swarmOverlay';

export interface Settings {
  hosts: unknown;
  /** Hosts defined in workspace settings that were ignored because the workspace is not trusted. */
  ignoredWorkspaceHosts: number;
  sshConfigFile?: string;
  knownHostsFile?: string;
  connectTimeoutMs: number;
  refreshIntervalMs: number;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect<HostConfig[]>('hosts');
  let hosts: unknown = config.get('hosts', []);
  let ignoredWorkspaceHosts = 0;
  if (!vscode.workspace.isTrusted) {
    const fromWorkspace = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
    if (Array.isArray(fromWorkspace)) ignoredWorkspaceHosts = fromWorkspace.length;
    hosts = inspected?.globalValue ?? [];
  }
  const str = (key: string) => config.get<string>(key)?.trim() || undefined;
  return {
    hosts,
    ignoredWorkspaceHosts,
    sshConfigFile: str('sshConfigFile'),
    knownHostsFile: str('knownHostsFile'),
    connectTimeoutMs: Math.max(1, config.get<number>('connectTimeoutSeconds', 10)) * 1000,
    refreshIntervalMs: Math.max(0, config.get<number>('refreshIntervalSeconds', 30)) * 1000,
  };
}

/** Writes the host list where the user keeps it (workspace if it is defined there, else user settings). */
export async function writeHosts(hosts: HostConfig[]): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect<HostConfig[]>('hosts');
  const target =
    vscode.workspace.isTrusted && inspected?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await config.update('hosts', hosts, target);
}
