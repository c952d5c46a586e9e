// Connect failures as users read them: fake ssh2 and socket errors in, one sentence out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelError, HostKeyMismatch, type SwarmOverlayError } from '../../src/core/errors';
import { authFailed, describeEndpoint, translateConnectError } from '../../src/core/ssh/connectErrors';
import type { SshEndpoint } from '../../src/core/ssh/sshConfig';

const hop = (hostName: string): SshEndpoint => ({
  alias: hostName,
  hostName,
  port: 22,
  user: 'ops',
  identityFiles: [],
  explicitIdentity: false,
  jumps: [],
});
const direct: SshEndpoint = { ...hop('10.99.0.2'), user: 'alice' };
const viaJumps: SshEndpoint = { ...direct, port: 2222, jumps: [hop('bastion'), hop('inner')] };

/** An error as ssh2 or a socket hands it over: a message plus `code` or `level`. */
const fake = (message: string, extra: { code?: string; level?: string } = {}) => Object.assign(new Error(message), extra);

function translated(err: Error, endpoint = direct, timeoutMs = 10_000): SwarmOverlayError {
  const out = translateConnectError(err, endpoint, timeoutMs);
  assert.equal(out.cause, err, 'the original error stays as the cause');
  return out;
}

test('endpoints are named user@host, with the port only when not 22 and the jump hosts in order', () => {
  assert.equal(describeEndpoint(direct), 'alice@10.99.0.2');
  assert.equal(describeEndpoint(viaJumps), 'alice@10.99.0.2:2222 (via bastion, inner)');
});

test('socket errors become HostUnreachable with one sentence each', () => {
  const cases: Array<[string, string]> = [
    ['ECONNREFUSED', 'alice@10.99.0.2 refused the connection: is sshd running on port 22?'],
    ['EHOSTUNREACH', 'alice@10.99.0.2 cannot be reached: no route to the host.'],
    ['ENETUNREACH', 'alice@10.99.0.2 cannot be reached: no route to the host.'],
    ['ENOTFOUND', 'The name 10.99.0.2 cannot be resolved.'],
    ['EAI_AGAIN', 'The name 10.99.0.2 cannot be resolved.'],
    ['ECONNRESET', 'alice@10.99.0.2 reset the connection during the SSH handshake.'],
  ];
  for (const [code, sentence] of cases) {
    const out = translated(fake(`connect ${code} 10.99.0.2:22`, { code }));
    assert.equal(out.kind, 'unreachable', code);
    assert.equal(out.message, sentence, code);
  }
});

test('the port and the jump hosts appear where they help', () => {
  const out = translated(fake('connect ECONNREFUSED', { code: 'ECONNREFUSED' }), viaJumps);
  assert.equal(out.message, 'alice@10.99.0.2:2222 (via bastion, inner) refused the connection: is sshd running on port 2222?');
});

test('timeouts, by ssh2 level or by message, say how long was waited', () => {
  const slow = translated(fake('whatever', { level: 'client-timeout' }), direct, 7_400);
  assert.equal(slow.message, 'alice@10.99.0.2 did not answer within 7 s.');
  const guard = translated(fake('Timed out while waiting for handshake'), direct, 10_000);
  assert.equal(guard.kind, 'unreachable');
  assert.equal(guard.message, 'alice@10.99.0.2 did not answer within 10 s.');
});

test('a refused login becomes AuthFailed', () => {
  const err = fake('All configured authentication methods failed', { level: 'client-authentication' });
  const out = translated(err);
  assert.equal(out.kind, 'auth');
  assert.equal(out.message, 'SSH authentication as alice on 10.99.0.2 failed.');
  assert.equal(out.cause, err);
});

test('anything else keeps its own words in one sentence; typed errors pass through untouched', () => {
  const other = translated(fake('Connection closed during the handshake'));
  assert.equal(other.message, 'Cannot connect to alice@10.99.0.2: Connection closed during the handshake.');
  const typed = new HostKeyMismatch('The host key of 10.99.0.2 has changed.', 'SHA256:x');
  assert.equal(translateConnectError(typed, direct, 10_000), typed);
  const closed = new ChannelError('The connection to alice@10.99.0.2 was closed.');
  assert.equal(translateConnectError(closed, direct, 10_000), closed);
});

test('authFailed names what was tried only when told', () => {
  assert.equal(authFailed(direct).message, 'SSH authentication as alice on 10.99.0.2 failed.');
  assert.equal(authFailed(direct).cause, undefined);
  const failed = 'SSH authentication as alice on 10.99.0.2 failed';
  assert.equal(authFailed(direct, { tried: [] }).message, `${failed} (tried: no key or password was available).`);
  assert.equal(authFailed(direct, { tried: ['ssh-agent', 'password'] }).message, `${failed} (tried: ssh-agent, password).`);
});
