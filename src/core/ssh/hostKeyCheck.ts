// Which known_hosts files a host is checked against, and the check itself, as ssh does it: the user
// files, then the global ones; a key the user trusts is appended to the first user file.
import * as os from 'node:os';
import * as path from 'node:path';
import { HostKeyMismatch, HostKeyRevoked, HostKeyUnknown } from '../errors';
import type { Logger } from '../log';
import type { HostKeyPrompter } from './auth';
import { KnownHosts, appendKnownHost, fingerprint, keyTypeOf, knownHostsLine } from './knownHosts';
import { PromptGate, type UserWait } from './promptGate';
import type { SshEndpoint } from './sshConfig';

export interface KnownHostsFiles {
  /** Read first; a newly trusted key goes to the first one (none: the key is trusted for this session only). */
  user: string[];
  global: string[];
}

/**
 * The files to check: an explicit file (setting `swarmOverlay.knownHostsFile`, CLI `--known-hosts`) wins
 * over the ssh config's UserKnownHostsFile; without either, ssh's defaults.
 */
export function knownHostsFiles(
  endpoint: SshEndpoint,
  explicit: string | undefined,
  home = os.homedir(),
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): KnownHostsFiles {
  const user = explicit
    ? [explicit]
    : (endpoint.userKnownHostsFile ?? [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')]);
  const systemDir = platform === 'win32' ? path.win32.join(env.PROGRAMDATA ?? 'C:\\ProgramData', 'ssh') : '/etc/ssh';
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  const global = endpoint.globalKnownHostsFile ?? [join(systemDir, 'ssh_known_hosts'), join(systemDir, 'ssh_known_hosts2')];
  return { user, global };
}

export async function loadKnownHosts(files: KnownHostsFiles): Promise<KnownHosts> {
  const all = await Promise.all([...files.user, ...files.global].map((f) => KnownHosts.load(f)));
  return new KnownHosts(all.flatMap((k) => k.lines));
}

export interface HostKeyCheck {
  endpoint: SshEndpoint;
  files: KnownHostsFiles;
  knownHosts: KnownHosts;
  prompter: HostKeyPrompter;
  gate: PromptGate;
  logger: Logger;
  /** The connect clock, stopped while the user is asked. */
  wait?: UserWait;
}

/** Resolves when the key may be used; throws the typed error to show otherwise. */
export async function checkHostKey(c: HostKeyCheck, key: Buffer): Promise<void> {
  const { endpoint, files, gate, logger } = c;
  const fp = fingerprint(key);
  const type = keyTypeOf(key);
  const where = describeFiles(files);
  const verdict = c.knownHosts.verify(endpoint.hostName, endpoint.port, key);
  switch (verdict.status) {
    case 'match':
      return;
    case 'revoked':
      throw new HostKeyRevoked(`The host key of ${endpoint.hostName} (${fp}) is marked revoked in ${where}; not connecting.`);
    case 'mismatch':
      logger.error(
        `ssh: host key mismatch for ${endpoint.hostName}:${endpoint.port}: got ${type} ${fp}, known ${verdict.knownFingerprints.join(', ')}`,
      );
      throw new HostKeyMismatch(
        `The host key of ${endpoint.hostName} has changed (now ${fp}, ${where} has another): not connecting. ` +
          `If the host was reinstalled, remove its old line from known_hosts.`,
        fp,
      );
    case 'unknown':
      break;
  }
  const id = PromptGate.hostKeyId(endpoint.hostName, endpoint.port, fp);
  const notTrusted = () =>
    new HostKeyUnknown(`The host key of ${endpoint.hostName} (${type} ${fp}) is not in ${where}, and it was not accepted.`, fp);
  if (gate.isTrusted(id)) return;
  if (gate.isRefused(id)) throw notTrusted();
  // Asked once for every connection that meets this key; the answer is written once.
  const accepted = await gate.ask(
    id,
    async () => {
      const yes = await c.prompter.confirmUnknownKey(endpoint, type, fp);
      if (!yes) return false;
      const file = files.user[0];
      if (file) {
        await appendKnownHost(file, knownHostsLine(endpoint.hostName, endpoint.port, key));
        logger.info(`ssh: added ${endpoint.hostName} ${type} ${fp} to ${file}`);
      } else {
        gate.trust(id);
        logger.warn(`ssh: ${endpoint.hostName} ${type} ${fp} trusted for this session only (UserKnownHostsFile none)`);
      }
      return true;
    },
    c.wait,
  );
  if (!accepted) {
    gate.refuse(id);
    throw notTrusted();
  }
}

function describeFiles(files: KnownHostsFiles): string {
  return files.user[0] ?? 'the known_hosts files';
}
