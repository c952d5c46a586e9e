// "Add Host": pick a ~/.ssh/config alias or an ssh:// Docker context, or type user@host:port.
import * as vscode from 'vscode';
import type { HostConfig } from '../../core/model';
import type { CommandContext } from './CommandContext';
import { readSettings, writeHosts } from '../platform/settings';
import { type WizardStep, wizard } from '../platform/ui';

interface Choice extends vscode.QuickPickItem {
  entry?: Omit<HostConfig, 'name'>;
  suggestedName?: string;
}

export async function addHost({ core }: CommandContext): Promise<void> {
  const { api } = core;
  const settings = readSettings();
  const existing = core.configuredHosts(settings);
  const aliases = api.SshConfigResolver.fromFile(settings.sshConfigFile).aliases();
  const contexts = await api.dockerSshContexts();
  const items: Choice[] = [
    { label: `$(edit) ${vscode.l10n.t('Enter user@host:port…')}`, alwaysShow: true },
    ...(aliases.length ? [{ label: '~/.ssh/config', kind: vscode.QuickPickItemKind.Separator } as Choice] : []),
    ...aliases.map((a) => ({ label: a, description: vscode.l10n.t('SSH config alias'), entry: { host: a }, suggestedName: a })),
    ...(contexts.length ? [{ label: vscode.l10n.t('Docker contexts'), kind: vscode.QuickPickItemKind.Separator } as Choice] : []),
    ...contexts.map((c) => ({
      label: c.name,
      description: `ssh://${c.user ? `${c.user}@` : ''}${c.host}${c.port ? `:${c.port}` : ''}`,
      entry: { host: c.host, user: c.user, port: c.port },
      suggestedName: c.name,
    })),
  ];
  const taken = new Set(existing.map((h) => h.name));
  const ENTER = items[0]!.label;
  // The answers, kept when the user goes Back.
  const kept: { picked?: string; typed?: string; name?: string } = {};
  let entry: Omit<HostConfig, 'name'> | undefined;
  let suggested: string | undefined;
  const source: WizardStep = async (flow) => {
    const picked = await flow.pick(items, {
      placeHolder: vscode.l10n.t('Pick an SSH alias or Docker context, or enter an address'),
      active: kept.picked,
    });
    // Another source: the name typed for the old one is not kept, the new suggestion shows.
    if (picked.label !== kept.picked) kept.name = undefined;
    kept.picked = picked.label;
    entry = picked.entry;
    suggested = picked.suggestedName;
    return entry ? hostName : address;
  };
  const address: WizardStep = async (flow) => {
    const typed = await flow.input({
      prompt: vscode.l10n.t('SSH address of the Docker host'),
      placeHolder: 'user@host:port',
      value: kept.typed,
      validate: (v) => {
        try {
          return api.hostProblems({ name: 'x', ...api.parseUserHostPort(v) }, 0)[0];
        } catch (err) {
          return api.userMessage(err);
        }
      },
    });
    if (typed !== kept.typed) kept.name = undefined;
    kept.typed = typed;
    const parsed = api.parseUserHostPort(typed);
    entry = { host: parsed.host, user: parsed.user, port: parsed.port };
    suggested = parsed.host.split('.')[0];
    return hostName;
  };
  const hostName: WizardStep = async (flow) => {
    const chosen = entry!;
    kept.name = await flow.input({
      prompt: vscode.l10n.t('A short name for this host'),
      value: kept.name ?? suggested,
      validate: (v) =>
        taken.has(v) ? vscode.l10n.t('A host named "{0}" exists already.', v) : api.hostProblems({ ...chosen, name: v }, 0)[0],
    });
    return undefined;
  };
  // Two steps for an alias or a context, three when typing an address.
  await wizard(vscode.l10n.t('Add Docker Host'), () => (kept.picked === ENTER ? 3 : 2), source);
  const name = kept.name!;
  const clean = Object.fromEntries(Object.entries({ name, ...entry }).filter(([, v]) => v !== undefined)) as unknown as HostConfig;
  const raw = Array.isArray(settings.hosts) ? (settings.hosts as HostConfig[]) : [];
  await writeHosts([...raw, clean]);
}
