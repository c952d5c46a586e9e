// What the views show, read once per refresh: every host's status, the swarms among them, and each
// swarm's services (three requests per swarm, once per refresh, after its nodes).
// Refreshes coalesce per host: a refresh asked for while a host's read runs is served by one more read after it.
// When to refresh is decided in one place only: RefreshManager. What the welcomes and the walkthrough
// key on is published from here, with every change (setContext, see viewContext.ts).
import * as vscode from 'vscode';
import type { HostStatus } from '../core/model';
import type { ServicesView } from '../core/services/services';
import type { SwarmsView } from '../core/swarm/swarmOverview';
import type { CoreService } from './platform/CoreService';
import { readSettings } from './platform/settings';
import { WALKTHROUGH_PULSE, viewContext } from './viewContext';

export class ClusterState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  statuses = new Map<string, HostStatus>();
  swarms: SwarmsView = { swarms: [], standalone: [] };
  /** Per cluster id: its services as last read, or why they could not be. */
  services = new Map<string, { services?: ServicesView; error?: string }>();
  /** Per cluster id: how many custom overlay networks it had at the last refresh. */
  overlays = new Map<string, number>();
  /** How many hosts the settings named at the last refresh. */
  private configured = 0;
  private readonly published = new Map<string, string | boolean>();
  /** Per host, the read under way; a refresh asked for meanwhile is served by one more read after it. */
  private readonly reads = new Map<string, Promise<void>>();
  private readonly readAgain = new Set<string>();
  private overview: Promise<void> | undefined;
  private overviewAgain = false;
  private pending: Promise<void> | undefined;
  private loadedOnce = false;
  private matrixRan = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly core: CoreService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Opening the walkthrough opens an editor tab and may create its service just now: pulse (WALKTHROUGH_PULSE).
    this.disposables.push(
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        if (e.opened.length > 0) void this.pulse();
      }),
    );
  }

  /** A matrix run finished (the walkthrough's last step). */
  noteMatrixRan(): void {
    if (this.matrixRan) return;
    this.matrixRan = true;
    this.fire();
  }

  /** Whether a first read has finished (before it, hosts show as "connecting…"). */
  get loaded(): boolean {
    return this.loadedOnce;
  }

  /** Resolves once the state has been read at least once; starts that first read if none is under way. */
  ready(): Promise<void> {
    if (this.loadedOnce) return Promise.resolve();
    return this.pending ?? this.refresh();
  }

  /**
   * Reads every host, each on its own: a host's status lands (and the views redraw) as soon as it
   * answers, so a slow host, bounded by the request timeout, never holds up the others.
   */
  refresh(): Promise<void> {
    const run = (async () => {
      const started = Date.now();
      let names: string[];
      try {
        names = this.core
          .docker()
          .list()
          .map((h) => h.name);
      } catch (err) {
        this.log.error(`refresh failed: ${this.core.redact(String(err))}`);
        this.loadedOnce = true;
        this.fire();
        return;
      }
      this.configured = names.length;
      for (const name of [...this.statuses.keys()]) if (!names.includes(name)) this.statuses.delete(name);
      await Promise.all(names.map((name) => this.readHost(name)));
      // Each host read already asked for an overview after its status landed: wait for that one
      // rather than asking for another (an overview reads every manager's node list).
      await (this.overview ?? this.readOverview());
      await this.readServices();
      this.loadedOnce = true;
      this.fire();
      this.log.debug(`refresh: ${names.length} host(s), ${this.swarms.swarms.length} swarm(s) in ${Date.now() - started} ms`);
    })();
    this.pending = run;
    void run.finally(() => {
      if (this.pending === run) this.pending = undefined;
    });
    return run;
  }

  private readHost(name: string): Promise<void> {
    const running = this.reads.get(name);
    if (running) {
      this.readAgain.add(name);
      return running;
    }
    const read = (async () => {
      do {
        this.readAgain.delete(name);
        try {
          const hosts = this.core.docker();
          if (!hosts.list().some((h) => h.name === name)) return;
          const status = await hosts.status(name);
          // Kept in the configured order, not the order hosts answered in: the views list them so.
          const order = hosts.list().map((h) => h.name);
          this.statuses.set(name, status);
          this.statuses = new Map(order.flatMap((n) => (this.statuses.has(n) ? [[n, this.statuses.get(n)!] as const] : [])));
        } catch (err) {
          this.log.error(`refresh of ${name} failed: ${this.core.redact(String(err))}`);
        }
        this.fire();
        void this.readOverview();
      } while (this.readAgain.has(name));
    })().finally(() => this.reads.delete(name));
    this.reads.set(name, read);
    return read;
  }

  // The swarms among the hosts read so far; runs coalesce like host reads.
  private readOverview(): Promise<void> {
    if (this.overview) {
      this.overviewAgain = true;
      return this.overview;
    }
    this.overview = (async () => {
      do {
        this.overviewAgain = false;
        try {
          this.swarms = await this.core.api.swarmOverview(this.core.docker(), [...this.statuses.values()], {
            failureDomainLabel: readSettings().failureDomainLabel,
          });
        } catch (err) {
          this.log.error(`refresh failed: ${this.core.redact(String(err))}`);
        }
        this.fire();
      } while (this.overviewAgain);
    })().finally(() => {
      this.overview = undefined;
    });
    return this.overview;
  }

  // Once per refresh, through the manager each swarm was read through (the overviews a host read
  // starts meanwhile show the services read last); with them, how many overlays each swarm has.
  private async readServices(): Promise<void> {
    const next = new Map<string, { services?: ServicesView; error?: string }>();
    const overlays = new Map<string, number>();
    const { api } = this.core;
    await Promise.all(
      this.swarms.swarms.map(async (s) => {
        if (!s.via) return;
        const host = this.core.host(s.via);
        const [services, networks] = await Promise.allSettled([api.readServices(host, s.nodes), api.listNetworks(host)]);
        next.set(
          s.clusterId,
          services.status === 'fulfilled' ? { services: services.value } : { error: this.core.redact(api.userMessage(services.reason)) },
        );
        if (networks.status === 'fulfilled')
          overlays.set(s.clusterId, networks.value.filter((n) => n.scope === 'swarm' && n.driver === 'overlay' && !n.builtIn).length);
      }),
    );
    this.services = next;
    this.overlays = overlays;
  }

  private fire(): void {
    const keys = viewContext({
      configured: this.configured,
      loaded: this.loadedOnce,
      standalone: this.swarms.standalone.length,
      swarms: this.swarms.swarms.map((s) => ({ nodes: s.nodes.length, overlays: this.overlays.get(s.clusterId) ?? 0 })),
      matrixRan: this.matrixRan,
    });
    for (const [key, value] of Object.entries(keys)) {
      if (this.published.get(key) === value) continue;
      this.published.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
    this.changed.fire();
  }

  private async pulse(): Promise<void> {
    await vscode.commands.executeCommand('setContext', WALKTHROUGH_PULSE, true);
    await vscode.commands.executeCommand('setContext', WALKTHROUGH_PULSE, false);
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
