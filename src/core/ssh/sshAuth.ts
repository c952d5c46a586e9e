// How a connection logs in, in OpenSSH's order: ssh-agent, then each identity file (asking for the
// passphrase of an encrypted one, up to 3 tries), then a password (up to 2 tries).
import { promises as fs } from 'node:fs';
import { type AuthenticationType, utils } from 'ssh2';
import type { AuthFailed } from '../errors';
import type { Logger, Redactor } from '../log';
import { type SecretPrompter, secretId } from './auth';
import { authFailed } from './connectErrors';
import type { SshEndpoint } from './sshConfig';

export interface AuthOptions {
  secrets: SecretPrompter;
  redactor: Redactor;
  logger: Logger;
  /** ssh-agent socket; default SSH_AUTH_SOCK. */
  agentSocket?: string;
}

/** A passphrase or password that was offered, so the host can keep it once it worked. */
export interface OfferedSecret {
  kind: 'passphrase' | 'password';
  id: string;
  value: string;
}

/** What ssh2 is handed next: a method to try, or false when none is left. */
export type AuthOffer =
  | { type: 'agent'; username: string; agent: string }
  | { type: 'publickey'; username: string; key: Buffer; passphrase?: string }
  | { type: 'password'; username: string; password: string }
  | false;

export interface AuthHandler {
  /** ssh2's authHandler: called for the first method and again after each one that failed. */
  handler(methodsLeft: AuthenticationType[] | null, partial: boolean | null, callback: (next: AuthOffer) => void): void;
  /** The secret of the last offer; once connected, the one that worked. */
  lastOffer(): OfferedSecret | undefined;
}

/** `onFailure` gets the error to show when every method failed or the handler itself broke. */
export function makeAuthHandler(endpoint: SshEndpoint, options: AuthOptions, onFailure: (err: AuthFailed) => void): AuthHandler {
  const log = options.logger;
  const tried: string[] = [];
  let step: 'agent' | 'keys' | 'password' = 'agent';
  let passwordTries = 0;
  // ssh2 calls the handler again only after a failure, so the last offer is the one that worked.
  let lastSecret: OfferedSecret | undefined;
  const agent = options.agentSocket ?? process.env.SSH_AUTH_SOCK;
  const identityFiles = [...endpoint.identityFiles];

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
      let parsed = utils.parseKey(data);
      if (!(parsed instanceof Error)) {
        tried.push(file);
        return { type: 'publickey', username: endpoint.user, key: data };
      }
      if (!/encrypted|passphrase/i.test(parsed.message)) {
        log.warn(`ssh: ${file} is not a usable private key (${parsed.message}); skipped`);
        continue;
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        const passphrase = await options.secrets.passphrase(file, endpoint, attempt > 0);
        if (passphrase === undefined) break;
        options.redactor.add(passphrase);
        parsed = utils.parseKey(data, passphrase);
        if (!(parsed instanceof Error)) {
          tried.push(file);
          lastSecret = { kind: 'passphrase', id: secretId('passphrase', endpoint, file), value: passphrase };
          return { type: 'publickey', username: endpoint.user, key: data, passphrase };
        }
        log.warn(`ssh: wrong passphrase for ${file}`);
      }
    }
    return undefined;
  };

  const offer = async (methodsLeft: AuthenticationType[] | null): Promise<AuthOffer> => {
    lastSecret = undefined;
    const allowed = (m: AuthenticationType) => methodsLeft === null || methodsLeft.includes(m);
    if (step === 'agent') {
      step = 'keys';
      if (agent && allowed('publickey')) {
        tried.push('ssh-agent');
        return { type: 'agent', username: endpoint.user, agent };
      }
    }
    if (step === 'keys') {
      if (allowed('publickey')) {
        const key = await nextKey();
        if (key) return key;
      }
      step = 'password';
    }
    if (allowed('password') && passwordTries < 2) {
      const password = await options.secrets.password(endpoint, passwordTries > 0);
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
