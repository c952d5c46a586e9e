// Remove Service: asks first (modal), then removes it; its tasks stop on every node.
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { confirm, withProgress } from '../../platform/ui';
import type { ServiceItem } from '../../tree/serviceItems';

export async function removeServiceCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { service, via } = await pickService(ctx.state, arg, 'Remove which service?');
  const tasks = service.tasks.length;
  await confirm(
    `Remove service "${service.name}"?`,
    `Its ${tasks} task${tasks === 1 ? '' : 's'} stop on every node${service.stack ? `; it leaves the stack "${service.stack}"` : ''}. This cannot be undone.`,
    'Remove',
  );
  await withProgress(`Removing "${service.name}"…`, () => ctx.core.api.removeService(ctx.core.host(via), service.id));
}
