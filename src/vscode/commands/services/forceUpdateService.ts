// Force Update: every task of the service is replaced (restarted), as `docker service update --force`.
import type { CommandContext } from '../CommandContext';
import { pickService } from '../pickers';
import { withProgress } from '../../platform/ui';
import type { ServiceItem } from '../../tree/serviceItems';

export async function forceUpdateServiceCommand(ctx: CommandContext, arg?: ServiceItem): Promise<void> {
  const { service, via } = await pickService(ctx.state, arg, 'Restart the tasks of which service?');
  await withProgress(`Restarting the tasks of "${service.name}"…`, () => ctx.core.api.forceUpdateService(ctx.core.host(via), service.id));
}
