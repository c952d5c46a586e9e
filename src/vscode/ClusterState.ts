// What the views show, read once per refresh: every host's status and the swarms among them.
// Refreshes coalesce: a refresh asked for while one runs is served by one more run after it.
// When to refresh is decided in one place only: RefreshManager.
import * as vscode from 'vscode';
import type { HostStatus } from '../core/model';
import type { SwarmsView } from '../core/swarm/swarmOverview';
import type { CoreService } from './platform/CoreService';

export class ClusterState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  statuses = new Map<string, HostStatus>();
  swarms: SwarmsView = { swarms: [], standalone: [] };
  private running: Promise<void> | undefined;
  private again = false;
  private loadedOnce = false;

  constructor(
    private readonly core: CoreService,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Whether a first read has finished (before it, hosts show as "connecting…"). */
  get loaded(): boolean {
    return this.loadedOnce;
  }

  /** Resolves once the state has been read at least once; starts that first read if none is under way. */
  ready(): Promise<void> {
    if (this.loadedOnce) return Promise.resolve();
    return this.running ?? this.refresh();
  }

  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const started = Date.now();
        try {
          const hosts = this.core.docker();
          const statuses = await hosts.statusAll();
          this.swarms = await this.core.api.swarmOverview(hosts, statuses);
          this.statuses = new Map(statuses.map((s) => [s.name, s]));
          this.log.debug(`refresh: ${statuses.length} host(s), ${this.swarms.swarms.length} swarm(s) in ${Date.now() - started} ms`);
        } catch (err) {
          this.log.error(`refresh failed: ${this.core.redact(String(err))}`);
        }
        this.loadedOnce = true;
        this.changed.fire();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
