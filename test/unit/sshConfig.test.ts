import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SshConfigResolver, parseUserHostPort } from '../../src/core/ssh/sshConfig';

const home = mkdtempSync(join(tmpdir(), 'home-'));
mkdirSync(join(home, '.ssh'));
writeFileSync(join(home, '.ssh', 'extra.conf'), 'Host included\n  HostName 10.99.0.8\n');

const config = `
Include extra.conf
Host bastion
  HostName 10.99.0.1
  User jump
  Port 2222
Host web web2
  HostName %h.example.internal
  User deploy
  IdentityFile ~/.ssh/web_key
  ProxyJump bastion
Host db
  HostName 10.99.0.3
  ProxyJump admin@10.99.0.2:2200,bastion
Host *
  User fallback
`;

test('HostName, User, Port, IdentityFile with tokens and ~', () => {
  const r = new SshConfigResolver(config, home, 'me');
  const web = r.resolve('web');
  assert.equal(web.hostName, 'web.example.internal');
  assert.equal(web.user, 'deploy');
  assert.equal(web.port, 22);
  assert.deepEqual(web.identityFiles, [join(home, '.ssh', 'web_key')]);
  assert.equal(web.explicitIdentity, true);
  assert.equal(web.jumps.length, 1);
  assert.equal(web.jumps[0]!.hostName, '10.99.0.1');
  assert.equal(web.jumps[0]!.port, 2222);
  assert.equal(web.jumps[0]!.user, 'jump');
});

test('explicit settings win over ssh config, defaults fill the rest', () => {
  const r = new SshConfigResolver(config, home, 'me');
  const web = r.resolve('web', { user: 'root', port: 2200, identityFile: '/keys/id' });
  assert.equal(web.user, 'root');
  assert.equal(web.port, 2200);
  assert.deepEqual(web.identityFiles, ['/keys/id']);
  const plain = r.resolve('10.99.0.50');
  assert.equal(plain.hostName, '10.99.0.50');
  assert.equal(plain.user, 'fallback');
  assert.equal(plain.explicitIdentity, false);
  assert.ok(plain.identityFiles.every((f) => f.startsWith(join(home, '.ssh'))));
  const none = new SshConfigResolver('', home, 'me').resolve('x');
  assert.equal(none.user, 'me');
});

test('ProxyJump chains resolve in order, with user@host:port hops', () => {
  const r = new SshConfigResolver(config, home, 'me');
  const db = r.resolve('db');
  assert.deepEqual(
    db.jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`),
    ['admin@10.99.0.2:2200', 'jump@10.99.0.1:2222'],
  );
});

test('Include files are read; aliases list only literal Host names', () => {
  const r = new SshConfigResolver(config, home, 'me');
  assert.equal(r.resolve('included').hostName, '10.99.0.8');
  assert.deepEqual(r.aliases().sort(), ['bastion', 'db', 'included', 'web', 'web2']);
});

test('a ProxyJump loop is refused with one sentence', () => {
  const r = new SshConfigResolver('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n', home, 'me');
  assert.throws(() => r.resolve('a'), /ProxyJump for .* nests more than/);
});

test('a bad port in ssh config is refused', () => {
  const r = new SshConfigResolver('Host p\n  Port 70000\n', home, 'me');
  assert.throws(() => r.resolve('p'), /must be a whole number from 1 to 65535/);
});

test('parseUserHostPort', () => {
  assert.deepEqual(parseUserHostPort('root@10.99.0.1:2222'), { user: 'root', host: '10.99.0.1', port: 2222 });
  assert.deepEqual(parseUserHostPort('h1'), { user: undefined, host: 'h1', port: undefined });
  assert.deepEqual(parseUserHostPort('u@[fd00::1]:22'), { user: 'u', host: 'fd00::1', port: 22 });
  assert.deepEqual(parseUserHostPort('fd00::1'), { user: undefined, host: 'fd00::1', port: undefined });
  assert.throws(() => parseUserHostPort('h:0'), /port/);
  assert.throws(() => parseUserHostPort('h:abc'), /port/);
  assert.throws(() => parseUserHostPort('@h'), /empty user/);
  assert.throws(() => parseUserHostPort('u@'), /names no host/);
});
