// What both views show, read once per refresh: every host's status and the swarms among them.
// Refreshes coalesce: a refresh asked for while one runs is served by one more run after it.
import * as vscode from 'vscode';
import type { HostStatus } from '../core/model';
import type { SwarmsView } from '../core/swarm/swarmOverview';
import type { CoreService } from './platform/CoreService';

export class ClusterState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  statuses = new Map<string, HostStatus>();
  swarms: SwarmsView = { swarms: [], standalone: [] };
  loaded = false;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly core: CoreService,
    private readonly log: vscode.LogOutputChannel,
  ) {}

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
          const core = this.core.get();
          const statuses = await core.hosts.statusAll();
          this.swarms = await this.core.module().swarmOverview(core.hosts, statuses);
          this.statuses = new Map(statuses.map((s) => [s.name, s]));
          this.log.debug(`refresh: ${statuses.length} host(s), ${this.swarms.swarms.length} swarm(s) in ${Date.now() - started} ms`);
        } catch (err) {
          this.log.error(`refresh failed: ${String(err)}`);
        }
        this.loaded = true;
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
