// How a connection logs in, in OpenSSH's order: ssh-agent, then each identity file (asking for the
// passphrase of an encrypted one, up to 3 tries), then a password (up to 2 tries). Questions go
// through the core's PromptGate: one per key at a time, with the connect clock stopped.
import { promises as fs } from 'node:fs';
import { type AuthenticationType, type BaseAgent, type ParsedKey, utils } from 'ssh2';
import type { AuthFailed } from '../errors';
import type { Logger, Redactor } from '../log';
import { SelectedAgent, identityPublicKey, selectAgents } from './agentSelection';
import { type SecretPrompter, secretId } from './auth';
import { authFailed } from './connectErrors';
import { PromptGate, type UnlockedKey, type UserWait } from './promptGate';
import type { SshEndpoint } from './sshConfig';

export interface AuthOptions {
  secrets: SecretPrompter;
  redactor: Redactor;
  logger: Logger;
  /** ssh-agent socket, winning over IdentityAgent and SSH_AUTH_SOCK; '' means none. Unset: see selectAgents. */
  agentSocket?: string;
  /** Shared by the connections of a core, so a key's passphrase is asked once. */
  prompts?: PromptGate;
}

/** A passphrase or password that was offered, so the host can keep it once it worked. */
export interface OfferedSecret {
  kind: 'passphrase' | 'password';
  id: string;
  value: string;
}

/** What ssh2 is handed next: a method to try, or false when none is left. */
export type AuthOffer =
  | { type: 'agent'; username: string; agent: string | BaseAgent }
  | { type: 'publickey'; username: string; key: Buffer | ParsedKey; passphrase?: string }
  | { type: 'password'; username: string; password: string }
  | false;

export interface AuthHandler {
  /** ssh2's authHandler: called for the first method and again after each one that failed. */
  handler(methodsLeft: AuthenticationType[] | null, partial: boolean | null, callback: (next: AuthOffer) => void): void;
  /** The secret of the last offer; once connected, the one that worked. */
  lastOffer(): OfferedSecret | undefined;
}

/**
 * `onFailure` gets the error to show when every method failed or the handler itself broke; `wait` is
 * the connect clock, stopped while the user is asked.
 */
export function makeAuthHandler(
  endpoint: SshEndpoint,
  options: AuthOptions,
  onFailure: (err: AuthFailed) => void,
  wait?: UserWait,
): AuthHandler {
  const log = options.logger;
  const gate = options.prompts ?? new PromptGate();
  const tried: string[] = [];
  let step: 'agent' | 'keys' | 'password' = 'agent';
  let passwordTries = 0;
  // ssh2 calls the handler again only after a failure, so the last offer is the one that worked.
  let lastSecret: OfferedSecret | undefined;
  const agents = selectAgents(endpoint, { explicit: options.agentSocket, env: process.env, platform: process.platform });
  /** Public keys the agent offered (base64): their identity files need no unlocking. */
  const agentKeys = new Set<string>();
  const identityFiles = [...endpoint.identityFiles];

  const nextAgent = async (): Promise<AuthOffer | undefined> => {
    const spec = agents.shift();
    if (spec === undefined) return undefined;
    let only: Set<string> | undefined;
    if (endpoint.identitiesOnly) {
      const keys = await Promise.all(endpoint.identityFiles.map(identityPublicKey));
      only = new Set(keys.filter((k): k is Buffer => k !== undefined).map((k) => k.toString('base64')));
    }
    tried.push(spec === 'pageant' ? 'pageant' : 'ssh-agent');
    const agent = new SelectedAgent(spec, only, (blob) => agentKeys.add(blob.toString('base64')));
    return { type: 'agent', username: endpoint.user, agent };
  };

  // The key in `data`, opened: kept from before, or its passphrase asked (one question per key file at a
  // time). Decrypting runs the KDF, which is CPU time of ours, not the server's: the clock stays stopped.
  const unlock = async (file: string, data: Buffer): Promise<UnlockedKey | undefined> => {
    const kept = gate.unlockedKey(file, data);
    if (kept !== undefined) return kept;
    return gate.ask(
      `passphrase:${file}`,
      async () => {
        for (let attempt = 0; attempt < 3; attempt++) {
          const passphrase = await options.secrets.passphrase(file, endpoint, attempt > 0);
          if (passphrase === undefined) return undefined;
          options.redactor.add(passphrase);
          const parsed = utils.parseKey(data, passphrase);
          const key = Array.isArray(parsed) ? parsed[0] : parsed;
          if (key && !(key instanceof Error)) {
            const unlocked = { passphrase, key };
            gate.keepUnlockedKey(file, data, unlocked);
            return unlocked;
          }
          log.warn(`ssh: wrong passphrase for ${file}`);
        }
        return undefined;
      },
      wait,
    );
  };

  const nextKey = async (): Promise<AuthOffer | undefined> => {
    while (identityFiles.length > 0) {
      const file = identityFiles.shift()!;
      let data: Buffer;
      try {
        data = await fs.readFile(file);
      } catch {
        if (endpoint.explicitIdentity) log.warn(`ssh: identity file ${file} cannot be read; skipped`);
        continue;
      }
      const parsed = utils.parseKey(data);
      if (!(parsed instanceof Error)) {
        tried.push(file);
        return { type: 'publickey', username: endpoint.user, key: data };
      }
      if (!/encrypted|passphrase/i.test(parsed.message)) {
        log.warn(`ssh: ${file} is not a usable private key (${parsed.message}); skipped`);
        continue;
      }
      // Like ssh: a key the agent already offered is not unlocked again.
      const pub = agentKeys.size > 0 ? await identityPublicKey(file) : undefined;
      if (pub && agentKeys.has(pub.toString('base64'))) {
        log.debug(`ssh: ${file} was offered by the agent; not asking for its passphrase`);
        continue;
      }
      const unlocked = await unlock(file, data);
      if (unlocked === undefined) continue;
      tried.push(file);
      lastSecret = { kind: 'passphrase', id: secretId('passphrase', endpoint, file), value: unlocked.passphrase };
      // The opened key, so ssh2 does not run the KDF again for every host.
      return { type: 'publickey', username: endpoint.user, key: unlocked.key, passphrase: unlocked.passphrase };
    }
    return undefined;
  };

  const offer = async (methodsLeft: AuthenticationType[] | null): Promise<AuthOffer> => {
    lastSecret = undefined;
    const allowed = (m: AuthenticationType) => methodsLeft === null || methodsLeft.includes(m);
    if (step === 'agent') {
      const next = allowed('publickey') ? await nextAgent() : undefined;
      if (next) return next;
      step = 'keys';
    }
    if (step === 'keys') {
      if (allowed('publickey')) {
        const key = await nextKey();
        if (key) return key;
      }
      step = 'password';
    }
    if (allowed('password') && passwordTries < 2) {
      const retry = passwordTries > 0;
      const password = await gate.ask(
        `${secretId('password', endpoint)}#${passwordTries}`,
        () => options.secrets.password(endpoint, retry),
        wait,
      );
      passwordTries++;
      if (password !== undefined) {
        options.redactor.add(password);
        tried.push('password');
        lastSecret = { kind: 'password', id: secretId('password', endpoint), value: password };
        return { type: 'password', username: endpoint.user, password };
      }
    }
    onFailure(authFailed(endpoint, { tried }));
    return false;
  };

  return {
    handler: (methodsLeft, _partial, callback) => {
      offer(methodsLeft).then(callback, (err: unknown) => {
        log.error(`ssh: authentication handler failed: ${String(err)}`);
        onFailure(authFailed(endpoint, { cause: err }));
        callback(false);
      });
    },
    lastOffer: () => lastSecret,
  };
}
