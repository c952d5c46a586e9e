// Scale…: a replicated service's replica count, typed and checked as typed; then waits, as
// `docker service scale` does, until the tasks run (or says why they do not).
import * as vscode from 'vscode';
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { input, withProgress } from '../../platform/ui';
import type { ServiceItem } from '../../tree/serviceItems';

export async function scaleServiceCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { api } = ctx.core;
  const { service, via } = await pickService(ctx.state, arg, vscode.l10n.t('Scale which service?'), (s) => s.mode === 'replicated');
  const text = await input({
    title: vscode.l10n.t('Scale {0}', service.name),
    prompt: vscode.l10n.t('Replicas (now {0}, {1} running)', service.desired, service.running),
    value: String(service.desired),
    validate: (v) => api.replicasProblem(v),
  });
  const replicas = Number(text);
  const host = ctx.core.host(via);
  // Cancel stops the wait only: the one request that scales is sent at once.
  const problem = await withProgress(
    vscode.l10n.t('Scaling "{0}" to {1}…', service.name, replicas),
    async (steps) => {
      await api.scaleService(host, service.id, replicas);
      return api.waitForService(host, service.id, { signal: steps.signal });
    },
    { cancellable: true },
  );
  if (problem) void vscode.window.showWarningMessage(vscode.l10n.t('"{0}" is scaled to {1}, but {2}', service.name, replicas, problem));
}
