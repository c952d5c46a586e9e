// The UI's one way into the core: `api` (the core module's functions), `host(name)`, `docker()`.
// Built lazily on first use (the transport costs ≈ 125 ms to load) and rebuilt when the settings
// that shape it change.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadWithCodeCache } from '../../core/codeCache';
import type * as CoreModule from '../../core/index';
import type { Core } from '../../core/core';
import type { DockerHost } from '../../core/docker/DockerHost';
import type { DockerHosts } from '../../core/hosts/DockerHosts';
import { type Logger, Redactor } from '../../core/log';
import type { HostConfig } from '../../core/model';
import { ModalHostKeyPrompter } from './hostKeys';
import { SecretIndex } from './secretIndex';
import { SecretStoragePrompter } from './secrets';
import { readSettings, type Settings } from './settings';

export type CoreApi = typeof CoreModule;

export class CoreService implements vscode.Disposable {
  private core: Core | undefined;
  private coreKey = '';
  private loaded: CoreApi | undefined;
  private readonly hostKeys = new ModalHostKeyPrompter();
  private readonly secrets: SecretStoragePrompter;
  /** The passwords and passphrases kept in SecretStorage, by id. */
  readonly keptSecrets: SecretIndex;
  /** Problems of the host setting, as sentences; the valid hosts are still used. */
  problems: string[] = [];
  /** Setting warnings already logged, so each is said once while it stands. */
  private warned = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.keptSecrets = new SecretIndex(context.secrets, context.globalState);
    this.secrets = new SecretStoragePrompter(this.keptSecrets);
  }

  /** The core module's functions, loaded on first use. */
  get api(): CoreApi {
    // Kept out of the extension bundle on purpose (see scripts/build.mjs), and loaded through V8's code
    // cache in the extension's storage; the cache is written 5 s on, once the first tree has been built.
    this.loaded ??= loadWithCodeCache(
      path.join(this.context.extensionPath, 'dist', 'core.js'),
      path.join(this.context.globalStorageUri.fsPath, 'code-cache'),
      { afterMs: 5_000 },
    ).exports as CoreApi;
    return this.loaded;
  }

  /** The configured host `name`, ready to call Docker on. */
  host(name: string): DockerHost {
    return this.get().hosts.get(name);
  }

  /** Every configured host. */
  docker(): DockerHosts {
    return this.get().hosts;
  }

  /** Masks join tokens and secrets: one for the extension's life, so a rebuilt core keeps what it learned. */
  readonly redactor = new Redactor();

  /** Text from Docker or SSH on its way to a notification, a tooltip or the log, with secrets masked. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** The core's logger (redacting), for long operations that log their steps. */
  get logger(): Logger {
    return this.get().logger;
  }

  /**
   * Keeps the current core for one operation: a settings change meanwhile builds a new core for what
   * starts next, and this one is disposed only once its operations end. Call the result when done.
   */
  hold(): () => void {
    try {
      return this.get().hold();
    } catch {
      // No core can be built now: the operation meets that error itself if it needs one.
      return () => undefined;
    }
  }

  /** The names of the configured hosts that are nodes of the swarm `via` manages. */
  async swarmHostNames(via: string): Promise<string[]> {
    return (await this.api.swarmHosts(this.docker(), this.host(via))).map((h) => h.name);
  }

  /** Valid host entries from the settings; invalid ones are reported in `problems`. */
  configuredHosts(settings: Settings = readSettings()): HostConfig[] {
    const api = this.api;
    const list = Array.isArray(settings.hosts) ? settings.hosts : [];
    const problems: string[] = [];
    const valid: HostConfig[] = [];
    const names = new Set<string>();
    list.forEach((entry, i) => {
      const p = api.hostProblems(entry, i);
      const name = (entry as HostConfig)?.name;
      if (p.length === 0 && names.has(name)) p.push(vscode.l10n.t('Two hosts are named "{0}"; the second is ignored.', name));
      if (p.length) problems.push(...p);
      else {
        names.add(name);
        valid.push(entry as HostConfig);
      }
    });
    if (!Array.isArray(settings.hosts)) problems.push(vscode.l10n.t('The setting swarmOverlay.hosts must be a list of hosts.'));
    if (settings.ignoredWorkspaceHosts > 0) {
      problems.push(
        vscode.l10n.t(
          "{0} host(s) from this workspace's settings are ignored until you trust the workspace.",
          settings.ignoredWorkspaceHosts,
        ),
      );
    }
    if (settings.ignoredWorkspaceSettings.length > 0) {
      const ignored = settings.ignoredWorkspaceSettings;
      problems.push(
        ignored.length > 1
          ? vscode.l10n.t("{0} from this workspace's settings are ignored until you trust the workspace.", ignored.join(', '))
          : vscode.l10n.t("{0} from this workspace's settings is ignored until you trust the workspace.", ignored.join(', ')),
      );
    }
    this.problems = problems;
    return valid;
  }

  private get(): Core {
    const settings = readSettings();
    for (const w of settings.warnings) if (!this.warned.has(w)) this.log.warn(w);
    this.warned = new Set(settings.warnings);
    const hosts = this.configuredHosts(settings);
    const key = JSON.stringify([settings.sshConfigFile, settings.knownHostsFile, settings.connectTimeoutMs, settings.requestTimeoutMs]);
    if (this.core && key === this.coreKey) {
      this.core.hosts.setHosts(hosts);
      return this.core;
    }
    // Operations under way finish on the connections they started with (see hold).
    this.core?.retire();
    this.core = this.api.createCore({
      hosts,
      logger: this.log,
      sshConfigFile: settings.sshConfigFile,
      knownHostsFile: settings.knownHostsFile,
      secrets: this.secrets,
      hostKeys: this.hostKeys,
      connectTimeoutMs: settings.connectTimeoutMs,
      redactor: this.redactor,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
    this.coreKey = key;
    return this.core;
  }

  dispose(): void {
    this.core?.dispose();
    this.core = undefined;
  }
}
