// The index of kept SSH secrets (SecretStorage cannot list its keys): what "Forget Saved Passphrases
// and Passwords" clears. SecretStorage and globalState are in-memory stand-ins with VS Code's contract.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretId } from '../../src/core/ssh/auth';
import type { SshEndpoint } from '../../src/core/ssh/sshConfig';
import { SecretIndex } from '../../src/vscode/platform/secretIndex';

function stores() {
  const secrets = new Map<string, string>();
  const state = new Map<string, unknown>();
  const storage = {
    get: async (k: string) => secrets.get(k),
    store: async (k: string, v: string) => void secrets.set(k, v),
    delete: async (k: string) => void secrets.delete(k),
  };
  const memento = {
    get: <T>(k: string, fallback?: T) => (state.has(k) ? (state.get(k) as T) : fallback) as T,
    update: async (k: string, v: unknown) => {
      // Like VS Code: what is stored is a JSON copy.
      await new Promise((r) => setImmediate(r));
      state.set(k, JSON.parse(JSON.stringify(v)));
    },
  };
  return { secrets, state, index: new SecretIndex(storage, memento) };
}

const endpoint = (hostName: string): SshEndpoint => ({
  alias: hostName,
  hostName,
  port: 22,
  user: 'root',
  identityFiles: ['/home/u/.ssh/id_ed25519'],
  explicitIdentity: false,
  jumps: [],
});

test('stored secrets are indexed by id only; forgetting one host leaves the others; forgetting all empties both', async () => {
  const { secrets, state, index } = stores();
  const h1 = secretId('password', endpoint('10.99.0.1'));
  const h2 = secretId('password', endpoint('10.99.0.2'));
  const key = secretId('passphrase', endpoint('10.99.0.1'), '/home/u/.ssh/id_ed25519');
  // Two hosts connecting at once: neither id is lost.
  await Promise.all([index.store(h1, 'pw-one'), index.store(h2, 'pw-two'), index.store(key, 'phrase')]);
  await index.store(h1, 'pw-one-again');
  assert.deepEqual(index.ids().sort(), [h1, h2, key].sort());
  assert.equal(await index.get(h1), 'pw-one-again');
  assert.doesNotMatch(JSON.stringify([...state]), /pw-|phrase"/, 'no value in globalState');

  // h1's ids (its password and its key's passphrase), as DockerHosts.secretIds lists them; one never kept.
  const neverKept = secretId('passphrase', endpoint('10.99.0.1'), '/home/u/.ssh/id_rsa');
  assert.equal(await index.forget([h1, key, neverKept]), 2);
  assert.deepEqual(index.ids(), [h2]);
  assert.deepEqual([...secrets.values()], ['pw-two']);

  assert.equal(await index.forget(), 1);
  assert.deepEqual(index.ids(), []);
  assert.equal(secrets.size, 0);
  assert.equal(await index.forget(), 0);
});

test('a secret kept before the index existed is forgotten for its host and counted', async () => {
  const { secrets, index } = stores();
  const id = secretId('password', endpoint('10.99.0.3'));
  secrets.set(`swarmOverlay.ssh.${id}`, 'old');
  assert.deepEqual(index.ids(), []);
  assert.equal(await index.forget([id]), 1);
  assert.equal(secrets.size, 0);
});
