// Reads the extension's settings. In an untrusted workspace, the settings that choose machines, host
// keys or what runs on the hosts are taken from user settings only (and declared as restricted in
// package.json): a repository must not be able to point the extension at machines of its choosing,
// make it trust their keys, or pick the image it runs there.
import * as vscode from 'vscode';
import type { HostConfig } from '../../core/model';
import { type LatencyThresholds, LATENCY_THRESHOLDS_KEY, latencyThresholdsSetting } from '../../shared/heatmap';
import { type NumberSettingRule, numberSetting } from '../../shared/numberSetting';

export const SECTION = 'swarmOverlay';

export interface Settings {
  hosts: unknown;
  /** Hosts defined in workspace settings that were ignored because the workspace is not trusted. */
  ignoredWorkspaceHosts: number;
  /** Other restricted settings set in the workspace and ignored because it is not trusted. */
  ignoredWorkspaceSettings: string[];
  sshConfigFile?: string;
  knownHostsFile?: string;
  probeImage?: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  refreshIntervalMs: number;
  /** The matrix heatmap's colour buckets. */
  latencyThresholdsMs: LatencyThresholds;
  /** The node label whose value names a node's failure domain (unset: the core's default, `zone`). */
  failureDomainLabel?: string;
  /** One line per numeric setting (or threshold pair) that was out of range or not a number (its default is used). */
  warnings: string[];
}

// The ranges of package.json's contributes.configuration, checked again: settings.json is not validated.
const CONNECT_TIMEOUT: NumberSettingRule = { key: `${SECTION}.connectTimeoutSeconds`, default: 10, min: 1, max: 120 };
const REQUEST_TIMEOUT: NumberSettingRule = { key: `${SECTION}.requestTimeoutSeconds`, default: 20, min: 1, max: 600 };
const REFRESH_INTERVAL: NumberSettingRule = { key: `${SECTION}.refreshIntervalSeconds`, default: 30, min: 1, max: 86_400, orZero: true };

/** A restricted setting: as configured when the workspace is trusted, else from user settings alone. */
function restricted<T>(config: vscode.WorkspaceConfiguration, key: string): { value: T | undefined; ignored: unknown } {
  if (vscode.workspace.isTrusted) return { value: config.get<T>(key), ignored: undefined };
  const i = config.inspect<T>(key);
  return { value: i?.globalValue ?? i?.defaultValue, ignored: i?.workspaceFolderValue ?? i?.workspaceValue };
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const hosts = restricted<unknown>(config, 'hosts');
  const ignoredWorkspaceSettings: string[] = [];
  const str = (key: string) => {
    const r = restricted<string>(config, key);
    if (r.ignored !== undefined) ignoredWorkspaceSettings.push(`${SECTION}.${key}`);
    return (typeof r.value === 'string' && r.value.trim()) || undefined;
  };
  const warnings: string[] = [];
  const seconds = (rule: NumberSettingRule) => {
    const r = numberSetting(config.get<unknown>(rule.key.slice(SECTION.length + 1)), rule);
    if (r.warning) warnings.push(r.warning);
    return r.value;
  };
  const thresholds = latencyThresholdsSetting(config.get<unknown>(LATENCY_THRESHOLDS_KEY.slice(SECTION.length + 1)));
  if (thresholds.warning) warnings.push(thresholds.warning);
  return {
    hosts: hosts.value ?? [],
    ignoredWorkspaceHosts: Array.isArray(hosts.ignored) ? hosts.ignored.length : 0,
    sshConfigFile: str('sshConfigFile'),
    knownHostsFile: str('knownHostsFile'),
    probeImage: str('probeImage'),
    ignoredWorkspaceSettings,
    connectTimeoutMs: seconds(CONNECT_TIMEOUT) * 1000,
    requestTimeoutMs: seconds(REQUEST_TIMEOUT) * 1000,
    refreshIntervalMs: seconds(REFRESH_INTERVAL) * 1000,
    latencyThresholdsMs: thresholds.value,
    failureDomainLabel: config.get<string>('failureDomainLabel')?.trim() || undefined,
    warnings,
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
