// What the views show, read once per refresh: every host's status, the swarms among them, each
// swarm's services and networks (three requests per swarm, once per refresh, after its nodes) and
// each reachable host's local networks (one request per host).
// Refreshes coalesce per host: a refresh asked for while a host's read runs is served by one more read after it.
// The views redraw only when what they show changed: a refresh that finds everything as it was redraws
// nothing, so an idle view keeps its rows (and a context menu opened on one runs on that item: a row
// redrawn under an open menu hands its command no item).
// When to refresh is decided in one place only: RefreshManager. What the welcomes and the walkthrough
// key on is published from here, with every change (setContext, see viewContext.ts).
import * as vscode from 'vscode';
import type { HostStatus } from '../core/model';
import type { NetworkSummary } from '../core/networks/overlayNetworks';
import type { ServicesView } from '../core/services/services';
import type { SwarmsView } from '../core/swarm/swarmOverview';
import type { CoreService } from './platform/CoreService';
import { readSettings } from './platform/settings';
import { WALKTHROUGH_PULSE, viewContext } from './viewContext';

export class ClusterState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** What the views show changed. */
  readonly onDidChange = this.changed.event;
  private readonly refreshed = new vscode.EventEmitter<void>();
  /** A whole refresh ended, changed or not (what is read only when shown, like a network's members, reads again). */
  readonly onDidRefresh = this.refreshed.event;
  /** What the views showed when they last redrew (see `fire`). */
  private drawn: string | undefined;
  private redraws = 0;
  statuses = new Map<string, HostStatus>();
  swarms: SwarmsView = { swarms: [], standalone: [] };
  /** Per cluster id: its services as last read, or why they could not be. */
  services = new Map<string, { services?: ServicesView; error?: string }>();
  /** Per network scope (`networkScopeKey`): its networks as last read, or why they could not be. */
  networks = new Map<string, { networks?: NetworkSummary[]; error?: string }>();
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
      const redrawsBefore = this.redraws;
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
      await this.readDetails();
      this.loadedOnce = true;
      this.fire();
      const redraws = this.redraws - redrawsBefore;
      this.log.debug(
        `refresh: ${names.length} host(s), ${this.swarms.swarms.length} swarm(s) in ${Date.now() - started} ms; ` +
          (redraws ? `views redrawn ${redraws} time(s)` : 'views unchanged'),
      );
      this.refreshed.fire();
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

  // Once per refresh: through the manager each swarm was read through, its services and networks (the
  // overviews a host read starts meanwhile show the services read last); each reachable host's own
  // networks. One network list per host serves both its own and, on a manager, its swarm's.
  private async readDetails(): Promise<void> {
    const { api } = this.core;
    const message = (reason: unknown) => this.core.redact(api.userMessage(reason));
    const swarms = this.swarms.swarms.filter((s) => s.via);
    const reachable = [...this.statuses.values()].filter((h) => h.reachable).map((h) => h.name);
    const lists = new Map<string, Promise<NetworkSummary[]>>();
    for (const name of [...swarms.map((s) => s.via!), ...reachable])
      if (!lists.has(name)) lists.set(name, api.listNetworks(this.core.host(name)));
    const settle = <T>(p: Promise<T>): Promise<{ value?: T; error?: string }> =>
      p.then(
        (value) => ({ value }),
        (err: unknown) => ({ error: message(err) }),
      );
    const read = new Map([...lists].map(([name, list]) => [name, settle(list)] as const));
    const scoped = (key: string, from: string, swarmScope: boolean) =>
      read
        .get(from)!
        .then(
          (r) => [key, r.value ? { networks: r.value.filter((n) => (n.scope === 'swarm') === swarmScope) } : { error: r.error }] as const,
        );
    // Read at once, kept in a fixed order (what the views show is compared as a whole, see `fire`).
    const [services, networks] = await Promise.all([
      Promise.all(swarms.map((s) => settle(api.readServices(this.core.host(s.via!), s.nodes, lists.get(s.via!))))),
      Promise.all([
        ...swarms.map((s) => scoped(networkScopeKey({ kind: 'swarm', id: s.clusterId }), s.via!, true)),
        ...reachable.map((name) => scoped(networkScopeKey({ kind: 'host', host: name }), name, false)),
      ]),
    ]);
    this.services = new Map(swarms.map((s, i) => [s.clusterId, { services: services[i]!.value, error: services[i]!.error }]));
    this.networks = new Map(networks);
  }

  /** How many custom overlay networks the swarm had at the last refresh. */
  private overlays(clusterId: string): number {
    const list = this.networks.get(networkScopeKey({ kind: 'swarm', id: clusterId }))?.networks ?? [];
    return list.filter((n) => n.driver === 'overlay' && !n.builtIn).length;
  }

  private fire(): void {
    const keys = viewContext({
      configured: this.configured,
      loaded: this.loadedOnce,
      standalone: this.swarms.standalone.length,
      swarms: this.swarms.swarms.map((s) => ({ nodes: s.nodes.length, overlays: this.overlays(s.clusterId) })),
      matrixRan: this.matrixRan,
    });
    for (const [key, value] of Object.entries(keys)) {
      if (this.published.get(key) === value) continue;
      this.published.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
    // Everything the three views draw, hosts as configured included (the Hosts view lists them before
    // they answer); kept in memory only, never logged.
    const shown = JSON.stringify([
      this.loadedOnce,
      this.matrixRan,
      this.core.configuredHosts().map((h) => [h.name, h.user, h.host, h.port]),
      this.core.problems,
      [...this.statuses],
      this.swarms,
      [...this.services],
      [...this.networks],
    ]);
    if (shown === this.drawn) return;
    this.drawn = shown;
    this.redraws++;
    this.changed.fire();
  }

  private async pulse(): Promise<void> {
    await vscode.commands.executeCommand('setContext', WALKTHROUGH_PULSE, true);
    await vscode.commands.executeCommand('setContext', WALKTHROUGH_PULSE, false);
  }

  dispose(): void {
    this.changed.dispose();
    this.refreshed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** The key of a network scope in `ClusterState.networks`: a swarm's networks, or one host's own. */
export function networkScopeKey(scope: { kind: 'swarm'; id: string } | { kind: 'host'; host: string }): string {
  return scope.kind === 'swarm' ? `swarm/${scope.id}` : `host/${scope.host}`;
}
