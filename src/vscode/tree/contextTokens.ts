// A tree item's contextValue as independent tokens ("node manager leader active ready"): menus match
// one fact with `viewItem =~ /\bmanager\b/`, so adding a fact never shifts the others.
import type { HostStatus } from '../../core/model';

export function contextTokens(kind: string, ...facts: Array<string | false | undefined>): string {
  return [kind, ...facts.filter((f): f is string => typeof f === 'string' && /^[A-Za-z]+$/.test(f))].join(' ');
}

/** swarm-inactive → swarmInactive: one word, so `\bswarmActive\b` never matches inside another token. */
export function swarmStateToken(state: HostStatus['swarm']['state']): string {
  return `swarm${state.charAt(0).toUpperCase()}${state.slice(1)}`;
}
