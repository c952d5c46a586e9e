// Scale…: a replicated service's replica count, typed and checked as typed.
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { input, withProgress } from '../../platform/ui';
import type { ServiceItem } from '../../tree/serviceItems';

export async function scaleServiceCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { api } = ctx.core;
  const { service, via } = await pickService(ctx.state, arg, 'Scale which service?', (s) => s.mode === 'replicated');
  const text = await input({
    title: `Scale ${service.name}`,
    prompt: `Replicas (now ${service.desired}, ${service.running} running)`,
    value: String(service.desired),
    validate: (v) => api.replicasProblem(v),
  });
  const replicas = Number(text);
  await withProgress(`Scaling "${service.name}" to ${replicas}…`, () => api.scaleService(ctx.core.host(via), service.id, replicas));
}
