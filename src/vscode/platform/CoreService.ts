// Holds the core services, built lazily on first use (the transport costs ≈ 125 ms to load) and
// rebuilt when the settings that shape them change.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as CoreModule from '../../core/index';
import type { Core } from '../../core/core';
import type { HostConfig } from '../../core/model';
import { ModalHostKeyPrompter } from './hostKeys';
import { SecretStoragePrompter } from './secrets';
import { readSettings, type Settings } from './settings';

export type CoreApi = typeof CoreModule;

export class CoreService implements vscode.Disposable {
  private core: Core | undefined;
  private coreKey = '';
  private api: CoreApi | undefined;
  private readonly hostKeys = new ModalHostKeyPrompter();
  private readonly secrets: SecretStoragePrompter;
  /** Problems of the host setting, as sentences; the valid hosts are still used. */
  problems: string[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.secrets = new SecretStoragePrompter(context.secrets);
  }

  /** The core module, loaded on first use. */
  module(): CoreApi {
    // Kept out of the extension bundle on purpose: see scripts/build.mjs.
    this.api ??= require(path.join(this.context.extensionPath, 'dist', 'core.js')) as CoreApi;
    return this.api;
  }

  /** Valid host entries from the settings; invalid ones are reported in `problems`. */
  hosts(settings: Settings = readSettings()): HostConfig[] {
    const api = this.module();
    const list = Array.isArray(settings.hosts) ? settings.hosts : [];
    const problems: string[] = [];
    const valid: HostConfig[] = [];
    const names = new Set<string>();
    list.forEach((entry, i) => {
      const p = api.hostProblems(entry, i);
      const name = (entry as HostConfig)?.name;
      if (p.length === 0 && names.has(name)) p.push(`Two hosts are named "${name}"; the second is ignored.`);
      if (p.length) problems.push(...p);
      else {
        names.add(name);
        valid.push(entry as HostConfig);
      }
    });
    if (!Array.isArray(settings.hosts)) problems.push('The setting swarmOverlay.hosts must be a list of hosts.');
    if (settings.ignoredWorkspaceHosts > 0) {
      problems.push(
        `${settings.ignoredWorkspaceHosts} host(s) from this workspace's settings are ignored until you trust the workspace.`,
      );
    }
    if (settings.ignoredWorkspaceSettings.length > 0) {
      problems.push(`${settings.ignoredWorkspaceSettings.join(', ')} from this workspace's settings ${settings.ignoredWorkspaceSettings.length > 1 ? 'are' : 'is'} ignored until you trust the workspace.`);
    }
    this.problems = problems;
    return valid;
  }

  get(): Core {
    const settings = readSettings();
    const hosts = this.hosts(settings);
    const key = JSON.stringify([settings.sshConfigFile, settings.knownHostsFile, settings.connectTimeoutMs]);
    if (this.core && key === this.coreKey) {
      this.core.hosts.setHosts(hosts);
      return this.core;
    }
    this.core?.dispose();
    this.core = this.module().createCore({
      hosts,
      logger: this.log,
      sshConfigFile: settings.sshConfigFile,
      knownHostsFile: settings.knownHostsFile,
      secrets: this.secrets,
      hostKeys: this.hostKeys,
      connectTimeoutMs: settings.connectTimeoutMs,
    });
    this.coreKey = key;
    return this.core;
  }

  dispose(): void {
    this.core?.dispose();
    this.core = undefined;
  }
}
