// "Add Host": pick a ~/.ssh/config alias or an ssh:// Docker context, or type user@host:port.
import * as vscode from 'vscode';
import type { HostConfig } from '../../core/model';
import type { CommandContext } from './CommandContext';
import { readSettings, writeHosts } from '../platform/settings';
import { input, pick } from '../platform/ui';

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
    { label: '$(edit) Enter user@host:port…', alwaysShow: true },
    ...(aliases.length ? [{ label: '~/.ssh/config', kind: vscode.QuickPickItemKind.Separator } as Choice] : []),
    ...aliases.map((a) => ({ label: a, description: 'SSH config alias', entry: { host: a }, suggestedName: a })),
    ...(contexts.length ? [{ label: 'Docker contexts', kind: vscode.QuickPickItemKind.Separator } as Choice] : []),
    ...contexts.map((c) => ({
      label: c.name,
      description: `ssh://${c.user ? `${c.user}@` : ''}${c.host}${c.port ? `:${c.port}` : ''}`,
      entry: { host: c.host, user: c.user, port: c.port },
      suggestedName: c.name,
    })),
  ];
  const picked = await pick(items, {
    title: 'Add Docker Host (1/2)',
    placeHolder: 'Pick an SSH alias or Docker context, or enter an address',
  });
  let entry = picked.entry;
  let suggested = picked.suggestedName;
  if (!entry) {
    const typed = await input({
      title: 'Add Docker Host (1/2)',
      prompt: 'SSH address of the Docker host',
      placeHolder: 'user@host:port',
      validate: (v) => {
        try {
          return api.hostProblems({ name: 'x', ...api.parseUserHostPort(v) }, 0)[0];
        } catch (err) {
          return api.userMessage(err);
        }
      },
    });
    const parsed = api.parseUserHostPort(typed);
    entry = { host: parsed.host, user: parsed.user, port: parsed.port };
    suggested = parsed.host.split('.')[0];
  }
  const taken = new Set(existing.map((h) => h.name));
  const chosen = entry;
  const name = await input({
    title: 'Add Docker Host (2/2)',
    prompt: 'A short name for this host',
    value: suggested,
    validate: (v) => (taken.has(v) ? `A host named "${v}" exists already.` : api.hostProblems({ ...chosen, name: v }, 0)[0]),
  });
  const clean = Object.fromEntries(Object.entries({ name, ...entry }).filter(([, v]) => v !== undefined)) as unknown as HostConfig;
  const raw = Array.isArray(settings.hosts) ? (settings.hosts as HostConfig[]) : [];
  await writeHosts([...raw, clean]);
}
